//! The access log: one structured event per request on the `galvani::access` target,
//! with method, path, status, duration and request id.

use std::time::Instant;

use http::{Method, StatusCode};

/// When the request started; the method and path come from the Core's snapshot.
pub(crate) struct AccessEntry {
    started: Instant,
}

impl AccessEntry {
    pub(crate) fn start() -> Self {
        AccessEntry {
            started: Instant::now(),
        }
    }

    pub(crate) fn finish(
        self,
        method: &Method,
        path: &str,
        status: StatusCode,
        request_id: Option<&str>,
    ) {
        let micros = self.started.elapsed().as_micros() as u64;
        let level_error = status.is_server_error();
        macro_rules! emit {
            ($level:ident) => {
                tracing::$level!(
                    target: "galvani::access",
                    method = method.as_str(),
                    path,
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
