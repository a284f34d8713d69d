//! Where statements run: a [`Db`] pool (each statement on any free connection) or a
//! transaction. Values are always bound parameters (`bind.rs`); the SQL text comes from
//! sea-query and never holds user input.

use std::future::Future;

use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder, Value};
use sqlx::error::BoxDynError;
use sqlx::error::ErrorKind;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Database, IntoArguments, Postgres, Sqlite};

use crate::bind;
use crate::db::{Backend, Db, Pool};
use crate::error::{Error, Result};
use crate::meta::ModelMeta;
use crate::types::FieldType;

/// A row read from either backend.
pub struct Row(RowInner);

enum RowInner {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    pub(crate) fn sqlite(row: SqliteRow) -> Row {
        Row(RowInner::Sqlite(row))
    }

    pub(crate) fn postgres(row: PgRow) -> Row {
        Row(RowInner::Postgres(row))
    }

    /// Whether column `idx` is NULL.
    pub fn is_null(&self, idx: usize) -> Result<bool, String> {
        use sqlx::{Row as _, ValueRef as _};
        match &self.0 {
            RowInner::Sqlite(row) => row.try_get_raw(idx).map(|v| v.is_null()),
            RowInner::Postgres(row) => row.try_get_raw(idx).map(|v| v.is_null()),
        }
        .map_err(|e| e.to_string())
    }

    /// Reads column `idx` as `T`; the error says what did not fit.
    pub fn get<T: FieldType>(&self, idx: usize) -> Result<T, String> {
        match &self.0 {
            RowInner::Sqlite(row) => T::from_sqlite(row, idx),
            RowInner::Postgres(row) => T::from_postgres(row, idx),
        }
    }
}

/// A built statement: SQL text with `?` or `$n` placeholders, and its values.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// The values, bound in order.
    pub values: Vec<Value>,
}

impl Statement {
    /// Builds `stmt` for `backend`.
    pub fn build(stmt: &impl QueryStatementWriter, backend: Backend) -> Statement {
        let (sql, values) = match backend {
            Backend::Sqlite => stmt.build(SqliteQueryBuilder),
            Backend::Postgres => stmt.build(PostgresQueryBuilder),
        };
        Statement {
            sql,
            values: values.0,
        }
    }
}

/// Something statements run on: a [`Db`] or a transaction. Every query method takes
/// one, so the same code runs inside and outside transactions.
pub trait Executor: Send + Sync + private::Sealed {
    /// The backend, for building statements.
    fn backend(&self) -> Backend;

    /// Runs `stmt` and returns every row.
    fn fetch_all(&self, stmt: Statement) -> impl Future<Output = Result<Vec<Row>>> + Send;

    /// Runs `stmt` and returns how many rows it changed.
    fn execute(&self, stmt: Statement) -> impl Future<Output = Result<u64>> + Send;

    /// Runs `callback` once the surrounding transaction commits (at once outside one).
    fn on_commit(&self, callback: Box<dyn FnOnce() + Send>);

    /// The pool or the transaction, for work that must be atomic.
    #[doc(hidden)]
    fn scope(&self) -> Scope<'_>;
}

/// What an executor is (see [`Executor::scope`]).
#[doc(hidden)]
pub enum Scope<'a> {
    /// A pool: atomic work opens a transaction.
    Db(&'a Db),
    /// A transaction: atomic work opens a savepoint.
    Tx(&'a crate::Tx),
}

/// Runs `f` atomically on `db`: in a new transaction on a pool, in a savepoint inside
/// a transaction.
pub(crate) async fn atomic<E, T, F, Fut>(db: &E, f: F) -> Result<T>
where
    E: Executor,
    F: FnOnce(crate::Tx) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    match db.scope() {
        Scope::Db(db) => db.transaction(f).await,
        Scope::Tx(tx) => tx.transaction(f).await,
    }
}

pub(crate) mod private {
    pub trait Sealed {}
    impl Sealed for crate::Db {}
}

impl Executor for Db {
    fn backend(&self) -> Backend {
        Db::backend(self)
    }

    async fn fetch_all(&self, stmt: Statement) -> Result<Vec<Row>> {
        self.count_query();
        tracing::debug!(sql = %stmt.sql, "query");
        match self.pool().await? {
            Pool::Sqlite(pool) => sqlite_fetch(pool, stmt).await,
            Pool::Postgres(pool) => postgres_fetch(pool, stmt).await,
        }
    }

    async fn execute(&self, stmt: Statement) -> Result<u64> {
        self.count_query();
        tracing::debug!(sql = %stmt.sql, "statement");
        match self.pool().await? {
            Pool::Sqlite(pool) => sqlite_execute(pool, stmt).await,
            Pool::Postgres(pool) => postgres_execute(pool, stmt).await,
        }
    }

    fn on_commit(&self, callback: Box<dyn FnOnce() + Send>) {
        callback();
    }

    fn scope(&self) -> Scope<'_> {
        Scope::Db(self)
    }
}

/// Runs a query on anything statements of one backend run on (its pool, or one
/// connection), with its arguments already bound.
async fn fetch_on<'c, DB, X>(
    on: X,
    sql: String,
    args: Result<DB::Arguments, BoxDynError>,
    wrap: fn(DB::Row) -> Row,
) -> Result<Vec<Row>>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    X: sqlx::Executor<'c, Database = DB>,
{
    let args = args.map_err(|e| bind_error(&sql, e))?;
    let rows = on
        .fetch_all(sqlx::query_with(AssertSqlSafe(sql.clone()), args))
        .await
        .map_err(|e| database_error(e, &sql, None))?;
    Ok(rows.into_iter().map(wrap).collect())
}

/// Runs a statement on one backend; `changed` reads the rows it changed.
async fn execute_on<'c, DB, X>(
    on: X,
    sql: String,
    args: Result<DB::Arguments, BoxDynError>,
    changed: fn(&DB::QueryResult) -> u64,
) -> Result<u64>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    X: sqlx::Executor<'c, Database = DB>,
{
    let args = args.map_err(|e| bind_error(&sql, e))?;
    let done = on
        .execute(sqlx::query_with(AssertSqlSafe(sql.clone()), args))
        .await
        .map_err(|e| database_error(e, &sql, None))?;
    Ok(changed(&done))
}

/// Runs a query on SQLite (the pool or one connection).
pub(crate) async fn sqlite_fetch<'c, X>(on: X, stmt: Statement) -> Result<Vec<Row>>
where
    X: sqlx::Executor<'c, Database = Sqlite>,
{
    fetch_on(on, stmt.sql, bind::sqlite(stmt.values), Row::sqlite).await
}

/// Runs a query on PostgreSQL (the pool or one connection).
pub(crate) async fn postgres_fetch<'c, X>(on: X, stmt: Statement) -> Result<Vec<Row>>
where
    X: sqlx::Executor<'c, Database = Postgres>,
{
    fetch_on(on, stmt.sql, bind::postgres(stmt.values), Row::postgres).await
}

/// Runs a statement on SQLite; returns the rows it changed.
pub(crate) async fn sqlite_execute<'c, X>(on: X, stmt: Statement) -> Result<u64>
where
    X: sqlx::Executor<'c, Database = Sqlite>,
{
    execute_on(on, stmt.sql, bind::sqlite(stmt.values), |d| {
        d.rows_affected()
    })
    .await
}

/// Runs a statement on PostgreSQL; returns the rows it changed.
pub(crate) async fn postgres_execute<'c, X>(on: X, stmt: Statement) -> Result<u64>
where
    X: sqlx::Executor<'c, Database = Postgres>,
{
    execute_on(on, stmt.sql, bind::postgres(stmt.values), |d| {
        d.rows_affected()
    })
    .await
}

fn bind_error(sql: &str, e: BoxDynError) -> Error {
    Error::Database {
        source: sqlx::Error::Encode(e),
        sql: Some(sql.to_owned()),
    }
}

/// Turns a driver error into a typed one: constraint failures name the model and the
/// fields, anything else keeps the statement for the message.
pub(crate) fn database_error(e: sqlx::Error, sql: &str, model: Option<&ModelMeta>) -> Error {
    let sqlx::Error::Database(db) = &e else {
        return Error::Database {
            source: e,
            sql: Some(sql.to_owned()),
        };
    };
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail().map(str::to_owned))
        .unwrap_or_else(|| db.message().to_owned());
    let table = db.table().map(str::to_owned);
    let model = model.map(ModelMeta::label).or(table).unwrap_or_else(|| {
        // SQLite names `table.column` in its message.
        db.message()
            .rsplit_once(": ")
            .and_then(|(_, cols)| cols.split('.').next())
            .unwrap_or("the table")
            .to_owned()
    });
    match db.kind() {
        ErrorKind::UniqueViolation => Error::UniqueViolation {
            model,
            fields: constrained_columns(db.message(), &detail),
        },
        ErrorKind::ForeignKeyViolation => Error::ForeignKeyViolation { model, detail },
        ErrorKind::NotNullViolation => Error::NotNullViolation {
            model,
            field: constrained_columns(db.message(), &detail),
        },
        ErrorKind::CheckViolation => Error::CheckViolation { model, detail },
        _ => Error::Database {
            source: e,
            sql: Some(sql.to_owned()),
        },
    }
}

/// The columns a constraint message names: SQLite says `UNIQUE constraint failed:
/// shop_product.slug, shop_product.sku`; PostgreSQL's detail says `Key (slug)=(x)` or
/// its message names `column "slug"`.
fn constrained_columns(message: &str, detail: &str) -> String {
    if let Some(start) = detail.find("Key (") {
        let rest = &detail[start + 5..];
        if let Some(end) = rest.find(")=") {
            return rest[..end].to_owned();
        }
    }
    if let Some((_, cols)) = message.rsplit_once("failed: ") {
        return cols
            .split(", ")
            .map(|c| c.rsplit('.').next().unwrap_or(c))
            .collect::<Vec<_>>()
            .join(", ");
    }
    if let Some(start) = message.find("column \"") {
        let rest = &message[start + 8..];
        if let Some(end) = rest.find('"') {
            return rest[..end].to_owned();
        }
    }
    detail.to_owned()
}

/// Runs `stmt` on `db` and returns its rows; constraint errors name `model`.
pub(crate) async fn fetch_for<E: Executor>(
    db: &E,
    model: &'static ModelMeta,
    stmt: Statement,
) -> Result<Vec<Row>> {
    let sql = stmt.sql.clone();
    db.fetch_all(stmt)
        .await
        .map_err(|e| with_model(e, &sql, model))
}

/// Runs `stmt` on `db` and returns how many rows it changed; constraint errors name
/// `model`.
pub(crate) async fn execute_for<E: Executor>(
    db: &E,
    model: &'static ModelMeta,
    stmt: Statement,
) -> Result<u64> {
    let sql = stmt.sql.clone();
    db.execute(stmt)
        .await
        .map_err(|e| with_model(e, &sql, model))
}

/// Names the model in a constraint error the executor could only attribute to a table.
fn with_model(e: Error, sql: &str, meta: &'static ModelMeta) -> Error {
    match e {
        Error::UniqueViolation { fields, .. } => Error::UniqueViolation {
            model: meta.label(),
            fields,
        },
        Error::NotNullViolation { field, .. } => Error::NotNullViolation {
            model: meta.label(),
            field,
        },
        Error::ForeignKeyViolation { detail, .. } => Error::ForeignKeyViolation {
            model: meta.label(),
            detail,
        },
        Error::CheckViolation { detail, .. } => Error::CheckViolation {
            model: meta.label(),
            detail,
        },
        Error::Database { source, .. } => database_error(source, sql, Some(meta)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::constrained_columns;

    #[test]
    fn constraint_messages_name_their_columns() {
        assert_eq!(
            constrained_columns(
                "UNIQUE constraint failed: shop_product.slug, shop_product.sku",
                "UNIQUE constraint failed: shop_product.slug, shop_product.sku"
            ),
            "slug, sku"
        );
        assert_eq!(
            constrained_columns(
                "duplicate key value violates unique constraint \"x\"",
                "Key (slug)=(tea) already exists."
            ),
            "slug"
        );
        assert_eq!(
            constrained_columns(
                "null value in column \"name\" of relation \"shop_product\" violates not-null constraint",
                ""
            ),
            "name"
        );
        assert_eq!(
            constrained_columns(
                "NOT NULL constraint failed: shop_product.name",
                "NOT NULL constraint failed: shop_product.name"
            ),
            "name"
        );
    }
}
