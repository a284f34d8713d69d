//! Groups and broadcast: [`Channels`] is the process's registry of groups, each a set of
//! connections (WebSocket or SSE), with optional presence and a short history.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::event::Event;
use crate::outbox::{Outbox, Outgoing};
use crate::settings::{LayerKind, RealtimeSettings};
use crate::stats::{Stats, StatsSnapshot};

/// The handle to groups and broadcast: cheap to clone, usable from anywhere: a handler
/// (it is an extractor), a task, or a model signal after commit (take it from the
/// `ReadyContext` in your app's `ready`).
///
/// ```
/// use galvani_realtime::Channels;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let channels = Channels::new(Default::default())?;
/// channels.broadcast("product-7", "stock", &serde_json::json!({"stock": 3}))?;
/// assert_eq!(channels.count("product-7"), 0); // nobody listens yet
/// # Ok::<_, galvani_realtime::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct Channels(Arc<Hub>);

struct Hub {
    groups: RwLock<HashMap<Arc<str>, Arc<Mutex<Group>>>>,
    settings: Arc<RealtimeSettings>,
    next_connection: AtomicU64,
    next_event: AtomicU64,
    /// The first id this process gave: a resume point below it is from another run.
    first_event: u64,
    per_client: Mutex<HashMap<IpAddr, u32>>,
    stats: Stats,
    #[cfg(feature = "redis")]
    redis: Option<crate::redis_layer::RedisLayer>,
}

#[derive(Default)]
struct Group {
    members: HashMap<u64, Member>,
    history: VecDeque<Arc<Event>>,
    /// The id of the newest event trimmed from the history (0: none yet).
    evicted: u64,
    /// Stream groups: the newest stream id delivered; an event at or below it is one
    /// already delivered (it came again while catching up).
    last_seen: u64,
    /// When the group was made here, as a stream id: where catching up starts if
    /// nothing was delivered yet.
    made: u64,
    /// Stream groups catching up after a Redis outage: live events wait here, behind
    /// the ones fetched from the stream.
    held: Option<Vec<Arc<Event>>>,
}

struct Member {
    outbox: Outbox,
    presence: Option<Arc<RawValue>>,
    /// A member whose missed events are being fetched from Redis: live events wait here.
    held: Option<Vec<Arc<Event>>>,
}

/// A [`Channels`] that does not keep the hub alive (held by the Redis layer's tasks).
#[cfg(feature = "redis")]
#[derive(Clone)]
pub(crate) struct WeakChannels(std::sync::Weak<Hub>);

#[cfg(feature = "redis")]
impl WeakChannels {
    pub(crate) fn upgrade(&self) -> Option<Channels> {
        self.0.upgrade().map(Channels)
    }
}

/// Now, as an event id: milliseconds since 1970 above 20 bits of sequence (the shape
/// of a Redis stream id, so that ids from both compare).
pub(crate) fn clock_id() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
        << 20
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Channels {
    /// Channels living by `settings` (normally made by the `Realtime` app). Fails when
    /// the settings ask for a layer this build cannot give, or a Redis URL is invalid;
    /// Redis itself is connected in the background on first use, and reconnected.
    pub fn new(settings: RealtimeSettings) -> Result<Self, Error> {
        #[cfg(feature = "redis")]
        let redis = match settings.layer {
            LayerKind::Redis => Some(crate::redis_layer::RedisLayer::new(&settings)?),
            LayerKind::Memory => None,
        };
        #[cfg(not(feature = "redis"))]
        if settings.layer == LayerKind::Redis {
            return Err(Error::Config(
                "`layer = \"redis\"` needs Galvani built with the `redis` feature of galvani-realtime (or galvani)".to_owned(),
            ));
        }
        // Event ids start from the clock, so ids after a restart are still larger than
        // the ones a reconnecting client saw before it.
        let first_event = clock_id();
        let channels = Channels(Arc::new(Hub {
            groups: RwLock::default(),
            settings: Arc::new(settings),
            next_connection: AtomicU64::new(1),
            next_event: AtomicU64::new(first_event),
            first_event,
            per_client: Mutex::default(),
            stats: Stats::default(),
            #[cfg(feature = "redis")]
            redis,
        }));
        // Listening from the start (when made inside a runtime), so that broadcasts
        // from other processes reach the first members.
        #[cfg(feature = "redis")]
        channels.redis();
        Ok(channels)
    }

    #[cfg(feature = "redis")]
    fn redis(&self) -> Option<&crate::redis_layer::RedisLayer> {
        let redis = self.0.redis.as_ref()?;
        redis.start(self);
        Some(redis)
    }

    #[cfg(feature = "redis")]
    pub(crate) fn downgrade(&self) -> WeakChannels {
        WeakChannels(Arc::downgrade(&self.0))
    }

    /// Whether `group`'s events come from a Redis stream (layer `redis`, and the group
    /// matches `stream_groups`).
    fn streamed(&self, group: &str) -> bool {
        self.0.settings.layer == LayerKind::Redis && self.0.settings.is_stream_group(group)
    }

    /// Sends `event` with `payload` (as JSON) to every connection in `group`, in this
    /// process. Never waits: a client whose queue is full is handled by its endpoint's
    /// slow-consumer policy. Fails only if the payload cannot be serialised or the name
    /// is empty or holds a line break.
    pub fn broadcast(
        &self,
        group: &str,
        event: &str,
        payload: &(impl Serialize + ?Sized),
    ) -> Result<(), Error> {
        if event.is_empty() || event.contains(['\r', '\n']) {
            return Err(Error::EventName(event.to_owned()));
        }
        let data = serde_json::value::to_raw_value(payload).map_err(Error::Payload)?;
        #[cfg(feature = "redis")]
        if let Some(redis) = self.redis() {
            let streamed = self.streamed(group);
            redis.publish(self, group, event, data.get(), streamed);
            if streamed {
                // Delivered here too when it comes back with its stream id.
                return Ok(());
            }
        }
        self.deliver(group, event, data);
        Ok(())
    }

    /// Delivers an event to this process's members of `group`, giving it this
    /// process's next id and keeping it in the group's history.
    pub(crate) fn deliver(&self, group: &str, event: &str, data: Box<RawValue>) {
        let id = self.0.next_event.fetch_add(1, Ordering::Relaxed);
        // Only groups someone joined exist, so history is kept only where it can be used.
        let Some((name, group)) = self.group(group, false) else {
            return;
        };
        let mut g = lock(&group);
        let event = Arc::new(Event::new(name, event, data, id));
        if self.0.settings.history > 0 {
            if g.history.len() == self.0.settings.history
                && let Some(old) = g.history.pop_front()
            {
                g.evicted = old.id();
            }
            g.history.push_back(event.clone());
        }
        self.fan_out(&mut g, event);
    }

    /// Delivers an event of a stream group (its id is the stream's) to this process's
    /// members, unless it was delivered already; held while the group catches up.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn deliver_streamed(&self, group: &str, event: &str, data: Box<RawValue>, id: u64) {
        let Some((name, group)) = self.group(group, false) else {
            return;
        };
        let mut g = lock(&group);
        let event = Arc::new(Event::new(name, event, data, id));
        if let Some(held) = &mut g.held {
            held.push(event);
        } else if id > g.last_seen {
            g.last_seen = id;
            self.fan_out(&mut g, event);
        }
    }

    fn fan_out(&self, g: &mut Group, event: Arc<Event>) {
        let mut delivered = 0;
        for member in g.members.values_mut() {
            if let Some(held) = &mut member.held {
                held.push(event.clone());
            } else if member
                .outbox
                .offer(Outgoing::Event(event.clone()), &self.0.stats)
            {
                delivered += 1;
            }
        }
        self.0.stats.delivered(delivered);
    }

    /// How many connections are in `group` in this process.
    pub fn count(&self, group: &str) -> usize {
        self.group(group, false)
            .map_or(0, |g| lock(&g.1).members.len())
    }

    /// What the members of `group` who joined with presence said about themselves
    /// (see `Connection::join_with_presence`), in no particular order.
    pub fn presence(&self, group: &str) -> Vec<serde_json::Value> {
        let Some(group) = self.group(group, false) else {
            return Vec::new();
        };
        let g = lock(&group.1);
        g.members
            .values()
            .filter_map(|m| m.presence.as_ref())
            .filter_map(|p| serde_json::from_str(p.get()).ok())
            .collect()
    }

    /// The counters since start.
    pub fn stats(&self) -> StatsSnapshot {
        self.0.stats.snapshot()
    }

    /// The settings the connections live by.
    pub fn settings(&self) -> &RealtimeSettings {
        &self.0.settings
    }

    pub(crate) fn counters(&self) -> &Stats {
        &self.0.stats
    }

    pub(crate) fn next_connection_id(&self) -> u64 {
        self.0.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// The group, made if `create`.
    fn group(&self, name: &str, create: bool) -> Option<(Arc<str>, Arc<Mutex<Group>>)> {
        {
            let groups = self.0.groups.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((k, v)) = groups.get_key_value(name) {
                return Some((k.clone(), v.clone()));
            }
        }
        if !create {
            return None;
        }
        let mut groups = self
            .0
            .groups
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((k, v)) = groups.get_key_value(name) {
            return Some((k.clone(), v.clone()));
        }
        let group = Group {
            made: clock_id(),
            ..Group::default()
        };
        let (k, v): (Arc<str>, Arc<Mutex<Group>>) = (name.into(), Arc::new(Mutex::new(group)));
        groups.insert(k.clone(), v.clone());
        Some((k, v))
    }

    /// Adds connection `id` to `group`. With `replay_after`, the events of the group's
    /// history after that id are queued first, under the same lock, so that nothing is
    /// missed or sent twice between the replay and the live events. Returns `false`
    /// when some events after `replay_after` are no longer kept (a gap, also counted).
    /// On a stream group the missed events are fetched from Redis while the live ones
    /// wait, and a gap is counted when found.
    pub(crate) fn add(
        &self,
        group: &str,
        id: u64,
        outbox: &Outbox,
        presence: Option<Arc<RawValue>>,
        replay_after: Option<u64>,
    ) -> bool {
        let Some((name, group)) = self.group(group, true) else {
            return true;
        };
        let mut g = lock(&group);
        // A stream group's missed events come from Redis, while live ones wait.
        let from_stream = replay_after.filter(|_| self.streamed(&name));
        let complete = match replay_after {
            Some(after) if from_stream.is_none() => self.replay_history(&g, &name, outbox, after),
            _ => true,
        };
        g.members.insert(
            id,
            Member {
                outbox: outbox.clone(),
                presence,
                held: from_stream.map(|_| Vec::new()),
            },
        );
        #[cfg(feature = "redis")]
        if let Some(after) = from_stream
            && let Some(redis) = self.redis()
        {
            redis.replay(self, name, id, after);
        }
        complete
    }

    /// Queues the events of the group's history after `after`; `false` (and a gap
    /// counted) when some are no longer kept.
    fn replay_history(&self, g: &Group, name: &str, outbox: &Outbox, after: u64) -> bool {
        let missed: Vec<_> = g
            .history
            .iter()
            .filter(|e| e.id() > after)
            .cloned()
            .collect();
        let n = missed.len();
        // One slot in the queue, however long the replay.
        if n > 0 && outbox.offer(Outgoing::Replay(missed), &self.0.stats) {
            self.0.stats.delivered(n as u64);
        }
        // An event the client had not seen was trimmed, or the id is from another run
        // or process: what it missed cannot be told.
        let known =
            after >= self.0.first_event && after < self.0.next_event.load(Ordering::Relaxed);
        let complete = after >= g.evicted && known;
        if !complete {
            self.gap(name, after);
        }
        complete
    }

    fn gap(&self, group: &str, after: u64) {
        self.0.stats.gaps();
        tracing::info!(
            group,
            after,
            "a client resumed after events no longer kept: it missed some"
        );
    }

    /// Ends a member's replay from a stream: queues the fetched events (`None`: the
    /// fetch failed), then the live ones that waited and were not among them.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn finish_replay(
        &self,
        group: &str,
        id: u64,
        after: u64,
        fetched: Option<(Vec<Arc<Event>>, bool)>,
    ) {
        let Some((_, group_ref)) = self.group(group, false) else {
            return;
        };
        let mut g = lock(&group_ref);
        let Some(member) = g.members.get_mut(&id) else {
            return;
        };
        let held = member.held.take().unwrap_or_default();
        let (mut events, complete) = fetched.unwrap_or_default();
        let newest = events.last().map_or(after, |e| e.id());
        events.extend(held.into_iter().filter(|e| e.id() > newest));
        let n = events.len() as u64;
        if n > 0 && member.outbox.offer(Outgoing::Replay(events), &self.0.stats) {
            self.0.stats.delivered(n);
        }
        drop(g);
        if !complete {
            self.gap(group, after);
        }
    }

    /// Stream groups start holding their live events: the Redis subscription is lost,
    /// and what it misses will be fetched from the streams when it is back.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn hold_streamed(&self) {
        let groups = self.0.groups.read().unwrap_or_else(PoisonError::into_inner);
        for (name, group) in groups.iter() {
            if self.streamed(name) {
                lock(group).held.get_or_insert_with(Vec::new);
            }
        }
    }

    /// The stream groups holding events, with the id after which to fetch.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn held_groups(&self) -> Vec<(Arc<str>, u64)> {
        let groups = self.0.groups.read().unwrap_or_else(PoisonError::into_inner);
        groups
            .iter()
            .filter_map(|(name, group)| {
                let g = lock(group);
                g.held.as_ref()?;
                Some((
                    name.clone(),
                    if g.last_seen > 0 { g.last_seen } else { g.made },
                ))
            })
            .collect()
    }

    /// Ends a stream group's catching up: delivers the events fetched from the stream
    /// (`None`: the fetch failed), then the live ones that waited, each once. A gap is
    /// counted when the fetch failed or the stream no longer held all that was missed.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn finish_catch_up(&self, group: &str, fetched: Option<(Vec<Arc<Event>>, bool)>) {
        let Some((_, group_ref)) = self.group(group, false) else {
            return;
        };
        let mut g = lock(&group_ref);
        let held = g.held.take().unwrap_or_default();
        let (fetched, complete) = fetched.unwrap_or_default();
        let mut caught_up = 0;
        let fetched = fetched.into_iter().map(|e| (e, true));
        for (event, missed) in fetched.chain(held.into_iter().map(|e| (e, false))) {
            if event.id() > g.last_seen {
                g.last_seen = event.id();
                caught_up += u64::from(missed);
                self.fan_out(&mut g, event);
            }
        }
        drop(g);
        self.0.stats.caught_up(caught_up);
        if !complete {
            self.gap(group, 0);
        }
    }

    /// Takes connection `id` out of `group`; returns its presence, if it had one. An
    /// empty group with no history is forgotten.
    pub(crate) fn remove(&self, group: &str, id: u64) -> Option<Arc<RawValue>> {
        let (_, g) = self.group(group, false)?;
        let (presence, empty) = {
            let mut g = lock(&g);
            let member = g.members.remove(&id)?;
            (
                member.presence,
                g.members.is_empty() && g.history.is_empty(),
            )
        };
        if empty {
            let mut groups = self
                .0
                .groups
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            if groups.get(group).is_some_and(|g| {
                let g = lock(g);
                g.members.is_empty() && g.history.is_empty()
            }) {
                groups.remove(group);
            }
        }
        presence
    }

    /// Counts a connection from `ip` against `max_connections_per_client`; `None` when
    /// it has too many. The ticket gives the slot back when dropped.
    pub(crate) fn admit(&self, ip: IpAddr) -> Option<ClientTicket> {
        let mut per_client = lock(&self.0.per_client);
        let n = per_client.entry(ip).or_default();
        if *n >= self.0.settings.max_connections_per_client {
            return None;
        }
        *n += 1;
        Some(ClientTicket {
            channels: self.clone(),
            ip,
        })
    }
}

/// A connection's slot in its client address's count.
pub(crate) struct ClientTicket {
    channels: Channels,
    ip: IpAddr,
}

impl Drop for ClientTicket {
    fn drop(&mut self) {
        let mut per_client = lock(&self.channels.0.per_client);
        if let Some(n) = per_client.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                per_client.remove(&self.ip);
            }
        }
    }
}
