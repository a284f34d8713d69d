//! The foundation of the Galvani web framework.
//!
//! Applications use the `galvani` crate, which re-exports this one; reusable apps (the
//! contrib apps and third-party ones) depend on `galvani-core` directly, so the facade can
//! offer them as features without a dependency cycle.
//!
//! # A guided tour
//!
//! A [`Project`] is settings plus an ordered list of [`App`]s. Each app contributes
//! [`Routes`] (with names, reversed by [`Urls`]), templates and static files
//! ([`Assets`]), typed settings, [management commands](commands) and [checks].
//! [`Project::build`] turns it into a [`Site`]: one tower service wrapped in the
//! secure-by-default [middleware stack](middleware), plus the shared [`SiteState`].
//! The [`server`] serves a site; the [`test::TestClient`] calls it without a socket;
//! [`Project::run_cli`] is the project's `manage.py`.
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::test::TestClient;
//!
//! struct Hello;
//!
//! impl App for Hello {
//!     fn label(&self) -> &'static str { "hello" }
//!     fn routes(&self) -> Routes {
//!         Routes::new().route("/hello/{name}", get(greet)).name("greet")
//!     }
//! }
//!
//! async fn greet(Path(name): Path<String>, urls: Urls) -> HttpResult<String> {
//!     let again = urls.reverse("hello:greet", ("name", &name))?;
//!     Ok(format!("Hello, {name}! (this page is {again})"))
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let client = TestClient::new(Project::new(Settings::default()).app(Hello));
//! let res = client.get("/hello/Ada").await;
//! assert_eq!(res.text(), "Hello, Ada! (this page is /hello/Ada)");
//! assert_eq!(res.header("x-frame-options"), Some("DENY"));
//! # });
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`settings`] | `galvani.toml`, profiles, `GALVANI_*` overrides, typed app sections |
//! | [`routing`] | [`Routes`], [`get`](routing::get) & co, [`Urls`] (reverse) |
//! | [`middleware`] | the default stack and Express-style middleware |
//! | [`templates`] | minijinja with Django's lookup order, [`Template`] responses |
//! | [`staticfiles`] | serving, `collectstatic`, the manifest |
//! | [`extract`] | `Path`, `Query`, `Form`, `Json`, [`Data`] with Galvani's errors |
//! | [`error`] | [`Error`], [`HttpError`], error pages |
//! | [`checks`] | system checks |
//! | [`commands`] | app-defined management commands |
//! | [`server`] | the hyper server with graceful shutdown |
//! | [`test`](mod@test) | the test client |

pub mod app;
pub mod assets;
pub mod checks;
mod cli;
pub mod commands;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod forms;
pub mod log;
pub mod mail;
pub mod messages;
pub mod metrics;
pub mod middleware;
mod project;
pub mod routing;
pub mod server;
pub mod settings;
pub mod signing;
mod site;
pub mod staticfiles;
mod suggest;
pub mod templates;
mod test_client;
mod test_server;

pub use app::App;
pub use assets::Assets;
pub use error::{Error, HttpError, HttpResult, Result};
pub use extract::Data;
pub use project::{IntoSettings, Project};
pub use routing::{Routes, Urls};
pub use settings::Settings;
pub use site::{Site, SiteService, SiteState};
pub use templates::Template;

/// Testing helpers.
pub mod test {
    pub use crate::test_client::{TestClient, TestRequest, TestResponse};
    pub use crate::test_server::TestServer;
}

/// Everything a project usually imports: `use galvani_core::prelude::*;`.
pub mod prelude {
    pub use crate::app::{App, AppSettings, ReadyContext};
    pub use crate::context;
    pub use crate::error::{HttpError, HttpResult};
    pub use crate::extract::{ClientAddr, Data, Form, Json, Path, Query};
    pub use crate::project::Project;
    pub use crate::routing::{Routes, Urls, any, delete, get, patch, post, put};
    pub use crate::settings::Settings;
    pub use crate::site::{Site, SiteState};
    pub use crate::templates::Template;
    pub use crate::url_args;
    pub use axum::extract::Request;
    pub use axum::response::{Html, IntoResponse, Redirect, Response};
    pub use http::StatusCode;
}

/// The crates Galvani builds on, for types its API shares with them
/// (`galvani::axum::Extension`, `galvani::http::HeaderValue`, tower layers).
pub use {axum, http, tower, tower_http};

#[doc(hidden)]
pub mod __private {
    pub use minijinja;
    pub use rust_embed;
}
