//! The middleware: finds the session the cookie names, puts a [`Session`] on the request,
//! and after the handler saves it and sets (or removes) the cookie.
//!
//! tower-sessions' own `SessionManagerLayer` is not used: it keeps the cookie's `Secure`
//! flag fixed at start-up (Galvani sets it per request, from whether the request came
//! over HTTPS), and it has no way to carry the data itself in the cookie.

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use galvani_core::error::ErrorReport;
use galvani_core::extract::Secure;
use galvani_core::signing::Signer;
use http::header::{SET_COOKIE, VARY};
use http::{HeaderValue, StatusCode};
use tower_sessions_core::Session;
use tower_sessions_core::session::{Expiry, Id};

use crate::store::AnyStore;
use crate::store::cookie::{CookieStore, MAX_COOKIE};

/// Where the middleware keeps sessions.
pub(crate) enum Keeper {
    /// A store shared by every request (database, Redis, or the project's own).
    Shared(AnyStore),
    /// The data in a signed cookie.
    Cookie(Signer),
}

/// The middleware's settings, resolved once.
pub(crate) struct SessionConfig {
    pub(crate) keeper: Keeper,
    pub(crate) cookie_name: String,
    pub(crate) age: std::time::Duration,
    pub(crate) expire_at_browser_close: bool,
    pub(crate) path: String,
    pub(crate) domain: String,
}

impl SessionConfig {
    fn expiry(&self) -> Expiry {
        if self.expire_at_browser_close {
            Expiry::OnSessionEnd
        } else {
            Expiry::OnInactivity(time::Duration::seconds(
                i64::try_from(self.age.as_secs()).unwrap_or(i64::MAX),
            ))
        }
    }

    fn cookie(&self, value: &str, secure: bool, remove: bool) -> Option<HeaderValue> {
        let mut cookie = format!(
            "{}={value}; Path={}; HttpOnly; SameSite=Lax",
            self.cookie_name, self.path
        );
        if !self.domain.is_empty() {
            cookie.push_str(&format!("; Domain={}", self.domain));
        }
        if remove {
            cookie.push_str("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        } else if !self.expire_at_browser_close {
            cookie.push_str(&format!("; Max-Age={}", self.age.as_secs()));
        }
        if secure {
            cookie.push_str("; Secure");
        }
        HeaderValue::from_str(&cookie).ok()
    }
}

/// Runs one request with its session.
pub(crate) async fn handle(config: Arc<SessionConfig>, mut req: Request, next: Next) -> Response {
    let secure = Secure::of(req.extensions());
    let incoming =
        galvani_core::extract::cookie(req.headers(), &config.cookie_name).map(str::to_owned);
    let (session, per_request) = match &config.keeper {
        Keeper::Shared(store) => {
            let id = incoming.as_deref().and_then(|v| v.parse::<Id>().ok());
            let session = Session::new(id, Arc::new(store.clone()), Some(config.expiry()));
            (session, None)
        }
        Keeper::Cookie(signer) => {
            let store = Arc::new(CookieStore::from_cookie(
                signer,
                incoming.as_deref(),
                config.age,
            ));
            let session = Session::new(store.id(), store.clone(), Some(config.expiry()));
            (session, Some(store))
        }
    };
    req.extensions_mut().insert(session.clone());

    let mut res = next.run(req).await;

    let empty = session.is_empty().await;
    if empty {
        if incoming.is_some()
            && let Some(v) = config.cookie("", secure, true)
        {
            res.headers_mut().append(SET_COOKIE, v);
        }
        return res;
    }
    if !session.is_modified() || res.status().is_server_error() {
        return res;
    }
    if let Err(e) = session.save().await {
        tracing::error!(error = %e, "the session could not be saved");
        return failure(format!("the session could not be saved: {e}"));
    }
    let value = match (&config.keeper, per_request) {
        (Keeper::Cookie(signer), Some(store)) => match store.saved() {
            Some(record) => signer.sign_json(&record),
            None => return res,
        },
        _ => match session.id() {
            Some(id) => id.to_string(),
            None => return failure("the session store gave the session no id".to_owned()),
        },
    };
    if value.len() + config.cookie_name.len() + 100 > MAX_COOKIE {
        return failure(format!(
            "the session holds {} bytes once signed, more than a browser keeps in a cookie ({MAX_COOKIE}): store less in it, or use `backend = \"db\"` or `\"redis\"`",
            value.len()
        ));
    }
    if let Some(v) = config.cookie(&value, secure, false) {
        res.headers_mut().append(SET_COOKIE, v);
        res.headers_mut()
            .append(VARY, HeaderValue::from_static("Cookie"));
    }
    res
}

fn failure(cause: String) -> Response {
    let mut report = ErrorReport::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The session could not be saved.",
    );
    report.causes.push(cause);
    report.into_response()
}
