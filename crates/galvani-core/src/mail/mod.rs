//! Sending email through the backend `[mail]` names: `console` (the default: printed,
//! never delivered), `file` (one `.eml` per message), `smtp` (through lettre, TLS by
//! rustls), or `memory` (kept for tests to read).
//!
//! Handlers take [`Mailer`] as an extractor:
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::mail::{Email, Mailer};
//!
//! async fn contact(mailer: Mailer) -> HttpResult<&'static str> {
//!     mailer.send(Email::new("ada@example.com", "Thanks", "We got your message.")).await?;
//!     Ok("sent")
//! }
//! let project = Project::new(Settings::default()).routes(Routes::new().route("/contact", post(contact)));
//! ```
//!
//! Messages are built by lettre, which encodes headers, so a subject or address from a
//! form cannot add headers; line breaks in a subject are refused outright.

mod backend;
mod email;

use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use http::request::Parts;

pub use email::{Email, SentEmail};

use crate::error::{Error, HttpError};
use crate::settings::Settings;
use backend::Backend;

/// Sends [`Email`]s through the configured backend. Cheap to clone.
///
/// ```
/// # async fn run() {
/// use galvani_core::mail::{Email, Mailer};
/// let settings = galvani_core::Settings::from_toml("[mail]\nbackend = \"memory\"\n").unwrap();
/// let mailer = Mailer::from_settings(&settings).unwrap();
/// mailer.send(Email::new("ada@example.com", "Hello", "Hi Ada")).await.unwrap();
/// assert_eq!(mailer.outbox()[0].subject, "Hello");
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run());
/// ```
#[derive(Clone)]
pub struct Mailer {
    backend: Arc<Backend>,
    default_from: Arc<str>,
    outbox: Arc<Mutex<Vec<SentEmail>>>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("backend", &self.backend.name())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer `[mail]` describes. An unknown backend or a bad SMTP host is an error
    /// at startup, not at the first message.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, Error> {
        Ok(Mailer {
            backend: Arc::new(Backend::from_settings(settings)?),
            default_from: settings.mail.default_from.as_str().into(),
            outbox: Arc::default(),
        })
    }

    /// A mailer that keeps messages for [`Mailer::outbox`] (the `memory` backend).
    pub fn memory() -> Mailer {
        Mailer {
            backend: Arc::new(Backend::Memory),
            default_from: "webmaster@localhost".into(),
            outbox: Arc::default(),
        }
    }

    /// Sends one message; the sender defaults to `mail.default_from`.
    pub async fn send(&self, email: Email) -> Result<(), Error> {
        let message = email.build(&self.default_from)?;
        self.backend.send(&message).await?;
        if matches!(*self.backend, Backend::Memory) {
            let sent = SentEmail::of(&email, &message, &self.default_from);
            self.outbox
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(sent);
        }
        Ok(())
    }

    /// What the `memory` backend kept, oldest first (empty for other backends).
    pub fn outbox(&self) -> Vec<SentEmail> {
        self.outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Mailer {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        crate::SiteState::of_extensions(&parts.extensions)
            .and_then(|site| site.data::<Mailer>())
            .map(|m| (*m).clone())
            .ok_or_else(|| {
                HttpError::internal(Error::MissingData {
                    type_name: "galvani_core::mail::Mailer",
                })
            })
    }
}
