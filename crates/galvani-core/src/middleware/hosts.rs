//! The `Host` allow-list: a request for a host not in `allowed_hosts` is refused with 400,
//! so a forged `Host` header cannot poison absolute URLs, redirects or caches.

use http::request::Parts;

/// The allowed host patterns: `example.com`, `.example.com` (the domain and its
/// subdomains) or `*` (anything; only for development or behind a proxy that checks).
#[derive(Debug, Clone)]
pub(crate) struct AllowedHosts {
    patterns: Vec<String>,
    use_forwarded: bool,
}

impl AllowedHosts {
    pub(crate) fn new(patterns: &[String], use_forwarded: bool) -> Self {
        AllowedHosts {
            patterns: patterns.iter().map(|p| p.to_ascii_lowercase()).collect(),
            use_forwarded,
        }
    }

    /// `Ok(host)` when the request's host is allowed, otherwise `Err(shown host)`.
    pub(crate) fn check<'a>(&self, parts: &'a Parts) -> Result<&'a str, String> {
        let raw = request_host(parts, self.use_forwarded).ok_or_else(String::new)?;
        let Some(domain) = split_host(raw) else {
            return Err(raw.to_owned());
        };
        let domain = domain.trim_end_matches('.');
        if self.patterns.iter().any(|p| matches(p, domain)) {
            Ok(raw)
        } else {
            Err(raw.to_owned())
        }
    }
}

/// The host the client asked for: `X-Forwarded-Host` when trusted, then `Host`, then the
/// URI's authority (HTTP/2).
pub(crate) fn request_host(parts: &Parts, use_forwarded: bool) -> Option<&str> {
    let header = |name: &http::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let forwarded = use_forwarded
        .then(|| {
            header(&X_FORWARDED_HOST)
                .and_then(|v| v.split(',').next())
                .map(str::trim)
        })
        .flatten();
    forwarded
        .or_else(|| header(&http::header::HOST))
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .filter(|h| !h.is_empty())
}

/// The domain part of `host[:port]`, or `None` when the header is malformed.
fn split_host(host: &str) -> Option<&str> {
    let (domain, port) = if let Some(rest) = host.strip_prefix('[') {
        let end = rest.find(']')?;
        let port = &rest[end + 1..];
        (
            &host[..end + 2],
            port.strip_prefix(':')
                .or(if port.is_empty() { Some("") } else { None })?,
        )
    } else {
        match host.rsplit_once(':') {
            Some((d, p)) => (d, p),
            None => (host, ""),
        }
    };
    let port_ok = port.is_empty() || (port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()));
    let domain_ok = !domain.is_empty()
        && if domain.starts_with('[') {
            domain[1..domain.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        } else {
            domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        };
    (port_ok && domain_ok).then_some(domain)
}

const X_FORWARDED_HOST: http::HeaderName = http::HeaderName::from_static("x-forwarded-host");

/// `pattern` is lowercase; `domain` is compared without regard to case.
fn matches(pattern: &str, domain: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(base) = pattern.strip_prefix('.') {
        return domain.eq_ignore_ascii_case(base)
            || (domain.len() > pattern.len()
                && domain.as_bytes()[domain.len() - pattern.len()..]
                    .eq_ignore_ascii_case(pattern.as_bytes()));
    }
    pattern.eq_ignore_ascii_case(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(host: &str) -> Parts {
        http::Request::builder()
            .uri("/")
            .header("host", host)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    #[test]
    fn hosts_are_matched_exactly_or_by_domain() {
        let allowed = AllowedHosts::new(
            &["example.com".into(), ".shop.test".into(), "[::1]".into()],
            false,
        );
        assert!(allowed.check(&parts("example.com")).is_ok());
        assert!(allowed.check(&parts("EXAMPLE.com:8000")).is_ok());
        assert!(allowed.check(&parts("example.com.")).is_ok());
        assert!(allowed.check(&parts("shop.test")).is_ok());
        assert!(allowed.check(&parts("a.shop.test")).is_ok());
        assert!(allowed.check(&parts("[::1]:8000")).is_ok());
        assert!(allowed.check(&parts("evil.com")).is_err());
        assert!(allowed.check(&parts("example.com.evil.com")).is_err());
        assert!(allowed.check(&parts("notshop.test")).is_err());
    }

    #[test]
    fn malformed_hosts_are_refused_even_with_a_wildcard() {
        let any = AllowedHosts::new(&["*".into()], false);
        assert!(any.check(&parts("ok.example")).is_ok());
        assert!(any.check(&parts("bad host")).is_err());
        assert!(any.check(&parts("a.com:port")).is_err());
        assert!(any.check(&parts("a.com@b.com")).is_err());
        assert!(any.check(&parts("[::1")).is_err());
    }

    #[test]
    fn forwarded_host_is_used_only_when_trusted() {
        let mut p = parts("internal");
        p.headers
            .insert("x-forwarded-host", "example.com".parse().unwrap());
        assert!(
            AllowedHosts::new(&["example.com".into()], true)
                .check(&p)
                .is_ok()
        );
        assert!(
            AllowedHosts::new(&["example.com".into()], false)
                .check(&p)
                .is_err()
        );
    }
}
