//! The access log: one structured event per request on the `galvani::access` target,
//! with method, path, status, duration and request id.

use std::time::Instant;

use http::{Method, StatusCode, Uri};

/// What the access log needs from the request, captured before it is handled.
pub(crate) struct AccessEntry {
    method: Method,
    uri: Uri,
    started: Instant,
}

impl AccessEntry {
    pub(crate) fn start(method: &Method, uri: &Uri) -> Self {
        AccessEntry {
            method: method.clone(),
            uri: uri.clone(),
            started: Instant::now(),
        }
    }

    pub(crate) fn finish(self, status: StatusCode, request_id: Option<&str>) {
        let micros = self.started.elapsed().as_micros() as u64;
        let level_error = status.is_server_error();
        macro_rules! emit {
            ($level:ident) => {
                tracing::$level!(
                    target: "galvani::access",
                    method = self.method.as_str(),
                    path = self.uri.path(),
                    status = status.as_u16(),
                    micros,
                    request_id = request_id.unwrap_or("-"),
                    "request"
                )
            };
        }
        if level_error {
            emit!(warn);
        } else {
            emit!(info);
        }
    }
}

/// Whether access events would be recorded at all (skips the work when not).
pub(crate) fn enabled() -> bool {
    tracing::enabled!(target: "galvani::access", tracing::Level::INFO)
        || tracing::enabled!(target: "galvani::access", tracing::Level::WARN)
}
