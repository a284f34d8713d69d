//! sessions.0001_initial, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Create model StoredSession

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new().operation(create_model(
        "StoredSession",
        "galvani_session",
        [
            field("session_key", FieldKind::Char { max_length: 40 }).primary_key(),
            field("session_data", FieldKind::Text),
            field("expire_date", FieldKind::DateTime).index(),
        ],
    ))
}
