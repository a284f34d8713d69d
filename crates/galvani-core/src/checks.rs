//! System checks: configuration problems found before the first request, with stable
//! ids (`security.E001`) and a hint saying what to do. `check` prints them; `runserver`
//! and the test client refuse to start on errors; `check --deploy` adds the checks that
//! matter in production.
//!
//! | id | level | when |
//! |---|---|---|
//! | `security.E001` | error | debug is off and the secret key is missing, short or a placeholder |
//! | `security.E002` | error | debug is off and `allowed_hosts` is empty |
//! | `security.W001` | deploy | debug is on |
//! | `security.W002` | deploy | HSTS is off |
//! | `security.W003` | deploy | plain HTTP is not redirected to HTTPS |
//! | `security.W004` | deploy | `allowed_hosts` contains `*` |
//! | `security.W005` | deploy | `X-Frame-Options` is not `DENY` |
//! | `security.W006` | deploy | no Content-Security-Policy |
//! | `security.W007` | deploy | CORS allows any origin |
//! | `security.W008` | deploy | a default middleware is switched off |
//! | `security.W009` | deploy | debug is on and the secret key is missing, short or a placeholder |
//! | `security.W010` | deploy | cookies can leave without `Secure` (plain HTTP served, `secure_cookies` off) |
//! | `mail.W001` | deploy | mail goes to the console or the memory backend, so none is delivered |
//! | `templates.E001` | error | a template does not compile |
//! | `staticfiles.W001` | warning | the manifest `static()` needs is missing |
//! | `staticfiles.W002` | warning | a static folder listed in the settings does not exist |

use std::borrow::Cow;
use std::fmt;

use crate::settings::Settings;
use crate::site::Site;

/// How serious a check message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Information for developers.
    Info,
    /// Probably a mistake; the project still starts.
    Warning,
    /// The project will not start.
    Error,
}

/// One finding of a check.
///
/// ```
/// use galvani_core::checks::CheckMessage;
/// let m = CheckMessage::error("shop.E001", "no products configured")
///     .hint("add [apps.shop] products = [...]");
/// assert!(m.is_error());
/// assert_eq!(m.to_string(), "shop.E001: no products configured\n    HINT: add [apps.shop] products = [...]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckMessage {
    /// The level.
    pub level: Level,
    /// A stable id such as `shop.W001`.
    pub id: Cow<'static, str>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl CheckMessage {
    /// A message at `level`.
    pub fn new(level: Level, id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        CheckMessage {
            level,
            id: id.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// An error: the project will not start.
    pub fn error(id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, id, message)
    }

    /// A warning.
    pub fn warning(id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, id, message)
    }

    /// Adds a hint saying what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this stops the project from starting.
    pub fn is_error(&self) -> bool {
        self.level >= Level::Error
    }
}

impl fmt::Display for CheckMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n    HINT: {hint}")?;
        }
        Ok(())
    }
}

/// What a check can look at.
#[derive(Debug)]
pub struct CheckContext<'a> {
    site: &'a Site,
    deploy: bool,
}

impl<'a> CheckContext<'a> {
    /// The built site.
    pub fn site(&self) -> &'a Site {
        self.site
    }

    /// The settings.
    pub fn settings(&self) -> &'a Settings {
        self.site.settings()
    }

    /// Whether `check --deploy` asked for production checks.
    pub fn deploy(&self) -> bool {
        self.deploy
    }
}

/// Runs Galvani's checks and every app's, errors first.
pub(crate) fn run(site: &Site, deploy: bool) -> Vec<CheckMessage> {
    let ctx = CheckContext { site, deploy };
    let mut out = Vec::new();
    security(ctx.settings(), deploy, &mut out);
    templates(site, &mut out);
    static_files(site, &mut out);
    for app in site.apps() {
        out.extend(app.checks(&ctx));
    }
    out.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.id.cmp(&b.id)));
    out
}

/// Why a secret key is not fit for production, if it is not.
pub fn secret_key_problem(key: &str) -> Option<&'static str> {
    let unique = key.chars().collect::<std::collections::BTreeSet<_>>().len();
    if key.is_empty() {
        Some("no secret key is set")
    } else if ["galvani-insecure-", "django-insecure-"]
        .iter()
        .any(|p| key.starts_with(p))
        || key.to_ascii_lowercase().contains("change-me")
        || key.to_ascii_lowercase().contains("changeme")
    {
        Some("the secret key is a development placeholder")
    } else if key.len() < 50 || unique < 5 {
        Some("the secret key is too short or too simple (it needs 50+ characters, 5+ distinct)")
    } else {
        None
    }
}

fn security(s: &Settings, deploy: bool, out: &mut Vec<CheckMessage>) {
    let key_hint = "set `secret_key` (or GALVANI_SECRET_KEY) to 50+ random characters, e.g. the output of `openssl rand -base64 48`";
    if !s.debug {
        if let Some(problem) = secret_key_problem(s.secret_key.expose()) {
            out.push(
                CheckMessage::error(
                    "security.E001",
                    format!("{problem}; debug is off, so the project refuses to start"),
                )
                .hint(key_hint),
            );
        }
        if s.allowed_hosts.is_empty() {
            out.push(
                CheckMessage::error("security.E002", "`allowed_hosts` is empty and debug is off, so no request could be served")
                    .hint("list the site's domains, e.g. allowed_hosts = [\"shop.example.com\"] (or GALVANI_ALLOWED_HOSTS=shop.example.com)"),
            );
        }
    }
    if !deploy {
        return;
    }
    let sec = &s.security;
    let mw = &s.middleware;
    if s.debug {
        out.push(
            CheckMessage::warning("security.W001", "debug is on: never deploy with debug on")
                .hint("set debug = false in [profile.prod] and run with GALVANI_PROFILE=prod"),
        );
    }
    if s.debug
        && let Some(problem) = secret_key_problem(s.secret_key.expose())
    {
        out.push(
            CheckMessage::warning(
                "security.W009",
                format!("{problem}; production needs a real one"),
            )
            .hint(key_hint),
        );
    }
    if sec.hsts_seconds == 0 {
        out.push(CheckMessage::warning("security.W002", "HSTS is off (security.hsts_seconds = 0)").hint("once the site is served only over HTTPS, set security.hsts_seconds (e.g. 31536000)"));
    }
    if !sec.ssl_redirect {
        out.push(CheckMessage::warning("security.W003", "plain-HTTP requests are not redirected to HTTPS").hint("set security.ssl_redirect = true (behind a TLS proxy, also set security.proxy_ssl_header)"));
    }
    if !sec.ssl_redirect && !sec.secure_cookies {
        out.push(CheckMessage::warning("security.W010", "the session, CSRF and message cookies can be sent without `Secure`: plain-HTTP requests are served and security.secure_cookies is off").hint("set security.ssl_redirect = true, or security.secure_cookies = true when TLS ends at a proxy"));
    }
    if matches!(s.mail.backend.as_str(), "console" | "memory") {
        out.push(
            CheckMessage::warning(
                "mail.W001",
                format!(
                    "mail.backend is `{}`: no email (password resets included) reaches anyone",
                    s.mail.backend
                ),
            )
            .hint("set mail.backend = \"smtp\" and the mail.smtp_* settings"),
        );
    }
    if s.allowed_hosts.iter().any(|h| h == "*") {
        out.push(
            CheckMessage::warning("security.W004", "`allowed_hosts` accepts any host (`*`)")
                .hint("list the site's domains instead"),
        );
    }
    if !sec.x_frame_options.eq_ignore_ascii_case("DENY") {
        out.push(
            CheckMessage::warning(
                "security.W005",
                format!("X-Frame-Options is `{}`, not DENY", sec.x_frame_options),
            )
            .hint("keep security.x_frame_options = \"DENY\" unless pages must be framed"),
        );
    }
    if sec.content_security_policy.is_empty() {
        out.push(CheckMessage::warning("security.W006", "no Content-Security-Policy is sent").hint("restore security.content_security_policy (the default blocks framing and foreign scripts)"));
    }
    if s.cors.allowed_origins.iter().any(|o| o == "*") {
        out.push(
            CheckMessage::warning("security.W007", "CORS allows every origin")
                .hint("list the origins that may call the site in cors.allowed_origins"),
        );
    }
    let off: Vec<&str> = [
        ("request_id", mw.request_id),
        ("access_log", mw.access_log),
        ("timeout", mw.timeout),
        ("body_limit", mw.body_limit),
        ("allowed_hosts", mw.allowed_hosts),
        ("security_headers", mw.security_headers),
        ("csrf", mw.csrf),
    ]
    .into_iter()
    .filter(|(_, on)| !mw.on(*on))
    .map(|(name, _)| name)
    .collect();
    if !off.is_empty() {
        out.push(CheckMessage::warning("security.W008", format!("default middleware switched off: {}", off.join(", "))).hint("switch them back on in [middleware] unless something in front of the site does their job"));
    }
}

fn templates(site: &Site, out: &mut Vec<CheckMessage>) {
    for (name, err) in site.templates().check_all() {
        let detail = match &err {
            crate::Error::Template(e) => {
                let line = e.line().map(|l| format!(", line {l}")).unwrap_or_default();
                format!(
                    "template `{name}`{line}: {}",
                    e.detail()
                        .map(str::to_owned)
                        .unwrap_or_else(|| e.kind().to_string())
                )
            }
            other => format!("template `{name}`: {other}"),
        };
        out.push(CheckMessage::error("templates.E001", detail).hint("fix the template syntax"));
    }
}

fn static_files(site: &Site, out: &mut Vec<CheckMessage>) {
    if let Some(problem) = site.static_files().manifest_problem() {
        out.push(
            CheckMessage::warning(
                "staticfiles.W001",
                format!("{problem}: pages calling static() will fail"),
            )
            .hint("run `collectstatic` as part of every deployment"),
        );
    }
    let s = site.settings();
    for dir in &s.static_files.dirs {
        let path = s.path(dir);
        if !path.is_dir() && dir.as_os_str() != "static" {
            out.push(
                CheckMessage::warning(
                    "staticfiles.W002",
                    format!("the static folder `{}` does not exist", path.display()),
                )
                .hint("create it or remove it from static.dirs"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_judged() {
        assert!(secret_key_problem("").is_some());
        assert!(
            secret_key_problem("galvani-insecure-abcdefghijklmnopqrstuvwxyz0123456789abcdefgh")
                .is_some()
        );
        assert!(secret_key_problem("short").is_some());
        assert!(secret_key_problem(&"a".repeat(60)).is_some());
        assert!(
            secret_key_problem("Zq3v9LkT0pWmX2bR8sYcN5dJ7hF4gA6eU1iO-oP_lK9jH3gF2dS").is_none()
        );
    }
}
