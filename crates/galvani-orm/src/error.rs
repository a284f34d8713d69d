//! The ORM's one error type.

/// What went wrong talking to the database, and how to fix it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL is not one Galvani can use.
    #[error(
        "the database URL `{url}` is not supported: use `sqlite://path/to/db.sqlite3` or `postgres://user:password@host/name`"
    )]
    UnsupportedUrl {
        /// The URL, with any password hidden.
        url: String,
    },

    /// The database could not be reached or opened.
    #[error("could not connect to the database at `{url}`: {source}")]
    Connect {
        /// The URL, with any password hidden.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },

    /// [`crate::Db::run_blocking`] could not start its runtime.
    #[error("could not start an async runtime for the database work: {source}")]
    Runtime {
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The migrations do not fit together, or not with the models: an operation on a
    /// model the earlier migrations never made, a missing dependency, two leaves.
    #[error("{0}")]
    Migration(String),

    /// An operation of a migration failed; the migration's transaction was rolled
    /// back, so the database is as it was before the migration.
    #[error(
        "migration {migration} failed at operation {index} ({operation}): {source}; nothing of this migration was applied"
    )]
    MigrationFailed {
        /// The migration, as `app.name`.
        migration: String,
        /// The operation's place in the migration, from 1.
        index: usize,
        /// What the operation does.
        operation: String,
        /// Why it failed.
        source: Box<Error>,
    },

    /// `get()` found no row.
    #[error("{model} matching the query does not exist")]
    DoesNotExist {
        /// The model, as `app.Name`.
        model: String,
    },

    /// `get()` found more than one row.
    #[error(
        "get() returned more than one {model} (it returned {count}): add a filter that matches one row, or use first()"
    )]
    MultipleObjectsReturned {
        /// The model, as `app.Name`.
        model: String,
        /// How many rows matched (counted up to a small limit).
        count: u64,
    },

    /// A unique constraint refused the write.
    #[error("a {model} with this {fields} already exists")]
    UniqueViolation {
        /// The model, as `app.Name`, or the table when the model is not known.
        model: String,
        /// The field or fields that must be unique, as the database named them.
        fields: String,
    },

    /// A foreign key constraint refused the write: the referred row does not exist, or
    /// rows still refer to the one being deleted.
    #[error("a foreign key constraint failed on {model}: {detail}")]
    ForeignKeyViolation {
        /// The model, as `app.Name`, or the table when the model is not known.
        model: String,
        /// What the database said.
        detail: String,
    },

    /// A NOT NULL column was given no value.
    #[error("{model}.{field} may not be NULL: give it a value, or make the field an Option")]
    NotNullViolation {
        /// The model, as `app.Name`, or the table when the model is not known.
        model: String,
        /// The column.
        field: String,
    },

    /// A CHECK constraint refused the write.
    #[error("a check constraint failed on {model}: {detail}")]
    CheckViolation {
        /// The model, as `app.Name`, or the table when the model is not known.
        model: String,
        /// What the database said.
        detail: String,
    },

    /// A delete was refused because PROTECT rows still refer to the row.
    #[error(
        "cannot delete {model}: {count} {referrer} row(s) still refer to it through the protected field `{field}`; delete or reassign them first"
    )]
    Protected {
        /// The model being deleted, as `app.Name`.
        model: String,
        /// The referring model, as `app.Name`.
        referrer: String,
        /// The referring field.
        field: String,
        /// How many rows refer to it.
        count: u64,
    },

    /// A value read from the database did not fit the model's field.
    #[error("could not read {model}.{field} from the database: {detail}")]
    Decode {
        /// The model, as `app.Name`.
        model: String,
        /// The field.
        field: String,
        /// What did not fit.
        detail: String,
    },

    /// A value given to a query or a field cannot be used.
    #[error("invalid value for {field}: {detail}")]
    InvalidValue {
        /// The field, as `app.Name.field` where known.
        field: String,
        /// What is wrong and what is expected.
        detail: String,
    },

    /// The operation needs a saved row (one with a primary key).
    #[error("{model} has not been saved yet, so it cannot be {action}: save() it first")]
    NotSaved {
        /// The model, as `app.Name`.
        model: String,
        /// What was attempted.
        action: &'static str,
    },

    /// `full_clean` found values the model's fields do not allow.
    #[error("{model} is not valid: {}", errors.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
    Validation {
        /// The model, as `app.Name`.
        model: String,
        /// Each field with what is wrong with it, in field order.
        errors: Vec<(String, String)>,
    },

    /// A transaction handle was used after its transaction ended (a clone kept past
    /// the closure given to `Db::transaction`).
    #[error(
        "the transaction has already ended: run the query inside the transaction's closure, or on the Db"
    )]
    TransactionDone,

    /// Any other database error.
    #[error("database error: {source}{}", sql.as_deref().map(|s| format!(" (in `{s}`)")).unwrap_or_default())]
    Database {
        /// What the driver said.
        source: sqlx::Error,
        /// The statement, when it is known.
        sql: Option<String>,
    },
}

impl Error {
    /// Whether this is [`Error::DoesNotExist`].
    pub fn is_does_not_exist(&self) -> bool {
        matches!(self, Error::DoesNotExist { .. })
    }
}

/// The ORM's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
