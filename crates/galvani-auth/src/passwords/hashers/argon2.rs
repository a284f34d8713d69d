//! Argon2: `argon2$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`.
//!
//! Django's `Argon2PasswordHasher` writes `argon2` followed by the PHC string that
//! argon2-cffi makes (`$argon2id$v=19$...`, salt and hash in unpadded standard base64).
//! Hashes from before Django 1.10 have no `v=` field; those are Argon2 version 1.0 (0x10),
//! as argon2-cffi assumes. This is also the format [`hash`] writes for `make_password`.

use ::argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, STANDARD_NO_PAD_INDIFFERENT};
use subtle::ConstantTimeEq;

use super::{Check, parse_decimal};

/// `make_password`'s memory cost in KiB (19 MiB): OWASP's minimum for Argon2id.
const M_COST: u32 = 19_456;
/// `make_password`'s number of passes.
const T_COST: u32 = 2;
/// `make_password`'s degree of parallelism.
const P_COST: u32 = 1;
/// `make_password`'s salt length in bytes.
const SALT_LEN: usize = 16;
/// `make_password`'s hash length in bytes.
const HASH_LEN: usize = 32;

/// Caps on a stored hash's parameters (Django's default is m=102400, t=2, p=8): memory
/// at most 256 MiB, at most 16 passes, 64 lanes, and memory times passes at most 1 GiB.
const MAX_M_COST: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 64;
const MAX_WORK: u64 = 1024 * 1024;
/// Caps on the salt and hash lengths in bytes (argon2-cffi uses 16 and 32).
const MAX_SALT_LEN: usize = 64;
const MAX_HASH_LEN: usize = 64;

/// Hashes `password` with Argon2id and `make_password`'s parameters and a fresh random
/// salt, in Django's format.
///
/// # Panics
/// If the operating system's random number generator fails.
pub(crate) fn hash(password: &str) -> String {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).expect("the operating system's random number generator failed");
    let out = compute(password, &salt);
    format!(
        "argon2$argon2id$v=19$m={M_COST},t={T_COST},p={P_COST}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    )
}

/// Argon2id with `make_password`'s parameters.
fn compute(password: &str, salt: &[u8]) -> [u8; HASH_LEN] {
    let params = Params::new(M_COST, T_COST, P_COST, Some(HASH_LEN))
        .expect("make_password's Argon2 parameters are valid");
    let mut out = [0u8; HASH_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, &mut out)
        .expect("a 16-byte salt and a 32-byte output are within Argon2's limits");
    out
}

/// Checks `password` against `rest`, the hash after `argon2$`.
pub(super) fn verify(password: &str, rest: &str) -> Check {
    let Some(stored) = Stored::parse(rest) else {
        return Check::Invalid;
    };
    let Ok(params) = Params::new(stored.m, stored.t, stored.p, Some(stored.hash.len())) else {
        return Check::Invalid;
    };
    let mut out = [0u8; MAX_HASH_LEN];
    let out = &mut out[..stored.hash.len()];
    if Argon2::new(stored.algorithm, stored.version, params)
        .hash_password_into(password.as_bytes(), &stored.salt, out)
        .is_err()
    {
        return Check::Invalid;
    }
    if !bool::from(out.ct_eq(stored.hash.as_slice())) {
        return Check::Invalid;
    }
    if stored.is_current() {
        Check::Valid
    } else {
        Check::ValidNeedsRehash
    }
}

/// A parsed stored Argon2 hash, within the caps.
#[derive(Debug)]
struct Stored {
    algorithm: Algorithm,
    version: Version,
    m: u32,
    t: u32,
    p: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Stored {
    /// Parses `<variant>[$v=<version>]$<params>$<salt>$<hash>`; `None` when malformed or
    /// over the caps.
    fn parse(rest: &str) -> Option<Self> {
        let mut fields = rest.split('$');
        let algorithm = match fields.next()? {
            "argon2id" => Algorithm::Argon2id,
            "argon2i" => Algorithm::Argon2i,
            "argon2d" => Algorithm::Argon2d,
            _ => return None,
        };
        let mut field = fields.next()?;
        let version = match field.strip_prefix("v=") {
            Some(number) => {
                field = fields.next()?;
                Version::try_from(parse_decimal(number)?).ok()?
            }
            None => Version::V0x10,
        };
        let (m, t, p) = parse_params(field)?;
        let salt = STANDARD_NO_PAD_INDIFFERENT.decode(fields.next()?).ok()?;
        let hash = STANDARD_NO_PAD_INDIFFERENT.decode(fields.next()?).ok()?;
        if fields.next().is_some()
            || salt.len() > MAX_SALT_LEN
            || hash.is_empty()
            || hash.len() > MAX_HASH_LEN
        {
            return None;
        }
        Some(Self {
            algorithm,
            version,
            m,
            t,
            p,
            salt,
            hash,
        })
    }

    /// Whether this is exactly what `make_password` writes today.
    fn is_current(&self) -> bool {
        self.algorithm == Algorithm::Argon2id
            && self.version == Version::V0x13
            && (self.m, self.t, self.p) == (M_COST, T_COST, P_COST)
            && self.salt.len() >= SALT_LEN
            && self.hash.len() == HASH_LEN
    }
}

/// Parses `m=<KiB>,t=<passes>,p=<lanes>` (each once, in any order, nothing else) and
/// applies the caps.
fn parse_params(field: &str) -> Option<(u32, u32, u32)> {
    let (mut m, mut t, mut p) = (None, None, None);
    for pair in field.split(',') {
        let (name, value) = pair.split_once('=')?;
        let slot = match name {
            "m" => &mut m,
            "t" => &mut t,
            "p" => &mut p,
            _ => return None,
        };
        if slot.replace(parse_decimal(value)?).is_some() {
            return None;
        }
    }
    let (m, t, p) = (m?, t?, p?);
    let within_caps = m <= MAX_M_COST
        && t <= MAX_T_COST
        && p <= MAX_P_COST
        && u64::from(m) * u64::from(t) <= MAX_WORK;
    within_caps.then_some((m, t, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery";

    // Made by Django 5.2.19 with argon2-cffi 25.1.0:
    // make_password('correct horse battery', hasher='argon2') (Django's defaults:
    // m=102400, t=2, p=8).
    const DJANGO_DEFAULT: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$eDV4REVzNk9WbktkdDJUc3ZtWDdYNg$dYB307kvqzjM7qKCYSh6jukrAG7HjBCVIqcNuFLHlRw";
    // Django 5.2.19, a subclass of Argon2PasswordHasher with time_cost=2,
    // memory_cost=19456, parallelism=1: exactly make_password's parameters.
    const DJANGO_OURS: &str = "argon2$argon2id$v=19$m=19456,t=2,p=1$RzFuNkxyTzFicnd5SnIxdUliWTJrMg$5666fUZu1iX+HqFbyHghMNFUB/L+HopCWVlGf3P2gtA";
    // argon2-cffi 25.1.0 low_level.hash_secret(salt=b'somesalt1234', t=1, m=64, p=1,
    // hash_len=32) with the "argon2" prefix; Django 5.2.19's check_password accepts each.
    const DJANGO_ARGON2I: &str = "argon2$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQxMjM0$jS+7XpRYSn7+jJREZdYuc5hDoHDKODdQPdwOqUzw5F8";
    const DJANGO_ARGON2D: &str = "argon2$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHQxMjM0$I74aRBQaswU5TU8LBq7WMocH2uDjh5VU5yAxokb1jfI";
    const DJANGO_ARGON2I_V16: &str = "argon2$argon2i$v=16$m=64,t=1,p=1$c29tZXNhbHQxMjM0$OGCChn+ajaWKX9L3yu1oBSKDwuL6THoIazEBGquoTsk";
    // The pre-Django-1.10 format: no v= field, version 0x10 implied (the same hash as above).
    const DJANGO_ARGON2I_NO_VERSION: &str =
        "argon2$argon2i$m=64,t=1,p=1$c29tZXNhbHQxMjM0$OGCChn+ajaWKX9L3yu1oBSKDwuL6THoIazEBGquoTsk";
    // Django 5.2.19: make_password('pässwörd ünïcödé 🐴', hasher='argon2').
    const DJANGO_UNICODE: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$enBaS09GazIyUWxva0lZYVh1NjVycQ$G42ey7TS6oqPUtFSetFHU3oPbUwRLT6Jy2eto3ZMLkk";

    fn check(password: &str, encoded: &str) -> Check {
        let rest = encoded.strip_prefix("argon2$").expect("an argon2 hash");
        verify(password, rest)
    }

    #[test]
    fn django_default_parameters_verify_and_need_rehash() {
        assert_eq!(check(PASSWORD, DJANGO_DEFAULT), Check::ValidNeedsRehash);
        assert_eq!(
            check("correct horse batterY", DJANGO_DEFAULT),
            Check::Invalid
        );
        assert_eq!(
            check("pässwörd ünïcödé 🐴", DJANGO_UNICODE),
            Check::ValidNeedsRehash
        );
        assert_eq!(check("passwörd ünïcödé 🐴", DJANGO_UNICODE), Check::Invalid);
    }

    #[test]
    fn django_hash_with_our_parameters_is_current() {
        assert_eq!(check(PASSWORD, DJANGO_OURS), Check::Valid);
        assert_eq!(check("wrong", DJANGO_OURS), Check::Invalid);
    }

    #[test]
    fn other_variants_and_versions_verify_and_need_rehash() {
        for encoded in [
            DJANGO_ARGON2I,
            DJANGO_ARGON2D,
            DJANGO_ARGON2I_V16,
            DJANGO_ARGON2I_NO_VERSION,
        ] {
            assert_eq!(
                check(PASSWORD, encoded),
                Check::ValidNeedsRehash,
                "{encoded}"
            );
            assert_eq!(check("wrong", encoded), Check::Invalid, "{encoded}");
        }
        // The version is part of the hash: claiming 0x13 for a 0x10 hash fails.
        let relabelled = DJANGO_ARGON2I_V16.replace("v=16", "v=19");
        assert_eq!(check(PASSWORD, &relabelled), Check::Invalid);
    }

    #[test]
    fn our_hash_round_trips_and_is_current() {
        let encoded = hash(PASSWORD);
        assert!(encoded.starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"));
        let fields: Vec<&str> = encoded.split('$').collect();
        assert_eq!(fields.len(), 6);
        assert_eq!(fields[4].len(), 22, "16 bytes of salt, unpadded");
        assert_eq!(fields[5].len(), 43, "32 bytes of hash, unpadded");
        assert_eq!(check(PASSWORD, &encoded), Check::Valid);
        assert_eq!(check("correct horse batter", &encoded), Check::Invalid);
        assert_ne!(hash(PASSWORD), encoded, "a fresh salt every time");
    }

    #[test]
    fn parameters_over_the_caps_are_invalid_without_hashing() {
        for params in [
            "m=262145,t=1,p=1",
            "m=4294967295,t=1,p=1",
            "m=65536,t=17,p=1",
            "m=262144,t=8,p=1",
            "m=65536,t=2,p=65",
        ] {
            let encoded = format!(
                "argon2id$v=19${params}$c29tZXNhbHQxMjM0$jS+7XpRYSn7+jJREZdYuc5hDoHDKODdQPdwOqUzw5F8"
            );
            assert_eq!(verify(PASSWORD, &encoded), Check::Invalid, "{params}");
        }
    }

    #[test]
    fn malformed_hashes_are_invalid() {
        let salt = "c29tZXNhbHQxMjM0";
        let hash = "jS+7XpRYSn7+jJREZdYuc5hDoHDKODdQPdwOqUzw5F8";
        for rest in [
            String::new(),
            "argon2id".into(),
            "argon2x$v=19$m=64,t=1,p=1$c29tZXNhbHQxMjM0$aGFzaA".into(),
            format!("argon2i$v=18$m=64,t=1,p=1${salt}${hash}"),
            format!("argon2i$v=$m=64,t=1,p=1${salt}${hash}"),
            format!("argon2i$v=19$m=64,t=1${salt}${hash}"),
            format!("argon2i$v=19$m=64,t=1,p=1,p=1${salt}${hash}"),
            format!("argon2i$v=19$m=64,t=1,p=1,keyid=AAAA${salt}${hash}"),
            format!("argon2i$v=19$m=64,t=0,p=1${salt}${hash}"),
            format!("argon2i$v=19$m=1,t=1,p=1${salt}${hash}"),
            format!("argon2i$v=19$m=64,t=1,p=0${salt}${hash}"),
            format!("argon2i$v=19$m=x,t=1,p=1${salt}${hash}"),
            format!("argon2i$v=19$m=64,t=1,p=1${salt}"),
            format!("argon2i$v=19$m=64,t=1,p=1${salt}${hash}$extra"),
            format!("argon2i$v=19$m=64,t=1,p=1$c2FsdA${hash}"),
            format!("argon2i$v=19$m=64,t=1,p=1$!!!${hash}"),
            format!("argon2i$v=19$m=64,t=1,p=1${salt}$"),
            format!("argon2i$v=19$m=64,t=1,p=1${salt}$ü"),
            format!("argon2i$v=19$m=64,t=1,p=1${}${hash}", "A".repeat(100)),
            format!("argon2i$v=19$m=64,t=1,p=1${salt}${}", "A".repeat(100)),
        ] {
            assert_eq!(verify(PASSWORD, &rest), Check::Invalid, "{rest:?}");
        }
    }
}
