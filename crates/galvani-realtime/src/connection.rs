//! [`Connection`]: one client's live connection, as its consumer sees it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use galvani_auth::User;
use galvani_core::server::{Draining, Hold};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::channels::{Channels, ClientTicket};
use crate::error::Error;
use crate::outbox::{Outbox, Outgoing};

/// A client's connection: who it is, the groups it is in, and a way to send it
/// messages. Cheap to clone; a clone kept after the connection ends sends nothing.
///
/// ```
/// use galvani_realtime::Connection;
/// async fn greet(conn: &Connection) -> Result<(), galvani_realtime::Error> {
///     let name = conn.user().map_or("stranger", |u| u.username.as_str());
///     conn.send(&serde_json::json!({"type": "hello", "name": name}))?;
///     conn.join("lobby");
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Connection(Arc<Inner>);

struct Inner {
    id: u64,
    user: Option<User>,
    peer: Option<SocketAddr>,
    channels: Channels,
    outbox: Outbox,
    groups: Mutex<Vec<Arc<str>>>,
    _ticket: Option<ClientTicket>,
    /// Keeps the server's shutdown waiting for this connection to end.
    _hold: Option<Hold>,
    draining: Option<Draining>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.0.id)
            .field("user", &self.0.user.as_ref().map(|u| &u.username))
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub(crate) fn new(
        channels: Channels,
        outbox: Outbox,
        user: Option<User>,
        peer: Option<SocketAddr>,
        ticket: Option<ClientTicket>,
        draining: Option<Draining>,
    ) -> Self {
        Connection(Arc::new(Inner {
            id: channels.next_connection_id(),
            user,
            peer,
            channels,
            outbox,
            groups: Mutex::default(),
            _ticket: ticket,
            _hold: draining.as_ref().map(Draining::hold),
            draining,
        }))
    }

    /// Completes when the server serving the connection begins to shut down (never, on
    /// a site no server serves): the connection then says goodbye and ends.
    pub(crate) fn stopping(&self) -> impl Future<Output = ()> + Send + 'static {
        let draining = self.0.draining.clone();
        async move {
            match draining {
                Some(draining) => draining.begun().await,
                None => std::future::pending().await,
            }
        }
    }

    /// The connection's id, unique in this process.
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// The logged-in user whose session cookie came with the handshake, if any.
    pub fn user(&self) -> Option<&User> {
        self.0.user.as_ref()
    }

    /// The client's address (the TCP peer).
    pub fn peer(&self) -> Option<SocketAddr> {
        self.0.peer
    }

    /// The groups and broadcast.
    pub fn channels(&self) -> &Channels {
        &self.0.channels
    }

    /// Sends `message` (as JSON) to this client alone. Never waits: a full queue is
    /// handled by the endpoint's slow-consumer policy, as for broadcasts.
    pub fn send(&self, message: &impl Serialize) -> Result<(), Error> {
        let text = serde_json::to_string(message).map_err(Error::Payload)?;
        self.send_text(text)
    }

    /// Sends a frame as it is, text or binary, to this client alone (raw protocols;
    /// an SSE stream cannot carry binary and skips it).
    pub fn send_frame(&self, frame: crate::Frame) -> Result<(), Error> {
        match frame {
            crate::Frame::Text(text) => self.send_text(text),
            crate::Frame::Binary(data) => self.offer(Outgoing::Binary(data)),
        }
    }

    pub(crate) fn send_text(&self, text: String) -> Result<(), Error> {
        self.offer(Outgoing::Text(text.into()))
    }

    fn offer(&self, out: Outgoing) -> Result<(), Error> {
        let stats = self.0.channels.counters();
        if self.0.outbox.offer(out, stats) {
            stats.delivered(1);
            Ok(())
        } else if self.0.outbox.closing().is_closed() {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// Adds the connection to `group`: it receives the group's broadcasts until it
    /// leaves or disconnects. Joining twice is joining once.
    pub fn join(&self, group: &str) {
        self.enter(group, None, None);
    }

    /// Joins `group` and announces it: the group receives a `presence.join` event with
    /// `info`, `Channels::presence` lists it, and a `presence.leave` event follows when
    /// the connection leaves or ends. A connection already in the group stays as it
    /// joined, unannounced again.
    pub fn join_with_presence(&self, group: &str, info: &impl Serialize) -> Result<(), Error> {
        let info: Arc<RawValue> = serde_json::value::to_raw_value(info)
            .map_err(Error::Payload)?
            .into();
        match self.enter(group, Some(info.clone()), None) {
            Some(_) => self.0.channels.broadcast(group, "presence.join", &*info),
            None => Ok(()),
        }
    }

    /// Joins `group` as a client that was in it before and saw events up to
    /// `last_event_id` (the `id` of the last event frame it received): the events after
    /// it that the group still keeps come first, then the live ones, none twice.
    /// Returns `false` when some were no longer kept (also counted in `gaps`). On a
    /// Redis stream group the missed events are fetched from Redis, from whichever
    /// process the client was on; `false` is then never returned, the gap is counted
    /// when the fetch finds one.
    ///
    /// ```
    /// use galvani_realtime::{Connection, HandlerResult};
    /// fn rejoin(conn: &Connection, seen: Option<u64>) -> HandlerResult {
    ///     if !conn.join_after("chat:support", seen) {
    ///         conn.send(&serde_json::json!({"type": "reload"}))?; // some were lost
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn join_after(&self, group: &str, last_event_id: Option<u64>) -> bool {
        self.enter(group, None, last_event_id).unwrap_or(true)
    }

    /// Adds the connection to `group` unless it is in it: whether the replay was
    /// complete, or `None` when it was a member already.
    fn enter(
        &self,
        group: &str,
        presence: Option<Arc<RawValue>>,
        replay: Option<u64>,
    ) -> Option<bool> {
        let mut groups = self.0.groups.lock().unwrap_or_else(PoisonError::into_inner);
        if groups.iter().any(|g| &**g == group) {
            return None;
        }
        groups.push(group.into());
        Some(
            self.0
                .channels
                .add(group, self.0.id, &self.0.outbox, presence, replay),
        )
    }

    /// Takes the connection out of `group` (announcing it if it joined with presence).
    pub fn leave(&self, group: &str) {
        self.0
            .groups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|g| &**g != group);
        self.remove_from(group);
    }

    fn remove_from(&self, group: &str) {
        if let Some(info) = self.0.channels.remove(group, self.0.id) {
            let _ = self.0.channels.broadcast(group, "presence.leave", &*info);
        }
    }

    /// The groups the connection is in.
    pub fn groups(&self) -> Vec<String> {
        let groups = self.0.groups.lock().unwrap_or_else(PoisonError::into_inner);
        groups.iter().map(|g| g.to_string()).collect()
    }

    /// Ends the connection (WebSocket close code 1000) once what is queued is written.
    pub fn close(&self) {
        self.0.outbox.close(false);
    }

    /// A message for this connection alone found its queue full (a Socket.IO ack, sent
    /// by socketioxide itself): the slow-consumer policy applies as to any other.
    #[cfg(feature = "socketio")]
    pub(crate) fn queue_full(&self) {
        self.0.outbox.full(self.0.channels.counters());
    }

    pub(crate) fn closing(&self) -> &Arc<crate::outbox::Closing> {
        self.0.outbox.closing()
    }

    /// Leaves every group: the end of the connection.
    pub(crate) fn leave_all(&self) {
        let groups =
            std::mem::take(&mut *self.0.groups.lock().unwrap_or_else(PoisonError::into_inner));
        for group in groups {
            self.remove_from(&group);
        }
    }
}
