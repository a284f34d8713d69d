//! [`HttpError`]: what a handler returns when it cannot answer normally.

use std::borrow::Cow;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::report::ErrorReport;

/// An error a handler returns: a status, a message that is safe to show the client, and
/// (for server errors) the underlying cause, shown only on the debug page and in logs.
///
/// Any `std::error::Error` converts into a 500 with `?`, so handlers can use
/// [`HttpResult`] and propagate everything. In production the client sees the project's
/// `404.html`, `403.html`, `400.html` or `500.html` (or JSON when it asked for JSON).
///
/// ```
/// use galvani_core::prelude::*;
///
/// async fn product(Path(id): Path<u32>) -> HttpResult<String> {
///     if id == 0 {
///         return Err(HttpError::not_found(format!("no product {id}")));
///     }
///     let n: u32 = "12".parse()?; // a parse error here would become a 500
///     Ok(format!("product {id} costs {n}"))
/// }
/// ```
#[derive(Debug)]
pub struct HttpError(Box<Inner>);

/// Boxed so that `HttpResult<T>` stays as small as `T` plus a pointer.
#[derive(Debug)]
struct Inner {
    status: StatusCode,
    message: Cow<'static, str>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    headers: HeaderMap,
}

/// `Result` for handlers: the error side becomes an error page or JSON error.
pub type HttpResult<T, E = HttpError> = Result<T, E>;

impl HttpError {
    /// An error with this status and client-safe message.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        HttpError(Box::new(Inner {
            status,
            message: message.into(),
            source: None,
            headers: HeaderMap::new(),
        }))
    }

    /// 400 Bad Request: the client sent something malformed.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 403 Forbidden.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "You do not have permission to do this.",
        )
    }

    /// 404 Not Found, with a message saying what was not found.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500 Internal Server Error caused by `source` (shown only in debug mode and logs).
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").with_source(source)
    }

    /// Attaches the underlying cause.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Adds a response header (such as `WWW-Authenticate` or `Retry-After`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.append(name, value);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The client-safe message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Builds the report the error-page middleware renders.
    pub fn report(&self) -> ErrorReport {
        let mut report = ErrorReport::new(self.0.status, self.0.message.to_string());
        if let Some(source) = &self.0.source {
            report.add_cause_chain(source.as_ref());
        }
        report
    }
}

impl<E> From<E> for HttpError
where
    E: std::error::Error + Send + Sync + 'static,
{
    /// A 500 caused by `err`, unless `err` or one of its causes is a [`ClientError`],
    /// whose answer is used instead.
    fn from(err: E) -> Self {
        match ClientError::find(&err) {
            Some(client) => client.answer(),
            None => HttpError::internal(err),
        }
    }
}

/// An error that is the client's to fix, with the answer it should get: a library's
/// error enum carries one as the `#[source]` of such a variant, so that `?` in a handler
/// answers with its status (429 for too many login attempts, say) instead of 500.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_core::error::ClientError;
///
/// #[derive(Debug, thiserror::Error)]
/// enum QuotaError {
///     #[error("the daily quota is spent")]
///     Spent(#[source] ClientError),
/// }
///
/// let err = QuotaError::Spent(ClientError::new(StatusCode::TOO_MANY_REQUESTS, "Come back tomorrow."));
/// let http: HttpError = err.into();
/// assert_eq!(http.status(), StatusCode::TOO_MANY_REQUESTS);
/// assert_eq!(http.message(), "Come back tomorrow.");
/// ```
#[derive(Debug, Clone)]
pub struct ClientError {
    status: StatusCode,
    message: Cow<'static, str>,
    headers: HeaderMap,
}

impl ClientError {
    /// An answer with `status` (a 4xx) and a message safe to show the client.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        ClientError {
            status,
            message: message.into(),
            headers: HeaderMap::new(),
        }
    }

    /// Adds a response header (such as `Retry-After`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The first `ClientError` among `err` and its causes.
    ///
    /// ```
    /// use galvani_core::error::ClientError;
    /// use http::StatusCode;
    ///
    /// let err = ClientError::new(StatusCode::GONE, "The offer has ended.");
    /// assert_eq!(ClientError::find(&err).map(|c| c.status()), Some(StatusCode::GONE));
    /// assert!(ClientError::find(&std::fmt::Error).is_none());
    /// ```
    pub fn find<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a ClientError> {
        let mut cause = Some(err);
        while let Some(e) = cause {
            if let Some(client) = e.downcast_ref::<ClientError>() {
                return Some(client);
            }
            cause = e.source();
        }
        None
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message for the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The headers the answer carries.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The answer, as a handler's error.
    pub fn answer(&self) -> HttpError {
        let mut out = HttpError::new(self.status, self.message.clone());
        out.0.headers = self.headers.clone();
        out
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for ClientError {}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let report = self.report();
        let mut response = report.into_response();
        response.headers_mut().extend(self.0.headers);
        response
    }
}

impl IntoResponse for crate::Error {
    fn into_response(self) -> Response {
        HttpError::internal(self).into_response()
    }
}

impl IntoResponse for ErrorReport {
    fn into_response(self) -> Response {
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = self.status;
        response.extensions_mut().insert(Arc::new(self));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_error_becomes_a_500_with_its_cause_kept() {
        let err: HttpError = "x".parse::<u8>().unwrap_err().into();
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let report = err.report();
        assert!(report.causes[0].contains("invalid digit"));
    }

    #[test]
    fn the_response_carries_the_report_and_extra_headers() {
        let res = HttpError::new(StatusCode::TOO_MANY_REQUESTS, "slow down")
            .with_header(http::header::RETRY_AFTER, HeaderValue::from_static("5"))
            .into_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()["retry-after"], "5");
        let report = res.extensions().get::<Arc<ErrorReport>>().unwrap();
        assert_eq!(report.message, "slow down");
    }
}
