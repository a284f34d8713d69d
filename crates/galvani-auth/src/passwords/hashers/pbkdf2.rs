//! PBKDF2: `pbkdf2_sha256$<iterations>$<salt>$<hash>` and `pbkdf2_sha1$...`.
//!
//! Django's `PBKDF2PasswordHasher` (its default) and `PBKDF2SHA1PasswordHasher`:
//! PBKDF2-HMAC-SHA256 (32-byte output) or PBKDF2-HMAC-SHA1 (20 bytes), the salt used as
//! its ASCII text, the output in padded standard base64. The `pbkdf2` crate computes
//! it; its generic code is instantiated in this crate, which is why the workspace builds
//! galvani-auth optimised even in dev and test builds (unoptimised, Django's 1,000,000
//! iterations took 5 s).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use super::{Check, needs_rehash_if, parse_decimal};

/// The most iterations a stored hash may ask for (Django 6.0 uses 1,200,000).
const MAX_ITERATIONS: u32 = 10_000_000;
/// The longest salt accepted (Django's are 22 characters).
const MAX_SALT_LEN: usize = 256;

/// Checks `password` against `rest`, the hash after `pbkdf2_sha256$`.
pub(super) fn verify_sha256(password: &str, rest: &str) -> Check {
    verify(password, rest, 32, |p, s, rounds, out| {
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(p, s, rounds, out);
    })
}

/// Checks `password` against `rest`, the hash after `pbkdf2_sha1$`.
pub(super) fn verify_sha1(password: &str, rest: &str) -> Check {
    verify(password, rest, 20, |p, s, rounds, out| {
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(p, s, rounds, out);
    })
}

/// `<iterations>$<salt>$<base64 of the output>`, `len` bytes of PBKDF2 by `derive`.
fn verify(
    password: &str,
    rest: &str,
    len: usize,
    derive: impl Fn(&[u8], &[u8], u32, &mut [u8]),
) -> Check {
    let mut fields = rest.splitn(3, '$');
    let (Some(iterations), Some(salt), Some(expected)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Check::Invalid;
    };
    let Some(iterations) = parse_decimal(iterations) else {
        return Check::Invalid;
    };
    if iterations == 0 || iterations > MAX_ITERATIONS || salt.len() > MAX_SALT_LEN {
        return Check::Invalid;
    }
    let Ok(expected) = STANDARD.decode(expected) else {
        return Check::Invalid;
    };
    if expected.len() != len {
        return Check::Invalid;
    }
    let mut out = vec![0u8; len];
    derive(password.as_bytes(), salt.as_bytes(), iterations, &mut out);
    needs_rehash_if(out.as_slice().ct_eq(expected.as_slice()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery";

    // Made by Django 5.2.19: make_password('correct horse battery', hasher=...), the
    // default 1,000,000 iterations.
    const DJANGO_SHA256: &str =
        "pbkdf2_sha256$1000000$9KaR7LwiNYHUYw4wFIOQ91$UUFevw6ZMrD3Vxoz7bidZQqpVOWWEq7KH6DXXXIPkEI=";
    const DJANGO_SHA1: &str =
        "pbkdf2_sha1$1000000$ZbG57EmcB7HGto1cLRJelt$LQBONb/O/pRfvjxlRBxtZI/qFGI=";
    // Django 5.2.19: make_password('pässwörd ünïcödé 🐴', hasher='pbkdf2_sha256').
    const DJANGO_UNICODE: &str =
        "pbkdf2_sha256$1000000$MC91BmwDqpX2lMKo35QHtH$fyCoY8yTZ21gjhKwJm1QgoNX7Gx5EoUG4MTifpitFlo=";
    // Django 5.2.19: PBKDF2PasswordHasher().encode('correct horse battery', 'seasalt', 1000)
    // and the same with PBKDF2SHA1PasswordHasher.
    const DJANGO_SHA256_LOW: &str =
        "pbkdf2_sha256$1000$seasalt$DrdiWD40lyBuydnjvZiDrdQMx1S1mOA9O0QYex0R6ww=";
    const DJANGO_SHA1_LOW: &str = "pbkdf2_sha1$1000$seasalt$LPTbYn9/9ALjztx0Dtq5V+DLYLg=";

    fn check(password: &str, encoded: &str) -> Check {
        let (algorithm, rest) = encoded.split_once('$').expect("a Django hash");
        match algorithm {
            "pbkdf2_sha256" => verify_sha256(password, rest),
            "pbkdf2_sha1" => verify_sha1(password, rest),
            other => panic!("not a pbkdf2 hash: {other}"),
        }
    }

    #[test]
    fn django_sha256_vectors() {
        assert_eq!(check(PASSWORD, DJANGO_SHA256), Check::ValidNeedsRehash);
        assert_eq!(check("correct horse batter", DJANGO_SHA256), Check::Invalid);
        assert_eq!(
            check("pässwörd ünïcödé 🐴", DJANGO_UNICODE),
            Check::ValidNeedsRehash
        );
    }

    #[test]
    fn django_sha1_vectors() {
        assert_eq!(check(PASSWORD, DJANGO_SHA1), Check::ValidNeedsRehash);
        assert_eq!(check("Correct horse battery", DJANGO_SHA1), Check::Invalid);
    }

    #[test]
    fn django_low_iteration_vectors() {
        assert_eq!(check(PASSWORD, DJANGO_SHA256_LOW), Check::ValidNeedsRehash);
        assert_eq!(check(PASSWORD, DJANGO_SHA1_LOW), Check::ValidNeedsRehash);
        assert_eq!(check("", DJANGO_SHA256_LOW), Check::Invalid);
        assert_eq!(check("", DJANGO_SHA1_LOW), Check::Invalid);
        // The algorithm is part of the hash: a SHA-256 hash relabelled as SHA-1 fails on
        // its length, and the salt matters.
        let relabelled = DJANGO_SHA256_LOW.replace("pbkdf2_sha256", "pbkdf2_sha1");
        assert_eq!(check(PASSWORD, &relabelled), Check::Invalid);
        let resalted = DJANGO_SHA256_LOW.replace("seasalt", "seasalT");
        assert_eq!(check(PASSWORD, &resalted), Check::Invalid);
    }

    #[test]
    fn rfc_6070_vector() {
        // RFC 6070 (PBKDF2-HMAC-SHA1), test 2, in Django's layout.
        let expected = STANDARD.encode([
            0xea, 0x6c, 0x01, 0x4d, 0xc7, 0x2d, 0x6f, 0x8c, 0xcd, 0x1e, 0xd9, 0x2a, 0xce, 0x1d,
            0x41, 0xf0, 0xd8, 0xde, 0x89, 0x57,
        ]);
        let rest = format!("2$salt${expected}");
        assert_eq!(verify_sha1("password", &rest), Check::ValidNeedsRehash);
        assert_eq!(verify_sha1("passwore", &rest), Check::Invalid);
    }

    #[test]
    fn absurd_iterations_are_invalid_without_hashing() {
        let hash = "DrdiWD40lyBuydnjvZiDrdQMx1S1mOA9O0QYex0R6ww=";
        for iterations in ["10000001", "4294967295", "99999999999", "0"] {
            let rest = format!("{iterations}$seasalt${hash}");
            assert_eq!(
                verify_sha256(PASSWORD, &rest),
                Check::Invalid,
                "{iterations}"
            );
        }
    }

    #[test]
    fn malformed_hashes_are_invalid() {
        let hash = "DrdiWD40lyBuydnjvZiDrdQMx1S1mOA9O0QYex0R6ww=";
        for rest in [
            String::new(),
            "1000".into(),
            "1000$seasalt".into(),
            format!("$seasalt${hash}"),
            format!("+1000$seasalt${hash}"),
            format!("1000.0$seasalt${hash}"),
            "1000$seasalt$".into(),
            "1000$seasalt$DrdiWD40lyBuydnjvZiDrdQMx1S1mOA9O0QYex0R6ww".into(),
            "1000$seasalt$DrdiWD40lyBuydnjvZiDrdQMx1S1mOA9O0QYex0R6ww=$".into(),
            "1000$seasalt$!!!!".into(),
            "1000$seasalt$ü".into(),
            "1000$seasalt$AAAA".into(),
            format!("1000${}${hash}", "s".repeat(MAX_SALT_LEN + 1)),
        ] {
            assert_eq!(verify_sha256(PASSWORD, &rest), Check::Invalid, "{rest:?}");
        }
    }
}
