//! Sessions through the whole stack, on every store: the database on SQLite and
//! PostgreSQL, Redis (when `TEST_REDIS_URL` names a server), and signed cookies.

use std::time::Duration;

use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use galvani_orm::prelude::*;
use galvani_orm::testing::TestDb;
use galvani_sessions::Session;
use galvani_sessions::models::StoredSession;

const SECRET: &str = "Zq3v9LkT0pWmX2bR8sYcN5dJ7hF4gA6eU1iO-oP_lK9jH3gF2dS";

fn routes() -> Routes {
    Routes::new()
        .route(
            "/count",
            get(|session: Session| async move {
                let n: u32 = session
                    .get("n")
                    .await
                    .map_err(HttpError::internal)?
                    .unwrap_or(0)
                    + 1;
                session.insert("n", n).await?;
                Ok::<_, HttpError>(n.to_string())
            }),
        )
        .route(
            "/peek",
            get(|session: Session| async move {
                let n: Option<u32> = session.get("n").await?;
                Ok::<_, HttpError>(format!("{n:?}"))
            }),
        )
        .route(
            "/rotate",
            post(|session: Session| async move {
                session.cycle_id().await?;
                Ok::<_, HttpError>("rotated")
            }),
        )
        .route(
            "/flush",
            post(|session: Session| async move {
                session.flush().await?;
                Ok::<_, HttpError>("flushed")
            }),
        )
        .route(
            "/big",
            post(|session: Session| async move {
                session
                    .insert("blob", "x".repeat(5000))
                    .await
                    .map_err(HttpError::internal)?;
                Ok::<_, HttpError>("stored")
            }),
        )
}

fn settings(extra: &str, url: &str) -> Settings {
    Settings::from_toml(&format!(
        "secret_key = \"{SECRET}\"\n[database]\nurl = \"{url}\"\n{extra}"
    ))
    .unwrap()
}

fn project(settings: Settings) -> Project {
    Project::new(settings)
        .app(galvani_orm::Orm)
        .app(galvani_sessions::Sessions)
        .routes(routes())
}

fn client(settings: Settings) -> TestClient {
    TestClient::new(project(settings))
}

/// The behaviour every store must have.
async fn exercise(client: &TestClient, label: &str) {
    let first = client.get("/count").await;
    assert_eq!(first.text(), "1", "{label}");
    let cookie = first
        .header("set-cookie")
        .expect("a new session sets its cookie")
        .to_owned();
    for attribute in [
        "sessionid=",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=1209600",
    ] {
        assert!(
            cookie.contains(attribute),
            "{label}: {attribute} missing from {cookie}"
        );
    }
    assert!(!cookie.contains("Secure"), "{label}: plain HTTP");
    assert_eq!(client.get("/count").await.text(), "2", "{label}");
    assert_eq!(client.get("/count").await.text(), "3", "{label}");

    // A request that only reads saves nothing and sets no cookie.
    let peek = client.get("/peek").await;
    assert_eq!(peek.text(), "Some(3)");
    assert!(peek.header("set-cookie").is_none(), "{label}");

    // A new id at login; the data goes along, the old id is dead.
    let old = client.cookie("sessionid").unwrap();
    let rotated = client.post("/rotate").await;
    assert_eq!(rotated.status(), 200, "{label}");
    let new = client.cookie("sessionid").unwrap();
    assert_ne!(old, new, "{label}: the id changes");
    assert_eq!(client.get("/peek").await.text(), "Some(3)", "{label}");
    let thief = TestClient::from_site(client.site().clone());
    thief.set_cookie("sessionid", &old);
    if label != "cookie" {
        // A signed-cookie session cannot be revoked: its old value stays valid until it
        // expires, which is why the database store is the default.
        assert_eq!(
            thief.get("/peek").await.text(),
            "None",
            "{label}: the old id is dead"
        );
    }

    // Logout: the data and the cookie go.
    let flushed = client.post("/flush").await;
    let removal = flushed.header("set-cookie").expect("the cookie is removed");
    assert!(removal.contains("Max-Age=0"), "{label}: {removal}");
    assert_eq!(client.cookie("sessionid"), None);
    let stolen = TestClient::from_site(client.site().clone());
    stolen.set_cookie("sessionid", &new);
    if label != "cookie" {
        assert_eq!(
            stolen.get("/peek").await.text(),
            "None",
            "{label}: flushed for good"
        );
    }
    assert_eq!(
        client.get("/count").await.text(),
        "1",
        "{label}: a fresh session"
    );

    // A made-up or malformed id is a new, empty session, not an error.
    let stranger = TestClient::from_site(client.site().clone());
    stranger.set_cookie("sessionid", "AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(stranger.get("/peek").await.text(), "None");
    stranger.set_cookie("sessionid", "not an id!");
    assert_eq!(stranger.get("/count").await.text(), "1");
}

#[tokio::test]
async fn the_database_store_on_sqlite_and_postgresql() {
    let mut dbs = vec![("sqlite", TestDb::sqlite().await.unwrap())];
    if let Some(pg) = TestDb::postgres().await.unwrap() {
        dbs.push(("postgresql", pg));
    }
    for (label, test_db) in dbs {
        test_db.migrate().await.unwrap();
        let client = client(settings("", &test_db.url));
        exercise(&client, label).await;

        // Ids are 128 random bits, URL-safe base64.
        let id = client.cookie("sessionid").unwrap();
        assert_eq!(id.len(), 22, "{label}");
        let rows = StoredSession::objects().all(&test_db.db).await.unwrap();
        assert!(rows.iter().any(|r| r.session_key == id), "{label}");
        assert!(
            rows.iter().all(|r| r.session_data.starts_with('{')),
            "{label}: JSON"
        );

        // An expired row is never read, and clearsessions removes it.
        StoredSession::objects()
            .filter(StoredSession::session_key.eq(id.clone()))
            .update(
                [StoredSession::expire_date
                    .set(time::OffsetDateTime::now_utc() - time::Duration::minutes(1))],
                &test_db.db,
            )
            .await
            .unwrap();
        assert_eq!(client.get("/peek").await.text(), "None", "{label}");
        let live = TestClient::from_site(client.site().clone());
        live.get("/count").await;
        let out = project(settings("", &test_db.url))
            .call_command(["clearsessions"])
            .await
            .unwrap();
        assert_eq!(out.trim(), "Removed 1 expired session(s).", "{label}");
        let keys: Vec<String> = StoredSession::objects()
            .all(&test_db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.session_key)
            .collect();
        assert!(!keys.contains(&id), "{label}: the expired row is gone");
        assert!(keys.contains(&live.cookie("sessionid").unwrap()), "{label}");
        test_db.finish().await.unwrap();
    }
}

#[tokio::test]
async fn the_signed_cookie_store() {
    let test_db = TestDb::sqlite().await.unwrap();
    let client = client(settings(
        "[apps.sessions]\nbackend = \"cookie\"\n",
        &test_db.url,
    ));
    exercise(&client, "cookie").await;
    client.get("/count").await;

    // The data is in the cookie, signed: changing it loses the session.
    let value = client.cookie("sessionid").unwrap();
    assert!(
        value.len() > 60,
        "the record travels in the cookie: {value}"
    );
    let forged = TestClient::from_site(client.site().clone());
    let (body, signature) = value.rsplit_once(':').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    forged.set_cookie("sessionid", &format!("{body}:{flipped}{}", &signature[1..]));
    assert_eq!(forged.get("/peek").await.text(), "None");

    // Another site's key does not verify it either.
    let other = TestClient::new(
        Project::new(
            Settings::from_toml(
                "secret_key = \"another-key-another-key-another-key-another-key-xyz\"\n[apps.sessions]\nbackend = \"cookie\"\n",
            )
            .unwrap(),
        )
        .app(galvani_orm::Orm)
        .app(galvani_sessions::Sessions)
        .routes(routes()),
    );
    other.set_cookie("sessionid", &value);
    assert_eq!(other.get("/peek").await.text(), "None");

    // More than a cookie holds is a clear 500, not a cookie the browser drops silently.
    let big = client.post("/big").await;
    assert_eq!(big.status(), 500);
    assert!(big.text().contains("cookie"), "{}", big.text());
    let out = project(settings(
        "[apps.sessions]\nbackend = \"cookie\"\n",
        &test_db.url,
    ))
    .call_command(["clearsessions"])
    .await
    .unwrap();
    assert_eq!(
        out.trim(),
        "Sessions are kept in signed cookies: there is nothing to clear."
    );
    test_db.finish().await.unwrap();
}

#[tokio::test]
async fn cookies_are_secure_over_https_and_sessions_expire() {
    let test_db = TestDb::sqlite().await.unwrap();
    test_db.migrate().await.unwrap();
    let client = client(settings(
        "[security]\nproxy_ssl_header = \"X-Forwarded-Proto: https\"\n[apps.sessions]\nage = \"1s\"\n",
        &test_db.url,
    ));
    let res = client
        .get("/count")
        .header("x-forwarded-proto", "https")
        .await;
    let cookie = res.header("set-cookie").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("Max-Age=1"), "{cookie}");
    assert_eq!(client.get("/peek").await.text(), "Some(1)");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        client.get("/peek").await.text(),
        "None",
        "expired after `age`"
    );
    test_db.finish().await.unwrap();
}

#[tokio::test]
async fn browser_sessions_have_no_max_age() {
    let test_db = TestDb::sqlite().await.unwrap();
    test_db.migrate().await.unwrap();
    let client = client(settings(
        "[apps.sessions]\nexpire_at_browser_close = true\ncookie_name = \"sid\"\n",
        &test_db.url,
    ));
    let res = client.get("/count").await;
    let cookie = res.header("set-cookie").unwrap();
    assert!(cookie.starts_with("sid="), "{cookie}");
    assert!(!cookie.contains("Max-Age"), "{cookie}");
    test_db.finish().await.unwrap();
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn the_redis_store() {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        assert_ne!(
            std::env::var("TEST_REQUIRE_REDIS").as_deref(),
            Ok("1"),
            "TEST_REDIS_URL is not set, and TEST_REQUIRE_REDIS=1 requires the Redis tests"
        );
        eprintln!("TEST_REDIS_URL is not set: skipping the Redis store");
        return;
    };
    let test_db = TestDb::sqlite().await.unwrap();
    let prefix = format!("galvani_test:{}:", std::process::id());
    let toml = format!(
        "[apps.sessions]\nbackend = \"redis\"\nredis_url = \"{url}\"\nredis_prefix = \"{prefix}\"\n"
    );
    let client = client(settings(&toml, &test_db.url));
    exercise(&client, "redis").await;
    let out = project(settings(&toml, &test_db.url))
        .call_command(["clearsessions"])
        .await
        .unwrap();
    assert_eq!(
        out.trim(),
        "The store expires sessions by itself: nothing to do."
    );
    test_db.finish().await.unwrap();
}

#[tokio::test]
async fn the_database_backend_needs_the_orm() {
    let project = Project::new(Settings::default())
        .app(galvani_sessions::Sessions)
        .routes(routes());
    let err = TestClient::try_new(project).unwrap_err().to_string();
    assert!(err.contains("install `Orm` before `Sessions`"), "{err}");
}

#[tokio::test]
async fn the_model_and_its_migration_agree() {
    let test_db = TestDb::sqlite().await.unwrap();
    let out = project(settings("", &test_db.url))
        .call_command(["makemigrations", "--check"])
        .await;
    assert!(out.is_ok(), "{out:?}");
    test_db.finish().await.unwrap();
}
