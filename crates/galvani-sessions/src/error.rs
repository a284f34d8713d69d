//! The crate's error type.

/// What can go wrong setting sessions up or keeping them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session store could not be reached or refused a command.
    #[error("the session store failed: {0}")]
    Store(String),

    /// The settings ask for something this build cannot do.
    #[error("{0}")]
    Config(String),
}

impl From<Error> for tower_sessions_core::session_store::Error {
    fn from(e: Error) -> Self {
        tower_sessions_core::session_store::Error::Backend(e.to_string())
    }
}
