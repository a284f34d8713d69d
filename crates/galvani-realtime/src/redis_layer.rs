//! The Redis channel layer: a broadcast made in any process reaches the members of the
//! group in every process.
//!
//! - Every process publishes to `{prefix}g:{group}` and listens to `{prefix}g:*`, so
//!   joining a group never waits on Redis (and cannot miss the first events because a
//!   subscription was still on its way).
//! - A plain group's event is delivered here at once and published for the others,
//!   which skip their own. A stream group's event is appended to `{prefix}s:{group}`
//!   and published in one script, so its stream id comes back to every process
//!   (this one too) in stream order; that id is the event's id.
//! - When the subscription is lost, stream groups hold their live events and, once it
//!   is back, fetch what they missed from the streams first. Plain groups cannot: the
//!   outage is logged and counted (`layer_outages`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::StreamRangeReply;
use serde_json::value::RawValue;
use tokio::sync::{OnceCell, mpsc};

use crate::channels::{Channels, WeakChannels};
use crate::error::Error;
use crate::event::Event;
use crate::settings::RealtimeSettings;

/// Appends an event to a stream group's stream, keeps the stream bounded and alive for
/// the replay window, and publishes it with its new id, all at once.
const APPEND: &str = "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[3], 'd', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PUBLISH', KEYS[2], ARGV[2] .. '\\n' .. id .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4])
return id";

/// The id of the newest entry trimmed from a stream (`0-0`: none, or no stream).
const TRIMMED: &str = "if redis.call('EXISTS', KEYS[1]) == 0 then return '0-0' end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
for i = 1, #info, 2 do
  if info[i] == 'max-deleted-entry-id' then return info[i + 1] end
end
return '0-0'";

/// Broadcasts waiting to be published; beyond this, they are counted as lost.
const QUEUE: usize = 16 * 1024;
/// How long a connection or a command to Redis may take before it counts as down.
const TIMEOUT: Duration = Duration::from_secs(2);

/// The layer of one process (one per `Channels`).
pub(crate) struct RedisLayer {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Publish>,
    rx: Mutex<Option<mpsc::Receiver<Publish>>>,
    /// Set once the tasks run: every broadcast asks, without taking the lock.
    started: AtomicBool,
    /// Set while the publish queue is full, so that it is logged once.
    full: Arc<AtomicBool>,
}

struct Shared {
    client: redis::Client,
    url: String,
    prefix: String,
    /// This process, so that it skips its own plain broadcasts coming back.
    origin: String,
    max_len: usize,
    window_ms: u64,
    commands: OnceCell<ConnectionManager>,
}

/// A broadcast on its way to Redis.
struct Publish {
    group: String,
    event: String,
    data: String,
    streamed: bool,
}

impl RedisLayer {
    pub(crate) fn new(settings: &RealtimeSettings) -> Result<Self, Error> {
        let url = galvani_core::settings::url_without_password(&settings.redis_url);
        let client = redis::Client::open(settings.redis_url.as_str()).map_err(|e| {
            Error::Config(format!(
                "[apps.realtime] `redis_url` `{url}` is not a Redis URL: {e}"
            ))
        })?;
        let (tx, rx) = mpsc::channel(QUEUE);
        // Random per process (the hasher's keys are), so two processes never match.
        let origin = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(std::process::id());
            format!("{:016x}", h.finish())
        };
        Ok(RedisLayer {
            shared: Arc::new(Shared {
                client,
                url,
                prefix: settings.redis_prefix.clone(),
                origin,
                max_len: settings.history.max(1),
                window_ms: settings.replay_window.as_duration().as_millis() as u64,
                commands: OnceCell::new(),
            }),
            tx,
            rx: Mutex::new(Some(rx)),
            started: AtomicBool::new(false),
            full: Arc::default(),
        })
    }

    /// Starts the publishing and listening tasks, once, when first used inside a Tokio
    /// runtime.
    pub(crate) fn start(&self, channels: &Channels) {
        if self.started.load(Ordering::Acquire) || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let Some(rx) = self
            .rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return;
        };
        self.started.store(true, Ordering::Release);
        let weak = channels.downgrade();
        tokio::spawn(publish(
            self.shared.clone(),
            rx,
            weak.clone(),
            self.full.clone(),
        ));
        tokio::spawn(listen(self.shared.clone(), weak));
    }

    /// Hands a broadcast to the publishing task; never waits.
    pub(crate) fn publish(
        &self,
        channels: &Channels,
        group: &str,
        event: &str,
        data: &str,
        streamed: bool,
    ) {
        let message = Publish {
            group: group.to_owned(),
            event: event.to_owned(),
            data: data.to_owned(),
            streamed,
        };
        if self.tx.try_send(message).is_err() {
            channels.counters().layer_lost();
            if !self.full.swap(true, Ordering::Relaxed) {
                tracing::error!(
                    "the Redis channel layer cannot publish as fast as broadcasts come: broadcasts are lost for other processes until it catches up"
                );
            }
        }
    }

    /// Fetches what a resuming member of a stream group missed after `after`, while
    /// its live events wait.
    pub(crate) fn replay(&self, channels: &Channels, group: Arc<str>, member: u64, after: u64) {
        let shared = self.shared.clone();
        let channels = channels.clone();
        tokio::spawn(async move {
            let fetched = shared.fetch(&group, after).await;
            if let Err(e) = &fetched {
                tracing::warn!(%group, "cannot fetch missed events from Redis: {e}");
            }
            channels.finish_replay(&group, member, after, fetched.ok());
        });
    }
}

impl Shared {
    fn channel(&self, group: &str) -> String {
        format!("{}g:{group}", self.prefix)
    }

    fn stream(&self, group: &str) -> String {
        format!("{}s:{group}", self.prefix)
    }

    async fn commands(&self) -> redis::RedisResult<ConnectionManager> {
        self.commands
            .get_or_try_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(TIMEOUT))
                    .set_response_timeout(Some(TIMEOUT));
                self.client.get_connection_manager_with_config(config)
            })
            .await
            .cloned()
    }

    /// The events of `group`'s stream after `after`, oldest first, and whether nothing
    /// after `after` was trimmed.
    async fn fetch(
        &self,
        group: &Arc<str>,
        after: u64,
    ) -> redis::RedisResult<(Vec<Arc<Event>>, bool)> {
        let mut conn = self.commands().await?;
        let key = self.stream(group);
        let mut pipe = redis::pipe();
        pipe.cmd("XRANGE")
            .arg(&key)
            .arg(format!("({}", stream_id(after)))
            .arg("+")
            .arg("COUNT")
            .arg(self.max_len * 2);
        pipe.cmd("EVAL").arg(TRIMMED).arg(1).arg(&key);
        let (range, trimmed): (StreamRangeReply, String) = pipe.query_async(&mut conn).await?;
        let complete = parse_id(&trimmed).is_none_or(|t| t <= after);
        let events = range
            .ids
            .into_iter()
            .filter_map(|entry| {
                let id = parse_id(&entry.id)?;
                let field = |name: &str| {
                    let value = entry.map.get(name)?;
                    redis::from_redis_value_ref::<String>(value).ok()
                };
                let data = RawValue::from_string(field("d")?).ok()?;
                Some(Arc::new(Event::new(group.clone(), &field("e")?, data, id)))
            })
            .collect();
        Ok((events, complete))
    }
}

/// Publishes broadcasts in batches (one round trip for all that waited).
async fn publish(
    shared: Arc<Shared>,
    mut rx: mpsc::Receiver<Publish>,
    channels: WeakChannels,
    full: Arc<AtomicBool>,
) {
    let mut batch = Vec::with_capacity(256);
    let mut failing = false;
    while rx.recv_many(&mut batch, 256).await > 0 {
        let sent = async {
            let mut conn = shared.commands().await?;
            let mut pipe = redis::pipe();
            for p in &batch {
                let channel = shared.channel(&p.group);
                if p.streamed {
                    pipe.cmd("EVAL")
                        .arg(APPEND)
                        .arg(2)
                        .arg(shared.stream(&p.group))
                        .arg(channel)
                        .arg(shared.max_len)
                        .arg(&shared.origin)
                        .arg(&p.event)
                        .arg(&p.data)
                        .arg(shared.window_ms)
                        .ignore();
                } else {
                    let message = format!("{}\n-\n{}\n{}", shared.origin, p.event, p.data);
                    pipe.cmd("PUBLISH").arg(channel).arg(message).ignore();
                }
            }
            pipe.query_async::<()>(&mut conn).await
        }
        .await;
        let Some(channels) = channels.upgrade() else {
            return;
        };
        match sent {
            Ok(()) => {
                if failing {
                    tracing::warn!(url = %shared.url, "the Redis channel layer publishes again");
                    failing = false;
                }
                full.store(false, Ordering::Relaxed);
            }
            Err(e) => {
                for _ in &batch {
                    channels.counters().layer_lost();
                }
                if !failing {
                    tracing::error!(url = %shared.url, "the Redis channel layer cannot publish ({e}): broadcasts reach this process only until Redis is back");
                    failing = true;
                }
            }
        }
        batch.clear();
    }
}

/// Listens to every group's channel, reconnecting with backoff; catches stream groups
/// up after an outage.
async fn listen(shared: Arc<Shared>, channels: WeakChannels) {
    let pattern = format!("{}g:*", shared.prefix);
    let mut lost_at: Option<Instant> = None;
    let mut delay = Duration::from_millis(100);
    loop {
        let connected = tokio::time::timeout(TIMEOUT, async {
            let mut pubsub = shared.client.get_async_pubsub().await?;
            pubsub.psubscribe(&pattern).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await
        .map_err(|_| "timed out".to_owned())
        .and_then(|r| r.map_err(|e| e.to_string()));
        let Some(hub) = channels.upgrade() else {
            return;
        };
        let pubsub = match connected {
            Ok(pubsub) => pubsub,
            Err(e) => {
                if lost_at.is_none() {
                    lost(&hub, &shared, &e);
                    lost_at = Some(Instant::now());
                }
                drop(hub);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        delay = Duration::from_millis(100);
        if let Some(since) = lost_at.take() {
            catch_up(&shared, &hub, since).await;
        }
        drop(hub);
        let (mut sink, mut stream) = pubsub.split();
        let mut ping = tokio::time::interval(Duration::from_secs(5));
        ping.tick().await;
        let why = loop {
            tokio::select! {
                message = stream.next() => {
                    let Some(message) = message else { break "the connection closed".to_owned() };
                    let Some(hub) = channels.upgrade() else { return };
                    receive(&hub, &shared, &message);
                }
                _ = ping.tick() => {
                    match tokio::time::timeout(TIMEOUT, sink.ping::<redis::Value>()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => break e.to_string(),
                        Err(_) => break "no answer to a ping".to_owned(),
                    }
                }
            }
        };
        let Some(hub) = channels.upgrade() else {
            return;
        };
        lost(&hub, &shared, &why);
        lost_at = Some(Instant::now());
    }
}

/// Back after an outage: each stream group fetches what it missed, then releases the
/// live events it held.
async fn catch_up(shared: &Shared, hub: &Channels, since: Instant) {
    let before = hub.stats().caught_up;
    for (group, after) in hub.held_groups() {
        let fetched = shared.fetch(&group, after).await;
        if let Err(e) = &fetched {
            tracing::warn!(%group, "cannot fetch missed events from Redis: {e}");
        }
        hub.finish_catch_up(&group, fetched.ok());
    }
    tracing::warn!(
        url = %shared.url,
        down_for = ?since.elapsed(),
        caught_up = hub.stats().caught_up - before,
        "the Redis channel layer is back: stream groups caught up; plain groups missed the broadcasts other processes made meanwhile"
    );
}

/// The subscription is gone: count and log it, and make stream groups hold their
/// live events until what they miss meanwhile is fetched.
fn lost(channels: &Channels, shared: &Shared, why: &str) {
    channels.counters().layer_outages();
    channels.hold_streamed();
    tracing::error!(
        url = %shared.url,
        "the Redis channel layer lost Redis ({why}): broadcasts from other processes are missed until it is back; it retries"
    );
}

/// One published message: `origin \n stream-id-or-dash \n event \n data`.
fn receive(channels: &Channels, shared: &Shared, message: &redis::Msg) {
    let Some(group) = message
        .get_channel_name()
        .strip_prefix(shared.prefix.as_str())
        .and_then(|c| c.strip_prefix("g:"))
    else {
        return;
    };
    let Ok(text) = std::str::from_utf8(message.get_payload_bytes()) else {
        return;
    };
    let mut parts = text.splitn(4, '\n');
    let (Some(origin), Some(id), Some(event), Some(data)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        tracing::warn!(
            group,
            "a message on the Redis channel layer is not ours; ignored"
        );
        return;
    };
    let Ok(data) = RawValue::from_string(data.to_owned()) else {
        tracing::warn!(
            group,
            "a message on the Redis channel layer has no JSON payload; ignored"
        );
        return;
    };
    match parse_id(id) {
        Some(id) => channels.deliver_streamed(group, event, data, id),
        None if origin != shared.origin => channels.deliver(group, event, data),
        None => {}
    }
}

/// A Redis stream id (`1700000000000-3`) as an event id: the milliseconds above 20
/// bits of sequence, so that ids compare as the stream's do.
fn parse_id(id: &str) -> Option<u64> {
    let (ms, seq) = id.split_once('-')?;
    let (ms, seq) = (ms.parse::<u64>().ok()?, seq.parse::<u64>().ok()?);
    Some(ms << 20 | seq.min(0xF_FFFF)).filter(|&id| id > 0)
}

/// An event id back as a Redis stream id.
fn stream_id(id: u64) -> String {
    format!("{}-{}", id >> 20, id & 0xF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_round_trip_and_keep_their_order() {
        let a = parse_id("1700000000000-0").unwrap();
        let b = parse_id("1700000000000-7").unwrap();
        let c = parse_id("1700000000001-0").unwrap();
        assert!(a < b && b < c);
        assert_eq!(stream_id(b), "1700000000000-7");
        assert_eq!(parse_id("0-0"), None);
        assert_eq!(parse_id("-"), None);
        assert_eq!(parse_id("x-1"), None);
    }
}
