//! Security headers on every response (anti-framing, CSP with a per-render nonce,
//! nosniff, Referrer-Policy, COOP), HSTS on HTTPS, and the redirect of plain HTTP to
//! HTTPS. A header the handler set itself is left alone, so one view can relax a policy.

use http::header::{self, HeaderName};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Response};

use crate::settings::SecuritySettings;
use crate::templates::CspNonce;

/// The headers to add, prepared once from the settings as two ready-made header maps
/// (plain and HTTPS): a response's own few headers are merged into a clone of one, which
/// is much cheaper than inserting half a dozen headers into each response's map.
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
            if !value.is_empty()
                && let Ok(v) = HeaderValue::from_str(value)
            {
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
            let v = HeaderValue::from_str(&v).expect("digits and ascii are a valid header");
            secure.insert(header::STRICT_TRANSPORT_SECURITY, v);
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
    pub(crate) fn is_secure(&self, parts: &Parts) -> bool {
        if parts.uri.scheme_str() == Some("https") {
            return true;
        }
        match &self.proxy_ssl {
            Some((name, value)) => parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case(value)),
            None => false,
        }
    }

    /// The HTTPS location to redirect a plain-HTTP request to, when redirects are on.
    pub(crate) fn redirect_target(
        &self,
        parts: &Parts,
        host: &str,
        secure: bool,
    ) -> Option<String> {
        if !self.ssl_redirect || secure {
            return None;
        }
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        Some(format!("https://{host}{path}"))
    }

    /// Gives the response the prepared headers it does not set itself, the page's CSP
    /// nonce, and a charset on a text content type.
    pub(crate) fn apply<B>(&self, res: &mut Response<B>, secure: bool) {
        let nonce = res.extensions().get::<CspNonce>().map(|n| n.0.clone());
        let own = std::mem::take(res.headers_mut());
        let mut merged = self.base[usize::from(secure)].clone();
        if own.contains_key(header::VARY) {
            // The response's own Vary wins when it covers Accept-Encoding (compression
            // sets it); otherwise it is added beside ours.
            let covers = own.get_all(header::VARY).iter().any(|v| {
                v.to_str().is_ok_and(|v| {
                    v.split(',').any(|t| {
                        t.trim().eq_ignore_ascii_case("accept-encoding") || t.trim() == "*"
                    })
                })
            });
            if covers {
                merged.remove(header::VARY);
            }
        }
        let own_csp = own.contains_key(header::CONTENT_SECURITY_POLICY);
        let mut current: Option<HeaderName> = None;
        for (name, value) in own {
            if let Some(name) = name {
                if name == header::VARY {
                    merged.append(header::VARY, value);
                } else {
                    merged.insert(name.clone(), value);
                }
                current = Some(name);
            } else if let Some(name) = &current {
                merged.append(name.clone(), value);
            }
        }
        if !own_csp
            && let (Some(csp), Some(nonce)) = (&self.csp, nonce)
            && let Ok(v) = HeaderValue::from_str(&with_nonce(csp, &nonce))
        {
            merged.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        add_charset(&mut merged);
        *res.headers_mut() = merged;
    }
}

/// Gives a text content type without a charset `charset=utf-8`, so no browser guesses.
fn add_charset(headers: &mut HeaderMap) {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return;
    };
    let bytes = ct.as_bytes();
    let textual = bytes.len() >= 5 && bytes[..5].eq_ignore_ascii_case(b"text/");
    if textual
        && !bytes
            .windows(8)
            .any(|w| w.eq_ignore_ascii_case(b"charset="))
    {
        let mut value = bytes.to_vec();
        value.extend_from_slice(b"; charset=utf-8");
        if let Ok(v) = HeaderValue::from_bytes(&value) {
            headers.insert(header::CONTENT_TYPE, v);
        }
    }
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

/// Whether `headers` ask for HTML rather than JSON (used for error pages).
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
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
        h.apply(&mut res, false);
        assert_eq!(res.headers()[header::X_FRAME_OPTIONS], "SAMEORIGIN");
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            !res.headers()
                .contains_key(header::STRICT_TRANSPORT_SECURITY)
        );
        let mut res = Response::new(());
        h.apply(&mut res, true);
        assert_eq!(
            res.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=60"
        );
    }

    #[test]
    fn text_types_get_a_charset() {
        let h = SecurityHeaders::new(&SecuritySettings::default(), true, false);
        let mut res = Response::new(());
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
        h.apply(&mut res, false);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
        let mut res = Response::new(());
        let latin = HeaderValue::from_static("text/plain; Charset=latin1");
        res.headers_mut().insert(header::CONTENT_TYPE, latin);
        h.apply(&mut res, false);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/plain; Charset=latin1"
        );
    }

    #[test]
    fn json_is_chosen_only_when_asked_for() {
        let mut h = HeaderMap::new();
        assert!(!wants_json(&h));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(wants_json(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/json"),
        );
        assert!(!wants_json(&h));
    }
}
