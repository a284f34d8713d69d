//! Galvani: Django's batteries on an event-driven Rust core.
//!
//! Most projects import the prelude and nothing else:
//!
//! ```
//! use galvani::prelude::*;
//!
//! async fn home() -> Template {
//!     Template::new("home.html", context! { title => "Welcome" })
//! }
//!
//! let project = Project::new(Settings::default())
//!     .routes(Routes::new().route("/", get(home)).name("home"));
//! ```
//!
//! A project binary is its own `manage.py`:
//!
//! ```no_run
//! use galvani::prelude::*;
//!
//! fn main() -> std::process::ExitCode {
//!     Project::new(Settings::from_env_in(env!("CARGO_MANIFEST_DIR"))).run_cli()
//! }
//! ```
//!
//! Start with the tutorial in `docs/tutorial/`; the map of the code is `ARCHITECTURE.md`.
//!
//! # Crates
//!
//! | crate | holds |
//! |---|---|
//! | `galvani` | this facade: the prelude and re-exports |
//! | `galvani-core` | apps, routing, middleware, settings, templates, static files, server, CLI, test client |
//! | `galvani-orm` | models, QuerySets and the database, here as [`orm`] |
//! | `galvani-sessions` | sessions (database, Redis, signed cookie), here as [`sessions`] |
//! | `galvani-auth` | users, groups, permissions, passwords, login, here as [`auth`] |
//! | `galvani-realtime` | WebSocket consumers, groups, broadcast, SSE, here as [`realtime`] |
//! | `galvani-macros` | `#[derive(Model)]` (its code in `galvani-macros-core`) |

pub use galvani_core::*;

/// The ORM: models, QuerySets, the database handle. See `docs/topics/models.md`.
pub use galvani_orm as orm;

/// Sessions: `Sessions` (the app) and `Session` (the extractor). See `docs/topics/security.md`.
pub use galvani_sessions as sessions;

/// Users, groups, permissions, login: `AuthApp` (the app), `Auth`, `CurrentUser`,
/// `login_required`. See `docs/topics/security.md`.
pub use galvani_auth as auth;

/// Real-time: `Realtime` (the app), `Channels` (groups and broadcast), `websocket`
/// consumers and `sse` streams. See `docs/topics/realtime.md`.
pub use galvani_realtime as realtime;

/// Everything a project usually imports.
pub mod prelude {
    pub use galvani_core::prelude::*;
    pub use galvani_orm::prelude::*;
}

/// Embeds a folder of the calling crate (relative to its `Cargo.toml`) as [`Assets`]:
/// debug builds read from disk (edits show at once), release builds carry the files.
///
/// ```ignore
/// impl App for Shop {
///     fn label(&self) -> &'static str { "shop" }
///     fn templates(&self) -> Option<galvani::Assets> { Some(galvani::assets!("templates")) }
///     fn static_files(&self) -> Option<galvani::Assets> { Some(galvani::assets!("static")) }
/// }
/// ```
#[macro_export]
macro_rules! assets {
    ($folder:tt) => {
        $crate::__assets_at!("::galvani::__private::rust_embed", $folder)
    };
}
