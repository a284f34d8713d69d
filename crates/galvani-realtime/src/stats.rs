//! Counters for what happens to connections and messages, read by tests and the
//! operator (`Channels::stats`), exported to `[metrics]` as `galvani_realtime_*`, and
//! logged when something is lost.

use std::sync::atomic::{AtomicU64, Ordering};

/// The counters, shared by every connection of a process.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    open: AtomicU64,
    opened: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    disconnected_slow: AtomicU64,
    bad_messages: AtomicU64,
    refused: AtomicU64,
    gaps: AtomicU64,
    layer_lost: AtomicU64,
    layer_outages: AtomicU64,
    caught_up: AtomicU64,
}

/// A reading of the counters.
///
/// ```
/// let stats = galvani_realtime::StatsSnapshot::default();
/// assert_eq!(stats.open, 0);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Connections open now (WebSocket and SSE).
    pub open: u64,
    /// Connections opened since start.
    pub opened: u64,
    /// Messages queued for a client.
    pub delivered: u64,
    /// Messages dropped because a client's queue was full (`slow_consumer = "drop"`).
    pub dropped: u64,
    /// Connections closed because their client read too slowly.
    pub disconnected_slow: u64,
    /// Client messages that did not parse (each answered with an error frame).
    pub bad_messages: u64,
    /// Handshakes refused (foreign origin, login, permission, too many connections).
    pub refused: u64,
    /// Clients that resumed (`Last-Event-ID`) after events no longer kept.
    pub gaps: u64,
    /// Broadcasts the Redis layer could not pass on: other processes missed them.
    pub layer_lost: u64,
    /// Times the Redis layer lost its subscription (broadcasts from other processes
    /// to pub/sub groups are missed until it is back).
    pub layer_outages: u64,
    /// Stream-group events fetched from Redis after an outage, that would otherwise
    /// have been missed.
    pub caught_up: u64,
}

macro_rules! counters {
    ($($name:ident),*) => {
        impl Stats {
            $(#[cfg_attr(not(feature = "redis"), allow(dead_code))]
            pub(crate) fn $name(&self) {
                self.$name.fetch_add(1, Ordering::Relaxed);
            })*
        }
    };
}
counters!(
    opened,
    dropped,
    disconnected_slow,
    bad_messages,
    refused,
    gaps,
    layer_lost,
    layer_outages
);

impl Stats {
    pub(crate) fn delivered(&self, n: u64) {
        self.delivered.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn caught_up(&self, n: u64) {
        self.caught_up.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn open_changed(&self, up: bool) {
        if up {
            self.open.fetch_add(1, Ordering::Relaxed);
        } else {
            self.open.fetch_sub(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            open: get(&self.open),
            opened: get(&self.opened),
            delivered: get(&self.delivered),
            dropped: get(&self.dropped),
            disconnected_slow: get(&self.disconnected_slow),
            bad_messages: get(&self.bad_messages),
            refused: get(&self.refused),
            gaps: get(&self.gaps),
            layer_lost: get(&self.layer_lost),
            layer_outages: get(&self.layer_outages),
            caught_up: get(&self.caught_up),
        }
    }
}

/// The prefix of every real-time metric's name.
const PREFIX: &str = "galvani_realtime_";

/// The gauge of open connections: its name (after [`PREFIX`]) and help.
const OPEN: (&str, &str) = (
    "connections",
    "WebSocket, SSE and Socket.IO connections open now",
);

/// Each counter's name (after [`PREFIX`]), help, and place in a snapshot.
type Counter = (&'static str, &'static str, fn(&StatsSnapshot) -> u64);

const COUNTERS: [Counter; 10] = [
    (
        "connections_opened_total",
        "Connections opened since start",
        |s| s.opened,
    ),
    ("delivered_total", "Messages queued for a client", |s| {
        s.delivered
    }),
    (
        "dropped_total",
        "Messages dropped because a client's queue was full (slow_consumer = drop)",
        |s| s.dropped,
    ),
    (
        "disconnected_slow_total",
        "Connections closed because their client read too slowly",
        |s| s.disconnected_slow,
    ),
    (
        "bad_messages_total",
        "Client messages that did not parse (each answered with an error)",
        |s| s.bad_messages,
    ),
    (
        "refused_total",
        "Handshakes refused (origin, login, permission, too many connections)",
        |s| s.refused,
    ),
    (
        "gaps_total",
        "Clients that resumed after events no longer kept",
        |s| s.gaps,
    ),
    (
        "layer_lost_total",
        "Broadcasts the Redis layer could not pass on to other processes",
        |s| s.layer_lost,
    ),
    (
        "layer_outages_total",
        "Times the Redis layer lost its subscription",
        |s| s.layer_outages,
    ),
    (
        "caught_up_total",
        "Stream-group events fetched from Redis after an outage",
        |s| s.caught_up,
    ),
];

/// Describes the metrics to the recorder (their `# HELP` lines).
pub(crate) fn describe() {
    galvani_core::metrics::describe_gauge!(format!("{PREFIX}{}", OPEN.0), OPEN.1);
    for (name, help, _) in COUNTERS {
        galvani_core::metrics::describe_counter!(format!("{PREFIX}{name}"), help);
    }
}

impl StatsSnapshot {
    /// Copies the counters into the `metrics` recorder (`[metrics]`'s collector).
    pub(crate) fn export(&self) {
        #[allow(clippy::cast_precision_loss)] // A gauge is an f64; counts stay far below 2^53.
        galvani_core::metrics::gauge!(format!("{PREFIX}{}", OPEN.0)).set(self.open as f64);
        for (name, _, value) in COUNTERS {
            galvani_core::metrics::counter!(format!("{PREFIX}{name}")).absolute(value(self));
        }
    }
}
