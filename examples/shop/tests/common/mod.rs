//! What the shop's test files share: the shop on a database of its own.

#![allow(dead_code)]

use galvani::Settings;
use galvani::orm::testing::TestDb;
use galvani::test::TestClient;

/// The shop on a database of its own with the demo data.
pub struct Shop {
    pub client: TestClient,
    pub test: TestDb,
}

impl std::ops::Deref for Shop {
    type Target = TestClient;
    fn deref(&self) -> &TestClient {
        &self.client
    }
}

pub async fn on(test: TestDb, profile: &str, env: &[(&str, &str)]) -> Shop {
    let settings = prepare(&test, profile, env).await;
    // The test's own pool, so queries can be counted.
    let client = TestClient::new(shop::project(settings).data(test.db.clone()));
    Shop { client, test }
}

/// Migrates `test` and makes the demo data; the shop's settings for it, under
/// `profile` with the extra environment `env`.
pub async fn prepare(test: &TestDb, profile: &str, env: &[(&str, &str)]) -> Settings {
    test.migrate().await.expect("the shop's migrations");
    shop::shop::prepare(&test.db).await.expect("the demo data");
    let mut vars = vec![("GALVANI_DATABASE__URL", test.url.as_str())];
    vars.extend_from_slice(env);
    Settings::loader()
        .optional_file(concat!(env!("CARGO_MANIFEST_DIR"), "/galvani.toml"))
        .profile(profile)
        .env(vars)
        .load()
        .expect("the shop's settings load")
}

pub async fn dev() -> Shop {
    on(TestDb::sqlite().await.unwrap(), "dev", &[]).await
}

pub async fn prod(static_root: &std::path::Path) -> Shop {
    let key = "tH1s-is-a-t3st-only-key-Wq8zXv2RmP5sKd9LfJ3hGb7NcY4tE6uA";
    let root = static_root.to_str().unwrap();
    let env = [("GALVANI_SECRET_KEY", key), ("GALVANI_STATIC__ROOT", root)];
    on(TestDb::sqlite().await.unwrap(), "prod", &env).await
}
