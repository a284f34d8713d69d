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

impl Channels {
    /// The site's channels (to broadcast from a task or a command that holds the site).
    /// Fails, saying how to fix it, when the project has no `Realtime` app.
    ///
    /// ```
    /// use galvani_core::prelude::*;
    /// let site = Project::new(Settings::default()).app(galvani_realtime::Realtime).build().unwrap();
    /// let channels = galvani_realtime::Channels::of(site.state()).unwrap();
    /// assert_eq!(channels.count("lobby"), 0);
    /// ```
    pub fn of(site: &SiteState) -> Result<Channels, crate::Error> {
        site.data::<Channels>()
            .map(|c| (*c).clone())
            .ok_or_else(|| {
                crate::Error::Config(
                    "real-time needs the Realtime app: add `.app(galvani_realtime::Realtime)` to the project".to_owned(),
                )
            })
    }

    /// The channels of the site a request came through.
    pub(crate) fn of_request(extensions: &http::Extensions) -> Result<Channels, crate::Error> {
        let site = SiteState::of_extensions(extensions).ok_or_else(|| {
            crate::Error::Config("the request did not come through a Galvani site".to_owned())
        })?;
        Channels::of(site)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Channels {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        Channels::of_request(&parts.extensions).map_err(HttpError::internal)
    }
}
