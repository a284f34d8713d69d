//! `[apps.auth]`: where login lives and where users go after it.

use serde::Deserialize;

/// The `[apps.auth]` section.
///
/// ```
/// let settings = galvani_core::Settings::from_toml("[apps.auth]\nlogin_url = \"/login/\"\n").unwrap();
/// let auth: galvani_auth::AuthSettings = settings.app("auth").unwrap();
/// assert_eq!(auth.login_url, "/login/");
/// assert_eq!(auth.login_redirect_url, "/");
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Where pages that need a login send anonymous visitors (with `?next=`).
    pub login_url: String,
    /// Where a login without `next` goes.
    pub login_redirect_url: String,
    /// Where logout goes.
    pub logout_redirect_url: String,
    /// How long a password-reset link works.
    pub password_reset_timeout: galvani_core::settings::Seconds,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            login_url: "/accounts/login/".to_owned(),
            login_redirect_url: "/".to_owned(),
            logout_redirect_url: "/".to_owned(),
            password_reset_timeout: galvani_core::settings::Seconds::new(3 * 24 * 3600),
        }
    }
}
