//! Real-time for Galvani projects: WebSocket consumers with typed JSON messages, groups
//! with presence, one `broadcast` from anywhere, and Server-Sent Events, all with
//! bounded queues, a policy for slow clients, and handshakes that check the origin and
//! the user.
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_realtime::{Channels, Connection, Consumer, HandlerResult, Realtime, sse, websocket};
//!
//! struct Chat;
//! impl Consumer for Chat {
//!     type Message = serde_json::Value;
//!     async fn connect(&self, conn: &Connection) -> HandlerResult {
//!         conn.join("chat");
//!         Ok(())
//!     }
//!     async fn receive(&self, conn: &Connection, message: serde_json::Value) -> HandlerResult {
//!         conn.channels().broadcast("chat", "message", &message)?;
//!         Ok(())
//!     }
//! }
//!
//! // Any handler can broadcast: it reaches WebSockets and SSE streams alike.
//! async fn restock(channels: Channels) -> HttpResult<&'static str> {
//!     channels.broadcast("stock", "changed", &serde_json::json!({"sku": "lamp", "stock": 12}))?;
//!     Ok("done")
//! }
//!
//! let project = Project::new(Settings::default())
//!     .app(galvani_orm::Orm)
//!     .app(galvani_sessions::Sessions)
//!     .app(galvani_auth::AuthApp)
//!     .app(Realtime)
//!     .routes(
//!         Routes::new()
//!             .route("/ws/chat", websocket(Chat).login_required())
//!             .route("/stock/events", sse(|_| Ok(vec!["stock".to_owned()])))
//!             .route("/restock", post(restock)),
//!     );
//! ```

mod app;
mod channels;
mod connection;
mod consumer;
mod error;
mod event;
mod handshake;
mod outbox;
#[cfg(feature = "redis")]
mod redis_layer;
mod settings;
mod socket;
#[cfg(feature = "socketio")]
pub mod socketio;
mod sse;
mod stats;

pub use app::Realtime;
pub use channels::Channels;
pub use connection::Connection;
pub use consumer::{Consumer, Endpoint, Frame, HandlerResult, websocket};
pub use error::Error;
pub use event::Event;
pub use settings::{LayerKind, RealtimeSettings, SlowConsumer};
pub use sse::{SseEndpoint, SseRequest, sse};
pub use stats::StatsSnapshot;
