//! The crate's error type.

/// What can go wrong sending real-time messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The payload could not be turned into JSON.
    #[error("the payload cannot be sent as JSON: {0}")]
    Payload(#[source] serde_json::Error),

    /// An event name must be non-empty text on one line (it becomes an SSE `event:`).
    #[error("`{0:?}` is not an event name: give a non-empty name without line breaks")]
    EventName(String),

    /// The connection is closed: the message was not sent.
    #[error("the connection is closed")]
    Closed,

    /// The client's queue is full: it reads more slowly than it is sent to.
    #[error("the client's queue is full: it is not reading")]
    Full,

    /// The client did not answer an emit's ack in time.
    #[error("the client did not acknowledge within {0:?}")]
    AckTimeout(std::time::Duration),

    /// The client's ack could not be parsed, or the data could not be sent.
    #[error("the client's acknowledgement is not what was expected: {0}")]
    Ack(String),

    /// The project is put together in a way real-time cannot work with.
    #[error("{0}")]
    Config(String),
}
