//! Verifying Django's password-hash formats.
//!
//! A Django hash is `<algorithm>$<algorithm-specific fields>`. [`verify`] splits off the
//! algorithm and hands the rest to the module for that format; anything it does not know,
//! or cannot parse, is [`Check::Invalid`]. Every format caps its cost parameters before
//! doing any work, so that a hash planted in the database cannot make a login burn
//! seconds of CPU or gigabytes of memory.

mod argon2;
mod bcrypt;
mod pbkdf2;
mod scrypt;

use super::Check;

pub(super) use self::argon2::hash as argon2_hash;

/// The algorithm names (the part before the first `$`) that [`verify`] understands.
const KNOWN_ALGORITHMS: [&str; 6] = [
    "argon2",
    "pbkdf2_sha256",
    "pbkdf2_sha1",
    "bcrypt_sha256",
    "bcrypt",
    "scrypt",
];

/// No Django hash comes near this; longer strings are refused before parsing.
const MAX_ENCODED_LEN: usize = 1024;

/// Checks `password` against a Django-format hash.
pub(super) fn verify(password: &str, encoded: &str) -> Check {
    if encoded.len() > MAX_ENCODED_LEN {
        return Check::Invalid;
    }
    let Some((algorithm, rest)) = encoded.split_once('$') else {
        return Check::Invalid;
    };
    match algorithm {
        "argon2" => argon2::verify(password, rest),
        "pbkdf2_sha256" => pbkdf2::verify_sha256(password, rest),
        "pbkdf2_sha1" => pbkdf2::verify_sha1(password, rest),
        "bcrypt_sha256" => bcrypt::verify_sha256(password, rest),
        "bcrypt" => bcrypt::verify_plain(password, rest),
        "scrypt" => scrypt::verify(password, rest),
        _ => Check::Invalid,
    }
}

/// Whether `encoded` names an algorithm [`verify`] knows (Django's `identify_hasher`: the
/// prefix only, the rest is not parsed).
pub(super) fn is_known_format(encoded: &str) -> bool {
    encoded
        .split_once('$')
        .is_some_and(|(algorithm, _)| KNOWN_ALGORITHMS.contains(&algorithm))
}

/// Parses a decimal number made of ASCII digits only (no sign, no spaces), as Django writes
/// them; `None` for anything else, including overflow.
fn parse_decimal(field: &str) -> Option<u32> {
    if field.is_empty() || field.len() > 10 || !field.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    field.parse().ok()
}

/// The verdict for a non-Argon2id format whose hash matched or did not.
fn needs_rehash_if(matched: bool) -> Check {
    if matched {
        Check::ValidNeedsRehash
    } else {
        Check::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_decimal_accepts_only_plain_digits() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("1000000"), Some(1_000_000));
        assert_eq!(parse_decimal("4294967295"), Some(u32::MAX));
        for bad in [
            "",
            "+5",
            "-5",
            " 5",
            "5 ",
            "4294967296",
            "99999999999",
            "1e6",
            "0x10",
            "١٢",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn unknown_and_malformed_formats_are_invalid() {
        for encoded in [
            "",
            "$",
            "plain",
            "md5$salt$hash",
            "sha1$salt$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
            "unsalted_md5$$5f4dcc3b5aa765d61d8327deb882cf99",
            "crypt$$abN0hCLnvgGbU",
            "!unusable",
            "PBKDF2_SHA256$1000$salt$hash",
        ] {
            assert_eq!(verify("password", encoded), Check::Invalid, "{encoded:?}");
        }
        let huge = format!("pbkdf2_sha256$1000$salt${}", "A".repeat(MAX_ENCODED_LEN));
        assert_eq!(verify("password", &huge), Check::Invalid);
    }

    #[test]
    fn known_formats_are_recognised_by_prefix() {
        for encoded in [
            "argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "pbkdf2_sha256$1$s$h",
            "pbkdf2_sha1$1$s$h",
            "bcrypt_sha256$$2b$12$x",
            "bcrypt$$2b$12$x",
            "scrypt$16384$s$8$5$h",
        ] {
            assert!(is_known_format(encoded), "{encoded:?}");
        }
        for encoded in ["", "!abc", "md5$a$b", "argon2", "sha1$a$b"] {
            assert!(!is_known_format(encoded), "{encoded:?}");
        }
    }
}
