//! scrypt: `scrypt$<N>$<salt>$<r>$<p>$<hash>`.
//!
//! Django's `ScryptPasswordHasher` (Django 4.0 and later) writes the work factor `N`, the
//! salt (used as its ASCII text), the block size `r`, the parallelism `p` and 64 bytes of
//! output in padded standard base64, in that order: `scrypt$16384$<salt>$8$5$<hash>` with
//! its defaults.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use super::{Check, needs_rehash_if, parse_decimal};

/// The output length Django uses.
const HASH_LEN: usize = 64;
/// Caps on a stored hash's parameters (Django's default is N=2^14, r=8, p=5):
/// N at most 2^20, r at most 32, p at most 16, memory (128·N·r bytes) at most 256 MiB
/// (Argon2's cap too; Django's default takes 16 MiB) and work (N·r·p) at most 2^24,
/// about 25 times Django's default.
const MAX_LOG_N: u32 = 20;
const MAX_R: u32 = 32;
const MAX_P: u32 = 16;
const MAX_MEMORY: u64 = 256 << 20;
const MAX_WORK: u64 = 1 << 24;
/// The longest salt accepted (Django's are 22 characters).
const MAX_SALT_LEN: usize = 256;

/// Checks `password` against `rest`, the hash after `scrypt$`.
pub(super) fn verify(password: &str, rest: &str) -> Check {
    let Some((params, salt, expected)) = parse(rest) else {
        return Check::Invalid;
    };
    let mut out = [0u8; HASH_LEN];
    if scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out).is_err() {
        return Check::Invalid;
    }
    needs_rehash_if(out.ct_eq(expected.as_slice()).into())
}

/// Parses `<N>$<salt>$<r>$<p>$<hash>` and applies the caps.
fn parse(rest: &str) -> Option<(scrypt::Params, &str, Vec<u8>)> {
    let mut fields = rest.split('$');
    let n = parse_decimal(fields.next()?)?;
    let salt = fields.next()?;
    let r = parse_decimal(fields.next()?)?;
    let p = parse_decimal(fields.next()?)?;
    let expected = STANDARD.decode(fields.next()?).ok()?;
    if fields.next().is_some() || salt.len() > MAX_SALT_LEN || expected.len() != HASH_LEN {
        return None;
    }
    if !n.is_power_of_two() || n < 2 {
        return None;
    }
    let log_n = n.trailing_zeros();
    let (n64, r64, p64) = (u64::from(n), u64::from(r), u64::from(p));
    let within_caps = log_n <= MAX_LOG_N
        && (1..=MAX_R).contains(&r)
        && (1..=MAX_P).contains(&p)
        && 128 * n64 * r64 <= MAX_MEMORY
        && n64 * r64 * p64 <= MAX_WORK;
    if !within_caps {
        return None;
    }
    let params = scrypt::Params::new(u8::try_from(log_n).ok()?, r, p).ok()?;
    Some((params, salt, expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery";

    // Made by Django 5.2.19: make_password('correct horse battery', hasher='scrypt')
    // (N=16384, r=8, p=5).
    const DJANGO_DEFAULT: &str = "scrypt$16384$Y9numgD142JM47fF3cqU9y$8$5$/1N/1HcgWLBJLHsArD+uiLFQF/2FujB/ZEBskOjlUmqArzBFzdmTz6OxO6UFJyJF5e0GukZ2ulX9zFco3KXKqA==";
    // Django 5.2.19: a ScryptPasswordHasher subclass with work_factor=2**10,
    // block_size=8, parallelism=1, encode('correct horse battery', 'seasalt').
    const DJANGO_LOW: &str = "scrypt$1024$seasalt$8$1$fTwdYrxXK5/OG6iyAYN++CxTZgMb6MHXR6rhVXIgSHjQ7FiXuVEFz4EvVUsmygTk21KAcS7joGurlDlxzzruZA==";
    const LOW_HASH: &str =
        "fTwdYrxXK5/OG6iyAYN++CxTZgMb6MHXR6rhVXIgSHjQ7FiXuVEFz4EvVUsmygTk21KAcS7joGurlDlxzzruZA==";

    fn check(password: &str, encoded: &str) -> Check {
        verify(password, encoded.strip_prefix("scrypt$").expect("scrypt"))
    }

    #[test]
    fn django_vectors() {
        assert_eq!(check(PASSWORD, DJANGO_DEFAULT), Check::ValidNeedsRehash);
        assert_eq!(
            check("correct horse batteryy", DJANGO_DEFAULT),
            Check::Invalid
        );
        assert_eq!(check(PASSWORD, DJANGO_LOW), Check::ValidNeedsRehash);
        assert_eq!(check("", DJANGO_LOW), Check::Invalid);
    }

    #[test]
    fn every_parameter_is_part_of_the_hash() {
        for changed in [
            format!("2048$seasalt$8$1${LOW_HASH}"),
            format!("1024$seasalT$8$1${LOW_HASH}"),
            format!("1024$seasalt$4$1${LOW_HASH}"),
            format!("1024$seasalt$8$2${LOW_HASH}"),
        ] {
            assert_eq!(verify(PASSWORD, &changed), Check::Invalid, "{changed}");
        }
    }

    #[test]
    fn parameters_over_the_caps_are_invalid_without_hashing() {
        for params in [
            "2097152$seasalt$8$1",
            "2147483648$seasalt$8$1",
            "1048576$seasalt$16$1",
            "1024$seasalt$33$1",
            "1024$seasalt$8$17",
            "1048576$seasalt$8$1",
            "262144$seasalt$16$1",
            "262144$seasalt$8$9",
        ] {
            let rest = format!("{params}${LOW_HASH}");
            assert_eq!(verify(PASSWORD, &rest), Check::Invalid, "{params}");
        }
    }

    #[test]
    fn malformed_hashes_are_invalid() {
        for rest in [
            String::new(),
            "1024".into(),
            "1024$seasalt$8$1".into(),
            format!("1000$seasalt$8$1${LOW_HASH}"),
            format!("1$seasalt$8$1${LOW_HASH}"),
            format!("0$seasalt$8$1${LOW_HASH}"),
            format!("1024$seasalt$0$1${LOW_HASH}"),
            format!("1024$seasalt$8$0${LOW_HASH}"),
            format!("1024$seasalt$8$1${LOW_HASH}$"),
            format!("1024$seasalt$-8$1${LOW_HASH}"),
            format!("1024$seasalt$8$1${}", &LOW_HASH[..LOW_HASH.len() - 2]),
            "1024$seasalt$8$1$AAAA".into(),
            "1024$seasalt$8$1$ü".into(),
            format!("1024${}$8$1${LOW_HASH}", "s".repeat(MAX_SALT_LEN + 1)),
        ] {
            assert_eq!(verify(PASSWORD, &rest), Check::Invalid, "{rest:?}");
        }
    }
}
