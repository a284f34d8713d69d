//! Messages between requests: a signed, HttpOnly cookie that ends with the browser
//! session.

use std::time::Duration;

use http::HeaderMap;

use super::{Message, Messages};
use crate::cookies::{self, CookieSpec};
use crate::settings::Settings;
use crate::signing::Signer;

/// Name of the cookie carrying pending messages.
pub const COOKIE_NAME: &str = "messages";

/// Messages older than this are dropped: a notice a week late is noise.
const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Browsers keep cookies up to 4096 bytes; beyond this many, the oldest messages go.
const MAX_COOKIE_LEN: usize = 3000;

/// Reads the cookie into each request's [`Messages`] and writes it back on the way out.
pub(crate) struct MessageCookie {
    signer: Signer,
    cookie: CookieSpec,
}

impl MessageCookie {
    pub(crate) fn new(settings: &Settings) -> Self {
        MessageCookie {
            signer: Signer::from_settings(settings, "galvani.messages"),
            cookie: CookieSpec::new(COOKIE_NAME).always_secure(settings.security.secure_cookies),
        }
    }

    /// The request's messages: those its cookie carries (a forged, altered or stale
    /// cookie carries none).
    pub(crate) fn read(&self, headers: &HeaderMap) -> Messages {
        let Some(value) = cookies::get(headers, COOKIE_NAME) else {
            return Messages::with(Vec::new(), false);
        };
        let pending = self
            .signer
            .unsign_json::<Vec<Message>>(value, Some(MAX_AGE))
            .unwrap_or_default();
        Messages::with(pending, true)
    }

    /// Writes what the request changed: the messages left, or the cookie's removal.
    pub(crate) fn finish(&self, messages: &Messages, headers: &mut HeaderMap, secure: bool) {
        let Some(mut left) = messages.outcome() else {
            return;
        };
        if left.is_empty() {
            self.cookie.remove(headers, secure);
            return;
        }
        loop {
            let value = self.signer.sign_json(&left);
            if value.len() <= MAX_COOKIE_LEN || left.len() == 1 {
                if value.len() <= MAX_COOKIE_LEN {
                    self.cookie.set(headers, &value, secure);
                } else {
                    tracing::warn!("a message is too long for the messages cookie and was dropped");
                    self.cookie.remove(headers, secure);
                }
                return;
            }
            left.remove(0);
        }
    }
}
