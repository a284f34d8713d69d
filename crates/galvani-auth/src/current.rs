//! The user of each request: read from the session by the middleware, handed to
//! handlers as [`CurrentUser`] and to templates as `user`.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::middleware::Next;
use axum::response::Response;
use galvani_core::HttpError;
use galvani_core::templates::to_value;
use galvani_orm::prelude::*;
use http::request::Parts;
use minijinja::Value;
use minijinja::value::{Object, ObjectRepr};
use tokio::sync::OnceCell;

use crate::login::{HASH_SESSION_KEY, SESSION_KEY};
use crate::models::User;
use crate::state::AuthState;

/// The request's user, or anonymous. Every handler can take it; pages show it as `user`.
///
/// ```
/// use galvani_auth::CurrentUser;
/// async fn hello(user: CurrentUser) -> String {
///     match user.user() {
///         Some(u) => format!("Hello, {}", u.username),
///         None => "Hello, stranger".to_owned(),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct CurrentUser(Arc<Inner>);

struct Inner {
    user: Option<User>,
    db: Db,
    perms: OnceCell<HashSet<String>>,
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CurrentUser")
            .field(&self.0.user.as_ref().map(|u| &u.username))
            .finish()
    }
}

impl CurrentUser {
    pub(crate) fn new(user: Option<User>, db: Db) -> Self {
        CurrentUser(Arc::new(Inner {
            user,
            db,
            perms: OnceCell::new(),
        }))
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.0.user.as_ref()
    }

    /// The database the user was read from.
    pub(crate) fn db(&self) -> &Db {
        &self.0.db
    }

    /// Whether someone is logged in.
    pub fn is_authenticated(&self) -> bool {
        self.0.user.is_some()
    }

    /// Whether the user may `perm` (`"shop.change_product"`): an active superuser may do
    /// anything; others need the permission directly or through a group. Anonymous users
    /// may do nothing. Looked up once per request.
    pub async fn has_perm(&self, perm: &str) -> Result<bool, DbError> {
        let Some(user) = &self.0.user else {
            return Ok(false);
        };
        if !user.is_active {
            return Ok(false);
        }
        if user.is_superuser {
            return Ok(true);
        }
        let perms = self
            .0
            .perms
            .get_or_try_init(|| crate::perms::permissions_of(user, &self.0.db))
            .await?;
        Ok(perms.contains(perm))
    }

    /// Whether the user has every one of `perms`.
    pub async fn has_perms(&self, perms: &[&str]) -> Result<bool, DbError> {
        for perm in perms {
            if !self.has_perm(perm).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// `user` in templates: `user.is_authenticated`, and the user's fields when logged in,
/// read only when a template asks for them.
impl Object for CurrentUser {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "is_authenticated" => Some(Value::from(self.is_authenticated())),
            field => to_value(self.user()?)
                .get_attr(field)
                .ok()
                .filter(|v| !v.is_undefined()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or_else(|| {
            HttpError::internal(crate::Error::Config(
                "there is no user on the request: install galvani_auth::AuthApp in the project's apps (after Orm and Sessions)".to_owned(),
            ))
        })
    }
}

/// The middleware: reads the user from the session (only when the request has a session
/// cookie, so anonymous traffic costs no query) and puts a [`CurrentUser`] on the request.
pub(crate) async fn middleware(state: Arc<AuthState>, mut req: Request, next: Next) -> Response {
    let has_cookie = galvani_core::cookies::get(req.headers(), &state.session_cookie).is_some();
    let session = req.extensions().get::<galvani_sessions::Session>().cloned();
    let user = match (has_cookie, session) {
        (true, Some(session)) => match user_of_session(&state, &session).await {
            Ok(user) => user,
            Err(e) => {
                tracing::error!(error = %e, "the user of the session could not be read");
                None
            }
        },
        _ => None,
    };
    req.extensions_mut()
        .insert(CurrentUser::new(user, state.db.clone()));
    next.run(req).await
}

/// The session's user, if it names an active one whose password has not changed since
/// the session logged in (a changed password flushes every other session).
async fn user_of_session(
    state: &AuthState,
    session: &galvani_sessions::Session,
) -> Result<Option<User>, crate::Error> {
    let Some(id) = session.get::<i64>(SESSION_KEY).await? else {
        return Ok(None);
    };
    let hash: Option<String> = session.get(HASH_SESSION_KEY).await?;
    let user = User::objects()
        .filter(User::id.eq(id) & User::is_active.eq(true))
        .first(&state.db)
        .await?;
    let Some(user) = user else {
        session.flush().await?;
        return Ok(None);
    };
    if !hash.is_some_and(|h| state.session_hash_matches(&user, &h)) {
        session.flush().await?;
        return Ok(None);
    }
    Ok(Some(user))
}

/// The `user` template variable.
pub(crate) fn context_processor() -> galvani_core::templates::ContextProcessor {
    galvani_core::templates::ContextProcessor::new(|req| {
        match req.extensions().get::<CurrentUser>() {
            Some(user) => Value::from_pairs([("user", Value::from_object(user.clone()))]),
            None => Value::from_pairs([("user", Value::from_pairs([("is_authenticated", false)]))]),
        }
    })
}
