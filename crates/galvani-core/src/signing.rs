//! Signing values with the secret key (Django's `django.core.signing`): a value sent to a
//! client and read back later (a cookie, a password-reset link) can be trusted not to have
//! been changed, and can be given a maximum age.
//!
//! A [`Signer`] is made for one purpose (its *salt*): a signature made for sessions is no
//! good as a message cookie. Signatures are HMAC-SHA256 under a key derived from the
//! secret key and the salt, checked in constant time; values signed with one of
//! `secret_key_fallbacks` still verify, so the key can be rotated without logging
//! everyone out.
//!
//! ```
//! use galvani_core::signing::Signer;
//! let signer = Signer::new("a-long-random-secret-key-for-this-example-only", "greeting");
//! let signed = signer.sign("hello");
//! assert_eq!(signer.unsign(&signed).unwrap(), "hello");
//! assert!(signer.unsign(&signed.replace("hello", "howdy")).is_err());
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

use crate::error::Error;
use crate::settings::Settings;

type HmacSha256 = Hmac<Sha256>;

/// Signs and verifies values for one purpose (the salt), under the current secret key and
/// any fallback keys.
#[derive(Clone)]
pub struct Signer {
    /// Derived keys: the current one first, then the fallbacks.
    keys: Vec<HmacSha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `salt` under `secret`.
    ///
    /// ```
    /// let s = galvani_core::signing::Signer::new("secret", "purpose");
    /// assert!(s.sign("x").starts_with("x:"));
    /// ```
    pub fn new(secret: &str, salt: &str) -> Signer {
        Signer::with_fallbacks(secret, std::iter::empty::<&str>(), salt)
    }

    /// A signer for `salt` under the settings' `secret_key`, accepting signatures made with
    /// any of `secret_key_fallbacks`.
    ///
    /// ```
    /// use galvani_core::{Settings, signing::Signer};
    /// let signer = Signer::from_settings(&Settings::default(), "sessions");
    /// let v = signer.sign("1");
    /// assert_eq!(signer.unsign(&v).unwrap(), "1");
    /// ```
    pub fn from_settings(settings: &Settings, salt: &str) -> Signer {
        Signer::with_fallbacks(
            settings.secret_key.expose(),
            settings.secret_key_fallbacks.iter().map(|k| k.expose()),
            salt,
        )
    }

    /// A signer under `secret` that also accepts signatures made with `fallbacks`.
    ///
    /// ```
    /// use galvani_core::signing::Signer;
    /// let old = Signer::new("old-key", "p").sign("v");
    /// let rotated = Signer::with_fallbacks("new-key", ["old-key"], "p");
    /// assert_eq!(rotated.unsign(&old).unwrap(), "v");
    /// assert_ne!(rotated.sign("v"), old);
    /// ```
    pub fn with_fallbacks<'a>(
        secret: &str,
        fallbacks: impl IntoIterator<Item = &'a str>,
        salt: &str,
    ) -> Signer {
        let keys = std::iter::once(derive(secret, salt))
            .chain(fallbacks.into_iter().map(|old| derive(old, salt)))
            .collect();
        Signer { keys }
    }

    /// `value:signature`. The value must not contain characters the caller cannot carry
    /// (a cookie takes base64; [`Signer::sign_json`] encodes for you).
    pub fn sign(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + 44);
        out.push_str(value);
        out.push(':');
        URL_SAFE_NO_PAD.encode_string(self.mac(0, value.as_bytes()), &mut out);
        out
    }

    /// The value of a `value:signature` string, if the signature matches one of the keys.
    pub fn unsign<'a>(&self, signed: &'a str) -> Result<&'a str, Error> {
        let (value, signature) = signed.rsplit_once(':').ok_or(Error::BadSignature {
            reason: "it has no signature",
        })?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Error::BadSignature {
                reason: "its signature is not base64",
            })?;
        let matches = self.keys.iter().any(|key| {
            let mut mac = key.clone();
            mac.update(value.as_bytes());
            mac.verify_slice(&signature).is_ok()
        });
        if matches {
            Ok(value)
        } else {
            Err(Error::BadSignature {
                reason: "its signature does not match",
            })
        }
    }

    /// `value:timestamp:signature`, for values that expire ([`Signer::unsign_max_age`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = galvani_core::signing::Signer::new("k", "reset");
    /// let token = s.sign_timestamped("42");
    /// assert_eq!(s.unsign_max_age(&token, Duration::from_secs(60)).unwrap(), "42");
    /// ```
    pub fn sign_timestamped(&self, value: &str) -> String {
        self.sign(&format!("{value}:{}", base36(now())))
    }

    /// The value of a [`Signer::sign_timestamped`] string no older than `max_age`.
    pub fn unsign_max_age(&self, signed: &str, max_age: Duration) -> Result<String, Error> {
        let stamped = self.unsign(signed)?;
        let (value, stamp) = stamped.rsplit_once(':').ok_or(Error::BadSignature {
            reason: "it has no timestamp",
        })?;
        let made = u64::from_str_radix(stamp, 36).map_err(|_| Error::BadSignature {
            reason: "its timestamp is not a number",
        })?;
        let age = now().saturating_sub(made);
        if age > max_age.as_secs() {
            return Err(Error::SignatureExpired {
                age: Duration::from_secs(age),
                max_age,
            });
        }
        Ok(value.to_owned())
    }

    /// Serialises `value` as JSON, base64-encodes it and signs it (with a timestamp).
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = galvani_core::signing::Signer::new("k", "cart");
    /// let signed = s.sign_json(&vec![1, 2, 3]);
    /// let back: Vec<u8> = s.unsign_json(&signed, Some(Duration::from_secs(5))).unwrap();
    /// assert_eq!(back, [1, 2, 3]);
    /// ```
    pub fn sign_json<T: Serialize + ?Sized>(&self, value: &T) -> String {
        // Serialising plain data to JSON cannot fail; a map with non-string keys can,
        // and then there is nothing sensible to sign.
        let json = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        self.sign_timestamped(&URL_SAFE_NO_PAD.encode(json))
    }

    /// Reads back a [`Signer::sign_json`] value, refusing it when older than `max_age`.
    pub fn unsign_json<T: DeserializeOwned>(
        &self,
        signed: &str,
        max_age: Option<Duration>,
    ) -> Result<T, Error> {
        let encoded = self.unsign_max_age(signed, max_age.unwrap_or(Duration::MAX))?;
        let json = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| Error::BadSignature {
                reason: "its value is not base64",
            })?;
        serde_json::from_slice(&json).map_err(|_| Error::BadSignature {
            reason: "its value is not the JSON expected",
        })
    }

    /// The raw HMAC of `data` under the current key: for tokens that carry their own
    /// layout (password-reset tokens). Compare results with [`constant_time_eq`].
    pub fn mac_of(&self, data: &[u8]) -> [u8; 32] {
        self.mac(0, data)
    }

    /// True when `mac` is the HMAC of `data` under the current key or a fallback.
    pub fn verify_mac(&self, data: &[u8], mac: &[u8]) -> bool {
        (0..self.keys.len()).any(|i| constant_time_eq(&self.mac(i, data), mac))
    }

    fn mac(&self, key: usize, data: &[u8]) -> [u8; 32] {
        let mut mac = self.keys[key].clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

/// Compares two byte strings in time that depends only on their lengths.
///
/// ```
/// use galvani_core::signing::constant_time_eq;
/// assert!(constant_time_eq(b"abc", b"abc"));
/// assert!(!constant_time_eq(b"abc", b"abd"));
/// assert!(!constant_time_eq(b"abc", b"ab"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.ct_eq(b).into()
}

/// `n` random bytes from the operating system, URL-safe base64 encoded.
///
/// ```
/// let a = galvani_core::signing::random_token(16);
/// assert_eq!(a.len(), 22);
/// assert_ne!(a, galvani_core::signing::random_token(16));
/// ```
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    fill_random(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Fills `bytes` from the operating system's random source.
///
/// # Panics
///
/// When the operating system has no random source: every token would be guessable,
/// so failing loudly is the only safe answer.
pub fn fill_random(bytes: &mut [u8]) {
    getrandom::fill(bytes).expect("the operating system's random source failed");
}

fn derive(secret: &str, salt: &str) -> HmacSha256 {
    let mut kdf =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    kdf.update(b"galvani.signing:");
    kdf.update(salt.as_bytes());
    let key = kdf.finalize().into_bytes();
    HmacSha256::new_from_slice(&key).expect("HMAC takes keys of any length")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_separate_purposes() {
        let a = Signer::new("key", "sessions");
        let b = Signer::new("key", "messages");
        assert!(b.unsign(&a.sign("v")).is_err());
    }

    #[test]
    fn tampering_is_refused() {
        let s = Signer::new("key", "p");
        let signed = s.sign("admin=0");
        assert!(s.unsign(&signed.replace("admin=0", "admin=1")).is_err());
        assert!(s.unsign("no-signature").is_err());
        assert!(s.unsign("v:!!!").is_err());
        assert!(s.unsign("").is_err());
    }

    #[test]
    fn old_timestamps_expire() {
        let s = Signer::new("key", "p");
        let old = s.sign(&format!("v:{}", base36(now() - 100)));
        assert!(matches!(
            s.unsign_max_age(&old, Duration::from_secs(10)),
            Err(Error::SignatureExpired { .. })
        ));
        assert_eq!(
            s.unsign_max_age(&old, Duration::from_secs(1000)).unwrap(),
            "v"
        );
    }

    #[test]
    fn base36_round_trips() {
        for n in [0, 35, 36, 1_700_000_000] {
            assert_eq!(u64::from_str_radix(&base36(n), 36).unwrap(), n);
        }
    }

    #[test]
    fn macs_verify_under_fallbacks() {
        let old = Signer::new("old", "p");
        let new = Signer::with_fallbacks("new", ["old"], "p");
        assert!(new.verify_mac(b"data", &old.mac_of(b"data")));
        assert!(!Signer::new("new", "p").verify_mac(b"data", &old.mac_of(b"data")));
    }
}
