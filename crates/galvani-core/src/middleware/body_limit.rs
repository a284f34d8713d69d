//! The request-body limit: a declared `Content-Length` over the limit is refused at once
//! with 413; a body without a length is cut off at the limit while it is read, and the
//! extractor reading it answers 413.

use axum::body::Body;
use axum::extract::Request;
use http::header;

/// Checks the declared length; `Err(length)` when it is over `limit`.
pub(crate) fn check(req: &mut Request, limit: u64) -> Result<(), u64> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(len) = declared
        && len > limit
    {
        return Err(len);
    }
    let empty = http_body::Body::size_hint(req.body()).exact() == Some(0);
    if declared.is_none() && !empty {
        let body = std::mem::take(req.body_mut());
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        *req.body_mut() = Body::new(http_body_util::Limited::new(body, limit));
    }
    Ok(())
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

        let mut req = Request::new(Body::from("hello world"));
        assert_eq!(check(&mut req, 5), Ok(()));
        let read = axum::body::to_bytes(req.into_body(), usize::MAX).await;
        assert!(read.is_err());
    }
}
