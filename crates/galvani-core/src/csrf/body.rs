//! Finding the token in a form body without losing the body: the handler still reads the
//! whole form (or upload) after the check.
//!
//! A URL-encoded form is small (the body limit bounds it) and is read whole. A multipart
//! body is read only as far as the token field, which `csrf_input()` puts first in the
//! form; what was read is put back in front of the rest, which still streams.

use std::sync::{Arc, Mutex};
use std::task::Poll;

use axum::body::Body;
use axum::extract::Request;
use bytes::Bytes;
use futures_util::StreamExt;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use http_body::Body as _;

use super::FIELD_NAME;

/// Why the body could not be looked at: 413 when it is over the body limit, else 400.
#[derive(Debug)]
pub(crate) struct Unreadable(pub(crate) StatusCode, pub(crate) String);

impl Unreadable {
    fn bad(message: String) -> Self {
        Unreadable(StatusCode::BAD_REQUEST, message)
    }

    fn from_body_error(e: &(dyn std::error::Error + 'static), what: &str) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return Unreadable(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the {what} is larger than `server.max_body_size` allows"),
                );
            }
            source = err.source();
        }
        Unreadable::bad(format!("the {what} could not be read: {e}"))
    }
}

/// The form field `csrf_token` of a URL-encoded or multipart body, if the body is one.
pub(crate) async fn token_field(req: &mut Request) -> Result<Option<String>, Unreadable> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => urlencoded(req).await,
        "multipart/form-data" => {
            let boundary = multer::parse_boundary(content_type)
                .map_err(|e| Unreadable::bad(format!("the multipart body has no boundary: {e}")))?;
            multipart(req, boundary).await
        }
        _ => Ok(None),
    }
}

async fn urlencoded(req: &mut Request) -> Result<Option<String>, Unreadable> {
    let body = std::mem::take(req.body_mut());
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| Unreadable::from_body_error(&e, "form"))?;
    let token = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == FIELD_NAME)
        .map(|(_, value)| value.into_owned());
    *req.body_mut() = Body::from(bytes);
    Ok(token)
}

async fn multipart(req: &mut Request, boundary: String) -> Result<Option<String>, Unreadable> {
    let shared = Arc::new(Mutex::new(Some(std::mem::take(req.body_mut()))));
    let read: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let token = {
        let (shared, read) = (shared.clone(), read.clone());
        let stream = futures_util::stream::poll_fn(move |cx| {
            let mut slot = shared.lock().unwrap_or_else(|e| e.into_inner());
            let Some(body) = slot.as_mut() else {
                return Poll::Ready(None);
            };
            loop {
                match std::pin::Pin::new(&mut *body).poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => {
                        if let Ok(data) = frame.into_data() {
                            return Poll::Ready(Some(Ok(data)));
                        }
                    }
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .map(move |chunk| {
            if let Ok(bytes) = &chunk {
                read.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(bytes.clone());
            }
            chunk
        });
        let mut form = multer::Multipart::new(stream, boundary);
        let mut token = None;
        loop {
            match form.next_field().await {
                Ok(Some(field)) if field.name() == Some(FIELD_NAME) => {
                    token = field.text().await.ok();
                    break;
                }
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(multer::Error::StreamReadFailed(e)) => {
                    return Err(Unreadable::from_body_error(&*e, "multipart form"));
                }
                Err(e) => {
                    return Err(Unreadable::bad(format!(
                        "the multipart form is malformed: {e}"
                    )));
                }
            }
        }
        token
    };
    let rest = shared
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default();
    let read = std::mem::take(&mut *read.lock().unwrap_or_else(|e| e.into_inner()));
    let prefix = futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
    *req.body_mut() = Body::from_stream(prefix.chain(rest.into_data_stream()));
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multipart_body(parts: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for (name, value) in parts {
            out.push_str(&format!(
                "--XyZ\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        out.push_str("--XyZ--\r\n");
        out
    }

    #[tokio::test]
    async fn the_token_is_found_and_the_body_kept() {
        let mut req = Request::builder()
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("a=1&csrf_token=abc&b=2"))
            .unwrap();
        assert_eq!(token_field(&mut req).await.unwrap().as_deref(), Some("abc"));
        let body = axum::body::to_bytes(req.into_body(), 1000).await.unwrap();
        assert_eq!(body, "a=1&csrf_token=abc&b=2");

        let text = multipart_body(&[("csrf_token", "tok"), ("name", "Lamp")]);
        // Sent in small chunks, so the reader stops part-way through the stream.
        let chunks: Vec<Result<Bytes, std::io::Error>> = text
            .as_bytes()
            .chunks(7)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut req = Request::builder()
            .header(CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
        assert_eq!(token_field(&mut req).await.unwrap().as_deref(), Some("tok"));
        let body = axum::body::to_bytes(req.into_body(), 10_000).await.unwrap();
        assert_eq!(body, text.as_bytes());
    }

    #[tokio::test]
    async fn other_bodies_have_no_field() {
        let mut req = Request::builder()
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from("{\"csrf_token\":\"x\"}"))
            .unwrap();
        assert_eq!(token_field(&mut req).await.unwrap(), None);
        let text = multipart_body(&[("name", "Lamp")]);
        let mut req = Request::builder()
            .header(CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .body(Body::from(text.clone()))
            .unwrap();
        assert_eq!(token_field(&mut req).await.unwrap(), None);
        let body = axum::body::to_bytes(req.into_body(), 10_000).await.unwrap();
        assert_eq!(body, text.as_bytes());
    }
}
