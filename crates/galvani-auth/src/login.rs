//! Logging in and out: [`Auth`], the handle a login view takes.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use galvani_core::HttpError;
use galvani_core::csrf::CsrfToken;
use galvani_orm::prelude::*;
use galvani_sessions::Session;
use http::request::Parts;

use crate::Error;
use crate::hashing;
use crate::models::User;
use crate::passwords::Check;
use crate::state::AuthState;

/// The session key holding the logged-in user's id.
pub const SESSION_KEY: &str = "_auth_user_id";
/// The session key holding the HMAC of the user's password hash.
pub const HASH_SESSION_KEY: &str = "_auth_user_hash";

/// Authentication for one request: check credentials, log in, log out.
///
/// ```
/// use galvani_auth::Auth;
/// use galvani_core::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Credentials { username: String, password: String }
///
/// async fn login(auth: Auth, Form(c): Form<Credentials>) -> HttpResult<Redirect> {
///     match auth.authenticate(&c.username, &c.password).await? {
///         Some(user) => {
///             auth.login(&user).await?;
///             Ok(Redirect::to("/"))
///         }
///         None => Ok(Redirect::to("/login?failed=1")),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Auth {
    state: Arc<AuthState>,
    session: Session,
    csrf: Option<CsrfToken>,
    client: Option<std::net::IpAddr>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").finish_non_exhaustive()
    }
}

impl Auth {
    /// The active user with this username and password, or `None`. An unknown username
    /// costs the same password check as a known one, so timing does not tell who has an
    /// account. A right password stored in an older format (an imported Django hash) is
    /// rehashed with Argon2id on the spot.
    ///
    /// Throttled: after 10 wrong passwords for one account (or 50 from one address),
    /// attempts get [`Error::Throttled`] (with `?` in a handler: 429 and `Retry-After`) without a check until a wait has passed, which
    /// doubles with each further failure (see [`crate::throttle`]).
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, Error> {
        let throttle = &self.state.throttle;
        if let Some(retry_after) = throttle.wait(username, self.client) {
            return Err(Error::throttled(retry_after));
        }
        let user = authenticate(&self.state.db, username, password).await?;
        match &user {
            Some(_) => throttle.succeeded(username),
            None => throttle.failed(username, self.client),
        }
        Ok(user)
    }

    /// Logs `user` in: the session gets a new id (a session fixed by an attacker before
    /// login is worthless after), the CSRF secret is rotated, and `last_login` is set.
    pub async fn login(&self, user: &User) -> Result<(), Error> {
        let previous: Option<i64> = self.session.get(SESSION_KEY).await?;
        if previous.is_some_and(|id| id != user.id) {
            // Someone else was logged in on this browser: nothing of theirs carries over.
            self.session.flush().await?;
        } else {
            self.session.cycle_id().await?;
        }
        self.session.insert(SESSION_KEY, user.id).await?;
        self.session
            .insert(HASH_SESSION_KEY, self.state.session_hash(user))
            .await?;
        if let Some(csrf) = &self.csrf {
            csrf.rotate();
        }
        User::objects()
            .filter(User::id.eq(user.id))
            .update(
                [User::last_login.set(Some(time::OffsetDateTime::now_utc()))],
                &self.state.db,
            )
            .await?;
        Ok(())
    }

    /// Logs out: the session's data is deleted and its cookie removed.
    pub async fn logout(&self) -> Result<(), Error> {
        self.session.flush().await?;
        if let Some(csrf) = &self.csrf {
            csrf.rotate();
        }
        Ok(())
    }

    /// After `user` changed their password on this session: keeps this session logged
    /// in, while every other session of theirs ends at its next request.
    pub async fn update_session_hash(&self, user: &User) -> Result<(), Error> {
        self.session.cycle_id().await?;
        self.session
            .insert(HASH_SESSION_KEY, self.state.session_hash(user))
            .await?;
        Ok(())
    }

    /// The session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The auth app's state (settings, reset tokens).
    pub(crate) fn state(&self) -> &AuthState {
        &self.state
    }
}

/// See [`Auth::authenticate`].
pub async fn authenticate(db: &Db, username: &str, password: &str) -> Result<Option<User>, Error> {
    let found = User::objects()
        .filter(User::username.eq(username))
        .first(db)
        .await?;
    let Some(mut user) = found else {
        hashing::dummy_check(password).await?;
        return Ok(None);
    };
    let check = hashing::check_password(password, &user.password).await?;
    if check == Check::Invalid || !user.is_active {
        return Ok(None);
    }
    if check == Check::ValidNeedsRehash {
        user.change_password(password, db).await?;
    }
    Ok(Some(user))
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        let state = galvani_core::SiteState::of_extensions(&parts.extensions)
            .and_then(|s| s.data::<AuthState>())
            .ok_or_else(|| HttpError::internal(Error::Config(
                "the auth app is not installed: add `.app(galvani_auth::AuthApp)` after Orm and Sessions".to_owned(),
            )))?;
        let session = parts.extensions.get::<Session>().cloned().ok_or_else(|| {
            HttpError::internal(Error::Config(
                "there is no session on the request: install galvani_sessions::Sessions before the auth app".to_owned(),
            ))
        })?;
        Ok(Auth {
            state,
            session,
            csrf: CsrfToken::of(&parts.extensions),
            client: galvani_core::extract::ClientAddr::of(&parts.extensions).map(|a| a.ip()),
        })
    }
}
