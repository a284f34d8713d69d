//! What the auth app keeps for every request: the database, the signer of session
//! hashes, and its settings.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use galvani_core::signing::Signer;
use galvani_orm::Db;

use crate::models::User;
use crate::settings::AuthSettings;

/// Registered as project data by the auth app.
pub struct AuthState {
    pub(crate) db: Db,
    pub(crate) signer: Signer,
    pub(crate) session_cookie: String,
    pub(crate) settings: AuthSettings,
    pub(crate) throttle: crate::throttle::Throttle,
    pub(crate) reset_tokens: crate::tokens::PasswordResetTokens,
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState").finish_non_exhaustive()
    }
}

impl AuthState {
    /// What the session keeps to prove it logged in with the current password: an HMAC
    /// of the password hash, so changing the password ends every other session.
    pub(crate) fn session_hash(&self, user: &User) -> String {
        URL_SAFE_NO_PAD.encode(self.signer.mac_of(user.password.as_bytes()))
    }

    /// Whether a session's stored hash proves `user`'s current password, under the
    /// current secret key or one of `secret_key_fallbacks` (so rotating the key does not
    /// log everyone out).
    pub(crate) fn session_hash_matches(&self, user: &User, hash: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(hash)
            .is_ok_and(|mac| self.signer.verify_mac(user.password.as_bytes(), &mac))
    }
}
