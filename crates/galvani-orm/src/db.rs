//! The database handle: a connection pool for SQLite or PostgreSQL, chosen by the URL.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use galvani_core::settings::url_without_password;

use crate::error::{Error, Result};

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite, embedded (the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// How the pool behaves. The defaults suit a web server on one machine.
///
/// ```
/// use std::time::Duration;
/// let options = galvani_orm::DbOptions {
///     max_connections: 20,
///     ..Default::default()
/// };
/// assert_eq!(options.acquire_timeout, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// The most connections open at once.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// How long a query waits for a free connection before failing.
    pub acquire_timeout: Duration,
    /// How long SQLite waits for another writer before giving up (`busy_timeout`).
    pub busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// A pool of connections to one database. Cheap to clone; every clone shares the pool.
///
/// ```
/// # tokio_test();
/// # fn tokio_test() { tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use galvani_orm::{Backend, Db};
///
/// let dir = tempfile::tempdir().unwrap();
/// let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display()))
///     .await
///     .unwrap();
/// assert_eq!(db.backend(), Backend::Sqlite);
/// # }); }
/// ```
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    url: String,
    options: DbOptions,
    pool: tokio::sync::OnceCell<Pool>,
    queries: AtomicU64,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Opens a pool with the default [`DbOptions`]: `sqlite://path` (created when
    /// missing, relative to the working directory) or `postgres://user:password@host/name`.
    pub async fn connect(url: &str) -> Result<Db> {
        Db::connect_with(url, &DbOptions::default()).await
    }

    /// Opens a pool with `options`.
    ///
    /// SQLite connections use write-ahead logging, `synchronous = NORMAL`, a busy
    /// timeout and enforced foreign keys.
    pub async fn connect_with(url: &str, options: &DbOptions) -> Result<Db> {
        let db = Db::connect_lazy(url, options)?;
        db.pool().await?;
        Ok(db)
    }

    /// A pool that connects when it is first used (so a project can be built outside
    /// an async runtime, and without waiting for the database); the URL is checked now.
    pub fn connect_lazy(url: &str, options: &DbOptions) -> Result<Db> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::UnsupportedUrl {
                url: url_without_password(url),
            });
        };
        Ok(Db {
            inner: Arc::new(Inner {
                backend,
                url: url.to_owned(),
                options: options.clone(),
                pool: tokio::sync::OnceCell::new(),
                queries: AtomicU64::new(0),
            }),
        })
    }

    /// Connects to `url` on a runtime of its own, runs `work`, and closes the pool: for
    /// a project binary's work before `run_cli` serves (making tables and demo data,
    /// until migrations take that over).
    ///
    /// ```
    /// use galvani_orm::Db;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let url = format!("sqlite://{}/db.sqlite3", dir.path().display());
    /// let backend = Db::run_blocking(&url, async |db| Ok(db.backend())).unwrap();
    /// assert_eq!(backend, galvani_orm::Backend::Sqlite);
    /// ```
    pub fn run_blocking<T>(url: &str, work: impl AsyncFnOnce(&Db) -> Result<T>) -> Result<T> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| Error::Runtime { source })?;
        runtime.block_on(async {
            let db = Db::connect(url).await?;
            let out = work(&db).await;
            db.close().await;
            out
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// How many statements this pool has run, for tests that prove a page makes a fixed
    /// number of queries (see [`crate::testing::assert_num_queries`]).
    pub fn queries_executed(&self) -> u64 {
        self.inner.queries.load(Ordering::Relaxed)
    }

    /// Closes every connection; later queries fail.
    pub async fn close(&self) {
        match self.inner.pool.get() {
            Some(Pool::Sqlite(p)) => p.close().await,
            Some(Pool::Postgres(p)) => p.close().await,
            None => {}
        }
    }

    /// The underlying sqlx pool when this is SQLite: an escape hatch for hand-written
    /// queries (use `galvani_orm::sqlx`, the same version). `None` on PostgreSQL.
    pub async fn sqlite_pool(&self) -> Result<Option<&SqlitePool>> {
        Ok(match self.pool().await? {
            Pool::Sqlite(p) => Some(p),
            Pool::Postgres(_) => None,
        })
    }

    /// The underlying sqlx pool when this is PostgreSQL (see [`Db::sqlite_pool`]).
    pub async fn postgres_pool(&self) -> Result<Option<&PgPool>> {
        Ok(match self.pool().await? {
            Pool::Postgres(p) => Some(p),
            Pool::Sqlite(_) => None,
        })
    }

    /// The pool, connected on first use.
    pub(crate) async fn pool(&self) -> Result<&Pool> {
        let inner = &self.inner;
        inner
            .pool
            .get_or_try_init(|| open(inner.backend, &inner.url, &inner.options))
            .await
    }

    pub(crate) fn count_query(&self) {
        self.inner.queries.fetch_add(1, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

/// Opens the pool (and its first connection, so a bad URL or a server that is down
/// is reported here).
async fn open(backend: Backend, url: &str, options: &DbOptions) -> Result<Pool> {
    let connect = |source| Error::Connect {
        url: url_without_password(url),
        source,
    };
    Ok(match backend {
        Backend::Sqlite => {
            let sqlite = sqlite_options(url, options).map_err(connect)?;
            // A new file is switched to WAL by whichever process opens it first; one
            // opening it at the same moment is told "locked" at once (no busy wait),
            // so it tries again for as long as the busy timeout.
            let started = std::time::Instant::now();
            loop {
                match sqlite_pool(options).connect_with(sqlite.clone()).await {
                    Err(sqlx::Error::Database(e))
                        if e.message().contains("locked")
                            && started.elapsed() < options.busy_timeout =>
                    {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    result => break Pool::Sqlite(result.map_err(connect)?),
                }
            }
        }
        Backend::Postgres => Pool::Postgres(
            postgres_pool(options)
                .connect_with(PgConnectOptions::from_str(url).map_err(connect)?)
                .await
                .map_err(connect)?,
        ),
    })
}

/// SQLite connections: write-ahead logging, `synchronous = NORMAL`, a busy timeout,
/// enforced foreign keys, the file created when missing.
fn sqlite_options(url: &str, options: &DbOptions) -> Result<SqliteConnectOptions, sqlx::Error> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(options.busy_timeout)
        .foreign_keys(true))
}

fn sqlite_pool(options: &DbOptions) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(options.max_connections)
        .min_connections(options.min_connections)
        .acquire_timeout(options.acquire_timeout)
}

fn postgres_pool(options: &DbOptions) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(options.max_connections)
        .min_connections(options.min_connections)
        .acquire_timeout(options.acquire_timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unknown_scheme_is_a_clear_error() {
        let err = Db::connect("mysql://root:pw@localhost/x")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UnsupportedUrl { .. }), "{err}");
        assert!(err.to_string().contains("root:********"), "{err}");
    }
}
