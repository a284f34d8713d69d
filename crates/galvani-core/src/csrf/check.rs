//! The Core's CSRF step: which requests are checked, the origin and token checks, and
//! the cookie on the way out.

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::header::{ORIGIN, REFERER};
use http::{HeaderMap, StatusCode};

use super::body::token_field;
use super::token::{CsrfToken, SECRET_LEN, decode_secret, matches};
use super::{FIELD_NAME, HEADER_NAME, is_safe_method};
use crate::cookies::CookieSpec;
use crate::error::ErrorReport;
use crate::settings::Settings;

/// The CSRF configuration, built once from the settings and the exempt routes.
pub(crate) struct Csrf {
    cookie: CookieSpec,
    /// Lowercased `scheme://host[:port]` origins accepted besides the site's own.
    trusted: Vec<String>,
    exempt: matchit::Router<()>,
}

/// What the Core remembers of a request that must be checked.
pub(crate) struct Pending {
    /// `scheme://host` of this site as the request addressed it.
    own_origin: String,
    secure: bool,
}

impl Csrf {
    /// `exempt`: the path patterns (matchit syntax) of routes that opted out.
    pub(crate) fn new(settings: &Settings, exempt: &[String]) -> Self {
        let mut router = matchit::Router::new();
        for path in exempt {
            // Patterns were validated when the routes were collected.
            let _ = router.insert(path.as_str(), ());
        }
        Csrf {
            cookie: CookieSpec::new(settings.csrf.cookie_name.clone())
                .max_age(Some(settings.csrf.cookie_age.as_duration()))
                .always_secure(settings.security.secure_cookies),
            trusted: settings
                .csrf
                .trusted_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
            exempt: router,
        }
    }

    /// The request's handle, holding the secret from its cookie.
    pub(crate) fn token_for(&self, headers: &HeaderMap) -> CsrfToken {
        CsrfToken::new(self.cookie_secret(headers))
    }

    /// `Some` when `req` must be checked: an unsafe method on a route that did not opt out.
    pub(crate) fn pending<'a>(
        &self,
        req: &Request,
        host: impl FnOnce() -> Option<&'a str>,
        secure: bool,
    ) -> Option<Pending> {
        if is_safe_method(req.method()) || self.exempt.at(req.uri().path()).is_ok() {
            return None;
        }
        let host = host();
        let scheme = if secure { "https" } else { "http" };
        Some(Pending {
            own_origin: format!("{scheme}://{}", host.unwrap_or("").to_ascii_lowercase()),
            secure,
        })
    }

    /// Runs both checks; the error is the 403 response.
    pub(crate) async fn verify(
        &self,
        req: &mut Request,
        pending: &Pending,
    ) -> Result<(), Response> {
        self.check_origin(req.headers(), pending).map_err(refuse)?;
        let secret = self
            .cookie_secret(req.headers())
            .ok_or_else(|| refuse(format!(
                "the CSRF cookie `{}` is missing: load the page with the form from this site first (the browser may be blocking cookies)",
                self.cookie.name()
            )))?;
        let submitted = match header_token(req.headers()) {
            Some(token) => Some(token),
            None => token_field(req).await.map_err(|e| {
                let mut report = ErrorReport::new(e.0, "The request body could not be read.");
                report.causes.push(e.1);
                report.into_response()
            })?,
        };
        let Some(submitted) = submitted else {
            return Err(refuse(format!(
                "the request has no CSRF token: put `{{{{ csrf_input() }}}}` inside the <form> (the `{FIELD_NAME}` field), or send the `X-CSRF-Token` header from JavaScript"
            )));
        };
        if matches(&submitted, &secret) {
            Ok(())
        } else {
            Err(refuse(
                "the CSRF token does not match the cookie: the page may be out of date (reload it), or the token belongs to another browser or to a session before logging in".to_owned(),
            ))
        }
    }

    /// Sets the cookie when the request's secret was created or rotated.
    pub(crate) fn finish(
        &self,
        token: &CsrfToken,
        res: &mut axum::response::Response,
        secure: bool,
    ) {
        let Some(secret) = token.cookie_to_send() else {
            return;
        };
        self.cookie.set(res.headers_mut(), &secret, secure);
    }

    fn check_origin(&self, headers: &HeaderMap, pending: &Pending) -> Result<(), String> {
        let own = &pending.own_origin;
        if headers.get(ORIGIN).is_some() {
            // Every `Origin` must pass, should a client send two.
            return headers.get_all(ORIGIN).iter().try_for_each(|origin| {
                origin_matches(origin, own, self.trusted.iter().map(String::as_str))
            });
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            return match site.as_bytes() {
                b"same-origin" | b"none" => Ok(()),
                other => Err(format!(
                    "the browser says the request came from another site (Sec-Fetch-Site: {}) and it has no Origin this site trusts",
                    String::from_utf8_lossy(other)
                )),
            };
        }
        if pending.secure {
            let referer = headers.get(REFERER).and_then(|v| v.to_str().ok());
            let same = referer.is_some_and(|r| {
                r.to_ascii_lowercase()
                    .strip_prefix(own.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            });
            if !same {
                return Err(format!(
                    "an HTTPS request without an Origin header needs a Referer from this site (`{own}`); it had {}",
                    referer.map_or("none".to_owned(), |r| format!("`{r}`"))
                ));
            }
        }
        Ok(())
    }

    fn cookie_secret(&self, headers: &HeaderMap) -> Option<[u8; SECRET_LEN]> {
        crate::cookies::get(headers, self.cookie.name()).and_then(decode_secret)
    }
}

/// `Ok` when `origin` is `own` (lowercased `scheme://host`) or one of `trusted`.
fn origin_matches<'t>(
    origin: &http::HeaderValue,
    own: &str,
    mut trusted: impl Iterator<Item = &'t str>,
) -> Result<(), String> {
    let origin = origin.to_str().unwrap_or("").trim_end_matches('/');
    let lowered = origin.to_ascii_lowercase();
    if lowered == own || trusted.any(|t| t.trim_end_matches('/').eq_ignore_ascii_case(&lowered)) {
        return Ok(());
    }
    Err(format!(
        "the request came from `{origin}`, but this site is `{own}`: a page on another site cannot send it here; if that origin is yours, add it to `csrf.trusted_origins`"
    ))
}

/// The origin check for requests that open a connection with a safe method (a
/// WebSocket or SSE handshake), where a browser sends `Origin` but the CSRF step does
/// not run: the `Origin` must be this site's own (scheme and host as the request
/// addressed them, `X-Forwarded-Host` when `security.use_x_forwarded_host` trusts it),
/// one of `csrf.trusted_origins`, or one of `extra`. A request without `Origin` (not a
/// browser) passes: it carries no one else's cookies.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_core::test::TestClient;
///
/// async fn socket(req: axum::extract::Request) -> StatusCode {
///     let (parts, _) = req.into_parts();
///     match galvani_core::csrf::check_origin(&parts, &[]) {
///         Ok(()) => StatusCode::OK,
///         Err(_) => StatusCode::FORBIDDEN,
///     }
/// }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let client = TestClient::new(Project::new(Settings::default()).routes(Routes::new().route("/ws", get(socket))));
/// let foreign = client.get("/ws").header("origin", "https://evil.example").await;
/// assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
/// assert_eq!(client.get("/ws").await.status(), StatusCode::OK);
/// // Two origins, one foreign: refused.
/// let two = client.get("/ws").header("origin", "http://localhost").header("origin", "https://evil.example");
/// assert_eq!(two.await.status(), StatusCode::FORBIDDEN);
/// # });
/// ```
pub fn check_origin(parts: &http::request::Parts, extra: &[String]) -> Result<(), String> {
    if parts.headers.get(ORIGIN).is_none() {
        return Ok(());
    }
    let settings = crate::SiteState::of_extensions(&parts.extensions).map(|s| s.settings());
    let use_forwarded = settings.is_some_and(|s| s.security.use_x_forwarded_host);
    let head = crate::middleware::head::Head::scan(&parts.headers, None);
    let host = crate::middleware::hosts::request_host(&head, &parts.uri, use_forwarded);
    let scheme = if crate::extract::Secure::of(&parts.extensions) {
        "https"
    } else {
        "http"
    };
    let own = format!("{scheme}://{}", host.unwrap_or("").to_ascii_lowercase());
    let trusted = settings.map_or(&[][..], |s| &s.csrf.trusted_origins[..]);
    // Every `Origin` must pass: a request with two (no browser sends that) must not
    // pass on the good one.
    parts.headers.get_all(ORIGIN).iter().try_for_each(|origin| {
        origin_matches(
            origin,
            &own,
            trusted.iter().chain(extra).map(String::as_str),
        )
    })
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(HEADER_NAME)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn refuse(cause: String) -> Response {
    let mut report = ErrorReport::new(
        StatusCode::FORBIDDEN,
        "CSRF verification failed. The request was refused.",
    );
    report.causes.push(cause);
    report.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn csrf(trusted: &[&str]) -> Csrf {
        let mut settings = Settings::default();
        settings.csrf.trusted_origins = trusted.iter().map(|s| s.to_string()).collect();
        Csrf::new(&settings, &["/hooks/{name}".to_owned()])
    }

    fn check(csrf: &Csrf, headers: &[(&str, &str)], secure: bool) -> Result<(), String> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let scheme = if secure { "https" } else { "http" };
        let pending = Pending {
            own_origin: format!("{scheme}://shop.example"),
            secure,
        };
        csrf.check_origin(&map, &pending)
    }

    #[test]
    fn origins_are_compared_with_the_site_and_the_trusted_list() {
        let c = csrf(&["https://pay.example"]);
        assert!(check(&c, &[("origin", "http://shop.example")], false).is_ok());
        assert!(check(&c, &[("origin", "http://SHOP.example")], false).is_ok());
        assert!(check(&c, &[("origin", "https://pay.example")], true).is_ok());
        let err = check(&c, &[("origin", "https://evil.example")], false).unwrap_err();
        assert!(err.contains("evil.example"), "{err}");
        assert!(check(&c, &[("origin", "null")], false).is_err());
        // The scheme matters: an HTTP page cannot post to the HTTPS site.
        assert!(check(&c, &[("origin", "http://shop.example")], true).is_err());
    }

    #[test]
    fn fetch_metadata_and_referer_are_used_without_origin() {
        let c = csrf(&[]);
        assert!(check(&c, &[("sec-fetch-site", "same-origin")], false).is_ok());
        assert!(check(&c, &[("sec-fetch-site", "cross-site")], false).is_err());
        assert!(check(&c, &[("sec-fetch-site", "same-site")], false).is_err());
        assert!(check(&c, &[], false).is_ok());
        assert!(check(&c, &[], true).is_err());
        assert!(check(&c, &[("referer", "https://shop.example/cart")], true).is_ok());
        assert!(check(&c, &[("referer", "https://shop.example.evil/")], true).is_err());
    }

    #[test]
    fn only_unsafe_methods_on_routes_not_exempt_are_checked() {
        let c = csrf(&[]);
        let req = |m: Method, path: &str| {
            Request::builder()
                .method(m)
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        assert!(
            c.pending(&req(Method::GET, "/"), || Some("h"), false)
                .is_none()
        );
        assert!(
            c.pending(&req(Method::POST, "/"), || Some("h"), false)
                .is_some()
        );
        assert!(
            c.pending(&req(Method::DELETE, "/x"), || Some("h"), false)
                .is_some()
        );
        assert!(
            c.pending(&req(Method::POST, "/hooks/stripe"), || Some("h"), false)
                .is_none()
        );
    }
}
