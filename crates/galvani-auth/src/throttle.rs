//! Login throttling: after repeated wrong passwords for one account, or from one client
//! address, further attempts must wait, twice as long after each new failure.
//!
//! An attempt during the wait is refused before any password is checked, so guessing
//! in parallel gains nothing and a right guess during the wait is refused too. A
//! success clears the account's record (not the address's: logging into one's own
//! account must not reset the count of guesses at others'). Records are per process;
//! failures older than [`FORGET_AFTER`] are forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong passwords allowed for one account before waits begin.
pub const ACCOUNT_FREE_FAILURES: u32 = 10;
/// Wrong passwords allowed from one client address (over any accounts) before waits.
pub const ADDRESS_FREE_FAILURES: u32 = 50;
/// The first wait; each further failure doubles it.
pub const FIRST_DELAY: Duration = Duration::from_secs(2);
/// The longest wait.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A record with no failure for this long is dropped.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Records kept before stale ones are swept.
const SWEEP_AT: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
}

impl Record {
    /// When the next attempt may be made, if waits have begun.
    fn open_at(&self, free: u32) -> Option<Instant> {
        let over = self.failures.checked_sub(free)?;
        let delay = FIRST_DELAY
            .checked_mul(1u32.checked_shl(over).unwrap_or(u32::MAX))
            .unwrap_or(MAX_DELAY)
            .min(MAX_DELAY);
        Some(self.last + delay)
    }
}

/// The failure records of one process.
#[derive(Debug, Default)]
pub struct Throttle {
    records: Mutex<HashMap<Key, Record>>,
}

impl Throttle {
    /// How long the attempt for `username` from `addr` must still wait, if at all.
    pub fn wait(&self, username: &str, addr: Option<IpAddr>) -> Option<Duration> {
        self.wait_at(username, addr, Instant::now())
    }

    /// Records a wrong password.
    pub fn failed(&self, username: &str, addr: Option<IpAddr>) {
        self.failed_at(username, addr, Instant::now());
    }

    /// Records a successful login: the account's failures are forgotten.
    pub fn succeeded(&self, username: &str) {
        self.lock().remove(&account(username));
    }

    fn wait_at(&self, username: &str, addr: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let records = self.lock();
        let mut open = records
            .get(&account(username))
            .and_then(|r| r.open_at(ACCOUNT_FREE_FAILURES));
        if let Some(addr) = addr {
            let by_addr = records
                .get(&Key::Address(addr))
                .and_then(|r| r.open_at(ADDRESS_FREE_FAILURES));
            open = open.max(by_addr);
        }
        open.and_then(|at| at.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    fn failed_at(&self, username: &str, addr: Option<IpAddr>, now: Instant) {
        let mut records = self.lock();
        if records.len() >= SWEEP_AT {
            records.retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
        }
        let keys = std::iter::once(account(username)).chain(addr.map(Key::Address));
        for key in keys {
            let record = records.entry(key).or_insert(Record {
                failures: 0,
                last: now,
            });
            if now.duration_since(record.last) >= FORGET_AFTER {
                record.failures = 0;
            }
            record.failures = record.failures.saturating_add(1);
            record.last = now;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Usernames are matched case-insensitively here, so `Ada` and `ada` share a count.
fn account(username: &str) -> Key {
    Key::Account(username.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_attempt_waits_and_waits_double() {
        let t = Throttle::default();
        let start = Instant::now();
        let addr: Option<IpAddr> = "203.0.113.9".parse().ok();
        for _ in 0..ACCOUNT_FREE_FAILURES {
            assert_eq!(t.wait_at("ada", addr, start), None);
            t.failed_at("ada", addr, start);
        }
        assert_eq!(t.wait_at("ADA", addr, start), Some(FIRST_DELAY));
        assert_eq!(
            t.wait_at("grace", addr, start),
            None,
            "other accounts are not held up"
        );

        let later = start + FIRST_DELAY;
        assert_eq!(t.wait_at("ada", addr, later), None, "the wait is over");
        t.failed_at("ada", addr, later);
        assert_eq!(t.wait_at("ada", addr, later), Some(FIRST_DELAY * 2));

        t.succeeded("ada");
        assert_eq!(t.wait_at("ada", addr, later), None);
    }

    #[test]
    fn one_address_guessing_many_accounts_is_slowed_and_waits_are_capped() {
        let t = Throttle::default();
        let now = Instant::now();
        let addr: Option<IpAddr> = "198.51.100.7".parse().ok();
        for i in 0..ADDRESS_FREE_FAILURES {
            t.failed_at(&format!("user{i}"), addr, now);
        }
        assert_eq!(t.wait_at("someone-new", addr, now), Some(FIRST_DELAY));
        assert_eq!(t.wait_at("someone-new", None, now), None);

        for _ in 0..100 {
            t.failed_at("ada", None, now);
        }
        assert_eq!(t.wait_at("ada", None, now), Some(MAX_DELAY));
        assert_eq!(t.wait_at("ada", None, now + FORGET_AFTER), None);
        t.failed_at("ada", None, now + FORGET_AFTER);
        assert_eq!(
            t.wait_at("ada", None, now + FORGET_AFTER),
            None,
            "old failures forgotten"
        );
    }
}
