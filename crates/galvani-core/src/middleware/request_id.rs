//! `X-Request-Id`: every request gets an id (a well-formed one from the client or a proxy
//! is kept), visible to handlers as the [`RequestId`] extension, in the access log, and on
//! the response.

use std::sync::atomic::{AtomicU64, Ordering};

use http::HeaderValue;

/// The request's id, as an extractor: the client's (or proxy's) `X-Request-Id` when it
/// sent a well-formed one, otherwise a fresh one. The response carries it back.
///
/// ```
/// use galvani_core::middleware::RequestId;
/// async fn handler(id: RequestId) -> String {
///     format!("your request is {}", id.as_str())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct RequestId(Repr);

/// A generated id lives inline (no allocation on the hot path); a client's is kept as sent.
#[derive(Debug, Clone)]
enum Repr {
    Generated([u8; 19]),
    Given(HeaderValue),
}

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Generated(bytes) => std::str::from_utf8(bytes).unwrap_or(""),
            Repr::Given(value) => value.to_str().unwrap_or(""),
        }
    }

    /// The id as a header value.
    pub fn header_value(&self) -> HeaderValue {
        match &self.0 {
            Repr::Generated(bytes) => {
                HeaderValue::from_bytes(bytes).expect("hex digits are a valid header")
            }
            Repr::Given(value) => value.clone(),
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestId {
    type Rejection = crate::error::HttpError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        crate::site::RequestContext::of(&parts.extensions)
            .and_then(|c| c.id.clone())
            .ok_or_else(|| {
                crate::error::HttpError::internal(crate::Error::App {
                    label: "galvani".to_owned(),
                    message: "no request id: switch `middleware.request_id` on to use `RequestId`"
                        .to_owned(),
                })
            })
    }
}

/// Makes ids: a random per-process prefix and a counter, cheap and unique.
#[derive(Debug)]
pub(crate) struct RequestIds {
    prefix: u32,
    counter: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> Self {
        let mut bytes = [0u8; 4];
        let _ = getrandom::fill(&mut bytes);
        RequestIds {
            prefix: u32::from_le_bytes(bytes),
            counter: AtomicU64::new(1),
        }
    }

    /// The id for a request carrying `incoming` (the client's `X-Request-Id`, if any).
    pub(crate) fn assign(&self, incoming: Option<&HeaderValue>) -> RequestId {
        if let Some(v) = incoming.filter(|v| acceptable(v)) {
            return RequestId(Repr::Given(v.clone()));
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut text = [b'-'; 19];
        hex(&mut text[..8], u64::from(self.prefix));
        hex(&mut text[9..], n);
        RequestId(Repr::Generated(text))
    }
}

/// Writes the low digits of `n` in lowercase hex, zero-padded, filling `out`.
fn hex(out: &mut [u8], mut n: u64) {
    for b in out.iter_mut().rev() {
        *b = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
    }
}

/// Short, and only characters that are harmless in logs and headers.
fn acceptable(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b.iter().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':' | b'+' | b'=' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_incoming_ones_checked() {
        let ids = RequestIds {
            prefix: 0xabc,
            counter: AtomicU64::new(0x1f),
        };
        assert_eq!(ids.assign(None).as_str(), "00000abc-000000001f");
        assert_ne!(ids.assign(None).as_str(), ids.assign(None).as_str());
        let good = HeaderValue::from_static("abc-123");
        assert_eq!(ids.assign(Some(&good)).as_str(), "abc-123");
        let bad = HeaderValue::from_static("a b<script>");
        assert_ne!(ids.assign(Some(&bad)).as_str(), "a b<script>");
    }
}
