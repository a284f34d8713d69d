//! The ORM as an app of a Galvani project: it opens the pool the `[database]` settings
//! describe and hands it to handlers, which take a [`Db`] argument.

use axum::extract::FromRequestParts;
use galvani_core::app::{App, ReadyContext};
use galvani_core::{Data, HttpError};
use http::request::Parts;

use crate::db::{Db, DbOptions};

/// Add it to a project to use the database:
/// `Project::new(settings).app(galvani::orm::Orm)`. The pool opens its connections
/// when first used. A `Db` the project registered with `.data(db)` is used instead.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_orm::{Db, Orm};
///
/// async fn count(db: Db) -> String {
///     format!("{:?}", db.backend())
/// }
///
/// let project = Project::new(Settings::default())
///     .app(Orm)
///     .routes(Routes::new().route("/backend", get(count)));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Orm;

impl App for Orm {
    fn label(&self) -> &'static str {
        "orm"
    }

    fn commands(&self) -> Vec<galvani_core::commands::AppCommand> {
        crate::migrations::commands()
    }

    fn ready(&self, ctx: &mut ReadyContext<'_>) -> Result<(), galvani_core::Error> {
        // A pool the project registered itself (`.data(db)`, as tests do) is kept.
        if ctx.get::<Db>().is_some() {
            return Ok(());
        }
        let settings = ctx.settings();
        let database = &settings.database;
        let options = DbOptions {
            max_connections: database.max_connections,
            min_connections: database.min_connections,
            acquire_timeout: database.acquire_timeout.as_duration(),
            busy_timeout: database.busy_timeout.as_duration(),
        };
        let db = Db::connect_lazy(&settings.database_url(), &options).map_err(|e| {
            galvani_core::Error::App {
                label: "orm".to_owned(),
                message: format!("{e} (from `database.url` in the settings)"),
            }
        })?;
        ctx.insert(db);
        Ok(())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Db {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        let data = Data::<Db>::from_request_parts(parts, state).await?;
        Ok((*data).clone())
    }
}
