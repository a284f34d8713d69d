//! The typed sections of `galvani.toml`. Every field has a default, so a
//! settings file only lists what it changes. `docs/reference/settings.md`
//! lists them all.

use std::path::PathBuf;

use serde::Deserialize;

use super::values::{ByteSize, Seconds, Secret, string_or_list};

/// `[server]`: how `runserver` listens and what a request may cost.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// The address `runserver` binds when none is given on the command line.
    pub addr: String,
    /// How long a request may take before it is answered with 503 (`timeout` middleware).
    pub request_timeout: Seconds,
    /// The largest request body accepted; larger ones get 413 (`body_limit` middleware).
    pub max_body_size: ByteSize,
    /// Slow-client protection: how long a client may take to send its first bytes, and
    /// how long an HTTP/1 connection may go without a request begun or being served
    /// before it is closed (after one to two such periods).
    pub header_read_timeout: Seconds,
    /// The most request headers a client may send.
    pub max_headers: usize,
    /// The most simultaneous connections; further clients wait in the accept queue.
    pub max_connections: usize,
    /// How long a graceful shutdown waits for in-flight requests.
    pub shutdown_timeout: Seconds,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            addr: "127.0.0.1:8000".to_owned(),
            request_timeout: Seconds::new(30),
            max_body_size: ByteSize::new(2_621_440),
            header_read_timeout: Seconds::new(10),
            max_headers: 100,
            max_connections: 25_000,
            shutdown_timeout: Seconds::new(30),
        }
    }
}

/// `[security]`: response headers and HTTPS handling.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SecuritySettings {
    /// The `Content-Security-Policy` header; empty turns it off. A per-response nonce is
    /// added to `script-src` and `style-src` when a template is rendered.
    pub content_security_policy: String,
    /// The `X-Frame-Options` header; empty turns it off.
    pub x_frame_options: String,
    /// The `Referrer-Policy` header; empty turns it off.
    pub referrer_policy: String,
    /// The `Cross-Origin-Opener-Policy` header; empty turns it off.
    pub cross_origin_opener_policy: String,
    /// Send `X-Content-Type-Options: nosniff`.
    pub content_type_nosniff: bool,
    /// `Strict-Transport-Security` max-age in seconds on HTTPS responses; 0 turns it off.
    pub hsts_seconds: u64,
    /// Add `includeSubDomains` to the HSTS header.
    pub hsts_include_subdomains: bool,
    /// Add `preload` to the HSTS header.
    pub hsts_preload: bool,
    /// Redirect plain-HTTP requests to HTTPS (301).
    pub ssl_redirect: bool,
    /// A `Header: value` pair set by a trusted proxy on HTTPS requests, such as
    /// `"X-Forwarded-Proto: https"`. Only set it when a proxy strips that header from clients.
    pub proxy_ssl_header: Option<String>,
    /// Trust `X-Forwarded-Host` (only behind a proxy that sets it).
    pub use_x_forwarded_host: bool,
    /// Mark the framework's cookies (session, CSRF, messages) `Secure` on every response,
    /// not only on those to HTTPS requests. Turn it on in production when TLS ends at a
    /// proxy that does not tell the site (no `proxy_ssl_header`).
    pub secure_cookies: bool,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            content_security_policy: "default-src 'self'; base-uri 'self'; form-action 'self'; \
                                      frame-ancestors 'none'; object-src 'none'"
                .to_owned(),
            x_frame_options: "DENY".to_owned(),
            referrer_policy: "same-origin".to_owned(),
            cross_origin_opener_policy: "same-origin".to_owned(),
            content_type_nosniff: true,
            hsts_seconds: 0,
            hsts_include_subdomains: false,
            hsts_preload: false,
            ssl_redirect: false,
            proxy_ssl_header: None,
            use_x_forwarded_host: false,
            secure_cookies: false,
        }
    }
}

/// `[csrf]`: cross-site request forgery protection (see [`crate::csrf`]).
///
/// ```toml
/// [csrf]
/// trusted_origins = ["https://pay.example.com"]   # origins allowed to post here
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CsrfSettings {
    /// The cookie holding the secret the tokens are checked against.
    pub cookie_name: String,
    /// How long the cookie lives.
    pub cookie_age: Seconds,
    /// Other origins (`https://host[:port]`) whose pages may send unsafe requests here.
    #[serde(deserialize_with = "string_or_list")]
    pub trusted_origins: Vec<String>,
}

impl Default for CsrfSettings {
    fn default() -> Self {
        CsrfSettings {
            cookie_name: "csrftoken".to_owned(),
            cookie_age: Seconds::new(365 * 24 * 3600),
            trusted_origins: Vec::new(),
        }
    }
}

/// `[cors]`: cross-origin requests. With no allowed origins, CORS stays off and browsers
/// keep their same-origin rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CorsSettings {
    /// Origins allowed to call this site, such as `https://app.example.com`.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_origins: Vec<String>,
    /// Methods allowed in cross-origin requests.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_methods: Vec<String>,
    /// Request headers allowed in cross-origin requests.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_headers: Vec<String>,
    /// Response headers the browser may show to the calling script.
    #[serde(deserialize_with = "string_or_list")]
    pub expose_headers: Vec<String>,
    /// Allow cookies on cross-origin requests (never together with a `*` origin).
    pub allow_credentials: bool,
    /// How long browsers may cache a preflight answer.
    pub max_age: Seconds,
}

impl Default for CorsSettings {
    fn default() -> Self {
        CorsSettings {
            allowed_origins: Vec::new(),
            allowed_methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
                .map(String::from)
                .to_vec(),
            allowed_headers: ["accept", "authorization", "content-type", "x-csrf-token"]
                .map(String::from)
                .to_vec(),
            expose_headers: Vec::new(),
            allow_credentials: false,
            max_age: Seconds::new(86_400),
        }
    }
}

/// How templates treat a variable that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UndefinedVariables {
    /// Render as empty, like Django (the default).
    #[default]
    Lenient,
    /// Render as empty, and attribute access on it is also empty.
    Chainable,
    /// Fail the render: catches typos early.
    Strict,
}

/// `[templates]`: where templates are found and how they are loaded.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TemplateSettings {
    /// The project's template folders, searched before every app's `templates/`.
    #[serde(deserialize_with = "string_or_list")]
    pub dirs: Vec<PathBuf>,
    /// Reload a template when its file changes; defaults to `debug`.
    pub auto_reload: Option<bool>,
    /// How undefined variables render.
    pub undefined: UndefinedVariables,
}

impl Default for TemplateSettings {
    fn default() -> Self {
        TemplateSettings {
            dirs: vec![PathBuf::from("templates")],
            auto_reload: None,
            undefined: UndefinedVariables::default(),
        }
    }
}

/// `[static]`: static files (CSS, JavaScript, images).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StaticSettings {
    /// The URL prefix static files are served under; starts and ends with `/`.
    pub url: String,
    /// Where `collectstatic` writes; served with long cache lifetimes when `debug` is off.
    pub root: PathBuf,
    /// The project's static folders, searched before every app's `static/`.
    #[serde(deserialize_with = "string_or_list")]
    pub dirs: Vec<PathBuf>,
    /// Serve static files from this process; defaults to on. Turn it off when a CDN or
    /// reverse proxy serves `root`.
    pub serve: Option<bool>,
    /// Use `root/staticfiles.json` to give `static()` hashed names; defaults to `!debug`.
    pub manifest: Option<bool>,
}

impl Default for StaticSettings {
    fn default() -> Self {
        StaticSettings {
            url: "/static/".to_owned(),
            root: PathBuf::from("staticfiles"),
            dirs: vec![PathBuf::from("static")],
            serve: None,
            manifest: None,
        }
    }
}

/// `[middleware]`: switches for the default middleware stack. All are on by default;
/// `defaults = false` switches the whole optional stack off (panics still become 500s).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MiddlewareSettings {
    /// Master switch for everything below.
    pub defaults: bool,
    /// `X-Request-Id` on every request and response.
    pub request_id: bool,
    /// One structured log line per request (`galvani::access`).
    pub access_log: bool,
    /// Answer requests slower than `server.request_timeout` with 503.
    pub timeout: bool,
    /// Refuse bodies over `server.max_body_size` with 413.
    pub body_limit: bool,
    /// Refuse requests for hosts not in `allowed_hosts` with 400.
    pub allowed_hosts: bool,
    /// The `[security]` headers, HSTS and the HTTPS redirect.
    pub security_headers: bool,
    /// gzip / brotli compression of responses when the client accepts it.
    pub compression: bool,
    /// CORS from `[cors]` (only when origins are configured).
    pub cors: bool,
    /// CSRF checks on unsafe methods (see [`crate::csrf`]).
    pub csrf: bool,
}

impl Default for MiddlewareSettings {
    fn default() -> Self {
        MiddlewareSettings {
            defaults: true,
            request_id: true,
            access_log: true,
            timeout: true,
            body_limit: true,
            allowed_hosts: true,
            security_headers: true,
            compression: true,
            cors: true,
            csrf: true,
        }
    }
}

impl MiddlewareSettings {
    /// Whether a switch is on, honouring the master switch.
    pub fn on(&self, switch: bool) -> bool {
        self.defaults && switch
    }
}

/// The log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `[database]`: where the ORM's data lives and how many connections it keeps.
///
/// ```toml
/// [database]
/// url = "postgres://shop:secret@localhost/shop"   # default: sqlite://db.sqlite3
/// max_connections = 20
/// ```
#[derive(Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://db.sqlite3` (a path relative to the project folder; the default) or
    /// `postgres://user:password@host/name`.
    pub url: String,
    /// The most connections open at once.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// How long a query waits for a free connection before failing.
    pub acquire_timeout: Seconds,
    /// How long SQLite waits for another writer before giving up.
    pub busy_timeout: Seconds,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "sqlite://db.sqlite3".to_owned(),
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Seconds::new(10),
            busy_timeout: Seconds::new(5),
        }
    }
}

impl std::fmt::Debug for DatabaseSettings {
    /// The URL's password never shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &super::url_without_password(&self.url))
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("busy_timeout", &self.busy_timeout)
            .finish()
    }
}

/// `[log]`: what `runserver` and commands log.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// A `tracing` filter such as `"info"` or `"info,galvani::access=warn"`; `RUST_LOG` wins.
    /// Defaults to `"info"` with debug on (every request is logged) and `"warn"` otherwise
    /// (requests answered with 4xx or 5xx are logged).
    pub level: String,
    /// `text` or `json`.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

/// `[uploads]`: limits on `multipart/form-data` bodies read by
/// [`HtmlForm`](crate::forms::HtmlForm). The whole body is also bounded by
/// `server.max_body_size`.
///
/// ```toml
/// [uploads]
/// max_file_size = "10MiB"
/// max_files = 5
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UploadSettings {
    /// The largest single file accepted (413 beyond).
    pub max_file_size: ByteSize,
    /// The most files in one request (413 beyond).
    pub max_files: usize,
    /// The most fields, files included, in one form body (400 beyond).
    pub max_fields: usize,
}

impl Default for UploadSettings {
    fn default() -> Self {
        UploadSettings {
            max_file_size: ByteSize::new(2_621_440),
            max_files: 10,
            max_fields: 1000,
        }
    }
}

/// `[mail]`: how the site sends email (see [`crate::mail`]).
///
/// ```toml
/// [mail]
/// backend = "smtp"
/// default_from = "shop@example.com"
/// smtp_host = "mail.example.com"
/// smtp_user = "shop"
/// # smtp_password from GALVANI_MAIL__SMTP_PASSWORD
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// `console` (print to standard output, the default), `file` (one `.eml` file per
    /// message in `file_path`), `smtp`, or `memory` (kept for tests to read).
    pub backend: String,
    /// The sender when a message names none.
    pub default_from: String,
    /// The folder of the `file` backend.
    pub file_path: PathBuf,
    /// The SMTP server.
    pub smtp_host: String,
    /// The SMTP port (587 for STARTTLS, 465 for implicit TLS, 25 for none).
    pub smtp_port: u16,
    /// `starttls` (default), `tls`, or `none` (only for a server on this machine).
    pub smtp_security: String,
    /// The SMTP user name; empty sends no credentials.
    pub smtp_user: String,
    /// The SMTP password.
    pub smtp_password: Secret,
    /// How long a connection to the server may take.
    pub smtp_timeout: Seconds,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            backend: "console".to_owned(),
            default_from: "webmaster@localhost".to_owned(),
            file_path: PathBuf::from("sent-mail"),
            smtp_host: "localhost".to_owned(),
            smtp_port: 587,
            smtp_security: "starttls".to_owned(),
            smtp_user: String::new(),
            smtp_password: Secret::default(),
            smtp_timeout: Seconds::new(10),
        }
    }
}
