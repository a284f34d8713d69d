//! The ORM inside a Galvani project: the `Orm` app opens the pool from the settings and
//! handlers take a `Db`.

use galvani_core::prelude::*;
use galvani_core::test::TestClient;

use galvani_orm::testing::TestDb;
use galvani_orm::{Db, Model as _, Orm};

use crate::models::Product;

async fn restock(db: Db) -> Result<String, HttpError> {
    let mut p = Product::new("Tea", "T-1", "4.50", 3);
    p.save(&db).await.map_err(HttpError::internal)?;
    let n = Product::objects()
        .count(&db)
        .await
        .map_err(HttpError::internal)?;
    Ok(format!("{n} product(s) on {:?}", db.backend()))
}

async fn run_project(test: TestDb) {
    galvani_orm::create_tables(&test.db, &crate::models::all())
        .await
        .unwrap();
    let settings = Settings::from_toml(&format!("[database]\nurl = \"{}\"\n", test.url)).unwrap();
    let project = Project::new(settings)
        .app(Orm)
        .routes(Routes::new().route("/restock", post(restock)));
    let client = TestClient::new(project);
    let res = client.post("/restock").send().await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert!(res.text().starts_with("1 product(s)"), "{}", res.text());
    assert_eq!(
        Product::objects().count(&test.db).await.unwrap(),
        1,
        "the same database"
    );
    test.finish().await.unwrap();
}

#[tokio::test]
async fn handlers_take_the_project_database_sqlite() {
    run_project(TestDb::sqlite().await.unwrap()).await;
}

#[tokio::test]
async fn handlers_take_the_project_database_postgres() {
    if let Some(test) = TestDb::postgres().await.unwrap() {
        run_project(test).await;
    }
}

#[test]
fn a_relative_sqlite_path_is_the_project_folder() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::loader().base_dir(dir.path()).load().unwrap();
    assert_eq!(
        settings.database_url(),
        format!("sqlite://{}/db.sqlite3", dir.path().display())
    );
}

#[test]
fn the_orm_app_builds_outside_an_async_runtime() {
    // `run_cli` builds the project before it starts a runtime: nothing may connect yet.
    let project = Project::new(Settings::default()).app(Orm);
    assert!(project.build().is_ok());
}

/// These test models have no migrations: `makemigrations --check` fails (the CI drift
/// check), and `--dry-run` says what it would write, writing nothing.
#[tokio::test]
async fn makemigrations_check_fails_when_models_have_no_migration() {
    let project = || Project::new(Settings::default()).app(Orm);
    let err = project()
        .call_command(["makemigrations", "--check"])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("changes that no migration holds"), "{err}");
    let out = project()
        .call_command(["makemigrations", "blog", "--dry-run"])
        .await
        .unwrap();
    assert!(out.contains("Migrations for 'blog':"), "{out}");
    assert!(out.contains("- Create model Label"), "{out}");
    assert!(
        !out.contains("Migrations for 'shop'"),
        "only the app asked for: {out}"
    );
    let folder = galvani_orm::migrations::app_folder("blog").unwrap();
    assert!(
        folder.dir.ends_with("tests/it/migrations"),
        "{}",
        folder.dir.display()
    );
    assert!(!folder.dir.exists(), "a dry run writes nothing");
}
