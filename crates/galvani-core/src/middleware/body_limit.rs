//! The request-body limit: a declared `Content-Length` over the limit is refused at once
//! with 413; a body without a length is cut off at the limit while it is read, and the
//! extractor reading it answers 413.

use axum::body::Body;
use axum::extract::Request;
use http::header;

/// Checks the declared length; `Err(length)` when it is over `limit`.
///
/// The body's size hint carries the declared length (hyper sets it from
/// `Content-Length`, and a request without a body has an exact size of zero), so the
/// common cases need no header lookup.
pub(crate) fn check(req: &mut Request, limit: u64) -> Result<(), u64> {
    let hint = http_body::Body::size_hint(req.body());
    let declared = hint.exact().or_else(|| {
        req.headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
    });
    match declared {
        Some(len) if len > limit => Err(len),
        Some(_) => Ok(()),
        None => {
            let body = std::mem::take(req.body_mut());
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            *req.body_mut() = Body::new(http_body_util::Limited::new(body, limit));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn declared_and_streamed_lengths_are_both_limited() {
        let mut req = Request::builder()
            .header("content-length", "11")
            .body(Body::from("hello world"))
            .unwrap();
        assert_eq!(check(&mut req, 5), Err(11));

        // A body of known size is measured without any header.
        let mut req = Request::new(Body::from("hello world"));
        assert_eq!(check(&mut req, 5), Err(11));
        let mut req = Request::new(Body::from("hello"));
        assert_eq!(check(&mut req, 5), Ok(()));

        // A streamed body of unknown size is cut off while it is read.
        let chunks = ["hello", " world"].map(Ok::<_, std::io::Error>);
        let mut req = Request::new(Body::from_stream(futures_util::stream::iter(chunks)));
        assert_eq!(check(&mut req, 5), Ok(()));
        let read = axum::body::to_bytes(req.into_body(), usize::MAX).await;
        assert!(read.is_err());
    }

    #[test]
    fn a_declared_length_counts_when_the_body_does_not_know_its_size() {
        let chunks = [Ok::<_, std::io::Error>("x")];
        let mut req = Request::builder()
            .header("content-length", "11")
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
        assert_eq!(check(&mut req, 5), Err(11));
    }
}
