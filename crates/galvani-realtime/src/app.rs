//! The `realtime` app: makes the process's [`Channels`] from `[apps.realtime]`.

use axum::extract::FromRequestParts;
use galvani_core::SiteState;
use galvani_core::app::{App, AppSettings, ReadyContext};
use galvani_core::error::HttpError;
use http::request::Parts;

use crate::channels::Channels;
use crate::settings::RealtimeSettings;

/// The real-time app. Install it before the apps whose `ready` wants [`Channels`]
/// (to broadcast from model signals, say), and after `AuthApp` for the user on
/// connections:
///
/// ```
/// use galvani_core::prelude::*;
/// let project = Project::new(Settings::default())
///     .app(galvani_orm::Orm)
///     .app(galvani_sessions::Sessions)
///     .app(galvani_auth::AuthApp)
///     .app(galvani_realtime::Realtime);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Realtime;

impl App for Realtime {
    fn label(&self) -> &'static str {
        "realtime"
    }

    fn settings(&self) -> Option<AppSettings> {
        Some(AppSettings::of::<RealtimeSettings>())
    }

    fn ready(&self, ctx: &mut ReadyContext<'_>) -> Result<(), galvani_core::Error> {
        let settings = ctx
            .get::<RealtimeSettings>()
            .map(|s| (*s).clone())
            .unwrap_or_default();
        let channels = Channels::new(settings).map_err(|e| galvani_core::Error::App {
            label: "realtime".to_owned(),
            message: e.to_string(),
        })?;
        let counted = channels.clone();
        crate::stats::describe();
        ctx.metrics(move || counted.stats().export());
        ctx.insert(channels);
        Ok(())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Channels {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        SiteState::of_extensions(&parts.extensions)
            .and_then(|site| site.data::<Channels>())
            .map(|c| (*c).clone())
            .ok_or_else(|| {
                HttpError::internal(crate::Error::Config(
                    "Channels need the Realtime app: add `.app(galvani_realtime::Realtime)` to the project".to_owned(),
                ))
            })
    }
}
