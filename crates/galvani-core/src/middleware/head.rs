//! The request headers the Core reads (host, forwarded host, request id, `Accept`,
//! `Accept-Encoding`, the trusted proxy's HTTPS header), found in one pass over the
//! request's headers rather than one hash lookup each: a request carries few headers, and
//! comparing a standard header's name is comparing a byte.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// `X-Forwarded-Host`, trusted with `security.use_x_forwarded_host`.
pub(crate) const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
/// `X-Request-Id`, kept when well-formed.
pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The first value of each header the Core needs.
#[derive(Debug, Default)]
pub(crate) struct Head<'a> {
    pub(crate) host: Option<&'a HeaderValue>,
    pub(crate) forwarded_host: Option<&'a HeaderValue>,
    pub(crate) request_id: Option<&'a HeaderValue>,
    pub(crate) accept: Option<&'a HeaderValue>,
    pub(crate) accept_encoding: bool,
    /// The value of the proxy's HTTPS header, when one is configured.
    pub(crate) proxy_ssl: Option<&'a HeaderValue>,
}

impl<'a> Head<'a> {
    /// Reads `headers` once; `proxy_ssl` names the trusted proxy's HTTPS header, if any.
    pub(crate) fn scan(headers: &'a HeaderMap, proxy_ssl: Option<&HeaderName>) -> Self {
        let mut head = Head::default();
        for (name, value) in headers {
            let slot = if name == header::HOST {
                &mut head.host
            } else if name == header::ACCEPT {
                &mut head.accept
            } else if name == header::ACCEPT_ENCODING {
                head.accept_encoding = true;
                continue;
            } else if name == X_REQUEST_ID {
                &mut head.request_id
            } else if name == X_FORWARDED_HOST {
                &mut head.forwarded_host
            } else if proxy_ssl == Some(name) {
                &mut head.proxy_ssl
            } else {
                continue;
            };
            slot.get_or_insert(value);
        }
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_value_of_each_header_is_found() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("example.com"));
        headers.append(header::ACCEPT, HeaderValue::from_static("text/html"));
        headers.append(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        headers.insert(X_REQUEST_ID, HeaderValue::from_static("abc"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        headers.insert(header::USER_AGENT, HeaderValue::from_static("test"));
        let proxy = HeaderName::from_static("x-forwarded-proto");
        let head = Head::scan(&headers, Some(&proxy));
        assert_eq!(head.host.unwrap(), "example.com");
        assert_eq!(head.accept.unwrap(), "text/html");
        assert!(head.accept_encoding);
        assert_eq!(head.request_id.unwrap(), "abc");
        assert_eq!(head.proxy_ssl.unwrap(), "https");
        assert!(head.forwarded_host.is_none());

        let head = Head::scan(&headers, None);
        assert!(head.proxy_ssl.is_none());
        let empty = HeaderMap::new();
        let head = Head::scan(&empty, None);
        assert!(head.host.is_none() && !head.accept_encoding);
    }
}
