//! Runs each test body once per backend, each time on a database of its own.

use galvani_orm::Db;
use galvani_orm::testing::TestDb;

/// Runs `body` on a fresh SQLite database with `models`' tables.
pub async fn on_sqlite<F, Fut>(models: &[&galvani_orm::meta::ModelMeta], body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let test = TestDb::sqlite().await.expect("a SQLite test database");
    galvani_orm::create_tables(&test.db, models)
        .await
        .expect("the tables");
    body(test.db.clone()).await;
    test.finish().await.expect("cleaned up");
}

/// Runs `body` on a fresh PostgreSQL database with `models`' tables (skipped when no
/// server is configured).
pub async fn on_postgres<F, Fut>(models: &[&galvani_orm::meta::ModelMeta], body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(test) = TestDb::postgres()
        .await
        .expect("a PostgreSQL test database")
    else {
        return;
    };
    galvani_orm::create_tables(&test.db, models)
        .await
        .expect("the tables");
    body(test.db.clone()).await;
    test.finish().await.expect("cleaned up");
}

/// `backend_tests!(module::fn_name, ...)`: a `sqlite` and a `postgres` test for each
/// `async fn(Db)`, with the shop models' tables.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                $crate::support::on_sqlite(&$crate::models::all(), |db| super::$name(db)).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                $crate::support::on_postgres(&$crate::models::all(), |db| super::$name(db)).await;
            })*
        }
    };
}
