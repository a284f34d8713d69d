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
    /// attempt must wait.
    #[error("too many failed logins: try again in {} seconds", retry_after.as_secs().max(1))]
    Throttled {
        /// How long until the next attempt is accepted.
        retry_after: std::time::Duration,
    },

    /// The project is put together in a way auth cannot work with.
    #[error("{0}")]
    Config(String),
}
