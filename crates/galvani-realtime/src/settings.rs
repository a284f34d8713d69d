//! `[apps.realtime]`: the limits every real-time connection lives within.

use galvani_core::settings::{ByteSize, Seconds};
use serde::Deserialize;

/// What happens to a connection whose outgoing queue is full because its client reads
/// slower than messages arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlowConsumer {
    /// Close it (WebSocket close code 1008); the client reconnects and, on an endpoint
    /// with history, catches up. Nothing is lost without the client knowing.
    Disconnect,
    /// Drop the message for that client only, and count it (Socket.IO's "volatile"):
    /// for streams where only the latest value matters, such as prices.
    Drop,
}

/// Where broadcasts travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// Within this process only: the default, nothing to run beside it.
    Memory,
    /// Through a Redis server (`redis_url`), to every process of the site; needs the
    /// `redis` feature.
    Redis,
}

/// The `[apps.realtime]` section.
///
/// ```
/// let settings = galvani_core::Settings::from_toml(
///     "[apps.realtime]\nqueue = 16\nslow_consumer = \"drop\"\nidle_timeout = \"90s\"\n",
/// ).unwrap();
/// let rt: galvani_realtime::RealtimeSettings = settings.app("realtime").unwrap();
/// assert_eq!(rt.queue, 16);
/// assert_eq!(rt.slow_consumer, galvani_realtime::SlowConsumer::Drop);
/// assert_eq!(rt.read_buffer_size.bytes(), 1024);
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealtimeSettings {
    /// Messages waiting to be written to one connection before it counts as slow.
    pub queue: usize,
    /// What to do with a slow connection (endpoints may choose their own).
    pub slow_consumer: SlowConsumer,
    /// The largest message a client may send, in bytes (larger: close code 1009).
    pub max_message_size: ByteSize,
    /// The largest WebSocket frame a client may send, in bytes.
    pub max_frame_size: ByteSize,
    /// Bytes read from the socket at a time, held by every WebSocket for its whole
    /// life. Small keeps idle connections cheap (measured in `docs/benchmarks.md`:
    /// 1 KiB, about 6 KB per idle WebSocket and 20 KB per idle Socket.IO client; 4 KiB,
    /// 9 and 23 KB; axum's default 128 KiB, about 138 KB), at the price of one read
    /// per KiB of a large incoming message: raise it where clients send large ones.
    pub read_buffer_size: ByteSize,
    /// How often the server pings a WebSocket (and comments on an SSE stream) so that
    /// proxies keep it open and dead peers are found.
    pub ping_interval: Seconds,
    /// A WebSocket that sends nothing (not even a pong) for this long is closed.
    pub idle_timeout: Seconds,
    /// How long one write may wait for a client that does not read before it is
    /// disconnected, whatever `slow_consumer` says.
    pub send_timeout: Seconds,
    /// Origins (`https://app.example.com`) allowed to open connections besides the
    /// site's own and `csrf.trusted_origins`. Clients that send no `Origin` (not a
    /// browser) are allowed: they carry no one else's cookies.
    pub allowed_origins: Vec<String>,
    /// Open connections allowed from one client address (429 beyond it).
    pub max_connections_per_client: u32,
    /// Events kept per group for clients that reconnect (`Last-Event-ID`); 0 keeps none.
    /// On a Redis stream group this bounds the stream (roughly: Redis trims in blocks).
    pub history: usize,
    /// Where broadcasts travel: `"memory"` (this process) or `"redis"` (every process).
    pub layer: LayerKind,
    /// The Redis server, for `layer = "redis"`.
    pub redis_url: String,
    /// Prefix of every Redis key and channel the layer uses.
    pub redis_prefix: String,
    /// Groups whose events are kept in Redis Streams, so that a client that reconnects
    /// to any process receives what it missed: names, or prefixes ending in `*`
    /// (`"chat:*"`). Other groups are plain pub/sub, with history in each process.
    pub stream_groups: Vec<String>,
    /// How long a stream group's events stay in Redis after its last broadcast.
    pub replay_window: Seconds,
}

impl Default for RealtimeSettings {
    fn default() -> Self {
        RealtimeSettings {
            queue: 64,
            slow_consumer: SlowConsumer::Disconnect,
            max_message_size: ByteSize::new(64 * 1024),
            max_frame_size: ByteSize::new(64 * 1024),
            read_buffer_size: ByteSize::new(1024),
            ping_interval: Seconds::new(25),
            idle_timeout: Seconds::new(60),
            send_timeout: Seconds::new(10),
            allowed_origins: Vec::new(),
            max_connections_per_client: 200,
            history: 100,
            layer: LayerKind::Memory,
            redis_url: "redis://127.0.0.1:6379/0".to_owned(),
            redis_prefix: "galvani:rt:".to_owned(),
            stream_groups: Vec::new(),
            replay_window: Seconds::new(600),
        }
    }
}

impl RealtimeSettings {
    /// Whether `group`'s events go through a Redis stream (see `stream_groups`).
    ///
    /// ```
    /// let mut rt = galvani_realtime::RealtimeSettings::default();
    /// rt.stream_groups = vec!["chat:*".into(), "orders".into()];
    /// assert!(rt.is_stream_group("chat:support") && rt.is_stream_group("orders"));
    /// assert!(!rt.is_stream_group("orders:7") && !rt.is_stream_group("stock"));
    /// ```
    pub fn is_stream_group(&self, group: &str) -> bool {
        self.stream_groups
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => group.starts_with(prefix),
                None => group == pattern,
            })
    }
}
