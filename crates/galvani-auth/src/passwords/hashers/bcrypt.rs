//! bcrypt: `bcrypt_sha256$$2b$12$<salt and hash>` and `bcrypt$$2b$12$<salt and hash>`.
//!
//! Django's `BCryptSHA256PasswordHasher` runs bcrypt over the lowercase hex SHA-256 of the
//! password (64 bytes, so nothing is lost to bcrypt's 72-byte limit);
//! `BCryptPasswordHasher` runs it over the password itself. Either way Django stores
//! `<algorithm>$` followed by the 60-character modular-crypt string.
//!
//! bcrypt only reads the first 72 bytes of its input. Rather than accept every password
//! that shares a stored one's first 72 bytes, a plain `bcrypt$` hash never matches a
//! longer password (bcrypt 5, which Django 5.2 uses, refuses such passwords too).

use sha2::{Digest, Sha256};

use super::{Check, needs_rehash_if, parse_decimal};

/// The highest cost a stored hash may ask for: 2^16 rounds, about 4 s here. Django uses 12.
const MAX_COST: u32 = 16;
/// The longest input bcrypt reads in full.
const MAX_PASSWORD_LEN: usize = 72;

/// Checks `password` against `rest`, the hash after `bcrypt_sha256$`.
pub(super) fn verify_sha256(password: &str, rest: &str) -> Check {
    let digest = Sha256::digest(password.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    verify(hex.as_bytes(), rest)
}

/// Checks `password` against `rest`, the hash after `bcrypt$`.
pub(super) fn verify_plain(password: &str, rest: &str) -> Check {
    if password.len() > MAX_PASSWORD_LEN {
        return Check::Invalid;
    }
    verify(password.as_bytes(), rest)
}

/// `$<2a|2b|2y>$<cost>$<22 characters of salt><31 of hash>` (hence the `$$` after
/// Django's prefix).
fn verify(password: &[u8], crypt: &str) -> Check {
    if crypt.len() != 60 || !crypt.is_ascii() {
        return Check::Invalid;
    }
    let (prefix, cost) = (&crypt[..4], &crypt[4..6]);
    if !matches!(prefix, "$2a$" | "$2b$" | "$2y$") {
        return Check::Invalid;
    }
    if parse_decimal(cost).is_none_or(|cost| cost > MAX_COST) {
        return Check::Invalid;
    }
    // The password is at most 72 bytes here, so the crate's truncating verify truncates
    // nothing (its non-truncating one also refuses exactly 72 bytes, which bcrypt reads
    // in full). It compares in constant time.
    match bcrypt::verify(password, crypt) {
        Ok(matched) => needs_rehash_if(matched),
        Err(_) => Check::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery";

    // Made by Django 5.2.19 with bcrypt 5.0.0: make_password('correct horse battery',
    // hasher='bcrypt_sha256') and hasher='bcrypt' (cost 12).
    const DJANGO_SHA256: &str =
        "bcrypt_sha256$$2b$12$TPDRH3OOebrJYhnt4KWebu1rWxS6dCYW8wDEH9igfTobpoJLNoEd.";
    const DJANGO_PLAIN: &str =
        "bcrypt$$2b$12$IsafrU0utg8lfAGV3p7GEuZdM/LSczA3mYJSvAoTqSZLIUG0S9WQG";
    // Django 5.2.19: make_password('correct horse battery staple ' * 4,
    // hasher='bcrypt_sha256'), a 116-byte password.
    const DJANGO_SHA256_LONG: &str =
        "bcrypt_sha256$$2b$12$1AA07O67AfukuShPEbQd3eAm0oUaMc/Ijt7/tP8LjrWZJw3fM1nMG";
    // Django 5.2.19, subclasses with rounds=4.
    const DJANGO_SHA256_LOW: &str =
        "bcrypt_sha256$$2b$04$qH2wsU69ftb/LNDimpUC4ew1K4G2nKILYIRyJ/kG1VNa.rnU8Kvli";
    const DJANGO_PLAIN_LOW: &str =
        "bcrypt$$2b$04$yJ604PhmagnAQEziTf2hfOMH51WvmIs7ccmult5qyXEeau9pC9Wt.";

    fn check(password: &str, encoded: &str) -> Check {
        if let Some(rest) = encoded.strip_prefix("bcrypt_sha256$") {
            verify_sha256(password, rest)
        } else {
            verify_plain(password, encoded.strip_prefix("bcrypt$").expect("bcrypt"))
        }
    }

    #[test]
    fn django_cost_12_vectors() {
        assert_eq!(check(PASSWORD, DJANGO_SHA256), Check::ValidNeedsRehash);
        assert_eq!(check("correct horse", DJANGO_SHA256), Check::Invalid);
        assert_eq!(check(PASSWORD, DJANGO_PLAIN), Check::ValidNeedsRehash);
        assert_eq!(check("correct horse", DJANGO_PLAIN), Check::Invalid);
    }

    #[test]
    fn bcrypt_sha256_reads_long_passwords_in_full() {
        let long = "correct horse battery staple ".repeat(4);
        assert_eq!(check(&long, DJANGO_SHA256_LONG), Check::ValidNeedsRehash);
        // The same first 72 bytes and a different end.
        let mut other = long[..100].to_owned();
        other.push_str("something else entirely");
        assert_eq!(check(&other, DJANGO_SHA256_LONG), Check::Invalid);
    }

    #[test]
    fn django_low_cost_vectors() {
        assert_eq!(check(PASSWORD, DJANGO_SHA256_LOW), Check::ValidNeedsRehash);
        assert_eq!(check(PASSWORD, DJANGO_PLAIN_LOW), Check::ValidNeedsRehash);
        assert_eq!(check("", DJANGO_SHA256_LOW), Check::Invalid);
        assert_eq!(check("", DJANGO_PLAIN_LOW), Check::Invalid);
        // Plain bcrypt and bcrypt over the SHA-256 are not interchangeable.
        let swapped = DJANGO_PLAIN_LOW.replacen("bcrypt$", "bcrypt_sha256$", 1);
        assert_eq!(check(PASSWORD, &swapped), Check::Invalid);
    }

    #[test]
    fn plain_bcrypt_never_matches_a_password_over_72_bytes() {
        let crypt = bcrypt::hash("a".repeat(72), 4).expect("hash");
        assert_eq!(
            verify_plain(&"a".repeat(72), &crypt),
            Check::ValidNeedsRehash
        );
        // bcrypt itself would accept this one (same first 72 bytes).
        assert_eq!(verify_plain(&"a".repeat(73), &crypt), Check::Invalid);
    }

    #[test]
    fn absurd_costs_are_invalid_without_hashing() {
        let tail = "TPDRH3OOebrJYhnt4KWebu1rWxS6dCYW8wDEH9igfTobpoJLNoEd.";
        for cost in ["17", "31", "99"] {
            let rest = format!("$2b${cost}${tail}");
            assert_eq!(verify_sha256(PASSWORD, &rest), Check::Invalid, "{cost}");
        }
    }

    #[test]
    fn malformed_hashes_are_invalid() {
        let tail = "TPDRH3OOebrJYhnt4KWebu1rWxS6dCYW8wDEH9igfTobpoJLNoEd.";
        for rest in [
            String::new(),
            "$".into(),
            format!("$$2b$04${tail}"),
            format!("2b$04${tail}x"),
            format!("$2b$04${tail}x"),
            format!("$2b$04${}", &tail[1..]),
            format!("$2x$04${tail}"),
            format!("$2c$04${tail}"),
            format!("$2b$+4${tail}"),
            format!("$2b$03${tail}"),
            format!("$2b$04${}ü", &tail[2..]),
            format!("$2b$04$!{}", &tail[1..]),
            format!("$2b$04x{tail}"),
        ] {
            assert_eq!(verify_sha256(PASSWORD, &rest), Check::Invalid, "{rest:?}");
            assert_eq!(verify_plain(PASSWORD, &rest), Check::Invalid, "{rest:?}");
        }
    }
}
