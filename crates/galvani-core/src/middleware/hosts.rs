//! The `Host` allow-list: a request for a host not in `allowed_hosts` is refused with 400,
//! so a forged `Host` header cannot poison absolute URLs, redirects or caches.

use http::Uri;

use super::head::Head;

/// The allowed host patterns: `example.com`, `.example.com` (the domain and its
/// subdomains) or `*` (anything; only for development or behind a proxy that checks).
#[derive(Debug, Clone)]
pub(crate) struct AllowedHosts {
    patterns: Vec<String>,
    /// The patterns naming one host (not `*`, not `.domain`): most requests match one
    /// of these as sent, without parsing.
    exact: Vec<String>,
    use_forwarded: bool,
}

impl AllowedHosts {
    pub(crate) fn new(patterns: &[String], use_forwarded: bool) -> Self {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_ascii_lowercase()).collect();
        let exact = patterns
            .iter()
            .filter(|p| !p.starts_with('.') && *p != "*")
            .cloned()
            .collect();
        AllowedHosts {
            patterns,
            exact,
            use_forwarded,
        }
    }

    /// `Ok(host)` when the request's host is allowed, otherwise `Err(shown host)`.
    pub(crate) fn check<'a>(&self, head: &Head<'a>, uri: &'a Uri) -> Result<&'a str, String> {
        let raw = request_host(head, uri, self.use_forwarded).ok_or_else(String::new)?;
        if self.is_exact_match(raw) {
            return Ok(raw);
        }
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

    /// The common case, decided without parsing: `raw` is an exact pattern, or one
    /// followed by `:port`.
    fn is_exact_match(&self, raw: &str) -> bool {
        self.exact.iter().any(|p| {
            raw.len() >= p.len()
                && raw.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
                && match raw.as_bytes().get(p.len()) {
                    None => true,
                    Some(b':') => {
                        let port = &raw[p.len() + 1..];
                        !port.is_empty() && port_ok(port)
                    }
                    Some(_) => false,
                }
        })
    }
}

/// The host the client asked for: `X-Forwarded-Host` when trusted, then `Host`, then the
/// URI's authority (HTTP/2).
pub(crate) fn request_host<'a>(
    head: &Head<'a>,
    uri: &'a Uri,
    use_forwarded: bool,
) -> Option<&'a str> {
    // UTF-8 is checked here (fast on ASCII); `split_host` allows only host characters.
    let text =
        |v: Option<&'a http::HeaderValue>| v.and_then(|v| std::str::from_utf8(v.as_bytes()).ok());
    let forwarded = use_forwarded
        .then(|| {
            text(head.forwarded_host)
                .and_then(|v| v.split(',').next())
                .map(str::trim)
        })
        .flatten();
    forwarded
        .or_else(|| text(head.host))
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .filter(|h| !h.is_empty())
}

/// The domain part of `host[:port]`, or `None` when the header is malformed.
fn split_host(host: &str) -> Option<&str> {
    if host.starts_with('[') {
        return split_ipv6(host);
    }
    // One pass: every byte a host character, and at most one `:` (before the port).
    let mut colon = None;
    for (i, b) in host.bytes().enumerate() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' => {}
            b':' if colon.is_none() => colon = Some(i),
            _ => return None,
        }
    }
    let (domain, port) = match colon {
        Some(i) => (&host[..i], &host[i + 1..]),
        None => (host, ""),
    };
    (!domain.is_empty() && port_ok(port)).then_some(domain)
}

/// `[v6address]` or `[v6address]:port`: the bracketed part, brackets included.
fn split_ipv6(host: &str) -> Option<&str> {
    let end = host.find(']')?;
    let port = &host[end + 1..];
    let port = if port.is_empty() {
        ""
    } else {
        port.strip_prefix(':')?
    };
    let inner = &host[1..end];
    let inner_ok = !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    (inner_ok && port_ok(port)).then_some(&host[..=end])
}

fn port_ok(port: &str) -> bool {
    port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

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

    fn parts(host: &str) -> http::request::Parts {
        http::Request::builder()
            .uri("/")
            .header("host", host)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    impl AllowedHosts {
        fn check_parts(&self, parts: &http::request::Parts) -> Result<(), String> {
            let proxy = None;
            let head = Head::scan(&parts.headers, proxy);
            self.check(&head, &parts.uri).map(|_| ())
        }
    }

    #[test]
    fn hosts_are_matched_exactly_or_by_domain() {
        let allowed = AllowedHosts::new(
            &["example.com".into(), ".shop.test".into(), "[::1]".into()],
            false,
        );
        assert!(allowed.check_parts(&parts("example.com")).is_ok());
        assert!(allowed.check_parts(&parts("EXAMPLE.com:8000")).is_ok());
        assert!(allowed.check_parts(&parts("example.com.")).is_ok());
        assert!(allowed.check_parts(&parts("shop.test")).is_ok());
        assert!(allowed.check_parts(&parts("a.shop.test")).is_ok());
        assert!(allowed.check_parts(&parts("[::1]:8000")).is_ok());
        assert!(allowed.check_parts(&parts("evil.com")).is_err());
        assert!(allowed.check_parts(&parts("example.com.evil.com")).is_err());
        assert!(allowed.check_parts(&parts("notshop.test")).is_err());
        assert!(allowed.check_parts(&parts("example.comx")).is_err());
        assert!(allowed.check_parts(&parts("example.com:80x")).is_err());
        assert!(allowed.check_parts(&parts("example.com:123456")).is_err());
        assert!(allowed.check_parts(&parts("example.com:")).is_ok());
    }

    #[test]
    fn malformed_hosts_are_refused_even_with_a_wildcard() {
        let any = AllowedHosts::new(&["*".into()], false);
        assert!(any.check_parts(&parts("ok.example")).is_ok());
        assert!(any.check_parts(&parts("bad host")).is_err());
        assert!(any.check_parts(&parts("a.com:port")).is_err());
        assert!(any.check_parts(&parts("a.com@b.com")).is_err());
        assert!(any.check_parts(&parts("[::1")).is_err());
        assert!(any.check_parts(&parts("[::1]x")).is_err());
        assert!(any.check_parts(&parts("[]:80")).is_err());
        assert!(any.check_parts(&parts("a.com:1:2")).is_err());
        assert!(any.check_parts(&parts("a.com:123456")).is_err());
        assert!(any.check_parts(&parts(":80")).is_err());
        assert!(any.check_parts(&parts("münchen.de")).is_err());
        assert!(any.check_parts(&parts("[::1]:8000")).is_ok());
        assert!(any.check_parts(&parts("a-b.example:65535")).is_ok());
    }

    #[test]
    fn forwarded_host_is_used_only_when_trusted() {
        let mut p = parts("internal");
        p.headers
            .insert("x-forwarded-host", "example.com".parse().unwrap());
        assert!(
            AllowedHosts::new(&["example.com".into()], true)
                .check_parts(&p)
                .is_ok()
        );
        assert!(
            AllowedHosts::new(&["example.com".into()], false)
                .check_parts(&p)
                .is_err()
        );
    }
}
