//! Socket.IO endpoints (feature `socketio`): Engine.IO v4 / Socket.IO v5, long-polling
//! with upgrade to WebSocket, namespaces, acks and binary, so that the official
//! clients connect unchanged.
//!
//! The protocol is socketioxide's, pinned and kept behind this module: what a project
//! sees is [`SocketIo`], [`Namespace`] and [`Socket`]. A socket is a [`Connection`]
//! like any other: Socket.IO rooms are Galvani groups, so `Channels::broadcast`
//! reaches Socket.IO clients beside WebSockets and SSE streams, through the Redis layer
//! too, with the same presence, history and slow-consumer policy.
//!
//! [`Connection`]: crate::Connection

mod emitter;
mod namespace;
mod socket;

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use galvani_core::SiteState;
use galvani_core::routing::{Routes, any};
use galvani_core::tower::ServiceExt;
use galvani_core::tower::util::BoxCloneSyncService;
use socketioxide::ParserConfig;

/// The Engine.IO service, its types hidden.
type Service = BoxCloneSyncService<Request, Response, std::convert::Infallible>;

use crate::channels::Channels;
use crate::settings::RealtimeSettings;

pub(crate) use emitter::Emitter;
pub use namespace::Namespace;
pub use socket::Socket;

/// A Socket.IO server: its namespaces, served at `/socket.io/` (the clients' default).
/// Limits come from `[apps.realtime]`: `queue` (packets waiting per socket),
/// `max_message_size` (also the long-polling payload and binary attachments),
/// `read_buffer_size`, `ping_interval`, `idle_timeout`.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_realtime::socketio::{Namespace, Socket, SocketIo};
///
/// #[derive(serde::Deserialize)]
/// struct Say { room: String, text: String }
///
/// let io = SocketIo::new().namespace(
///     Namespace::new("/")
///         .on_connect(async |socket: Socket| {
///             socket.join("lobby");
///             Ok(())
///         })
///         .on("say", async |socket: Socket, say: Say| {
///             socket.channels().broadcast(&say.room, "said", &say.text)?;
///             Ok(serde_json::json!({"ok": true})) // the ack, if the client asked for one
///         }),
/// );
/// let routes = Routes::new().merge(io.routes());
/// ```
#[must_use]
pub struct SocketIo {
    path: String,
    namespaces: Vec<Arc<Namespace>>,
}

impl Default for SocketIo {
    fn default() -> Self {
        SocketIo::new()
    }
}

impl std::fmt::Debug for SocketIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIo")
            .field("path", &self.path)
            .field(
                "namespaces",
                &self.namespaces.iter().map(|n| &n.path).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SocketIo {
    /// A server at `/socket.io/` with no namespace yet.
    pub fn new() -> Self {
        SocketIo {
            path: "/socket.io/".to_owned(),
            namespaces: Vec::new(),
        }
    }

    /// Serves at another path (the client's `path` option), such as `/live/`.
    pub fn path(mut self, path: &str) -> Self {
        self.path = format!("/{}/", path.trim_matches('/'));
        self
    }

    /// Adds a namespace (`"/"` is the one clients join by default).
    pub fn namespace(mut self, namespace: Namespace) -> Self {
        self.namespaces.push(Arc::new(namespace));
        self
    }

    /// The route to merge into the project's. It is exempt from the CSRF check: after
    /// the handshake (whose origin is checked), Engine.IO's requests are bound to a
    /// session id that only the client that made the handshake knows.
    pub fn routes(self) -> Routes {
        let path = self.path.clone();
        let server = Arc::new(Server {
            io: self,
            service: OnceLock::new(),
        });
        Routes::new()
            .route(
                &path,
                any(move |req: Request| {
                    let server = server.clone();
                    async move { server.serve(req).await }
                }),
            )
            .csrf_exempt()
    }
}

/// The request with its URI and header values copied out of the connection's read
/// buffer. hyper parses them as slices of that buffer (16 KiB), and Engine.IO keeps
/// the handshake's request for the whole life of its session: without the copy, every
/// idle Socket.IO connection would hold the buffer (about 16 KB of its 30).
fn detached(mut req: Request) -> Request {
    if let Ok(uri) = http::Uri::try_from(req.uri().to_string()) {
        *req.uri_mut() = uri;
    }
    for value in req.headers_mut().values_mut() {
        if let Ok(mut copy) = http::HeaderValue::from_bytes(value.as_bytes()) {
            copy.set_sensitive(value.is_sensitive());
            *value = copy;
        }
    }
    req
}

/// The service, built on the first request (when the settings are known); later
/// requests go straight to it.
struct Server {
    io: SocketIo,
    service: OnceLock<Service>,
}

impl Server {
    async fn serve(&self, req: Request) -> Response {
        let service = match self.service.get() {
            Some(service) => service.clone(),
            None => {
                let channels = match Channels::of_request(req.extensions()) {
                    Ok(channels) => channels,
                    Err(e) => {
                        return crate::handshake::Refusal::config(&e.to_string()).into_response();
                    }
                };
                let draining = SiteState::of_extensions(req.extensions())
                    .and_then(galvani_core::server::Draining::of);
                self.service
                    .get_or_init(|| self.build(channels.settings(), draining))
                    .clone()
            }
        };
        match service.oneshot(detached(req)).await {
            Ok(res) => res,
            Err(never) => match never {},
        }
    }

    fn build(
        &self,
        settings: &RealtimeSettings,
        draining: Option<galvani_core::server::Draining>,
    ) -> Service {
        let size =
            |b: galvani_core::settings::ByteSize| usize::try_from(b.bytes()).unwrap_or(usize::MAX);
        let ping = settings.ping_interval.as_duration();
        let idle = settings.idle_timeout.as_duration();
        let max_message = size(settings.max_message_size);
        let (service, io) = socketioxide::SocketIo::builder()
            .req_path(self.io.path.trim_end_matches('/').to_owned())
            .ping_interval(ping)
            .ping_timeout(
                idle.saturating_sub(ping)
                    .max(std::time::Duration::from_secs(5)),
            )
            .max_buffer_size(settings.queue.max(1))
            .max_payload(settings.max_message_size.bytes())
            .ws_read_buffer_size(size(settings.read_buffer_size))
            .ws_max_message_size(max_message)
            .ws_max_frame_size(size(settings.max_frame_size))
            .with_parser(
                ParserConfig::common()
                    .max_incoming_binary_buf_size(max_message)
                    .max_incoming_binaries(16),
            )
            .build_svc();
        for namespace in &self.io.namespaces {
            namespace::register(&io, namespace.clone());
        }
        // When the server shuts down, every socket departs and its transport is closed
        // (the clients reconnect, elsewhere); each holds the shutdown up until then.
        if let Some(draining) = draining {
            let namespaces = self.io.namespaces.clone();
            tokio::spawn(async move {
                draining.begun().await;
                for namespace in &namespaces {
                    let sockets = io.of(&namespace.path).map(|ns| ns.sockets());
                    for s in sockets.unwrap_or_default() {
                        namespace::depart(namespace, &s).await;
                    }
                }
                io.close().await;
            });
        }
        BoxCloneSyncService::new(ServiceExt::<Request>::map_response(
            service,
            |res: http::Response<_>| res.map(Body::new),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detached_request_holds_nothing_of_the_connections_read_buffer() {
        // As hyper parses them: the URI and header values are slices of one buffer.
        let path = "/socket.io/?EIO=4&transport=websocket";
        let mut raw = path.as_bytes().to_vec();
        raw.resize(16 * 1024, b'a');
        let buffer = bytes::Bytes::from(raw);
        let within = |p: *const u8| buffer.as_ptr_range().contains(&p);
        let a = path.len();
        let mut secret = http::HeaderValue::from_maybe_shared(buffer.slice(a..a + 12)).unwrap();
        secret.set_sensitive(true);
        let req = Request::builder()
            .uri(http::Uri::from_maybe_shared(buffer.slice(0..a)).unwrap())
            .header("cookie", secret)
            .header(
                "origin",
                http::HeaderValue::from_maybe_shared(buffer.slice(a..a + 10)).unwrap(),
            )
            .body(Body::empty())
            .unwrap();
        assert!(within(req.headers()["cookie"].as_bytes().as_ptr()));
        assert!(within(req.uri().path().as_ptr()));

        let req = detached(req);
        assert_eq!(req.uri(), path);
        assert_eq!(req.headers()["cookie"], "a".repeat(12));
        assert!(req.headers()["cookie"].is_sensitive());
        assert_eq!(req.headers()["origin"], "a".repeat(10));
        for value in req.headers().values() {
            assert!(!within(value.as_bytes().as_ptr()));
        }
        assert!(!within(req.uri().path().as_ptr()));
    }
}
