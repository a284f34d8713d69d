//! What the auth test files share: a user with a known password, and running a test on
//! a fresh migrated database of each backend.

#![allow(dead_code)]

use galvani_auth::{AuthApp, User};
use galvani_core::prelude::*;
use galvani_core::test::{TestClient, TestResponse};
use galvani_orm::prelude::*;
use galvani_orm::testing::TestDb;

/// A production-grade secret key for the test projects.
pub const SECRET: &str = "Zq3v9LkT0pWmX2bR8sYcN5dJ7hF4gA6eU1iO-oP_lK9jH3gF2dS";
/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery";

/// A saved user `username` (email `username@example.com`) with [`PASSWORD`].
pub async fn user(db: &Db, username: &str) -> User {
    let mut user = User::new(username, &format!("{username}@example.com"));
    user.set_password(PASSWORD);
    user.save(db).await.unwrap();
    user
}

/// Runs `test` on a fresh migrated database of each backend.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Db, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut dbs = vec![TestDb::sqlite().await.unwrap()];
    if let Some(pg) = TestDb::postgres().await.unwrap() {
        dbs.push(pg);
    }
    for test_db in dbs {
        test_db.migrate().await.unwrap();
        test(test_db.db.clone(), test_db.url.clone()).await;
        test_db.finish().await.unwrap();
    }
}

/// Settings for a project on the database at `url`.
pub fn settings(url: &str) -> Settings {
    Settings::from_toml(&format!(
        "secret_key = \"{SECRET}\"\n[database]\nurl = \"{url}\"\n"
    ))
    .unwrap()
}

/// A project on the database at `url` with the auth pages under `/accounts`.
pub fn site(url: &str) -> Project {
    Project::new(settings(url))
        .app(galvani_orm::Orm)
        .app(galvani_sessions::Sessions)
        .app_at("/accounts", AuthApp)
}

/// Submits the login page.
pub async fn log_in(
    client: &TestClient,
    username: &str,
    password: &str,
    next: &str,
) -> TestResponse {
    client
        .post("/accounts/login/")
        .form(&[
            ("username", username),
            ("password", password),
            ("next", next),
        ])
        .await
}
