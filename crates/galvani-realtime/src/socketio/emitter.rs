//! How queued messages reach a Socket.IO socket: emitted straight into socketioxide's
//! bounded per-socket queue (no task or queue of ours), full meaning slow.

use std::convert::Infallible;
use std::sync::{Arc, Weak};

use serde_json::value::RawValue;
use socketioxide::adapter::LocalAdapter;
use socketioxide::handler::FromConnectParts;
use socketioxide::socket::Socket as RawSocket;
use socketioxide::{SendError, SocketError};

use crate::connection::Connection;
use crate::outbox::{Outgoing, Refused};

/// How often a slow socket's disconnect is tried again while its queue is full.
const RETRY_DISCONNECT: std::time::Duration = std::time::Duration::from_millis(100);

/// The socket, held weakly: the socket keeps its connection (in its extensions), and
/// the connection's groups keep this.
#[derive(Clone, Debug)]
pub(crate) struct Emitter(Weak<RawSocket<LocalAdapter>>);

/// Extracts the socket itself, to hold it weakly.
pub(super) struct Held(pub(super) Arc<RawSocket<LocalAdapter>>);

impl FromConnectParts<LocalAdapter> for Held {
    type Error = Infallible;

    fn from_connect_parts(
        s: &Arc<RawSocket<LocalAdapter>>,
        _: &Option<socketioxide_core::Value>,
    ) -> Result<Self, Infallible> {
        Ok(Held(s.clone()))
    }
}

impl Emitter {
    pub(super) fn new(socket: &Arc<RawSocket<LocalAdapter>>) -> Self {
        Emitter(Arc::downgrade(socket))
    }

    /// Emits `out` as events: a group's event under its name with its payload; a
    /// message for this connection alone as a `message` event.
    pub(crate) fn deliver(&self, out: Outgoing) -> Result<(), Refused> {
        let socket = self.0.upgrade().ok_or(Refused::Closed)?;
        match out {
            Outgoing::Event(event) => emit(&socket, event.name(), event.raw_data()),
            Outgoing::Replay(events) => events
                .iter()
                .try_for_each(|event| emit(&socket, event.name(), event.raw_data())),
            Outgoing::Binary(data) => emit(&socket, "message", &data),
            Outgoing::Text(text) => match serde_json::from_str::<&RawValue>(&text) {
                Ok(data) => emit(&socket, "message", data),
                Err(_) => emit(&socket, "message", text.as_str()),
            },
        }
    }

    /// Disconnects the socket, from a task of its own (this runs under a group's lock).
    ///
    /// It leaves its groups at once, as it is sent nothing more. socketioxide refuses to
    /// disconnect a socket whose queue is full, which is when a slow one is disconnected:
    /// the disconnect is tried again until there is room for it, and a client that never
    /// reads is cut by Engine.IO's heartbeat, whose ping cannot be queued either, within
    /// `ping_interval`. Its queue is bounded meanwhile.
    pub(crate) fn disconnect(&self) {
        let Some(socket) = self.0.upgrade() else {
            return;
        };
        tokio::spawn(async move {
            if let Some(conn) = socket.extensions.get::<Connection>() {
                conn.leave_all();
            }
            while socket.connected() {
                match socket.clone().disconnect() {
                    Err(SocketError::InternalChannelFull) => {
                        tokio::time::sleep(RETRY_DISCONNECT).await;
                    }
                    _ => break,
                }
            }
        });
    }
}

fn emit<T: serde::Serialize + ?Sized>(
    socket: &RawSocket<LocalAdapter>,
    event: &str,
    data: &T,
) -> Result<(), Refused> {
    match socket.emit(event, data) {
        Ok(()) => Ok(()),
        Err(SendError::Socket(SocketError::InternalChannelFull)) => Err(Refused::Full),
        Err(SendError::Socket(_)) => Err(Refused::Closed),
        Err(e) => {
            tracing::warn!(event, "an event could not be encoded for Socket.IO: {e}");
            Ok(())
        }
    }
}
