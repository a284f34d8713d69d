//! [`Socket`]: a Socket.IO client's connection, as the namespace's handlers see it.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::{AckError, SendError, SocketError};

use crate::connection::Connection;
use crate::error::Error;

/// A Socket.IO client in a namespace. It is a [`Connection`] (through `Deref`): it has
/// the user, joins and leaves groups (Socket.IO's rooms), and `send`s (a `message`
/// event); and it emits named events, with or without an ack.
///
/// ```
/// use std::time::Duration;
/// use galvani_realtime::socketio::Socket;
///
/// async fn greet(socket: &Socket) -> Result<(), galvani_realtime::Error> {
///     socket.emit("welcome", &serde_json::json!({"namespace": socket.namespace()}))?;
///     // Asks the client, and waits up to two seconds for its answer.
///     let name: String = socket.emit_with_ack("name?", &(), Duration::from_secs(2)).await?;
///     socket.join_with_presence("lobby", &serde_json::json!({"name": name}))?;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Socket {
    conn: Connection,
    raw: SocketRef,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("sid", &self.raw.id.to_string())
            .field("namespace", &self.raw.ns())
            .field("connection", &self.conn)
            .finish()
    }
}

impl std::ops::Deref for Socket {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl Socket {
    /// The socket of a client that passed the handshake.
    pub(super) fn of(raw: &SocketRef) -> Option<Socket> {
        Some(Socket::with(
            raw.extensions.get::<Connection>()?,
            raw.clone(),
        ))
    }

    pub(super) fn with(conn: Connection, raw: SocketRef) -> Socket {
        Socket { conn, raw }
    }

    /// The Socket.IO session id (the client's `socket.id`).
    pub fn sid(&self) -> String {
        self.raw.id.to_string()
    }

    /// The namespace's path (`"/chat"`).
    pub fn namespace(&self) -> &str {
        self.raw.ns()
    }

    /// Emits `event` with `data` to this client. A tuple sends several arguments;
    /// `bytes::Bytes` values go as binary attachments. Never waits: a full queue is
    /// an error ([`Error::Closed`] once the socket is gone).
    pub fn emit(&self, event: &str, data: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        self.raw.emit(event, data).map_err(send_error)
    }

    /// Emits `event` and waits up to `timeout` for the client's ack, parsed into `V`.
    pub async fn emit_with_ack<V: DeserializeOwned + Send>(
        &self,
        event: &str,
        data: &(impl Serialize + ?Sized),
        timeout: Duration,
    ) -> Result<V, Error> {
        let ack = self
            .raw
            .timeout(timeout)
            .emit_with_ack::<_, V>(event, data)
            .map_err(send_error)?;
        ack.await.map_err(|e| match e {
            AckError::Timeout => Error::AckTimeout(timeout),
            AckError::Decode(e) => Error::Ack(e.to_string()),
            AckError::Socket(_) => Error::Closed,
        })
    }

    /// Tells the client an event failed: as the ack when it asked for one, otherwise
    /// as an `error` event.
    pub(super) fn answer_error(&self, event: &str, error: &str, ack: Option<AckSender>) {
        let sent = match ack {
            Some(ack) => ack.send(&serde_json::json!({ "error": error })),
            None => self.raw.emit(
                "error",
                &serde_json::json!({ "event": event, "error": error }),
            ),
        };
        self.answered(sent);
    }

    /// Accounts for an answer (ack or error event) socketioxide could not queue: a full
    /// queue applies the slow-consumer policy, like any message that finds it full.
    pub(super) fn answered(&self, sent: Result<(), SendError>) {
        match sent {
            Ok(()) => {}
            Err(SendError::Socket(SocketError::InternalChannelFull)) => self.conn.queue_full(),
            Err(e) => tracing::debug!("an answer could not be sent to a Socket.IO client: {e}"),
        }
    }
}

fn send_error(e: SendError) -> Error {
    match e {
        SendError::Socket(SocketError::InternalChannelFull) => Error::Full,
        SendError::Socket(_) => Error::Closed,
        other => Error::Ack(other.to_string()),
    }
}
