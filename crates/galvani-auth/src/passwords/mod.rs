//! Passwords: hashing, checking and validating them, like Django's
//! `django.contrib.auth.hashers` and `password_validation`.
//!
//! New passwords are hashed with Argon2id ([`make_password`]) in Django's own format, so a
//! Galvani database and a Django one can share users. [`check_password`] also verifies
//! the hashes Django writes (PBKDF2-SHA256, its default, PBKDF2-SHA1, Argon2, bcrypt,
//! bcrypt-SHA256 and scrypt) and says when one should be replaced by a fresh
//! [`make_password`] hash at the next login ([`Check::ValidNeedsRehash`]).
//!
//! ```
//! use galvani_auth::passwords::{Check, check_password, make_password};
//!
//! let encoded = make_password("correct horse battery staple");
//! assert_eq!(check_password("correct horse battery staple", &encoded), Check::Valid);
//! assert_eq!(check_password("Tr0ub4dor&3", &encoded), Check::Invalid);
//! ```

mod common;
mod hashers;
mod unusable;
mod validators;

use std::sync::LazyLock;

pub use validators::{UserAttributes, validate_password};

/// What [`check_password`] found.
///
/// ```
/// use galvani_auth::passwords::{Check, check_password};
///
/// // A hash from Django 5.2 (PBKDF2-SHA256 with few iterations): right, but due for an
/// // Argon2id rehash.
/// let django = "pbkdf2_sha256$1000$seasalt$DrdiWD40lyBuydnjvZiDrdQMx1S1mOA9O0QYex0R6ww=";
/// let check = check_password("correct horse battery", django);
/// assert_eq!(check, Check::ValidNeedsRehash);
/// assert!(check.is_valid());
/// assert!(!check_password("wrong", django).is_valid());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The password does not match, or the stored hash is unusable, malformed, of an
    /// unknown format, or asks for more work than is allowed.
    Invalid,
    /// The password matches a hash that is exactly what [`make_password`] writes today.
    Valid,
    /// The password matches, but the hash is an older algorithm or other parameters than
    /// [`make_password`]'s: the caller should store `make_password(password)` now, while
    /// it has the password.
    ValidNeedsRehash,
}

impl Check {
    /// Whether the password matched ([`Check::Valid`] or [`Check::ValidNeedsRehash`]).
    ///
    /// ```
    /// use galvani_auth::passwords::Check;
    ///
    /// assert!(Check::Valid.is_valid());
    /// assert!(Check::ValidNeedsRehash.is_valid());
    /// assert!(!Check::Invalid.is_valid());
    /// ```
    #[must_use]
    pub fn is_valid(self) -> bool {
        !matches!(self, Check::Invalid)
    }
}

/// Hashes a new password: Argon2id (version 19, 19 MiB of memory, 2 passes, 1 lane, a
/// random 16-byte salt, a 32-byte hash) in Django's format,
/// `argon2$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (the PHC string after `argon2`,
/// base64 without padding). Django's `Argon2PasswordHasher` verifies these hashes too.
///
/// Every call takes a few tens of milliseconds, on purpose; in async code, call it from
/// `tokio::task::spawn_blocking`.
///
/// ```
/// use galvani_auth::passwords::make_password;
///
/// let encoded = make_password("correct horse battery staple");
/// assert!(encoded.starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"));
/// assert_ne!(encoded, make_password("correct horse battery staple"));
/// ```
///
/// # Panics
/// If the operating system's random number generator fails.
#[must_use]
pub fn make_password(password: &str) -> String {
    hashers::argon2_hash(password)
}

/// Checks `password` against a stored hash `encoded`.
///
/// Understands the hashes [`make_password`] writes and Django's `pbkdf2_sha256`,
/// `pbkdf2_sha1`, `argon2` (argon2id, argon2i and argon2d), `bcrypt_sha256`, `bcrypt`
/// and `scrypt` formats. Hashes are compared in constant time. Unusable passwords,
/// unknown formats, malformed hashes and hashes whose cost parameters are absurd (more
/// than 10,000,000 PBKDF2 iterations, a bcrypt cost over 16, scrypt or Argon2 asking for
/// more than 256 MiB or far more work than Django's defaults) are [`Check::Invalid`]; no
/// input makes it panic.
///
/// Like [`make_password`], this is slow on purpose: in async code, call it from
/// `tokio::task::spawn_blocking`.
///
/// ```
/// use galvani_auth::passwords::{Check, check_password, make_password};
///
/// let encoded = make_password("correct horse battery staple");
/// assert_eq!(check_password("correct horse battery staple", &encoded), Check::Valid);
/// assert_eq!(check_password("correct horse battery", &encoded), Check::Invalid);
/// assert_eq!(check_password("anything", "!unusable"), Check::Invalid);
/// assert_eq!(check_password("anything", "md5$salt$hash"), Check::Invalid);
/// ```
#[must_use]
pub fn check_password(password: &str, encoded: &str) -> Check {
    hashers::verify(password, encoded)
}

/// Makes an unusable password: `!` followed by 40 random alphanumeric characters. Store
/// it for a user who must not log in with a password (Django's `set_unusable_password`);
/// no password matches it.
///
/// ```
/// use galvani_auth::passwords::{
///     Check, check_password, is_password_usable, make_unusable_password,
/// };
///
/// let unusable = make_unusable_password();
/// assert!(unusable.starts_with('!'));
/// assert_eq!(unusable.len(), 41);
/// assert!(!is_password_usable(&unusable));
/// assert_eq!(check_password("", &unusable), Check::Invalid);
/// ```
///
/// # Panics
/// If the operating system's random number generator fails.
#[must_use]
pub fn make_unusable_password() -> String {
    unusable::make()
}

/// Whether `encoded` is a usable password hash: false for an unusable password (starting
/// with `!`), an empty string, and a string whose algorithm prefix [`check_password`]
/// does not know. Like Django's `identify_hasher`, it looks at the prefix only: a usable
/// hash may still fail to parse when checked.
///
/// ```
/// use galvani_auth::passwords::{is_password_usable, make_password};
///
/// assert!(is_password_usable(&make_password("correct horse battery staple")));
/// assert!(is_password_usable("pbkdf2_sha256$1000000$salt$hash="));
/// assert!(!is_password_usable("!h5Kq2Yp8Lr3Nm6Tv9Wx1Zb4Cd7Fg0Hj2Kl5Mn8Pq"));
/// assert!(!is_password_usable(""));
/// assert!(!is_password_usable("md5$salt$hash"));
/// ```
#[must_use]
pub fn is_password_usable(encoded: &str) -> bool {
    !encoded.starts_with(unusable::PREFIX) && hashers::is_known_format(encoded)
}

/// A hash with [`make_password`]'s parameters, made on first use, for [`dummy_check`].
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| make_password("galvani dummy password for timing"));

/// Spends as long as checking a password against a [`make_password`] hash, and checks
/// nothing: call it when a login names a user that does not exist, so that the answer
/// takes as long as for one that does and does not tell which usernames are taken.
///
/// It runs a full Argon2id verification against a fixed hash with [`make_password`]'s
/// parameters (the first call also makes that hash).
///
/// ```
/// use galvani_auth::passwords::dummy_check;
///
/// dummy_check("whatever the visitor typed");
/// ```
pub fn dummy_check(password: &str) {
    std::hint::black_box(check_password(std::hint::black_box(password), &DUMMY_HASH));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    // Made by Django 5.2.19 (with argon2-cffi 25.1.0, bcrypt 5.0.0), one per format, with
    // low costs so that the test is quick (the hashers' own tests also check hashes made
    // with Django's default costs): PBKDF2PasswordHasher().encode('correct horse battery',
    // 'seasalt', 1000), the same with PBKDF2SHA1PasswordHasher; argon2-cffi's
    // low_level.hash_secret (argon2id, salt b'somesalt1234', t=1, m=64, p=1) with Django's
    // "argon2" prefix; and encode() of subclasses of BCryptSHA256PasswordHasher and
    // BCryptPasswordHasher (rounds=4) and of ScryptPasswordHasher (N=1024, r=8, p=1).
    const DJANGO_5_2: [&str; 6] = [
        "pbkdf2_sha256$1000$seasalt$DrdiWD40lyBuydnjvZiDrdQMx1S1mOA9O0QYex0R6ww=",
        "pbkdf2_sha1$1000$seasalt$LPTbYn9/9ALjztx0Dtq5V+DLYLg=",
        "argon2$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQxMjM0$T9eD4zPOm19553fUYy2JNTm1viT2D72el4DDyHLlDQE",
        "bcrypt_sha256$$2b$04$qH2wsU69ftb/LNDimpUC4ew1K4G2nKILYIRyJ/kG1VNa.rnU8Kvli",
        "bcrypt$$2b$04$yJ604PhmagnAQEziTf2hfOMH51WvmIs7ccmult5qyXEeau9pC9Wt.",
        "scrypt$1024$seasalt$8$1$fTwdYrxXK5/OG6iyAYN++CxTZgMb6MHXR6rhVXIgSHjQ7FiXuVEFz4EvVUsmygTk21KAcS7joGurlDlxzzruZA==",
    ];

    // Made by make_password("correct horse battery staple") here. Checked by hand with
    // Django 5.2.19 (argon2-cffi 25.1.0, PASSWORD_HASHERS with Argon2PasswordHasher):
    // check_password('correct horse battery staple', OURS) returned True, and
    // check_password('correct horse battery', OURS) returned False (and
    // identify_hasher(OURS).must_update(OURS) True, since Django's own Argon2 parameters
    // are m=102400, t=2, p=8).
    const OURS: &str = "argon2$argon2id$v=19$m=19456,t=2,p=1$wTLgJhL4fty2rO9Y303gdQ$qoRR4519G4M5MMUOLYaizZO+28RKSkGwTpqWn3FQhfw";

    #[test]
    fn every_django_format_verifies_and_needs_rehash() {
        for encoded in DJANGO_5_2 {
            assert_eq!(
                check_password("correct horse battery", encoded),
                Check::ValidNeedsRehash,
                "{encoded}"
            );
            assert_eq!(
                check_password("correct horse batterz", encoded),
                Check::Invalid,
                "{encoded}"
            );
            assert!(is_password_usable(encoded));
        }
    }

    #[test]
    fn a_hash_from_make_password_checked_by_django_verifies_here() {
        assert_eq!(
            check_password("correct horse battery staple", OURS),
            Check::Valid
        );
        assert_eq!(
            check_password("correct horse battery", OURS),
            Check::Invalid
        );
    }

    #[test]
    fn make_password_round_trips() {
        let encoded = make_password("pässwörd ünïcödé 🐴");
        assert_eq!(
            check_password("pässwörd ünïcödé 🐴", &encoded),
            Check::Valid
        );
        assert_eq!(
            check_password("passwörd ünïcödé 🐴", &encoded),
            Check::Invalid
        );
        assert_eq!(check_password("", &encoded), Check::Invalid);
        let empty = make_password("");
        assert_eq!(check_password("", &empty), Check::Valid);
        assert!(is_password_usable(&empty));
    }

    #[test]
    fn unusable_passwords_never_match() {
        let unusable = make_unusable_password();
        assert!(!is_password_usable(&unusable));
        for password in ["", "!", &unusable, &unusable[1..]] {
            assert_eq!(check_password(password, &unusable), Check::Invalid);
        }
        assert_ne!(make_unusable_password(), unusable);
    }

    #[test]
    fn empty_and_unknown_hashes_are_not_usable() {
        for encoded in [
            "",
            "!",
            "$",
            "argon2",
            "md5$a$b",
            "sha1$a$b",
            "unsalted_md5$$x",
        ] {
            assert!(!is_password_usable(encoded), "{encoded:?}");
            assert_eq!(check_password("x", encoded), Check::Invalid);
        }
    }

    #[test]
    fn garbage_never_panics() {
        let samples = [
            "argon2$",
            "argon2$$$$$$",
            "pbkdf2_sha256$$$",
            "pbkdf2_sha1$9$",
            "bcrypt$",
            "bcrypt$$",
            "bcrypt_sha256$$2b$",
            "scrypt$$$$$$",
            "scrypt$16384$",
            "$$$",
            "argon2$argon2id$v=19$m=19456,t=2,p=1$$",
            "pbkdf2_sha256$1$ü$ü",
            "bcrypt$$2b$1ü$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ];
        for encoded in samples {
            assert_eq!(
                check_password("password", encoded),
                Check::Invalid,
                "{encoded:?}"
            );
        }
        // Every prefix of every real hash, cut at every character. (A cut Argon2 hash
        // field would still be hashed, with a shorter output, so Argon2 hashes are cut
        // only before it; the other formats refuse a short hash before any work.)
        for encoded in DJANGO_5_2.iter().copied().chain([OURS]) {
            let last_field = encoded.rfind('$').unwrap_or(0);
            for (end, _) in encoded.char_indices().skip(1) {
                if encoded.starts_with("argon2") && end > last_field {
                    break;
                }
                let cut = &encoded[..end];
                assert_eq!(
                    check_password("correct horse battery", cut),
                    Check::Invalid,
                    "{cut}"
                );
            }
        }
    }

    #[test]
    fn dummy_check_takes_about_as_long_as_a_real_check() {
        dummy_check("warm up: makes the dummy hash");
        let encoded = make_password("correct horse battery staple");
        let start = Instant::now();
        let _ = check_password("wrong password", &encoded);
        let real = start.elapsed();
        let start = Instant::now();
        dummy_check("wrong password");
        let dummy = start.elapsed();
        // Same algorithm and parameters; allow for a noisy, shared machine.
        assert!(
            dummy * 4 > real && real * 4 > dummy,
            "{dummy:?} vs {real:?}"
        );
    }

    #[test]
    fn check_is_valid() {
        assert!(Check::Valid.is_valid());
        assert!(Check::ValidNeedsRehash.is_valid());
        assert!(!Check::Invalid.is_valid());
    }
}
