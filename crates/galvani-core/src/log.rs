//! Logging for the project binary: `tracing` events to standard output, as text or JSON
//! lines, filtered by `RUST_LOG` or `log.level`, written from a background thread so a
//! slow terminal never slows requests.

use std::io::IsTerminal;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, Settings};

/// Installs the global subscriber. Keep the returned guard alive until the program ends:
/// dropping it flushes the lines still queued. Returns `None` when a subscriber was
/// already installed (by an earlier call or by the program itself).
pub fn init(settings: &Settings) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking(std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stdout().is_terminal());
    let installed = match settings.log.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init().is_ok(),
        LogFormat::Text => builder.compact().try_init().is_ok(),
    };
    installed.then_some(guard)
}
