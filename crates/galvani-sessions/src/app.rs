//! The `sessions` app: reads `[apps.sessions]`, builds the store, installs the
//! middleware, and adds `clearsessions`.

use std::io::Write as _;
use std::sync::Arc;

use galvani_core::app::{App, AppSettings, ReadyContext};
use galvani_core::commands::{AppCommand, CommandContext};
use galvani_core::cookies::CookieSpec;
use galvani_core::signing::Signer;
use galvani_orm::Db;
use tower_sessions_core::session::Expiry;

use crate::layer::{self, Keeper, SessionConfig};
use crate::settings::{Backend, SessionSettings};
use crate::store::{AnyStore, ClearExpired, DbStore};

/// The sessions app. Install it after `Orm` (the default store is the database) and
/// before apps that use sessions, such as auth.
///
/// ```
/// use galvani_core::prelude::*;
/// let project = Project::new(Settings::default())
///     .app(galvani_orm::Orm)
///     .app(galvani_sessions::Sessions);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Sessions;

/// What `clearsessions` works on.
struct Cleaner(Option<Arc<dyn ClearExpired>>);

/// Registered when the app is ready: the session layer runs for every request.
#[derive(Debug, Clone, Copy)]
pub struct SessionsInstalled;

impl App for Sessions {
    fn label(&self) -> &'static str {
        "sessions"
    }

    fn settings(&self) -> Option<AppSettings> {
        Some(AppSettings::of::<SessionSettings>())
    }

    fn commands(&self) -> Vec<AppCommand> {
        vec![AppCommand::new::<ClearSessions, _, _>(
            "clearsessions",
            clear_sessions,
        )]
    }

    fn ready(&self, ctx: &mut ReadyContext<'_>) -> Result<(), galvani_core::Error> {
        let settings = ctx
            .get::<SessionSettings>()
            .map(|s| (*s).clone())
            .unwrap_or_default();
        let problem = |message: String| galvani_core::Error::App {
            label: "sessions".to_owned(),
            message,
        };
        let (keeper, cleaner): (Keeper, Option<Arc<dyn ClearExpired>>) = match settings.backend {
            Backend::Db => {
                let db = ctx.get::<Db>().ok_or_else(|| {
                    problem("the database backend needs the ORM: install `Orm` before `Sessions` (or set `backend = \"cookie\"` in [apps.sessions])".to_owned())
                })?;
                let store = DbStore::new((*db).clone());
                (
                    Keeper::Shared(Arc::new(AnyStore(Box::new(store.clone())))),
                    Some(Arc::new(store)),
                )
            }
            #[cfg(feature = "redis")]
            Backend::Redis => {
                let store =
                    crate::store::RedisStore::new(&settings.redis_url, &settings.redis_prefix)
                        .map_err(|e| problem(e.to_string()))?;
                (
                    Keeper::Shared(Arc::new(AnyStore(Box::new(store.clone())))),
                    Some(Arc::new(store)),
                )
            }
            #[cfg(not(feature = "redis"))]
            Backend::Redis => {
                return Err(problem(
                    "`backend = \"redis\"` needs Galvani built with the `redis` feature of galvani-sessions".to_owned(),
                ));
            }
            Backend::Cookie => (
                Keeper::Cookie(Signer::from_settings(ctx.settings(), "galvani.sessions")),
                None,
            ),
        };
        let age = settings.age.as_duration();
        let config = Arc::new(SessionConfig {
            keeper,
            cookie: CookieSpec::new(settings.cookie_name)
                .path(settings.cookie_path)
                .domain(Some(settings.cookie_domain))
                .max_age((!settings.expire_at_browser_close).then_some(age))
                .always_secure(ctx.settings().security.secure_cookies),
            age,
            expiry: if settings.expire_at_browser_close {
                Expiry::OnSessionEnd
            } else {
                Expiry::OnInactivity(time::Duration::seconds(
                    i64::try_from(age.as_secs()).unwrap_or(i64::MAX),
                ))
            },
        });
        ctx.insert(Cleaner(cleaner));
        ctx.insert(SessionsInstalled);
        ctx.middleware(move |req, next| layer::handle(config.clone(), req, next));
        Ok(())
    }
}

/// Deletes expired sessions from the store.
#[derive(clap::Args, Debug)]
struct ClearSessions {}

async fn clear_sessions(_: ClearSessions, ctx: CommandContext) -> Result<(), galvani_core::Error> {
    let mut out = ctx.out();
    let cleaner = ctx.site().state().data::<Cleaner>();
    let Some(store) = cleaner.as_ref().and_then(|c| c.0.clone()) else {
        writeln!(
            out,
            "Sessions are kept in signed cookies: there is nothing to clear."
        )
        .ok();
        return Ok(());
    };
    match store.clear_expired().await {
        Ok(Some(n)) => writeln!(out, "Removed {n} expired session(s).").ok(),
        Ok(None) => writeln!(out, "The store expires sessions by itself: nothing to do.").ok(),
        Err(e) => return Err(galvani_core::Error::command(format!("clearsessions: {e}"))),
    };
    Ok(())
}
