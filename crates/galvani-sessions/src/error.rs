//! The crate's error type.

/// What can go wrong setting sessions up or keeping them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings ask for something this build cannot do.
    #[error("{0}")]
    Config(String),
}
