//! The crate's error type.

/// What can go wrong authenticating or authorising.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] galvani_orm::Error),

    /// The session could not be read or written.
    #[error("the session failed: {0}")]
    Session(#[from] tower_sessions_core::session::Error),

    /// Hashing ran on a worker thread that stopped.
    #[error("password hashing failed: {0}")]
    Hashing(String),

    /// Too many wrong passwords for this account or from this address: the next
    /// attempt must wait. `?` in a handler answers 429 with `Retry-After`.
    #[error("too many failed logins")]
    Throttled {
        /// How long until the next attempt is accepted.
        retry_after: std::time::Duration,
        /// The answer: 429, the wait in words and in `Retry-After`.
        #[source]
        answer: galvani_core::error::ClientError,
    },

    /// The project is put together in a way auth cannot work with.
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// [`Error::Throttled`], with its answer.
    pub(crate) fn throttled(retry_after: std::time::Duration) -> Self {
        // Rounded up: a client that waits exactly this long is let in.
        let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
        let answer = galvani_core::error::ClientError::new(
            http::StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed login attempts. Try again in {secs} seconds."),
        )
        .with_header(http::header::RETRY_AFTER, secs.into());
        Error::Throttled {
            retry_after,
            answer,
        }
    }
}
