//! Helpers for tests of code that queries: a fresh database per test on each backend,
//! and a query counter.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::Db;
use crate::error::Result;
use crate::executor::{Executor, Statement};

/// The environment variable naming a PostgreSQL server for tests, as a URL with a
/// role allowed to create databases (`scripts/test` sets it). Not `GALVANI_*`: those
/// are settings, and an unknown one is an error.
pub const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";

/// When set to `1`, a missing [`POSTGRES_ENV`] fails the tests instead of skipping the
/// PostgreSQL half (`scripts/test` sets it, so CI never skips it silently).
pub const REQUIRE_POSTGRES_ENV: &str = "TEST_REQUIRE_POSTGRES";

/// A database of its own for one test, removed by [`TestDb::finish`] (a SQLite file in
/// a temporary folder, or a PostgreSQL database named `galvani_test_...`).
pub struct TestDb {
    /// The pool.
    pub db: Db,
    /// The database's URL, for a project's settings.
    pub url: String,
    cleanup: Option<Cleanup>,
}

impl Drop for TestDb {
    /// A SQLite folder goes even when a test fails before `finish`; a PostgreSQL
    /// database is left for `scripts/test` to drop (it needs an async connection).
    fn drop(&mut self) {
        if let Some(Cleanup::Folder(dir)) = self.cleanup.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

enum Cleanup {
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

static NEXT: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl TestDb {
    /// A new SQLite database in a temporary folder.
    pub async fn sqlite() -> Result<TestDb> {
        let dir = std::env::temp_dir().join(format!("galvani_test_{}", unique()));
        std::fs::create_dir_all(&dir).map_err(|e| crate::Error::InvalidValue {
            field: "test database folder".into(),
            detail: e.to_string(),
        })?;
        let url = format!("sqlite://{}/db.sqlite3", dir.display());
        let db = Db::connect(&url).await?;
        Ok(TestDb {
            db,
            url,
            cleanup: Some(Cleanup::Folder(dir)),
        })
    }

    /// A new database on the PostgreSQL server named by [`POSTGRES_ENV`]; `None` when
    /// the variable is not set (a panic instead when [`REQUIRE_POSTGRES_ENV`] is `1`).
    pub async fn postgres() -> Result<Option<TestDb>> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            if std::env::var(REQUIRE_POSTGRES_ENV).as_deref() == Ok("1") {
                panic!(
                    "{POSTGRES_ENV} is not set, and {REQUIRE_POSTGRES_ENV}=1 requires the PostgreSQL tests"
                );
            }
            eprintln!("{POSTGRES_ENV} is not set: skipping the PostgreSQL half of this test");
            return Ok(None);
        };
        let name = format!("galvani_test_{}", unique());
        let admin = Db::connect(&admin_url).await?;
        admin
            .execute(Statement {
                sql: format!("CREATE DATABASE {}", crate::schema::quote(&name)),
                values: Vec::new(),
            })
            .await?;
        admin.close().await;
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => format!("{admin_url}/{name}"),
        };
        let db = Db::connect(&url).await?;
        Ok(Some(TestDb {
            db,
            url,
            cleanup: Some(Cleanup::Database { admin_url, name }),
        }))
    }

    /// Applies every migration compiled into the program and runs the post-migrate hooks, as `migrate` would: a test
    /// database has the schema the project's migrations make.
    pub async fn migrate(&self) -> Result<()> {
        crate::migrations::Migrator::registered(&self.db)
            .migrate(&crate::migrations::Target::Latest, &mut |_| {})
            .await?;
        crate::migrations::run_post_migrate(&self.db).await
    }

    /// Closes the pool and removes the database.
    pub async fn finish(mut self) -> Result<()> {
        self.db.close().await;
        match self.cleanup.take() {
            None => {}
            Some(Cleanup::Folder(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Cleanup::Database { admin_url, name }) => {
                let admin = Db::connect(&admin_url).await?;
                admin
                    .execute(Statement {
                        sql: format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            crate::schema::quote(&name)
                        ),
                        values: Vec::new(),
                    })
                    .await?;
                admin.close().await;
            }
        }
        Ok(())
    }
}

/// Runs `f` and panics unless it ran exactly `expected` statements on `db`, like
/// Django's `assertNumQueries`: the proof that a page has no N+1 queries.
///
/// ```
/// use galvani_orm::prelude::*;
/// use galvani_orm::testing::assert_num_queries;
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
/// let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
/// create_tables(&db, &[Product::meta()]).await?;
/// let all = assert_num_queries(&db, 1, Product::objects().all(&db)).await?;
/// assert!(all.is_empty());
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub async fn assert_num_queries<F: Future>(db: &Db, expected: u64, f: F) -> F::Output {
    let before = db.queries_executed();
    let out = f.await;
    let ran = db.queries_executed() - before;
    assert_eq!(
        ran, expected,
        "expected {expected} queries, {ran} ran (run with RUST_LOG=galvani_orm=debug to see them)"
    );
    out
}
