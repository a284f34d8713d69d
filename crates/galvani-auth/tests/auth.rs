//! Authentication through the whole stack, on SQLite and PostgreSQL: login rotates the
//! session and the CSRF secret, logout flushes, Django hashes log in and are upgraded,
//! a password change ends other sessions, guards redirect pages and refuse API calls,
//! permissions come from users, groups and the superuser flag.

use galvani_auth::{Auth, AuthApp, CurrentUser, Group, LoginRequired, Permission, User};
use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use galvani_orm::prelude::*;
use galvani_orm::testing::TestDb;

mod common;
use common::{PASSWORD, on_both, settings, user};

/// Made by Django 5.2.19 itself: `make_password("correct horse battery",
/// hasher="pbkdf2_sha256")`, its default 1,000,000 iterations.
const DJANGO_PBKDF2: &str =
    "pbkdf2_sha256$1000000$9KaR7LwiNYHUYw4wFIOQ91$UUFevw6ZMrD3Vxoz7bidZQqpVOWWEq7KH6DXXXIPkEI=";
/// Made by Django 5.2.19 with argon2-cffi 25.1.0: `hasher="argon2"` (m=102400, t=2, p=8).
const DJANGO_ARGON2: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$eDV4REVzNk9WbktkdDJUc3ZtWDdYNg$dYB307kvqzjM7qKCYSh6jukrAG7HjBCVIqcNuFLHlRw";

#[derive(serde::Deserialize)]
struct Credentials {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(auth: Auth, Form(c): Form<Credentials>) -> HttpResult<Response> {
    match auth.authenticate(&c.username, &c.password).await? {
        Some(user) => {
            auth.login(&user).await?;
            let to = c
                .next
                .as_deref()
                .and_then(galvani_auth::safe_next)
                .unwrap_or("/");
            Ok(Redirect::to(to).into_response())
        }
        None => Ok((StatusCode::UNAUTHORIZED, "bad credentials").into_response()),
    }
}

async fn logout(auth: Auth) -> HttpResult<&'static str> {
    auth.logout().await?;
    Ok("bye")
}

async fn me(user: CurrentUser) -> String {
    user.user()
        .map_or("anonymous".to_owned(), |u| u.username.clone())
}

#[derive(serde::Deserialize)]
struct NewPassword {
    password: String,
}

async fn change_password(
    auth: Auth,
    db: Db,
    LoginRequired(mut user): LoginRequired,
    Form(f): Form<NewPassword>,
) -> HttpResult<&'static str> {
    user.set_password(&f.password);
    user.save(&db).await?;
    auth.update_session_hash(&user).await?;
    Ok("changed")
}

fn project(url: &str) -> Project {
    Project::new(settings(url))
        .app(galvani_orm::Orm)
        .app(galvani_sessions::Sessions)
        .app(AuthApp)
        .routes(
            Routes::new()
                .route("/login", post(login))
                .route("/logout", post(logout))
                .route("/me", get(me))
                .route("/password", post(change_password)),
        )
        .routes(
            Routes::new()
                .route("/orders", get(|| async { "orders" }))
                .middleware(galvani_auth::login_required),
        )
        .routes(
            Routes::new()
                .route("/reports", get(|| async { "reports" }))
                .middleware(galvani_auth::permission_required("auth.view_user")),
        )
}

async fn log_in(client: &TestClient, username: &str, password: &str) -> StatusCode {
    client
        .post("/login")
        .form(&[("username", username), ("password", password)])
        .await
        .status()
}

#[tokio::test]
async fn login_rotates_the_session_and_csrf_secret_and_logout_flushes() {
    on_both(|db, url| async move {
        user(&db, "ada").await;
        let client = TestClient::new(project(&url));
        // An anonymous session exists before login (a cart, say).
        assert_eq!(client.get("/me").await.text(), "anonymous");
        client.set_cookie("sessionid", "AAAAAAAAAAAAAAAAAAAAAA");
        let csrf_before = {
            client.post("/logout").await;
            client.cookie("csrftoken").unwrap()
        };
        let res = client
            .post("/login")
            .form(&[("username", "ada"), ("password", PASSWORD)])
            .await;
        assert_eq!(res.status(), 303, "{}", res.text());
        let session = client.cookie("sessionid").expect("logged in");
        assert_ne!(
            session, "AAAAAAAAAAAAAAAAAAAAAA",
            "a planted id is not kept"
        );
        assert_ne!(
            client.cookie("csrftoken").unwrap(),
            csrf_before,
            "CSRF secret rotated"
        );
        assert_eq!(client.get("/me").await.text(), "ada");
        let stored = User::objects()
            .filter(User::username.eq("ada"))
            .get(&db)
            .await
            .unwrap();
        assert!(stored.last_login.is_some());

        // Logging in again (same browser) gives yet another id.
        assert_eq!(log_in(&client, "ada", PASSWORD).await, 303);
        assert_ne!(client.cookie("sessionid").unwrap(), session);

        // The old session id no longer logs anyone in.
        let thief = TestClient::from_site(client.site().clone());
        thief.set_cookie("sessionid", &session);
        assert_eq!(thief.get("/me").await.text(), "anonymous");

        let res = client.post("/logout").await;
        assert_eq!(res.text(), "bye");
        assert_eq!(client.cookie("sessionid"), None);
        assert_eq!(client.get("/me").await.text(), "anonymous");
    })
    .await;
}

#[tokio::test]
async fn wrong_passwords_unknown_and_inactive_users_fail() {
    on_both(|db, url| async move {
        let mut bob = user(&db, "bob").await;
        let client = TestClient::new(project(&url));
        assert_eq!(log_in(&client, "bob", "wrong password!!").await, 401);
        assert_eq!(log_in(&client, "nobody", PASSWORD).await, 401);
        assert_eq!(log_in(&client, "BOB", PASSWORD).await, 401);
        bob.is_active = false;
        bob.save(&db).await.unwrap();
        assert_eq!(log_in(&client, "bob", PASSWORD).await, 401);
        assert_eq!(client.get("/me").await.text(), "anonymous");
    })
    .await;
}

#[tokio::test]
async fn a_throttled_login_in_ones_own_view_answers_429_through_question_mark() {
    on_both(|db, url| async move {
        user(&db, "carol").await;
        let client = TestClient::new(project(&url));
        for _ in 0..10 {
            assert_eq!(log_in(&client, "carol", "wrong password!!").await, 401);
        }
        let res = client
            .post("/login")
            .form(&[("username", "carol"), ("password", PASSWORD)])
            .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "not a 500");
        let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!(
            (1..=2).contains(&wait),
            "the first wait is 2 s, rounded up: {wait}"
        );
        assert!(
            res.text().contains("Too many failed login attempts"),
            "{}",
            res.text()
        );
    })
    .await;
}

#[tokio::test]
async fn django_hashes_log_in_and_are_rehashed_to_argon2id() {
    on_both(|db, url| async move {
        let client = TestClient::new(project(&url));
        for (name, hash) in [("pbkdf2", DJANGO_PBKDF2), ("argon", DJANGO_ARGON2)] {
            let mut u = User::new(name, "");
            u.password = hash.trim().to_owned();
            u.save(&db).await.unwrap();
            assert_eq!(
                log_in(&client, name, "not the password").await,
                401,
                "{name}"
            );
            let unchanged = User::objects()
                .filter(User::username.eq(name))
                .get(&db)
                .await
                .unwrap();
            assert_eq!(
                unchanged.password,
                hash.trim(),
                "{name}: a failed login rehashes nothing"
            );

            assert_eq!(log_in(&client, name, PASSWORD).await, 303, "{name}");
            let upgraded = User::objects()
                .filter(User::username.eq(name))
                .get(&db)
                .await
                .unwrap();
            assert!(
                upgraded
                    .password
                    .starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"),
                "{name}: {}",
                upgraded.password
            );
            assert_eq!(
                log_in(&client, name, PASSWORD).await,
                303,
                "{name}: the new hash works"
            );
            let again = User::objects()
                .filter(User::username.eq(name))
                .get(&db)
                .await
                .unwrap();
            assert_eq!(again.password, upgraded.password, "{name}: rehashed once");
        }
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    on_both(|db, url| async move {
        user(&db, "cy").await;
        let laptop = TestClient::new(project(&url));
        let phone = TestClient::from_site(laptop.site().clone());
        assert_eq!(log_in(&laptop, "cy", PASSWORD).await, 303);
        assert_eq!(log_in(&phone, "cy", PASSWORD).await, 303);
        assert_eq!(phone.get("/me").await.text(), "cy");

        let res = laptop
            .post("/password")
            .form(&[("password", "a brand new passphrase")])
            .await;
        assert_eq!(res.text(), "changed");
        assert_eq!(laptop.get("/me").await.text(), "cy", "this session stays");
        assert_eq!(
            phone.get("/me").await.text(),
            "anonymous",
            "the other one ends"
        );
        assert_eq!(phone.cookie("sessionid"), None, "and its cookie goes");
        assert_eq!(log_in(&phone, "cy", PASSWORD).await, 401);
        assert_eq!(log_in(&phone, "cy", "a brand new passphrase").await, 303);
    })
    .await;
}

#[tokio::test]
async fn guards_redirect_pages_and_refuse_api_calls() {
    on_both(|db, url| async move {
        user(&db, "dee").await;
        let client = TestClient::new(project(&url));
        let page = client
            .get("/orders?page=2")
            .header("accept", "text/html")
            .await;
        assert_eq!(page.status(), 302);
        assert_eq!(
            page.location(),
            Some("/accounts/login/?next=/orders%3Fpage%3D2")
        );
        let api = client
            .get("/orders")
            .header("accept", "application/json")
            .await;
        assert_eq!(api.status(), 401);

        assert_eq!(log_in(&client, "dee", PASSWORD).await, 303);
        assert_eq!(client.get("/orders").await.text(), "orders");

        // No permission: 403, for pages and API calls alike.
        assert_eq!(
            client
                .get("/reports")
                .header("accept", "text/html")
                .await
                .status(),
            403
        );
        assert_eq!(client.get("/reports").await.status(), 403);
    })
    .await;
}

#[tokio::test]
async fn permissions_come_from_the_user_groups_and_superuser_flag() {
    on_both(|db, url| async move {
        // migrate made add/change/delete/view for every model, auth's own included.
        let view_user = Permission::objects()
            .filter(Permission::app_label.eq("auth") & Permission::codename.eq("view_user"))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(view_user.name, "Can view user");
        assert!(
            Permission::objects()
                .filter(Permission::app_label.eq("sessions"))
                .count(&db)
                .await
                .unwrap()
                >= 4
        );

        let mut direct = user(&db, "direct").await;
        let grouped = user(&db, "grouped").await;
        let mut boss = user(&db, "boss").await;
        user(&db, "none").await;
        direct = User::objects()
            .filter(User::id.eq(direct.id))
            .get(&db)
            .await
            .unwrap();
        direct
            .user_permissions
            .add(&db, [&view_user])
            .await
            .unwrap();
        let mut staff = Group {
            id: 0,
            name: "staff".into(),
            permissions: Default::default(),
        };
        staff.save(&db).await.unwrap();
        let staff = Group::objects()
            .filter(Group::id.eq(staff.id))
            .get(&db)
            .await
            .unwrap();
        staff.permissions.add(&db, [&view_user]).await.unwrap();
        let grouped = User::objects()
            .filter(User::id.eq(grouped.id))
            .get(&db)
            .await
            .unwrap();
        grouped.groups.add(&db, [&staff]).await.unwrap();
        boss.is_superuser = true;
        boss.save(&db).await.unwrap();

        for (name, allowed) in [
            ("direct", true),
            ("grouped", true),
            ("boss", true),
            ("none", false),
        ] {
            let client = TestClient::new(project(&url));
            assert_eq!(log_in(&client, name, PASSWORD).await, 303);
            let res = client.get("/reports").await;
            assert_eq!(res.status() == 200, allowed, "{name}: {}", res.status());
        }

        // Running migrate again adds nothing twice.
        let before = Permission::objects().count(&db).await.unwrap();
        galvani_auth::create_permissions(db.clone()).await.unwrap();
        assert_eq!(Permission::objects().count(&db).await.unwrap(), before);
    })
    .await;
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    on_both(|db, url| async move {
        user(&db, "eve").await;
        let client = TestClient::new(project(&url));
        for (next, expected) in [
            ("/orders", "/orders"),
            ("https://evil.example", "/"),
            ("//evil.example", "/"),
        ] {
            let res = client
                .post("/login")
                .form(&[("username", "eve"), ("password", PASSWORD), ("next", next)])
                .await;
            assert_eq!(res.location(), Some(expected), "{next}");
        }
    })
    .await;
}

/// An app whose one template shows `user`.
struct Pages(std::path::PathBuf);

impl galvani_core::App for Pages {
    fn label(&self) -> &'static str {
        "pages"
    }
    fn templates(&self) -> Option<galvani_core::Assets> {
        Some(galvani_core::Assets::dir(self.0.clone()))
    }
    fn routes(&self) -> Routes {
        Routes::new().route(
            "/hello",
            get(|| async { Template::new("hello.txt", context! {}) }),
        )
    }
}

#[tokio::test]
async fn templates_see_the_user() {
    on_both(|db, url| async move {
        user(&db, "fay").await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("hello.txt"),
            "{% if user.is_authenticated %}in{% else %}out{% endif %} {{ user.username }} {{ user.email }}",
        )
        .unwrap();
        let client = TestClient::new(project(&url).app(Pages(dir.path().to_owned())));
        assert_eq!(client.get("/hello").await.text().trim(), "out");
        assert_eq!(log_in(&client, "fay", PASSWORD).await, 303);
        assert_eq!(
            client.get("/hello").await.text(),
            "in fay fay@example.com"
        );
    })
    .await;
}

#[tokio::test]
async fn the_models_and_their_migration_agree() {
    let test_db = TestDb::sqlite().await.unwrap();
    let out = project(&test_db.url)
        .call_command(["makemigrations", "--check"])
        .await;
    assert!(out.is_ok(), "{out:?}");
    test_db.finish().await.unwrap();
}

#[tokio::test]
async fn the_auth_app_needs_orm_and_sessions_first() {
    let err = TestClient::try_new(
        Project::new(Settings::default())
            .app(galvani_orm::Orm)
            .app(AuthApp),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("install `Sessions` before it"), "{err}");
}
