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

    /// The project is put together in a way auth cannot work with.
    #[error("{0}")]
    Config(String),
}
