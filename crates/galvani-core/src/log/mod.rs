//! Logging for the project binary: `tracing` events to standard output, as text or JSON
//! lines, filtered by `RUST_LOG` or `log.level`, written from a background thread so a
//! slow terminal never slows requests ([`LogWriter`]: under load it writes in batches
//! every 20 ms instead of being woken for each line).
//!
//! Access events (target `galvani::access`, one per request) are formatted by a small
//! dedicated layer instead of `tracing-subscriber`'s general formatter: they are the
//! only events on the hot path, and the general formatter cost more than a whole axum
//! request (about 10,000 instructions per line, measured with callgrind). Their fields
//! and levels are the same; only the formatting is specialised.

mod access;
mod writer;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

pub use access::ACCESS_TARGET;
pub use writer::{INTERVAL, LogGuard, LogWriter};

use crate::settings::{LogFormat, Settings};

/// Installs the global subscriber. Keep the returned guard alive until the program ends:
/// dropping it flushes the lines still queued. Returns `None` when a subscriber was
/// already installed (by an earlier call or by the program itself).
pub fn init(settings: &Settings) -> Option<LogGuard> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = LogWriter::spawn(std::io::stdout());
    let not_access = tracing_subscriber::filter::filter_fn(|m| m.target() != ACCESS_TARGET);
    let access = access::AccessLayer {
        writer: writer.clone(),
        json: settings.log.format == LogFormat::Json,
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(std::io::stdout().is_terminal());
    let registry = tracing_subscriber::registry().with(filter).with(access);
    let installed = match settings.log.format {
        LogFormat::Json => registry
            .with(fmt.json().flatten_event(true).with_filter(not_access))
            .try_init()
            .is_ok(),
        LogFormat::Text => registry
            .with(fmt.compact().with_filter(not_access))
            .try_init()
            .is_ok(),
    };
    installed.then_some(guard)
}
