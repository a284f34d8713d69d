//! One-time notices for the next page a user sees ("Your order is placed."), like
//! Django's messages framework.
//!
//! A handler adds messages through the [`Messages`] extractor; they travel in a signed
//! cookie and the next page that renders `messages` shows them once. The shop's base
//! template shows them like this:
//!
//! ```text
//! {% for message in messages %}
//!   <p class="message {{ message.level }}" role="status">{{ message.text }}</p>
//! {% endfor %}
//! ```
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::messages::Messages;
//!
//! async fn place_order(messages: Messages) -> Redirect {
//!     messages.success("Your order is placed.");
//!     Redirect::to("/orders/")
//! }
//! let project = Project::new(Settings::default()).routes(Routes::new().route("/order", post(place_order)));
//! ```
//!
//! The cookie is signed (a client cannot forge a notice) and HttpOnly; messages are
//! text, escaped like any other template value.

mod storage;
mod template;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::error::HttpError;

pub(crate) use storage::MessageCookie;

/// How important a message is; templates use it as a CSS class (`message.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// For developers.
    Debug,
    /// Neutral information.
    Info,
    /// Something worked.
    Success,
    /// Worth a look.
    Warning,
    /// Something failed.
    Error,
}

impl Level {
    /// The level's name, as templates see it (`success`, ...).
    ///
    /// ```
    /// assert_eq!(galvani_core::messages::Level::Warning.as_str(), "warning");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Success => "success",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its level.
    pub level: Level,
    /// Its text (plain text: templates escape it).
    pub text: String,
}

/// The request's messages: add some for the next page, or read the pending ones.
///
/// ```
/// # async fn run() {
/// use galvani_core::prelude::*;
/// use galvani_core::messages::{Level, Messages};
/// use galvani_core::test::TestClient;
///
/// let project = Project::new(Settings::default())
///     .routes(Routes::new()
///         .route("/save", post(|m: Messages| async move { m.success("Saved."); Redirect::to("/") }))
///         .route("/", get(|m: Messages| async move {
///             m.take().into_iter().map(|m| m.text).collect::<Vec<_>>().join(",")
///         })));
/// let client = TestClient::new(project);
/// client.post("/save").send().await;
/// assert_eq!(client.get("/").send().await.text(), "Saved.");
/// assert_eq!(client.get("/").send().await.text(), "", "shown once");
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run());
/// ```
#[derive(Clone, Default)]
pub struct Messages(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    /// The messages the request's cookie carried, not yet shown.
    pending: Vec<Message>,
    /// Whether the pending messages (or added ones) must be written back or cleared.
    changed: bool,
    /// Whether the request carried a messages cookie (so clearing must remove it).
    had_cookie: bool,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("pending", &self.lock().pending.len())
            .finish()
    }
}

impl Messages {
    /// `pending` read from the request's cookie; `had_cookie`: there was one (a
    /// cookie that failed its signature check carries nothing but is still removed).
    pub(crate) fn with(pending: Vec<Message>, had_cookie: bool) -> Self {
        Messages(Arc::new(Mutex::new(State {
            changed: had_cookie && pending.is_empty(),
            pending,
            had_cookie,
        })))
    }

    /// Adds a message for the next page shown.
    pub fn add(&self, level: Level, text: impl Into<String>) {
        let mut state = self.lock();
        state.pending.push(Message {
            level,
            text: text.into(),
        });
        state.changed = true;
    }

    /// Adds an `info` message.
    pub fn info(&self, text: impl Into<String>) {
        self.add(Level::Info, text);
    }

    /// Adds a `success` message.
    pub fn success(&self, text: impl Into<String>) {
        self.add(Level::Success, text);
    }

    /// Adds a `warning` message.
    pub fn warning(&self, text: impl Into<String>) {
        self.add(Level::Warning, text);
    }

    /// Adds an `error` message.
    pub fn error(&self, text: impl Into<String>) {
        self.add(Level::Error, text);
    }

    /// Takes the pending messages: they are then shown, and gone from the cookie.
    pub fn take(&self) -> Vec<Message> {
        let mut state = self.lock();
        if !state.pending.is_empty() {
            state.changed = true;
        }
        std::mem::take(&mut state.pending)
    }

    /// The pending messages, left pending.
    pub fn peek(&self) -> Vec<Message> {
        self.lock().pending.clone()
    }

    /// What the response's cookie must become: `Some(messages)` to write (empty to
    /// remove), `None` to leave it alone.
    pub(crate) fn outcome(&self) -> Option<Vec<Message>> {
        let state = self.lock();
        let needed = state.changed && (state.had_cookie || !state.pending.is_empty());
        needed.then(|| state.pending.clone())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves plain data behind: keep using it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Messages {
    /// The messages of the request these extensions belong to, for middleware.
    pub fn of(extensions: &http::Extensions) -> Option<Messages> {
        crate::site::RequestContext::of(extensions).map(|c| c.messages.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Messages {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        Messages::of(&parts.extensions).ok_or_else(|| {
            HttpError::internal(crate::Error::App {
                label: "messages".to_owned(),
                message: "no messages on this request: it did not come through a Galvani project"
                    .to_owned(),
            })
        })
    }
}

pub(crate) use template::template_value;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_and_taking_mark_the_cookie_for_writing() {
        let m = Messages::with(Vec::new(), false);
        assert_eq!(
            m.outcome(),
            None,
            "nothing happened: the cookie is left alone"
        );
        m.success("a");
        m.error("b");
        assert_eq!(m.outcome().unwrap().len(), 2);
        let taken = m.take();
        assert_eq!(taken[1].level, Level::Error);
        assert_eq!(
            m.outcome(),
            None,
            "added and shown at once: no cookie to write"
        );

        let carried = Messages::with(
            vec![Message {
                level: Level::Info,
                text: "x".into(),
            }],
            true,
        );
        assert_eq!(carried.peek().len(), 1);
        assert_eq!(carried.outcome(), None, "peeking keeps them");
        carried.take();
        assert_eq!(
            carried.outcome(),
            Some(Vec::new()),
            "shown: the cookie is removed"
        );

        let forged = Messages::with(Vec::new(), true);
        assert_eq!(
            forged.outcome(),
            Some(Vec::new()),
            "a bad cookie is removed"
        );
    }
}
