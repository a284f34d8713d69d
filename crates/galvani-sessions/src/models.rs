//! The table the database store keeps sessions in.

use galvani_orm::prelude::*;
use time::OffsetDateTime;

/// One session in the database: its id (the cookie's value), its data as JSON, and when
/// it expires. Rows past `expire_date` are never read, and `clearsessions` deletes them.
#[derive(Model, Debug, Clone)]
#[model(app = "sessions", table = "galvani_session")]
pub struct StoredSession {
    /// The session id, as the cookie carries it.
    #[field(primary_key, max_length = 40)]
    pub session_key: String,
    /// The data, a JSON object.
    pub session_data: String,
    /// When the session stops being valid.
    #[field(index)]
    pub expire_date: OffsetDateTime,
}
