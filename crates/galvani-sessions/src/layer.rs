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
use galvani_core::cookies::CookieSpec;
use galvani_core::error::ErrorReport;
use galvani_core::extract::Secure;
use galvani_core::signing::Signer;
use http::StatusCode;
use tower_sessions_core::Session;
use tower_sessions_core::session::{Expiry, Id};

use crate::store::AnyStore;
use crate::store::cookie::{CookieStore, MAX_COOKIE};

/// Where the middleware keeps sessions.
pub(crate) enum Keeper {
    /// A store shared by every request (database, Redis, or the project's own).
    Shared(Arc<AnyStore>),
    /// The data in a signed cookie.
    Cookie(Signer),
}

/// The middleware's settings, resolved once.
pub(crate) struct SessionConfig {
    pub(crate) keeper: Keeper,
    /// The cookie (its `Max-Age` is `age`, or none for browser-session cookies).
    pub(crate) cookie: CookieSpec,
    /// How long a session lives without being saved (a signed cookie's maximum age too).
    pub(crate) age: std::time::Duration,
    /// The same, as tower-sessions takes it.
    pub(crate) expiry: Expiry,
}

/// Runs one request with its session.
pub(crate) async fn handle(config: Arc<SessionConfig>, mut req: Request, next: Next) -> Response {
    let secure = Secure::of(req.extensions());
    let incoming =
        galvani_core::cookies::get(req.headers(), config.cookie.name()).map(str::to_owned);
    let (session, per_request) = match &config.keeper {
        Keeper::Shared(store) => {
            let id = incoming.as_deref().and_then(|v| v.parse::<Id>().ok());
            let session = Session::new(id, store.clone(), Some(config.expiry));
            (session, None)
        }
        Keeper::Cookie(signer) => {
            let store = Arc::new(CookieStore::from_cookie(
                signer,
                incoming.as_deref(),
                config.age,
            ));
            let session = Session::new(store.id(), store.clone(), Some(config.expiry));
            (session, Some(store))
        }
    };
    req.extensions_mut().insert(session.clone());

    let mut res = next.run(req).await;

    let empty = session.is_empty().await;
    if empty {
        if incoming.is_some() {
            config.cookie.remove(res.headers_mut(), secure);
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
    if value.len() + config.cookie.name().len() + 100 > MAX_COOKIE {
        return failure(format!(
            "the session holds {} bytes once signed, more than a browser keeps in a cookie ({MAX_COOKIE}): store less in it, or use `backend = \"db\"` or `\"redis\"`",
            value.len()
        ));
    }
    config.cookie.set(res.headers_mut(), &value, secure);
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
