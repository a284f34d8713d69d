//! `[apps.sessions]`: where sessions are kept and how their cookie is set.

use galvani_core::settings::Seconds;
use serde::Deserialize;

/// Where session data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A table in the project's database (this app's migration makes it).
    #[default]
    Db,
    /// A Redis server (`redis_url`), for several processes; needs the `redis` feature.
    Redis,
    /// The data itself, signed, in the cookie: no storage, but no server-side revocation.
    Cookie,
}

/// The `[apps.sessions]` section.
///
/// ```toml
/// [apps.sessions]
/// backend = "redis"
/// redis_url = "redis://127.0.0.1:6379/0"
/// age = "7d"
/// ```
///
/// ```
/// let settings = galvani_core::Settings::from_toml("[apps.sessions]\nage = \"1h\"\n").unwrap();
/// let s: galvani_sessions::SessionSettings = settings.app("sessions").unwrap();
/// assert_eq!(s.age.as_duration().as_secs(), 3600);
/// assert_eq!(s.cookie_name, "sessionid");
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// The store.
    pub backend: Backend,
    /// The cookie's name.
    pub cookie_name: String,
    /// How long a session lives after it was last saved.
    pub age: Seconds,
    /// A cookie without `Max-Age`, which browsers drop when they close.
    pub expire_at_browser_close: bool,
    /// The cookie's `Domain` (empty: only the host that set it).
    pub cookie_domain: String,
    /// The cookie's `Path`.
    pub cookie_path: String,
    /// The Redis server, for `backend = "redis"`.
    pub redis_url: String,
    /// The prefix of the Redis keys.
    pub redis_prefix: String,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            backend: Backend::Db,
            cookie_name: "sessionid".to_owned(),
            age: Seconds::new(14 * 24 * 3600),
            expire_at_browser_close: false,
            cookie_domain: String::new(),
            cookie_path: "/".to_owned(),
            redis_url: "redis://127.0.0.1:6379/0".to_owned(),
            redis_prefix: "galvani:session:".to_owned(),
        }
    }
}
