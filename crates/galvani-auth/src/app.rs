//! The `auth` app: users on every request, permissions after `migrate`.

use galvani_core::app::{App, AppSettings, ReadyContext};
use galvani_core::signing::Signer;
use galvani_orm::Db;
use galvani_sessions::SessionSettings;

use crate::settings::AuthSettings;
use crate::state::AuthState;

/// The auth app. Install it after `Orm` and `Sessions`:
///
/// ```
/// use galvani_core::prelude::*;
/// let project = Project::new(Settings::default())
///     .app(galvani_orm::Orm)
///     .app(galvani_sessions::Sessions)
///     .app(galvani_auth::AuthApp);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthApp;

impl App for AuthApp {
    fn label(&self) -> &'static str {
        "auth"
    }

    fn routes(&self) -> galvani_core::Routes {
        crate::views::routes()
    }

    fn templates(&self) -> Option<galvani_core::Assets> {
        Some(galvani_core::assets!("templates"))
    }

    fn commands(&self) -> Vec<galvani_core::commands::AppCommand> {
        crate::commands::commands()
    }

    fn settings(&self) -> Option<AppSettings> {
        Some(AppSettings::of::<AuthSettings>())
    }

    fn ready(&self, ctx: &mut ReadyContext<'_>) -> Result<(), galvani_core::Error> {
        let problem = |message: &str| galvani_core::Error::App {
            label: "auth".to_owned(),
            message: message.to_owned(),
        };
        let db = ctx
            .get::<Db>()
            .ok_or_else(|| problem("auth keeps users in the database: install `Orm` before it"))?;
        if ctx.get::<galvani_sessions::SessionsInstalled>().is_none() {
            return Err(problem(
                "auth keeps the logged-in user in the session: install `Sessions` before it",
            ));
        }
        let session_cookie = ctx
            .get::<SessionSettings>()
            .map(|s| s.cookie_name.clone())
            .unwrap_or_else(|| SessionSettings::default().cookie_name);
        let settings = ctx
            .get::<AuthSettings>()
            .map(|s| (*s).clone())
            .unwrap_or_default();
        let reset_tokens = crate::tokens::PasswordResetTokens::from_signer(
            Signer::from_settings(ctx.settings(), "galvani.auth.password-reset"),
            settings.password_reset_timeout.as_duration(),
        );
        ctx.insert(AuthState {
            db: (*db).clone(),
            signer: Signer::from_settings(ctx.settings(), "galvani.auth.session"),
            session_cookie,
            settings,
            throttle: crate::throttle::Throttle::default(),
            reset_tokens,
        });
        // The middleware shares the registered value (data is kept in an `Arc`).
        let state = ctx
            .get::<AuthState>()
            .ok_or_else(|| problem("the auth state could not be registered"))?;
        ctx.context_processor(crate::current::context_processor());
        ctx.middleware(move |req, next| crate::current::middleware(state.clone(), req, next));
        Ok(())
    }
}
