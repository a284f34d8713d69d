//! The per-request CSRF handle: the secret from the cookie (or a new one), masked tokens
//! for templates and handlers, and rotation at login.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;

use crate::error::HttpError;
use crate::signing::{constant_time_eq, fill_random};

pub(crate) const SECRET_LEN: usize = 32;

/// The request's CSRF state: a handler takes it to give a token to a client that is not a
/// template (a JavaScript app asking for one), and login rotates it.
///
/// ```
/// use galvani_core::csrf::CsrfToken;
///
/// async fn token(csrf: CsrfToken) -> String {
///     csrf.masked()
/// }
/// ```
#[derive(Clone)]
pub struct CsrfToken(Arc<State>);

struct State {
    /// The secret in force: the cookie's, or a new one.
    secret: Mutex<Option<[u8; SECRET_LEN]>>,
    /// The response must set the cookie (a new or rotated secret was used).
    send_cookie: AtomicBool,
}

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsrfToken").finish_non_exhaustive()
    }
}

impl CsrfToken {
    /// The handle for a request whose cookie held `secret` (if any).
    pub(crate) fn new(secret: Option<[u8; SECRET_LEN]>) -> Self {
        CsrfToken(Arc::new(State {
            secret: Mutex::new(secret),
            send_cookie: AtomicBool::new(false),
        }))
    }

    /// A token for a form or header: the secret masked with fresh random bytes, so no two
    /// renders print the same text. Creates the secret (and the cookie) when the client has
    /// none yet.
    pub fn masked(&self) -> String {
        let secret = self.secret();
        let mut out = [0u8; 2 * SECRET_LEN];
        let (mask, masked) = out.split_at_mut(SECRET_LEN);
        fill_random(mask);
        for ((m, s), o) in mask.iter().zip(secret).zip(masked.iter_mut()) {
            *o = m ^ s;
        }
        URL_SAFE_NO_PAD.encode(out)
    }

    /// Replaces the secret with a new one (login does this, so a token seen before
    /// signing in is worthless after). The response sets the new cookie.
    pub fn rotate(&self) {
        let mut fresh = [0u8; SECRET_LEN];
        fill_random(&mut fresh);
        *self.lock() = Some(fresh);
        self.0.send_cookie.store(true, Ordering::Relaxed);
    }

    /// The secret to put in the cookie when the response must set it.
    pub(crate) fn cookie_to_send(&self) -> Option<String> {
        if !self.0.send_cookie.load(Ordering::Relaxed) {
            return None;
        }
        (*self.lock()).map(|s| URL_SAFE_NO_PAD.encode(s))
    }

    fn secret(&self) -> [u8; SECRET_LEN] {
        let mut slot = self.lock();
        *slot.get_or_insert_with(|| {
            let mut fresh = [0u8; SECRET_LEN];
            fill_random(&mut fresh);
            self.0.send_cookie.store(true, Ordering::Relaxed);
            fresh
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<[u8; SECRET_LEN]>> {
        // The guarded value is plain bytes: a panic elsewhere cannot leave it half-written.
        self.0.secret.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl CsrfToken {
    /// The token state of the request these extensions belong to, for middleware and
    /// extractors (`None` when `middleware.csrf` is off).
    pub fn of(extensions: &http::Extensions) -> Option<CsrfToken> {
        crate::site::RequestContext::of(extensions).and_then(|c| c.csrf.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        CsrfToken::of(&parts.extensions).ok_or_else(|| {
            HttpError::internal(
                "no CSRF state on the request: `middleware.csrf` is switched off in the settings",
            )
        })
    }
}

/// Decodes the secret stored in the cookie.
pub(crate) fn decode_secret(cookie: &str) -> Option<[u8; SECRET_LEN]> {
    let bytes = URL_SAFE_NO_PAD.decode(cookie).ok()?;
    bytes.try_into().ok()
}

/// Whether `submitted` (a masked token, or the bare secret) matches `secret`.
pub(crate) fn matches(submitted: &str, secret: &[u8; SECRET_LEN]) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(submitted.trim()) else {
        return false;
    };
    match bytes.len() {
        n if n == 2 * SECRET_LEN => {
            let (mask, masked) = bytes.split_at(SECRET_LEN);
            let mut unmasked = [0u8; SECRET_LEN];
            for ((m, x), o) in mask.iter().zip(masked).zip(unmasked.iter_mut()) {
                *o = m ^ x;
            }
            constant_time_eq(&unmasked, secret)
        }
        SECRET_LEN => constant_time_eq(&bytes, secret),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_differ_but_match_the_secret() {
        let token = CsrfToken::new(None);
        let (a, b) = (token.masked(), token.masked());
        assert_ne!(a, b);
        let secret = decode_secret(&token.cookie_to_send().unwrap()).unwrap();
        assert!(matches(&a, &secret));
        assert!(matches(&b, &secret));
        assert!(!matches(&a, &[0; SECRET_LEN]));
        assert!(!matches("not base64!", &secret));
        assert!(!matches("", &secret));
    }

    #[test]
    fn an_existing_secret_sets_no_cookie_until_rotated() {
        let token = CsrfToken::new(Some([7; SECRET_LEN]));
        let old = token.masked();
        assert!(token.cookie_to_send().is_none());
        assert!(matches(&old, &[7; SECRET_LEN]));
        token.rotate();
        let new = decode_secret(&token.cookie_to_send().unwrap()).unwrap();
        assert_ne!(new, [7; SECRET_LEN]);
        assert!(!matches(&old, &new));
    }
}
