//! WebSocket consumers: an app's endpoint with connect, receive and disconnect
//! handlers and typed JSON messages, mounted with [`websocket`].

use std::future::Future;
use std::sync::Arc;

use axum::extract::WebSocketUpgrade;
use axum::response::{IntoResponse, Response};
use galvani_core::routing::MethodRoute;
use serde::de::DeserializeOwned;

use crate::connection::Connection;
use crate::handshake::{Access, Handshake};
use crate::settings::SlowConsumer;

/// What a handler returns: an error is logged and the client gets an error frame (with
/// the message of a `galvani::error::ClientError` in its causes, or a generic one);
/// the connection stays open.
pub type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A WebSocket endpoint's behaviour. Each text message is parsed as JSON into
/// `Message`; one that does not parse is answered with
/// `{"type":"error","error":"…"}` and never reaches `receive`.
///
/// ```
/// use galvani_realtime::{Connection, Consumer, HandlerResult};
///
/// #[derive(serde::Deserialize)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ChatMessage {
///     Say { text: String },
/// }
///
/// struct Chat;
///
/// impl Consumer for Chat {
///     type Message = ChatMessage;
///
///     async fn connect(&self, conn: &Connection) -> HandlerResult {
///         conn.join("chat");
///         Ok(())
///     }
///
///     async fn receive(&self, conn: &Connection, message: ChatMessage) -> HandlerResult {
///         let ChatMessage::Say { text } = message;
///         conn.channels().broadcast("chat", "said", &serde_json::json!({ "text": text }))?;
///         Ok(())
///     }
/// }
/// ```
pub trait Consumer: Send + Sync + 'static {
    /// What clients send.
    type Message: DeserializeOwned + Send + 'static;

    /// Runs before the connection opens; an error refuses it with 403 (no upgrade).
    fn connect(&self, conn: &Connection) -> impl Future<Output = HandlerResult> + Send {
        let _ = conn;
        async { Ok(()) }
    }

    /// Runs for each message, one at a time per connection.
    fn receive(
        &self,
        conn: &Connection,
        message: Self::Message,
    ) -> impl Future<Output = HandlerResult> + Send;

    /// Sees each frame before it is parsed: return it to have text parsed into
    /// `Message` (and binary refused, with an error frame), or `None` once the consumer
    /// has dealt with it itself, for raw protocols. The default returns it.
    ///
    /// ```
    /// use galvani_realtime::{Connection, Consumer, Frame, HandlerResult};
    ///
    /// /// Sends every frame back as it came (text as text, binary as binary).
    /// struct Echo;
    /// impl Consumer for Echo {
    ///     type Message = ();
    ///     async fn frame(&self, conn: &Connection, frame: Frame) -> Option<Frame> {
    ///         let _ = conn.send_frame(frame);
    ///         None
    ///     }
    ///     async fn receive(&self, _: &Connection, _: ()) -> HandlerResult {
    ///         Ok(())
    ///     }
    /// }
    /// ```
    fn frame(&self, conn: &Connection, frame: Frame) -> impl Future<Output = Option<Frame>> + Send {
        let _ = conn;
        async { Some(frame) }
    }

    /// Runs once the connection has ended, before it leaves its groups.
    fn disconnect(&self, conn: &Connection) -> impl Future<Output = ()> + Send {
        let _ = conn;
        async {}
    }
}

/// A WebSocket message as it came: text or binary.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(bytes::Bytes),
}

/// A WebSocket endpoint for `consumer`, to mount with `Routes::route`.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_realtime::{Connection, Consumer, HandlerResult, websocket};
///
/// struct Echo;
/// impl Consumer for Echo {
///     type Message = serde_json::Value;
///     async fn receive(&self, conn: &Connection, message: serde_json::Value) -> HandlerResult {
///         conn.send(&message)?;
///         Ok(())
///     }
/// }
///
/// let routes = Routes::new()
///     .route("/ws/echo", websocket(Echo))
///     .route("/ws/staff", websocket(Echo).permission_required("shop.view_order"));
/// ```
pub fn websocket<C: Consumer>(consumer: C) -> Endpoint<C> {
    Endpoint {
        consumer: Arc::new(consumer),
        access: Access::Anyone,
        slow_consumer: None,
    }
}

/// A WebSocket endpoint being configured; see [`websocket`].
#[must_use]
pub struct Endpoint<C> {
    consumer: Arc<C>,
    access: Access,
    slow_consumer: Option<SlowConsumer>,
}

crate::handshake::access_methods!(Endpoint<C>);

impl<C: Consumer> Endpoint<C> {
    async fn handshake(
        self: Arc<Self>,
        handshake: Handshake,
        upgrade: WebSocketUpgrade,
    ) -> Response {
        let (conn, rx) = match handshake.open(&self.access, self.slow_consumer).await {
            Ok(opened) => opened,
            Err(refused) => return refused.into_response(),
        };
        if let Err(e) = self.consumer.connect(&conn).await {
            conn.leave_all();
            tracing::info!(error = %e, "a WebSocket connection was refused by its consumer");
            conn.channels().counters().refused();
            return crate::socket::error_answer(&*e).into_response();
        }
        let size =
            |b: galvani_core::settings::ByteSize| usize::try_from(b.bytes()).unwrap_or(usize::MAX);
        let settings = conn.channels().settings();
        let upgrade = upgrade
            .read_buffer_size(size(settings.read_buffer_size))
            .write_buffer_size(0)
            .max_write_buffer_size(size(settings.max_message_size).saturating_mul(2))
            .max_message_size(size(settings.max_message_size))
            .max_frame_size(size(settings.max_frame_size));
        let consumer = self.consumer.clone();
        upgrade.on_upgrade(move |socket| crate::socket::run(socket, consumer, conn, rx))
    }
}

impl<C: Consumer> From<Endpoint<C>> for MethodRoute {
    fn from(endpoint: Endpoint<C>) -> MethodRoute {
        let endpoint = Arc::new(endpoint);
        galvani_core::routing::get(move |handshake: Handshake, upgrade: WebSocketUpgrade| {
            endpoint.clone().handshake(handshake, upgrade)
        })
    }
}
