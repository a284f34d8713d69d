//! What is checked before a connection opens: the page's origin (a page on another
//! site cannot open a socket that carries this site's cookies), the login or permission
//! the endpoint asks for, and the client's number of open connections.

use std::net::SocketAddr;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use galvani_auth::CurrentUser;
use galvani_core::SiteState;
use galvani_core::error::{ErrorReport, HttpError};
use galvani_core::extract::ClientAddr;
use galvani_core::server::Draining;
use http::StatusCode;
use http::request::Parts;
use tokio::sync::mpsc;

use crate::channels::{Channels, ClientTicket};
use crate::connection::Connection;
use crate::outbox::{Outbox, Outgoing};
use crate::settings::SlowConsumer;

/// Who may connect to an endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) enum Access {
    /// Anyone (the user is still on the connection when logged in).
    #[default]
    Anyone,
    /// Logged-in users.
    Login,
    /// Logged-in users with this permission (`"shop.view_order"`).
    Permission(&'static str),
}

/// A handshake that passed the origin check: the request's user, address and the
/// process's channels.
pub(crate) struct Handshake {
    pub(crate) channels: Channels,
    /// The serving server's shutdown, which the connection waits on and holds up.
    pub(crate) draining: Option<Draining>,
    pub(crate) user: Option<CurrentUser>,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) last_event_id: Option<u64>,
}

/// Why a handshake was refused: the HTTP answer for WebSocket and SSE, the
/// `connect_error` message for Socket.IO.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Refusal {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn config(message: &str) -> Self {
        tracing::error!("{message}");
        Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            return HttpError::internal(crate::Error::Config(self.message)).into_response();
        }
        ErrorReport::new(self.status, self.message).into_response()
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Handshake {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        Handshake::of(parts)
    }
}

impl Handshake {
    /// Checks the request's origin and gathers who is connecting.
    pub(crate) fn of(parts: &Parts) -> Result<Self, Refusal> {
        let site = SiteState::of_extensions(&parts.extensions)
            .ok_or_else(|| Refusal::config("the request did not come through a Galvani site"))?;
        let channels = Channels::of(site).map_err(|e| Refusal::config(&e.to_string()))?;
        let allowed = &channels.settings().allowed_origins;
        if let Err(message) = galvani_core::csrf::check_origin(parts, allowed) {
            channels.counters().refused();
            return Err(Refusal::new(StatusCode::FORBIDDEN, message));
        }
        let last_event_id = parts
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        Ok(Handshake {
            channels,
            draining: Draining::of(site),
            user: parts.extensions.get::<CurrentUser>().cloned(),
            peer: ClientAddr::of(&parts.extensions),
            last_event_id,
        })
    }

    /// Admits the client (the endpoint's access rule, the per-client limit) and makes
    /// its connection, with a queue under the endpoint's slow-consumer policy (or the
    /// settings'), and the queue's receiving end for the transport.
    pub(crate) async fn open(
        self,
        access: &Access,
        slow_consumer: Option<SlowConsumer>,
    ) -> Result<(Connection, mpsc::Receiver<Outgoing>), Refusal> {
        let ticket = self.admit(access).await?;
        let settings = self.channels.settings();
        let policy = slow_consumer.unwrap_or(settings.slow_consumer);
        let (outbox, rx) = Outbox::new(settings.queue, policy);
        let user = self.logged_in_user();
        Ok((
            Connection::new(
                self.channels,
                outbox,
                user,
                self.peer,
                ticket,
                self.draining,
            ),
            rx,
        ))
    }

    /// Applies the endpoint's access rule and the per-client limit.
    pub(crate) async fn admit(&self, access: &Access) -> Result<Option<ClientTicket>, Refusal> {
        let logged_in = self.user.as_ref().filter(|u| u.is_authenticated());
        let refused = match (access, logged_in) {
            (Access::Anyone, _) => None,
            (Access::Login | Access::Permission(_), None) => Some((
                StatusCode::UNAUTHORIZED,
                "Authentication required: log in, then connect with the session cookie.".to_owned(),
            )),
            (Access::Login, Some(_)) => None,
            (Access::Permission(perm), Some(user)) => match user.has_perm(perm).await {
                Ok(true) => None,
                Ok(false) => Some((
                    StatusCode::FORBIDDEN,
                    format!("You need the `{perm}` permission."),
                )),
                Err(e) => {
                    tracing::error!(error = %e, "the permission check failed");
                    return Err(Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the server could not check the permission",
                    ));
                }
            },
        };
        if let Some((status, message)) = refused {
            self.channels.counters().refused();
            return Err(Refusal::new(status, message));
        }
        let Some(peer) = self.peer else {
            return Ok(None);
        };
        match self.channels.admit(peer.ip()) {
            Some(ticket) => Ok(Some(ticket)),
            None => {
                self.channels.counters().refused();
                Err(Refusal::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many open connections from {}: close some, or raise `max_connections_per_client` in `[apps.realtime]`.",
                        peer.ip()
                    ),
                ))
            }
        }
    }

    /// The logged-in user, if any.
    pub(crate) fn logged_in_user(&self) -> Option<galvani_auth::User> {
        self.user.as_ref().and_then(|u| u.user().cloned())
    }
}

/// The access and slow-consumer methods every endpoint type has.
macro_rules! access_methods {
    ($ty:ident $(<$p:ident>)?) => {
        impl$(<$p>)? $ty$(<$p>)? {
            /// Only logged-in users may connect (others get 401 at the handshake).
            pub fn login_required(mut self) -> Self {
                self.access = $crate::handshake::Access::Login;
                self
            }

            /// Only users with `perm` (`"shop.view_order"`) may connect: 401 when not
            /// logged in, 403 without it.
            pub fn permission_required(mut self, perm: &'static str) -> Self {
                self.access = $crate::handshake::Access::Permission(perm);
                self
            }

            /// This endpoint's policy for slow clients, instead of `slow_consumer` in
            /// the settings.
            pub fn slow_consumer(mut self, policy: $crate::settings::SlowConsumer) -> Self {
                self.slow_consumer = Some(policy);
                self
            }
        }
    };
}
pub(crate) use access_methods;
