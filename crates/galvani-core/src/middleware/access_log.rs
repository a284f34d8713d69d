//! The access log: one structured event per request on the `galvani::access` target,
//! with method, path, status, duration and request id; INFO for 2xx and 3xx, WARN for
//! 4xx, ERROR for 5xx. The default `log.level` (`info` with debug on, `warn` otherwise)
//! therefore logs every request in development and the ones needing attention in
//! production.

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

    /// When the request started.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    pub(crate) fn finish(
        self,
        method: &Method,
        path: &str,
        status: StatusCode,
        request_id: Option<&str>,
    ) {
        // Read the clock only for an event that is kept (fields are evaluated lazily).
        let micros = || self.started.elapsed().as_micros() as u64;
        // 2xx and 3xx at INFO, 4xx at WARN, 5xx at ERROR, as Django's request logger does.
        macro_rules! emit {
            ($level:ident) => {
                tracing::$level!(
                    target: "galvani::access",
                    method = method.as_str(),
                    path,
                    status = status.as_u16(),
                    micros = micros(),
                    request_id = request_id.unwrap_or("-"),
                    "request"
                )
            };
        }
        if status.is_server_error() {
            emit!(error);
        } else if status.is_client_error() {
            emit!(warn);
        } else {
            emit!(info);
        }
    }
}
