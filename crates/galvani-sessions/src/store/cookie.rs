//! `backend = "cookie"`: the session's record travels in the cookie, signed with the
//! secret key (and dated, so it stops being accepted after `age`). The store lives for
//! one request: it hands tower-sessions the record the cookie carried, and keeps what
//! the handler saved for the middleware to sign into the response's cookie.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use galvani_core::signing::Signer;
use time::OffsetDateTime;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Result, SessionStore};

/// What a browser can carry in one cookie, name and attributes included.
pub(crate) const MAX_COOKIE: usize = 4096;

/// The per-request store of the cookie backend.
#[derive(Debug)]
pub(crate) struct CookieStore {
    record: Mutex<Option<Record>>,
}

impl CookieStore {
    /// The store for a request whose cookie held `signed` (if any): a record that is
    /// genuine, not older than `age` and not expired, or none.
    pub(crate) fn from_cookie(signer: &Signer, signed: Option<&str>, age: Duration) -> Self {
        let record = signed
            .and_then(|s| signer.unsign_json::<Record>(s, Some(age)).ok())
            .filter(|r| r.expiry_date > OffsetDateTime::now_utc());
        CookieStore {
            record: Mutex::new(record),
        }
    }

    /// The id of the record the cookie carried.
    pub(crate) fn id(&self) -> Option<Id> {
        self.lock().as_ref().map(|r| r.id)
    }

    /// The record to sign into the response's cookie.
    pub(crate) fn saved(&self) -> Option<Record> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Record>> {
        self.record.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl SessionStore for CookieStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        *self.lock() = Some(record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        *self.lock() = Some(record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        Ok(self.lock().clone().filter(|r| r.id == *id))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let mut slot = self.lock();
        if slot.as_ref().is_some_and(|r| r.id == *id) {
            *slot = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(expires_in: time::Duration) -> Record {
        Record {
            id: Id::default(),
            data: [("cart".to_owned(), serde_json::json!([1, 2]))].into(),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[test]
    fn a_signed_record_comes_back_and_a_forged_one_does_not() {
        let signer = Signer::new("key", "sessions");
        let r = record(time::Duration::hours(1));
        let signed = signer.sign_json(&r);
        let store = CookieStore::from_cookie(&signer, Some(&signed), Duration::from_secs(60));
        assert_eq!(store.saved(), Some(r.clone()));
        assert_eq!(store.id(), Some(r.id));

        let forged = signed.replacen('e', "f", 1);
        let store = CookieStore::from_cookie(&signer, Some(&forged), Duration::from_secs(60));
        assert_eq!(store.saved(), None);
        let other = Signer::new("other key", "sessions");
        let store = CookieStore::from_cookie(&other, Some(&signed), Duration::from_secs(60));
        assert_eq!(store.saved(), None);
    }

    #[test]
    fn an_expired_record_is_not_read() {
        let signer = Signer::new("key", "sessions");
        let signed = signer.sign_json(&record(time::Duration::seconds(-1)));
        let store = CookieStore::from_cookie(&signer, Some(&signed), Duration::from_secs(60));
        assert_eq!(store.saved(), None);
    }
}
