//! Authentication and authorisation for Galvani projects, like Django's
//! `django.contrib.auth`: users, groups and permissions in the database, Argon2id
//! passwords (Django's hashes accepted and upgraded at login), the user on every request,
//! and guards for routes.
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_auth::{AuthApp, CurrentUser, login_required};
//!
//! async fn home(user: CurrentUser) -> String {
//!     format!("logged in: {}", user.is_authenticated())
//! }
//! async fn orders() -> &'static str { "your orders" }
//!
//! let project = Project::new(Settings::default())
//!     .app(galvani_orm::Orm)
//!     .app(galvani_sessions::Sessions)
//!     .app(AuthApp)
//!     .routes(Routes::new().route("/", get(home)))
//!     .routes(Routes::new().route("/orders", get(orders)).middleware(login_required));
//! ```

mod app;
mod commands;
mod current;
mod error;
mod guards;
mod hashing;
mod login;
mod migrations;
pub mod models;
pub mod passwords;
mod perms;
mod profile;
mod redirects;
mod settings;
mod state;
pub mod throttle;
mod tokens;
mod views;

pub use app::AuthApp;
pub use current::CurrentUser;
pub use error::Error;
pub use guards::{LoginRequired, login_required, permission_required};
pub use hashing::hash_password;
pub use login::{Auth, HASH_SESSION_KEY, SESSION_KEY, authenticate};
pub use models::{Group, Permission, User};
pub use perms::{DEFAULT_ACTIONS, create_permissions, permissions_of};
pub use profile::{Profile, UserProfile};
pub use redirects::safe_next;
pub use settings::AuthSettings;
pub use state::AuthState;
pub use tokens::PasswordResetTokens;
pub use views::check_new_password;
