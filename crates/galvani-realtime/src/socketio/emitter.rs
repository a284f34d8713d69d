//! How queued messages reach a Socket.IO socket: emitted straight into socketioxide's
//! bounded per-socket queue (no task or queue of ours), full meaning slow.

use std::convert::Infallible;
use std::sync::{Arc, Weak};

use serde_json::value::RawValue;
use socketioxide::adapter::LocalAdapter;
use socketioxide::handler::FromConnectParts;
use socketioxide::socket::Socket as RawSocket;
use socketioxide::{SendError, SocketError};

use crate::outbox::{Outgoing, Refused};

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

    /// Disconnects the socket, from a task of its own: this runs under a group's lock,
    /// and the disconnect handler leaves the groups.
    pub(crate) fn disconnect(&self) {
        if let Some(socket) = self.0.upgrade() {
            tokio::spawn(async move {
                let _ = socket.disconnect();
            });
        }
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
