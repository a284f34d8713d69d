//! A panic inside a handler or middleware becomes a logged 500; the server keeps going.

use std::any::Any;

use http::StatusCode;

use crate::error::ErrorReport;

/// The report for a caught panic (the message shows only on the debug page and in logs).
pub(crate) fn report(payload: Box<dyn Any + Send>) -> ErrorReport {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-text payload".to_owned());
    tracing::error!(panic = %message, "a handler panicked; answered with 500");
    let mut report = ErrorReport::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    report.causes.push(format!("panicked: {message}"));
    report.panic = true;
    report
}
