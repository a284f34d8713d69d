//! [`Namespace`]: a Socket.IO namespace's handlers and who may join it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, Event, SocketRef, TryData};
use socketioxide::handler::{ConnectHandler, FromMessageParts};
use socketioxide::socket::Socket as RawSocket;

use super::emitter::{Emitter, Held};
use super::socket::Socket;
use crate::connection::Connection;
use crate::consumer::HandlerResult;
use crate::handshake::{Access, Handshake, Refusal};
use crate::outbox::Outbox;
use crate::settings::SlowConsumer;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Hook = Arc<dyn Fn(Socket) -> BoxFuture<HandlerResult> + Send + Sync>;
type Register = Arc<dyn Fn(&RawSocket<LocalAdapter>) + Send + Sync>;

/// A namespace (`"/"`, `"/chat"`): what runs when a client joins it, sends it an
/// event, or leaves; who may join; and what happens to a client that reads too slowly.
///
/// - `on_connect` runs once the client is in. An error disconnects it, after an
///   `error` event saying why.
/// - `on(event, handler)`: the event's data is parsed into the handler's type (a tuple
///   takes several arguments; `bytes::Bytes` fields take binary attachments). What the
///   handler returns is the ack, when the client asked for one. Data that does not
///   parse, and an error from the handler, are answered: `{"error": …}` as the ack, or
///   an `error` event `{"event": …, "error": …}` when no ack was asked. An event with
///   no handler is answered the same way. Nothing is dropped silently.
/// - `login_required`, `permission_required`: refused clients get `connect_error` with
///   the reason. A foreign `Origin` is refused the same way, as is a client over
///   `max_connections_per_client`.
///
/// ```
/// use galvani_realtime::socketio::{Namespace, Socket};
///
/// let support = Namespace::new("/support")
///     .login_required()
///     .on_connect(async |socket: Socket| {
///         let name = socket.user().map(|u| u.username.clone()).unwrap_or_default();
///         socket.join_with_presence("support", &serde_json::json!({"name": name}))?;
///         Ok(())
///     })
///     .on("typing", async |socket: Socket, (room, on): (String, bool)| {
///         socket.channels().broadcast(&room, "typing", &on)?;
///         Ok(())
///     });
/// ```
#[must_use]
pub struct Namespace {
    pub(super) path: String,
    pub(crate) access: Access,
    pub(crate) slow_consumer: Option<SlowConsumer>,
    connect: Option<Hook>,
    disconnect: Option<Hook>,
    events: Vec<Register>,
}

crate::handshake::access_methods!(Namespace);

impl Namespace {
    /// A namespace at `path` (`"/"` is the default one).
    pub fn new(path: &str) -> Self {
        Namespace {
            path: format!("/{}", path.trim_start_matches('/')),
            access: Access::Anyone,
            slow_consumer: None,
            connect: None,
            disconnect: None,
            events: Vec::new(),
        }
    }

    /// Runs when a client has joined the namespace.
    pub fn on_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        self.connect = Some(boxed(hook));
        self
    }

    /// Runs when a client has left (before it leaves its groups).
    pub fn on_disconnect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        self.disconnect = Some(boxed(hook));
        self
    }

    /// Handles `event`, its data parsed into `T`; the handler's value is the ack.
    pub fn on<T, R, F, Fut>(mut self, event: &str, handler: F) -> Self
    where
        T: DeserializeOwned + Send + Sync + 'static,
        R: Serialize + Send + 'static,
        F: Fn(Socket, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, Box<dyn std::error::Error + Send + Sync>>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let name: Arc<str> = event.into();
        self.events
            .push(Arc::new(move |s: &RawSocket<LocalAdapter>| {
                let (handler, name) = (handler.clone(), name.clone());
                s.on(
                name.to_string(),
                move |s: SocketRef, wants: AckWanted, ack: AckSender, TryData::<T>(data)| {
                    let (handler, name) = (handler.clone(), name.clone());
                    async move { answer(&*handler, &name, &s, wants.0.then_some(ack), data).await }
                },
            );
            }));
        self
    }
}

fn boxed<F, Fut>(hook: F) -> Hook
where
    F: Fn(Socket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    Arc::new(move |socket| Box::pin(hook(socket)))
}

/// Runs an event's handler on its parsed data and answers: the handler's value as the
/// ack (when `ack` is there), an error as the ack or an `error` event.
async fn answer<T, R, F, Fut>(
    handler: &F,
    event: &str,
    s: &SocketRef,
    ack: Option<AckSender>,
    data: Result<T, socketioxide::ParserError>,
) where
    R: Serialize,
    F: Fn(Socket, T) -> Fut,
    Fut: Future<Output = Result<R, Box<dyn std::error::Error + Send + Sync>>>,
{
    let Some(socket) = Socket::of(s) else { return };
    let answer = match data {
        Ok(data) => handler(socket.clone(), data)
            .await
            .map_err(|e| crate::socket::said(&*e, socket.id())),
        Err(e) => {
            socket.channels().counters().bad_messages();
            Err(format!("the data of `{event}` is not valid: {e}"))
        }
    };
    match (answer, ack) {
        (Ok(reply), Some(ack)) => socket.answered(ack.send(&reply)),
        (Ok(_), None) => {}
        (Err(error), ack) => socket.answer_error(event, &error, ack),
    }
}

/// Whether the client asked for an ack.
struct AckWanted(bool);

impl FromMessageParts<LocalAdapter> for AckWanted {
    type Error = std::convert::Infallible;

    fn from_message_parts(
        _: &Arc<RawSocket<LocalAdapter>>,
        _: &mut socketioxide_core::Value,
        ack_id: &Option<i64>,
    ) -> Result<Self, Self::Error> {
        Ok(AckWanted(ack_id.is_some()))
    }
}

/// Registers `namespace` on socketioxide's server.
pub(super) fn register(io: &socketioxide::SocketIo, namespace: Arc<Namespace>) {
    let admitting = namespace.clone();
    let admit = move |Held(s): Held| {
        let namespace = admitting.clone();
        async move { admit(&namespace, s).await }
    };
    let path = namespace.path.clone();
    let connected = move |s: SocketRef| {
        let namespace = namespace.clone();
        async move { connected(&namespace, s).await }
    };
    io.ns(path, connected.with(admit));
}

/// Before the client is in: the handshake's checks, then its connection and handlers
/// (registered here, so that no event can arrive before them).
async fn admit(namespace: &Arc<Namespace>, s: Arc<RawSocket<LocalAdapter>>) -> Result<(), Refusal> {
    let handshake = Handshake::of(s.req_parts())?;
    let ticket = handshake.admit(&namespace.access).await?;
    let settings = handshake.channels.settings();
    let policy = namespace.slow_consumer.unwrap_or(settings.slow_consumer);
    let outbox = Outbox::socketio(Emitter::new(&s), policy);
    let user = handshake.logged_in_user();
    let channels = handshake.channels;
    let conn = Connection::new(
        channels.clone(),
        outbox,
        user,
        handshake.peer,
        ticket,
        handshake.draining,
    );
    s.extensions.insert(conn);
    for register in &namespace.events {
        register(&s);
    }
    s.on_fallback(
        async |s: SocketRef, Event(name): Event, wants: AckWanted, ack: AckSender| {
            if let Some(socket) = Socket::of(&s) {
                socket.channels().counters().bad_messages();
                let error = format!("there is no handler for `{name}` in namespace `{}`", s.ns());
                socket.answer_error(&name, &error, wants.0.then_some(ack));
            }
        },
    );
    let leaving = namespace.clone();
    s.on_disconnect(move |s: SocketRef| {
        let namespace = leaving.clone();
        async move { depart(&namespace, &s).await }
    });
    channels.counters().opened();
    channels.counters().open_changed(true);
    Ok(())
}

/// A socket's departure, once, whichever comes first: its disconnect, or the server's
/// shutdown (socketioxide forgets its namespaces before it closes the transports then,
/// and calls no disconnect handler). The namespace's hook runs, then the socket leaves
/// its groups.
pub(super) async fn depart(namespace: &Namespace, s: &SocketRef) {
    let Some(conn) = s.extensions.remove::<Connection>() else {
        return;
    };
    let socket = Socket::with(conn, s.clone());
    if let Some(hook) = &namespace.disconnect
        && let Err(e) = hook(socket.clone()).await
    {
        tracing::warn!(error = %e, "a Socket.IO disconnect handler failed");
    }
    socket.leave_all();
    socket.channels().counters().open_changed(false);
}

/// Once the client is in: the namespace's `on_connect`.
async fn connected(namespace: &Namespace, s: SocketRef) {
    let (Some(hook), Some(socket)) = (&namespace.connect, Socket::of(&s)) else {
        return;
    };
    if let Err(e) = hook(socket.clone()).await {
        let error = crate::socket::said(&*e, socket.id());
        socket.answer_error("connect", &error, None);
        socket.close();
    }
}
