//! Cookies: reading one from a request, and setting the framework's own (CSRF secret,
//! session id) with safe attributes: always `HttpOnly` and `SameSite=Lax`, `Secure`
//! whenever the request came over HTTPS.

use std::time::Duration;

use cookie::{Cookie, SameSite};
use http::header::{COOKIE, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue};

/// The value of cookie `name` in a request's `Cookie` headers (HTTP/2 may send several),
/// for middleware; handlers usually get cookies through the session.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert("cookie", "theme=dark; lang=en".parse().unwrap());
/// assert_eq!(galvani_core::cookies::get(&headers, "lang"), Some("en"));
/// assert_eq!(galvani_core::cookies::get(&headers, "sessionid"), None);
/// ```
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v.trim_matches('"'))
        })
}

/// How a cookie the framework sets is named and scoped.
///
/// ```
/// use std::time::Duration;
/// use galvani_core::cookies::CookieSpec;
///
/// let spec = CookieSpec::new("sessionid").max_age(Some(Duration::from_secs(60)));
/// let mut headers = http::HeaderMap::new();
/// spec.set(&mut headers, "abc", true);
/// let set = headers["set-cookie"].to_str().unwrap();
/// assert!(set.starts_with("sessionid=abc"));
/// for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
///     assert!(set.contains(attribute), "{set}");
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CookieSpec {
    name: String,
    path: String,
    domain: Option<String>,
    max_age: Option<Duration>,
    always_secure: bool,
}

impl CookieSpec {
    /// A cookie `name` for the whole site (`Path=/`), ending with the browser session.
    pub fn new(name: impl Into<String>) -> Self {
        CookieSpec {
            name: name.into(),
            path: "/".to_owned(),
            domain: None,
            max_age: None,
            always_secure: false,
        }
    }

    /// The cookie's `Path`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The cookie's `Domain` (`None`: only the host that set it).
    pub fn domain(mut self, domain: Option<String>) -> Self {
        self.domain = domain.filter(|d| !d.is_empty());
        self
    }

    /// How long the browser keeps it (`None`: until it closes).
    pub fn max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }

    /// Marks the cookie `Secure` even on responses to plain-HTTP requests: pass
    /// `security.secure_cookies` (for sites whose TLS ends at a proxy that does not say so).
    pub fn always_secure(mut self, on: bool) -> Self {
        self.always_secure = on;
        self
    }

    /// The cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the cookie to `value` on a response (marked `Vary: Cookie`, since the
    /// response is this browser's alone). `secure`: the request came over HTTPS.
    pub fn set(&self, headers: &mut HeaderMap, value: &str, secure: bool) {
        let mut cookie = self.cookie(value, secure);
        if let Some(age) = self.max_age {
            let secs = i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
            cookie.set_max_age(cookie::time::Duration::seconds(secs));
        }
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(SET_COOKIE, v);
            headers.append(VARY, HeaderValue::from_static("Cookie"));
        }
    }

    /// Tells the browser to drop the cookie.
    pub fn remove(&self, headers: &mut HeaderMap, secure: bool) {
        let mut cookie = self.cookie("", secure);
        cookie.make_removal();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(SET_COOKIE, v);
        }
    }

    fn cookie(&self, value: &str, secure: bool) -> Cookie<'static> {
        let mut cookie = Cookie::build((self.name.clone(), value.to_owned()))
            .path(self.path.clone())
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure || self.always_secure)
            .build();
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_several_headers() {
        let mut map = HeaderMap::new();
        map.append(COOKIE, "a=1; csrftoken=xyz".parse().unwrap());
        map.append(COOKIE, "b=2".parse().unwrap());
        assert_eq!(get(&map, "csrftoken"), Some("xyz"));
        assert_eq!(get(&map, "b"), Some("2"));
        assert_eq!(get(&map, "c"), None);
    }

    #[test]
    fn removal_and_browser_session_cookies() {
        let spec = CookieSpec::new("sid").domain(Some("example.com".into()));
        let mut headers = HeaderMap::new();
        spec.set(&mut headers, "v", false);
        spec.remove(&mut headers, false);
        let all: Vec<&str> = headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(
            !all[0].contains("Max-Age") && !all[0].contains("Secure"),
            "{}",
            all[0]
        );
        assert!(all[0].contains("Domain=example.com"), "{}", all[0]);
        assert!(
            all[1].starts_with("sid=;") && all[1].contains("Max-Age=0"),
            "{}",
            all[1]
        );
    }
}
