//! Server-Sent Events: a one-way stream of a group's events to `EventSource`, resuming
//! after `Last-Event-ID` from the group's history.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::RawPathParams;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use galvani_auth::User;
use galvani_core::error::HttpError;
use galvani_core::routing::MethodRoute;
use http::header;
use tokio::sync::mpsc;

use crate::connection::Connection;
use crate::handshake::{Access, Handshake};
use crate::outbox::{Closing, Outgoing};
use crate::settings::SlowConsumer;

/// What an SSE endpoint's subscribe function sees of the request.
#[derive(Debug)]
pub struct SseRequest {
    params: Vec<(String, String)>,
    user: Option<User>,
}

impl SseRequest {
    /// A path parameter (`{id}` in the route's path).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }
}

type Subscribe = dyn Fn(&SseRequest) -> Result<Vec<String>, HttpError> + Send + Sync;

/// An SSE endpoint streaming the events of the groups `subscribe` names for a request.
/// A client that reconnects with `Last-Event-ID` (browsers do it by themselves) first
/// gets the events it missed, as far as the groups' history reaches.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_realtime::sse;
///
/// let routes = Routes::new().route(
///     "/products/{id}/events",
///     sse(|req| {
///         let id: u64 = req.param("id").and_then(|id| id.parse().ok())
///             .ok_or_else(|| HttpError::not_found("no such product"))?;
///         Ok(vec![format!("product-{id}")])
///     }),
/// );
/// ```
pub fn sse<F>(subscribe: F) -> SseEndpoint
where
    F: Fn(&SseRequest) -> Result<Vec<String>, HttpError> + Send + Sync + 'static,
{
    SseEndpoint {
        subscribe: Arc::new(subscribe),
        access: Access::Anyone,
        slow_consumer: None,
    }
}

/// An SSE endpoint being configured; see [`sse`].
#[must_use]
pub struct SseEndpoint {
    subscribe: Arc<Subscribe>,
    access: Access,
    slow_consumer: Option<SlowConsumer>,
}

crate::handshake::access_methods!(SseEndpoint);

impl SseEndpoint {
    async fn open(self: Arc<Self>, handshake: Handshake, params: RawPathParams) -> Response {
        let last_event_id = handshake.last_event_id;
        let (conn, rx) = match handshake.open(&self.access, self.slow_consumer).await {
            Ok(opened) => opened,
            Err(refused) => return refused.into_response(),
        };
        let request = SseRequest {
            params: params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            user: conn.user().cloned(),
        };
        let groups = match (self.subscribe)(&request) {
            Ok(groups) => groups,
            Err(e) => return e.into_response(),
        };
        for group in &groups {
            conn.join_after(group, last_event_id);
        }
        let channels = conn.channels();
        channels.counters().opened();
        channels.counters().open_changed(true);
        let mut ping = tokio::time::interval(channels.settings().ping_interval.as_duration());
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let state = Stream {
            closing: conn.closing().clone(),
            stopping: Box::pin(conn.stopping()),
            _open: Open(conn),
            rx,
            ping,
        };
        let stream = futures_util::stream::unfold(state, |mut s| async move {
            let bytes = s.next().await?;
            Some((Ok::<_, Infallible>(bytes), s))
        });
        (
            [
                (header::CONTENT_TYPE, "text/event-stream"),
                (header::CACHE_CONTROL, "no-cache"),
                (http::HeaderName::from_static("x-accel-buffering"), "no"),
            ],
            Body::from_stream(stream),
        )
            .into_response()
    }
}

impl From<SseEndpoint> for MethodRoute {
    fn from(endpoint: SseEndpoint) -> MethodRoute {
        let endpoint = Arc::new(endpoint);
        galvani_core::routing::get(move |handshake: Handshake, params: RawPathParams| {
            endpoint.clone().open(handshake, params)
        })
    }
}

/// The open stream's state.
struct Stream {
    closing: Arc<Closing>,
    /// The server's shutdown: the stream ends (the client reconnects elsewhere).
    stopping: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
    rx: mpsc::Receiver<Outgoing>,
    ping: tokio::time::Interval,
    _open: Open,
}

impl Stream {
    /// The next bytes to write, or `None` to end the stream.
    async fn next(&mut self) -> Option<Bytes> {
        tokio::select! {
            biased;
            () = &mut self.stopping => None,
            () = self.closing.closed() => None,
            Some(out) = self.rx.recv() => Some(match out {
                Outgoing::Event(event) => event.sse_frame(),
                Outgoing::Replay(events) => events.iter().flat_map(|e| e.sse_frame()).collect::<Vec<u8>>().into(),
                Outgoing::Text(text) => Bytes::from(format!("data: {}\n\n", text.as_str())),
                // Event streams carry text only.
                Outgoing::Binary(_) => Bytes::new(),
            }),
            // A comment: keeps proxies from closing a quiet stream.
            _ = self.ping.tick() => Some(Bytes::from_static(b": ping\n\n")),
        }
    }
}

/// Leaves the groups when the stream ends (the client went away or it was closed).
struct Open(Connection);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.leave_all();
        self.0.channels().counters().open_changed(false);
    }
}
