//! Security headers on every response (anti-framing, CSP with a per-render nonce,
//! nosniff, Referrer-Policy, COOP), HSTS on HTTPS, and the redirect of plain HTTP to
//! HTTPS. A header the handler set itself is left alone, so one view can relax a policy.

use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, Response};

use super::head::Head;
use crate::settings::SecuritySettings;
use crate::templates::CspNonce;

/// The headers to add, prepared once from the settings as two ready-made header maps
/// (plain and HTTPS) whose values are `'static` (see [`static_value`]): each response's
/// map starts as a copy of one, which costs two allocations and no hashing, and the
/// response's own few headers are moved in.
#[derive(Debug, Clone)]
pub(crate) struct SecurityHeaders {
    /// `[plain, https]`; empty maps when the security headers are off.
    base: [HeaderMap; 2],
    csp: Option<String>,
    proxy_ssl: Option<(HeaderName, String)>,
    ssl_redirect: bool,
}

impl SecurityHeaders {
    /// `headers_on`: add the security headers; `vary_encoding`: add
    /// `Vary: Accept-Encoding` (compression is on).
    pub(crate) fn new(s: &SecuritySettings, headers_on: bool, vary_encoding: bool) -> Self {
        let mut plain = HeaderMap::with_capacity(16);
        let mut add = |name: HeaderName, value: &str| {
            if let Some(v) = static_value(value) {
                plain.insert(name, v);
            }
        };
        let csp = (headers_on && !s.content_security_policy.is_empty())
            .then(|| s.content_security_policy.clone());
        if headers_on {
            add(
                header::X_FRAME_OPTIONS,
                &s.x_frame_options.to_ascii_uppercase(),
            );
            if s.content_type_nosniff {
                add(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
            }
            add(header::REFERRER_POLICY, &s.referrer_policy);
            add(
                HeaderName::from_static("cross-origin-opener-policy"),
                &s.cross_origin_opener_policy,
            );
            add(
                header::CONTENT_SECURITY_POLICY,
                csp.as_deref().unwrap_or(""),
            );
        }
        if vary_encoding {
            add(header::VARY, "accept-encoding");
        }
        let mut secure = plain.clone();
        if headers_on && s.hsts_seconds > 0 {
            let mut v = format!("max-age={}", s.hsts_seconds);
            if s.hsts_include_subdomains {
                v.push_str("; includeSubDomains");
            }
            if s.hsts_preload {
                v.push_str("; preload");
            }
            if let Some(v) = static_value(&v) {
                secure.insert(header::STRICT_TRANSPORT_SECURITY, v);
            }
        }
        let proxy_ssl = s.proxy_ssl_header.as_ref().and_then(|h| {
            let (name, value) = h.split_once(':')?;
            Some((
                HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
                value.trim().to_owned(),
            ))
        });
        SecurityHeaders {
            base: [plain, secure],
            csp,
            proxy_ssl,
            ssl_redirect: headers_on && s.ssl_redirect,
        }
    }

    /// Whether the request arrived over HTTPS (directly, or per the trusted proxy header).
    pub(crate) fn is_secure(&self, uri: &http::Uri, head: &Head<'_>) -> bool {
        if uri.scheme_str() == Some("https") {
            return true;
        }
        match (&self.proxy_ssl, head.proxy_ssl) {
            (Some((_, expected)), Some(value)) => value
                .to_str()
                .is_ok_and(|v| v.eq_ignore_ascii_case(expected)),
            _ => false,
        }
    }

    /// The trusted proxy's HTTPS header, for [`Head::scan`].
    pub(crate) fn proxy_ssl_header(&self) -> Option<&HeaderName> {
        self.proxy_ssl.as_ref().map(|(name, _)| name)
    }

    /// The HTTPS location to redirect a plain-HTTP request to, when redirects are on.
    pub(crate) fn redirect_target(
        &self,
        uri: &http::Uri,
        host: &str,
        secure: bool,
    ) -> Option<String> {
        if !self.ssl_redirect || secure {
            return None;
        }
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Some(format!("https://{host}{path}"))
    }

    /// Gives the response the prepared headers it does not set itself, `extra` (the
    /// request id, always), the page's CSP nonce, and a charset on a text
    /// content type. One pass over the response's own headers, no lookups.
    pub(crate) fn apply<B>(
        &self,
        res: &mut Response<B>,
        secure: bool,
        extra: Option<(HeaderName, HeaderValue)>,
    ) {
        let nonce = res.extensions().get::<CspNonce>().map(|n| n.0.clone());
        let own = std::mem::take(res.headers_mut());
        let mut merged = self.base[usize::from(secure)].clone();
        let mut own_csp = false;
        let mut own_vary: Vec<HeaderValue> = Vec::new();
        let mut current: Option<HeaderName> = None;
        for (name, value) in own {
            // The first value of a name replaces ours; further values of it are added.
            let first = name.is_some();
            if let Some(name) = name {
                current = Some(name);
            }
            let Some(name) = &current else { continue };
            if *name == header::VARY {
                own_vary.push(value);
                continue;
            }
            own_csp |= *name == header::CONTENT_SECURITY_POLICY;
            let value = match *name == header::CONTENT_TYPE {
                true => with_charset(&value).unwrap_or(value),
                false => value,
            };
            if first {
                merged.insert(name.clone(), value);
            } else {
                merged.append(name.clone(), value);
            }
        }
        if !own_vary.is_empty() {
            if own_vary.iter().any(covers_encoding) {
                merged.remove(header::VARY);
            }
            for value in own_vary {
                merged.append(header::VARY, value);
            }
        }
        if !own_csp
            && let (Some(csp), Some(nonce)) = (&self.csp, nonce)
            && let Ok(v) = HeaderValue::from_str(&with_nonce(csp, &nonce))
        {
            merged.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        if let Some((name, value)) = extra {
            merged.insert(name, value);
        }
        *res.headers_mut() = merged;
    }
}

/// `value` as a header value that lives as long as the process, so copying it into each
/// response copies a pointer and no reference count is touched. Settings yield a handful
/// of such texts; each distinct one is kept once however many sites a process builds (as
/// tests do). `None` for an empty or invalid value.
fn static_value(value: &str) -> Option<HeaderValue> {
    static KEPT: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    if value.is_empty() || HeaderValue::from_str(value).is_err() {
        return None;
    }
    let mut kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let text: &'static str = match kept.get(value) {
        Some(text) => text,
        None => {
            let text: &'static str = Box::leak(value.to_owned().into_boxed_str());
            kept.insert(text);
            text
        }
    };
    Some(HeaderValue::from_static(text))
}

fn covers_encoding(vary: &HeaderValue) -> bool {
    vary.to_str().is_ok_and(|v| {
        v.split(',')
            .any(|t| t.trim().eq_ignore_ascii_case("accept-encoding") || t.trim() == "*")
    })
}

/// A text content type without a charset gets `charset=utf-8`, so no browser guesses.
fn with_charset(ct: &HeaderValue) -> Option<HeaderValue> {
    let bytes = ct.as_bytes();
    let textual = bytes.len() >= 5 && bytes[..5].eq_ignore_ascii_case(b"text/");
    if !textual
        || bytes
            .windows(8)
            .any(|w| w.eq_ignore_ascii_case(b"charset="))
    {
        return None;
    }
    let mut value = bytes.to_vec();
    value.extend_from_slice(b"; charset=utf-8");
    HeaderValue::from_bytes(&value).ok()
}

/// `csp` with `'nonce-…'` added to `script-src` and `style-src` (created from
/// `default-src` when absent, so the nonce never loosens what `default-src` allowed).
pub(crate) fn with_nonce(csp: &str, nonce: &str) -> String {
    let token = format!("'nonce-{nonce}'");
    let mut directives: Vec<String> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    let default_src = directives
        .iter()
        .find_map(|d| d.strip_prefix("default-src").map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| "'self'".to_owned());
    for name in ["script-src", "style-src"] {
        match directives
            .iter_mut()
            .find(|d| d.split_whitespace().next() == Some(name))
        {
            Some(d) => {
                d.push(' ');
                d.push_str(&token);
            }
            None => directives.push(format!("{name} {default_src} {token}")),
        }
    }
    directives.join("; ")
}

/// Whether an `Accept` header asks for JSON rather than HTML (used for error pages).
pub(crate) fn wants_json(accept: Option<&HeaderValue>) -> bool {
    let accept = accept.and_then(|v| v.to_str().ok()).unwrap_or("");
    (accept.contains("application/json") || accept.contains("+json"))
        && !accept.contains("text/html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_added_to_script_and_style() {
        let out = with_nonce("default-src 'self'; frame-ancestors 'none'", "abc");
        assert_eq!(
            out,
            "default-src 'self'; frame-ancestors 'none'; script-src 'self' 'nonce-abc'; style-src 'self' 'nonce-abc'"
        );
        let out = with_nonce("script-src 'self' cdn.example", "n");
        assert!(out.contains("script-src 'self' cdn.example 'nonce-n'"));
    }

    #[test]
    fn existing_headers_are_kept_and_hsts_needs_https() {
        let h = SecurityHeaders::new(
            &SecuritySettings {
                hsts_seconds: 60,
                ..SecuritySettings::default()
            },
            true,
            false,
        );
        let mut res = Response::new(());
        res.headers_mut().insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        h.apply(&mut res, false, None);
        assert_eq!(res.headers()[header::X_FRAME_OPTIONS], "SAMEORIGIN");
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            !res.headers()
                .contains_key(header::STRICT_TRANSPORT_SECURITY)
        );
        let mut res = Response::new(());
        h.apply(&mut res, true, None);
        assert_eq!(
            res.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=60"
        );
    }

    #[test]
    fn own_multi_valued_headers_and_vary_are_merged() {
        let h = SecurityHeaders::new(&SecuritySettings::default(), true, true);
        let mut res = Response::new(());
        let headers = res.headers_mut();
        headers.append(header::SET_COOKIE, HeaderValue::from_static("a=1"));
        headers.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
        headers.append(header::VARY, HeaderValue::from_static("origin"));
        h.apply(&mut res, false, None);
        let cookies: Vec<_> = res.headers().get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        let vary: Vec<_> = res.headers().get_all(header::VARY).iter().collect();
        assert_eq!(vary, ["accept-encoding", "origin"]);

        let mut res = Response::new(());
        let headers = res.headers_mut();
        headers.append(header::VARY, HeaderValue::from_static("origin"));
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        h.apply(&mut res, false, None);
        let vary: Vec<_> = res.headers().get_all(header::VARY).iter().collect();
        assert_eq!(vary, ["origin", "Accept-Encoding"]);
        assert_eq!(res.headers()[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(
            res.headers()
                .get_all(header::X_FRAME_OPTIONS)
                .iter()
                .count(),
            1
        );
    }

    #[test]
    fn text_types_get_a_charset() {
        let h = SecurityHeaders::new(&SecuritySettings::default(), true, false);
        let mut res = Response::new(());
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
        h.apply(&mut res, false, None);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
        let mut res = Response::new(());
        let latin = HeaderValue::from_static("text/plain; Charset=latin1");
        res.headers_mut().insert(header::CONTENT_TYPE, latin);
        h.apply(&mut res, false, None);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/plain; Charset=latin1"
        );
    }

    #[test]
    fn json_is_chosen_only_when_asked_for() {
        assert!(!wants_json(None));
        assert!(wants_json(Some(&HeaderValue::from_static(
            "application/json"
        ))));
        let both = HeaderValue::from_static("text/html,application/json");
        assert!(!wants_json(Some(&both)));
    }
}
