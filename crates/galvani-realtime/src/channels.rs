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
use crate::settings::RealtimeSettings;
use crate::stats::{Stats, StatsSnapshot};

/// The handle to groups and broadcast: cheap to clone, usable from anywhere: a handler
/// (it is an extractor), a task, or a model signal after commit (take it from the
/// `ReadyContext` in your app's `ready`).
///
/// ```
/// use galvani_realtime::Channels;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let channels = Channels::new(Default::default());
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
    per_client: Mutex<HashMap<IpAddr, u32>>,
    stats: Stats,
}

#[derive(Default)]
struct Group {
    members: HashMap<u64, Member>,
    history: VecDeque<Arc<Event>>,
    /// The id of the newest event trimmed from the history (0: none yet).
    evicted: u64,
}

struct Member {
    outbox: Outbox,
    presence: Option<Arc<RawValue>>,
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
    /// Channels living by `settings` (normally made by the `Realtime` app).
    pub fn new(settings: RealtimeSettings) -> Self {
        // Event ids start from the clock, so ids after a restart are still larger than
        // the ones a reconnecting client saw before it.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Channels(Arc::new(Hub {
            groups: RwLock::default(),
            settings: Arc::new(settings),
            next_connection: AtomicU64::new(1),
            next_event: AtomicU64::new(now_ms << 10),
            per_client: Mutex::default(),
            stats: Stats::default(),
        }))
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
        let id = self.0.next_event.fetch_add(1, Ordering::Relaxed);
        // Only groups someone joined exist, so history is kept only where it can be used.
        let Some(group) = self.group(group, false) else {
            return Ok(());
        };
        let mut g = lock(&group.1);
        let event = Arc::new(Event::new(group.0.clone(), event, data, id));
        if self.0.settings.history > 0 {
            if g.history.len() == self.0.settings.history
                && let Some(old) = g.history.pop_front()
            {
                g.evicted = old.id();
            }
            g.history.push_back(event.clone());
        }
        let mut delivered = 0;
        for member in g.members.values() {
            if member
                .outbox
                .offer(Outgoing::Event(event.clone()), &self.0.stats)
            {
                delivered += 1;
            }
        }
        self.0.stats.delivered(delivered);
        Ok(())
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
        let (k, v): (Arc<str>, Arc<Mutex<Group>>) = (name.into(), Arc::default());
        groups.insert(k.clone(), v.clone());
        Some((k, v))
    }

    /// Adds connection `id` to `group`. With `replay_after`, the events of the group's
    /// history after that id are queued first, under the same lock, so that nothing is
    /// missed or sent twice between the replay and the live events. Returns `false`
    /// when some events after `replay_after` are no longer kept (a gap).
    pub(crate) fn add(
        &self,
        group: &str,
        id: u64,
        outbox: &Outbox,
        presence: Option<Arc<RawValue>>,
        replay_after: Option<u64>,
    ) -> bool {
        let Some((_, group)) = self.group(group, true) else {
            return true;
        };
        let mut g = lock(&group);
        let mut complete = true;
        if let Some(after) = replay_after {
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
            // An event the client had not seen was trimmed: it cannot be replayed.
            complete = after >= g.evicted;
        }
        g.members.insert(
            id,
            Member {
                outbox: outbox.clone(),
                presence,
            },
        );
        complete
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
