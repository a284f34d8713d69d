//! Sessions for Galvani projects, like Django's `django.contrib.sessions`: data kept for
//! a visitor between requests, found by a random id in a cookie.
//!
//! Install the app after the ORM; handlers take a [`Session`]:
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_sessions::{Session, Sessions};
//!
//! async fn visits(session: Session) -> HttpResult<String> {
//!     let n: u32 = session.get("visits").await?.unwrap_or(0) + 1;
//!     session.insert("visits", n).await?;
//!     Ok(format!("visit number {n}"))
//! }
//!
//! let project = Project::new(Settings::default())
//!     .app(galvani_orm::Orm)
//!     .app(Sessions)
//!     .routes(Routes::new().route("/", get(visits)));
//! ```
//!
//! What it does without being asked:
//!
//! - ids are 128 random bits from the operating system (tower-sessions' `Id`);
//! - the cookie is `HttpOnly`, `SameSite=Lax`, and `Secure` whenever the request came
//!   over HTTPS (directly or through the proxy named by `security.proxy_ssl_header`);
//! - data is stored as JSON, never as a format that runs code when read;
//! - a session expires after `age` (two weeks) without being saved, and `clearsessions`
//!   removes expired rows;
//! - [`Session::cycle_id`] gives the session a new id and drops the old one (login
//!   calls it), and [`Session::flush`] deletes the data and the cookie (logout).
//!
//! The store is chosen by `[apps.sessions] backend`: `"db"` (the default, a table made by
//! this app's migration), `"redis"` (with the `redis` feature, shared by several
//! processes), or `"cookie"` (the data itself in a cookie signed with the secret key, for
//! sites without a database; it cannot be revoked from the server before it expires).

mod app;
mod error;
mod layer;
mod migrations;
pub mod models;
mod settings;
pub mod store;

pub use app::{Sessions, SessionsInstalled};
pub use error::Error;
pub use settings::{Backend, SessionSettings};
pub use tower_sessions_core::session::{Expiry, Id, Record};
pub use tower_sessions_core::{Session, SessionStore};
