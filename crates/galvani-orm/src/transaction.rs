//! Transactions: `db.transaction(|tx| async move { ... })` commits when the closure
//! returns `Ok`, rolls back on `Err` or a panic; `tx.transaction(...)` nests as a
//! savepoint. SQLite write transactions begin with `BEGIN IMMEDIATE`, so two of them
//! never deadlock on upgrading a read lock (they wait for each other instead, up to
//! the busy timeout). `on_commit` callbacks run only once the outermost transaction
//! has committed.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::FutureExt;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Database, Executor as _, Postgres, Sqlite};

use crate::db::{Backend, Db, Pool};
use crate::error::{Error, Result};
use crate::executor::{
    Executor, Row, Scope, Statement, database_error, postgres_execute, postgres_fetch,
    sqlite_execute, sqlite_fetch,
};

/// A callback run after the commit.
type Callback = Box<dyn FnOnce() + Send>;

/// An open transaction (or savepoint), given to the closure of [`Db::transaction`].
/// Cheap to clone; run queries on it as on a [`Db`].
#[derive(Clone)]
pub struct Tx {
    inner: Arc<Inner>,
    /// 0 for the transaction itself, n for the n-th nested savepoint.
    depth: usize,
}

struct Inner {
    db: Db,
    conn: tokio::sync::Mutex<Option<Conn>>,
    callbacks: Mutex<Vec<(usize, Callback)>>,
    /// Run on the connection once the transaction ends, before it goes back to the
    /// pool (a migration turns SQLite's foreign keys back on).
    restore: Option<&'static str>,
}

/// How a transaction begins.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Begin {
    /// As every transaction of the ORM.
    Plain,
    /// For a migration: the migration lock taken (a PostgreSQL advisory lock held
    /// until the end; SQLite's write lock, by `BEGIN IMMEDIATE`), and SQLite's foreign
    /// keys off until the end, so tables can be rebuilt (they are checked before
    /// the commit instead).
    Migration,
}

/// The key of the advisory lock migrations take on PostgreSQL ("galvani" in ASCII).
const MIGRATION_LOCK: i64 = 0x67_61_6c_76_61_6e_69;

enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    /// Runs `sql` as written (several statements allowed), without values.
    async fn run(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()));
        match self {
            Conn::Sqlite(c) => c.execute(sql).await.map(|_| ()),
            Conn::Postgres(c) => c.execute(sql).await.map(|_| ()),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropped while still open (the future was cancelled): the connection must not
        // go back to the pool inside a transaction, so it is closed instead.
        if let Some(conn) = self.conn.get_mut() {
            match conn {
                Conn::Sqlite(c) => c.close_on_drop(),
                Conn::Postgres(c) => c.close_on_drop(),
            }
        }
    }
}

impl Db {
    /// Runs `f` in a transaction: committed if it returns `Ok`, rolled back if it
    /// returns `Err` or panics (the panic then continues).
    ///
    /// ```
    /// use galvani_orm::prelude::*;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[model(app = "shop")]
    /// struct Product {
    ///     id: i64,
    ///     stock: i32,
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
    /// # create_tables(&db, &[Product::meta()]).await?;
    /// let failed: Result<(), DbError> = db
    ///     .transaction(|tx| async move {
    ///         Product { id: 0, stock: 1 }.save(&tx).await?;
    ///         Err(DbError::InvalidValue { field: "stock".into(), detail: "changed my mind".into() })
    ///     })
    ///     .await;
    /// assert!(failed.is_err());
    /// assert_eq!(Product::objects().count(&db).await?, 0, "rolled back");
    /// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
    /// ```
    pub async fn transaction<F, Fut, T, E>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(Tx) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        self.transaction_with(Begin::Plain, f).await
    }

    /// [`Db::transaction`], begun as `begin` says.
    pub(crate) async fn transaction_with<F, Fut, T, E>(&self, begin: Begin, f: F) -> Result<T, E>
    where
        F: FnOnce(Tx) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let tx = Tx::begin(self, begin).await?;
        let outcome = AssertUnwindSafe(f(tx.clone())).catch_unwind().await;
        match outcome {
            Ok(Ok(value)) => {
                tx.commit().await?;
                Ok(value)
            }
            Ok(Err(e)) => {
                tx.rollback().await?;
                Err(e)
            }
            Err(panic) => {
                let _ = tx.rollback().await;
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Runs `callback` now: outside a transaction there is nothing to wait for.
    pub fn on_commit(&self, callback: impl FnOnce() + Send + 'static) {
        callback();
    }
}

impl Tx {
    async fn begin(db: &Db, begin: Begin) -> Result<Tx> {
        let migration = begin == Begin::Migration;
        let conn = match db.pool().await? {
            // IMMEDIATE: take the write lock now, so a transaction that reads and then
            // writes never fails with "database is locked" on the upgrade.
            Pool::Sqlite(pool) if migration => {
                Conn::Sqlite(open(pool, "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE").await?)
            }
            Pool::Sqlite(pool) => Conn::Sqlite(open(pool, "BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Conn::Postgres(open(pool, "BEGIN").await?),
        };
        let tx = Tx {
            inner: Arc::new(Inner {
                db: db.clone(),
                conn: tokio::sync::Mutex::new(Some(conn)),
                callbacks: Mutex::new(Vec::new()),
                restore: (migration && db.backend() == Backend::Sqlite)
                    .then_some("PRAGMA foreign_keys = ON"),
            }),
            depth: 0,
        };
        if migration && db.backend() == Backend::Postgres {
            tx.raw(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                .await?;
        }
        Ok(tx)
    }

    /// Runs `f` in a savepoint inside this transaction: its changes are undone if it
    /// returns `Err` or panics, and the outer transaction goes on.
    pub async fn transaction<F, Fut, T, E>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(Tx) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let depth = self.depth + 1;
        let name = format!("galvani_sp_{depth}");
        self.raw(&format!("SAVEPOINT {name}")).await?;
        let inner = Tx {
            inner: self.inner.clone(),
            depth,
        };
        let outcome = AssertUnwindSafe(f(inner)).catch_unwind().await;
        match outcome {
            Ok(Ok(value)) => {
                self.raw(&format!("RELEASE SAVEPOINT {name}")).await?;
                Ok(value)
            }
            Ok(Err(e)) => {
                self.undo_savepoint(&name, depth).await?;
                Err(e)
            }
            Err(panic) => {
                let _ = self.undo_savepoint(&name, depth).await;
                std::panic::resume_unwind(panic)
            }
        }
    }

    async fn undo_savepoint(&self, name: &str, depth: usize) -> Result<()> {
        self.raw(&format!("ROLLBACK TO SAVEPOINT {name}")).await?;
        self.raw(&format!("RELEASE SAVEPOINT {name}")).await?;
        // Callbacks of undone work never run.
        self.callbacks().retain(|(d, _)| *d < depth);
        Ok(())
    }

    /// Runs `callback` after the outermost transaction commits; never if it (or the
    /// savepoint the callback was registered in) rolls back. For work that must only
    /// follow saved data: sending mail, queueing a task, broadcasting an update.
    pub fn on_commit(&self, callback: impl FnOnce() + Send + 'static) {
        self.callbacks().push((self.depth, Box::new(callback)));
    }

    fn callbacks(&self) -> std::sync::MutexGuard<'_, Vec<(usize, Callback)>> {
        self.inner
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn commit(&self) -> Result<()> {
        self.finish("COMMIT").await?;
        let callbacks = std::mem::take(&mut *self.callbacks());
        for (_, callback) in callbacks {
            callback();
        }
        Ok(())
    }

    async fn rollback(&self) -> Result<()> {
        self.callbacks().clear();
        self.finish("ROLLBACK").await
    }

    /// Ends the transaction with `sql` and hands the connection back to the pool.
    async fn finish(&self, sql: &'static str) -> Result<()> {
        let mut slot = self.inner.conn.lock().await;
        let Some(mut conn) = slot.take() else {
            return Err(done());
        };
        let mut result = conn.run(sql).await;
        if let (Some(restore), Ok(())) = (self.inner.restore, &result) {
            result = conn.run(restore).await;
        }
        if result.is_err() {
            // Unsure what state it is in: close it rather than reuse it.
            match &mut conn {
                Conn::Sqlite(c) => c.close_on_drop(),
                Conn::Postgres(c) => c.close_on_drop(),
            }
        }
        result.map_err(|e| database_error(e, sql, None))
    }

    /// Runs `sql` as written (several statements allowed), without values.
    pub(crate) async fn raw(&self, sql: &str) -> Result<()> {
        tracing::debug!(sql, "raw statement in transaction");
        let mut slot = self.inner.conn.lock().await;
        let conn = slot.as_mut().ok_or_else(done)?;
        let result = conn.run(sql).await;
        result.map_err(|e| database_error(e, sql, None))
    }
}

/// A connection from `pool` with a transaction begun by `begin`.
async fn open<DB: Database>(
    pool: &sqlx::Pool<DB>,
    begin: &'static str,
) -> Result<PoolConnection<DB>>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| database_error(e, begin, None))?;
    sqlx::raw_sql(begin)
        .execute(&mut *conn)
        .await
        .map_err(|e| database_error(e, begin, None))?;
    Ok(conn)
}

fn done() -> Error {
    Error::TransactionDone
}

impl crate::executor::private::Sealed for Tx {}

impl Executor for Tx {
    fn backend(&self) -> Backend {
        self.inner.db.backend()
    }

    async fn fetch_all(&self, stmt: Statement) -> Result<Vec<Row>> {
        self.inner.db.count_query();
        tracing::debug!(sql = %stmt.sql, "query in transaction");
        let mut slot = self.inner.conn.lock().await;
        match slot.as_mut().ok_or_else(done)? {
            Conn::Sqlite(conn) => sqlite_fetch(&mut **conn, stmt).await,
            Conn::Postgres(conn) => postgres_fetch(&mut **conn, stmt).await,
        }
    }

    async fn execute(&self, stmt: Statement) -> Result<u64> {
        self.inner.db.count_query();
        tracing::debug!(sql = %stmt.sql, "statement in transaction");
        let mut slot = self.inner.conn.lock().await;
        match slot.as_mut().ok_or_else(done)? {
            Conn::Sqlite(conn) => sqlite_execute(&mut **conn, stmt).await,
            Conn::Postgres(conn) => postgres_execute(&mut **conn, stmt).await,
        }
    }

    fn on_commit(&self, callback: Box<dyn FnOnce() + Send>) {
        Tx::on_commit(self, callback);
    }

    fn scope(&self) -> Scope<'_> {
        Scope::Tx(self)
    }
}
