//! Password-reset tokens: `{timestamp}-{mac}`, where the MAC covers the user's id,
//! password hash, last login and email, and the timestamp.
//!
//! Nothing is stored. A token stops working when it expires, and as soon as it is used:
//! setting the new password changes the hash it was made from (logging in, which
//! changes `last_login`, ends it too).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use galvani_core::signing::Signer;

use crate::models::User;

/// Makes and checks password-reset tokens.
///
/// ```
/// use std::time::Duration;
/// use galvani_auth::{PasswordResetTokens, User};
///
/// let tokens = PasswordResetTokens::new("a secret key", Duration::from_secs(3600));
/// let mut user = User::new("ada", "ada@example.com");
/// user.id = 7;
/// let token = tokens.make(&user);
/// assert!(tokens.check(&user, &token));
/// user.set_password("a brand new passphrase");
/// assert!(!tokens.check(&user, &token), "used: the password changed");
/// ```
#[derive(Clone)]
pub struct PasswordResetTokens {
    signer: Signer,
    max_age: Duration,
}

impl std::fmt::Debug for PasswordResetTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetTokens")
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl PasswordResetTokens {
    /// Tokens signed with `secret`, valid for `max_age`.
    pub fn new(secret: &str, max_age: Duration) -> Self {
        PasswordResetTokens {
            signer: Signer::new(secret, "galvani.auth.password-reset"),
            max_age,
        }
    }

    pub(crate) fn from_signer(signer: Signer, max_age: Duration) -> Self {
        PasswordResetTokens { signer, max_age }
    }

    /// A token for `user`, valid from now.
    pub fn make(&self, user: &User) -> String {
        self.make_at(user, now())
    }

    /// Whether `token` was made for `user` as they are now, and has not expired.
    pub fn check(&self, user: &User, token: &str) -> bool {
        self.check_at(user, token, now())
    }

    fn make_at(&self, user: &User, at: u64) -> String {
        format!("{at:x}-{}", URL_SAFE_NO_PAD.encode(self.mac(user, at)))
    }

    fn check_at(&self, user: &User, token: &str, now: u64) -> bool {
        let Some((stamp, mac)) = token.split_once('-') else {
            return false;
        };
        let Ok(at) = u64::from_str_radix(stamp, 16) else {
            return false;
        };
        if at > now.saturating_add(60) || now.saturating_sub(at) > self.max_age.as_secs() {
            return false;
        }
        let Ok(mac) = URL_SAFE_NO_PAD.decode(mac) else {
            return false;
        };
        // The current key or a fallback: rotating the key does not void sent links.
        self.signer.verify_mac(&Self::data(user, at), &mac)
    }

    fn mac(&self, user: &User, at: u64) -> [u8; 32] {
        self.signer.mac_of(&Self::data(user, at))
    }

    fn data(user: &User, at: u64) -> Vec<u8> {
        let last_login = user
            .last_login
            .map(|t| t.unix_timestamp_nanos().to_string())
            .unwrap_or_default();
        // Fields joined with a separator no field can contain unescaped.
        let data = [
            user.id.to_string(),
            user.password.clone(),
            last_login,
            user.email.to_lowercase(),
            at.to_string(),
        ]
        .join("\u{0}");
        data.into_bytes()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        let mut user = User::new("ada", "ada@example.com");
        user.id = 1;
        user.password = "argon2$argon2id$fixed".to_owned();
        user
    }

    #[test]
    fn tokens_expire_and_belong_to_one_user_and_state() {
        let tokens = PasswordResetTokens::new("k", Duration::from_secs(100));
        let t = tokens.make_at(&user(), 1000);
        assert!(tokens.check_at(&user(), &t, 1050));
        assert!(!tokens.check_at(&user(), &t, 1101), "expired");
        assert!(!tokens.check_at(&user(), &t, 900), "from the future");

        let mut other = user();
        other.id = 2;
        assert!(!tokens.check_at(&other, &t, 1050));
        let mut logged_in = user();
        logged_in.last_login = Some(time::OffsetDateTime::now_utc());
        assert!(!tokens.check_at(&logged_in, &t, 1050), "a login ends it");

        let rotated = PasswordResetTokens::from_signer(
            Signer::with_fallbacks("new key", ["k"], "galvani.auth.password-reset"),
            Duration::from_secs(100),
        );
        assert!(
            rotated.check_at(&user(), &t, 1050),
            "a fallback key still verifies"
        );
        let other_key = PasswordResetTokens::new("other", Duration::from_secs(100));
        assert!(!other_key.check_at(&user(), &t, 1050));
        for junk in ["", "-", "zz-abc", "3e8-!!!", "3e8"] {
            assert!(!tokens.check_at(&user(), junk, 1050), "{junk}");
        }
    }
}
