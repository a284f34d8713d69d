//! The auth pages through the whole stack, on SQLite and PostgreSQL: login with
//! `next` and its open-redirect guard, throttling, logout by POST only, password change
//! with the validators' errors, and password reset by email (no account enumeration,
//! one use, a fresh session can't reuse it).

use galvani_auth::User;
use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use galvani_orm::prelude::*;

mod common;
use common::{PASSWORD, log_in, on_both, site, user};

fn client(url: &str) -> TestClient {
    TestClient::new(site(url).routes(Routes::new().route(
        "/",
        get(|| async { Template::new("registration/password_reset_complete.html", context! {}) }),
    )))
}

#[tokio::test]
async fn login_page_follows_next_but_never_off_site() {
    on_both(|db, url| async move {
        user(&db, "ada").await;
        let client = client(&url);
        let page = client.get("/accounts/login/?next=/orders/").await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains(r#"<input type="hidden" name="next" value="&#x2f;orders&#x2f;">"#),
            "{html}"
        );
        assert!(html.contains(r#"name="csrf_token""#));

        let evil = client
            .get("/accounts/login/?next=https://evil.example")
            .await;
        assert!(
            !evil.text().contains("evil.example"),
            "an unsafe next is not even put in the form"
        );

        let wrong = log_in(&client, "ada", "not it", "/orders/").await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong
                .text()
                .contains("Please enter a correct username and password")
        );
        assert!(
            wrong.text().contains(r#"value="ada""#),
            "the username is kept"
        );

        let res = log_in(&client, "ada", PASSWORD, "https://evil.example").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.location(),
            Some("/"),
            "next=https://evil.example is ignored"
        );
        client.post("/accounts/logout/").await;
        let res = log_in(&client, "ada", PASSWORD, "/orders/").await;
        assert_eq!(res.location(), Some("/orders/"));
        let welcome = client.get("/").await.text();
        assert!(welcome.contains("Welcome back, ada."), "{welcome}");
    })
    .await;
}

#[tokio::test]
async fn the_eleventh_wrong_password_is_slowed() {
    on_both(|db, url| async move {
        user(&db, "ada").await;
        let client = client(&url);
        for attempt in 1..=10 {
            let res = log_in(&client, "ada", "wrong guess", "").await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "attempt {attempt}"
            );
        }
        let eleventh = log_in(&client, "ada", "wrong guess", "").await;
        assert_eq!(eleventh.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = eleventh.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=2).contains(&wait), "{wait}");
        assert!(eleventh.text().contains("Too many failed login attempts"));
        // Even the right password waits: a lucky guess during the wait gains nothing.
        let right = log_in(&client, "ada", PASSWORD, "").await;
        assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(client.cookie("sessionid").is_none(), "not logged in");
        // Another account is not held up.
        user(&db, "grace").await;
        assert_eq!(
            log_in(&client, "grace", PASSWORD, "").await.status(),
            StatusCode::SEE_OTHER
        );
    })
    .await;
}

#[tokio::test]
async fn logout_is_post_only_and_says_goodbye() {
    on_both(|db, url| async move {
        user(&db, "ada").await;
        let client = client(&url);
        log_in(&client, "ada", PASSWORD, "").await;
        let get = client.get("/accounts/logout/").await;
        assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            client.cookie("sessionid").is_some(),
            "a GET logs nobody out"
        );
        let cross_site = client
            .post("/accounts/logout/")
            .header("origin", "https://evil.example")
            .await;
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN, "CSRF-checked");
        let res = client.post("/accounts/logout/").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(client.cookie("sessionid").is_none());
        assert!(
            client
                .get("/")
                .await
                .text()
                .contains("You have logged out.")
        );
    })
    .await;
}

#[tokio::test]
async fn password_change_checks_the_old_one_and_the_validators() {
    on_both(|db, url| async move {
        user(&db, "ada").await;
        let client = client(&url);
        let anonymous = client
            .get("/accounts/password/change/")
            .header("accept", "text/html")
            .await;
        assert_eq!(anonymous.status(), StatusCode::FOUND, "login required");

        log_in(&client, "ada", PASSWORD, "").await;
        let other = self::client(&url);
        log_in(&other, "ada", PASSWORD, "").await;

        let change = |old: &'static str, new1: &'static str, new2: &'static str| {
            let client = client.clone();
            async move {
                client
                    .post("/accounts/password/change/")
                    .form(&[
                        ("old_password", old),
                        ("new_password1", new1),
                        ("new_password2", new2),
                    ])
                    .await
            }
        };
        let wrong_old = change("nope", "a fresh long passphrase", "a fresh long passphrase").await;
        assert!(
            wrong_old
                .text()
                .contains("Your old password was entered incorrectly")
        );
        let mismatch = change(PASSWORD, "a fresh long passphrase", "another one entirely").await;
        assert!(
            mismatch.text().contains("didn&#x27;t match")
                || mismatch.text().contains("didn't match"),
            "{}",
            mismatch.text()
        );
        let weak = change(PASSWORD, "123456789012", "123456789012").await;
        let html = weak.text();
        assert!(
            html.contains("This password is too common.") || html.contains("entirely numeric"),
            "{html}"
        );
        assert!(
            html.contains(r#"aria-describedby="id_new_password1_errors id_new_password1_help""#),
            "{html}"
        );

        let ok = change(
            PASSWORD,
            "a fresh long passphrase",
            "a fresh long passphrase",
        )
        .await;
        assert_eq!(ok.status(), StatusCode::SEE_OTHER, "{}", ok.text());
        let me = User::objects()
            .filter(User::username.eq("ada"))
            .get(&db)
            .await
            .unwrap();
        assert!(
            galvani_auth::passwords::check_password("a fresh long passphrase", &me.password)
                .is_valid()
        );
        // This session stays logged in; the other one has ended.
        assert_eq!(
            client.get("/accounts/password/change/").await.status(),
            StatusCode::OK
        );
        let ended = other
            .get("/accounts/password/change/")
            .header("accept", "text/html")
            .await;
        assert_eq!(ended.status(), StatusCode::FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_reset_link_works_once_and_the_form_never_tells_who_has_an_account() {
    on_both(|db, url| async move {
        user(&db, "ada").await;
        let client = client(&url);
        let known = client
            .post("/accounts/password/reset/")
            .form(&[("email", "ADA@example.com")])
            .await;
        let unknown = client
            .post("/accounts/password/reset/")
            .form(&[("email", "nobody@example.com")])
            .await;
        assert_eq!(known.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            (known.status(), known.location()),
            (unknown.status(), unknown.location()),
            "the same answer either way"
        );
        let outbox = client.outbox();
        assert_eq!(outbox.len(), 1, "only the account's address gets mail");
        assert_eq!(outbox[0].to, ["ada@example.com"]);
        let link = outbox[0]
            .text
            .lines()
            .find(|l| l.starts_with("http://"))
            .expect("the email has the link")
            .trim()
            .to_owned();
        let path = link.trim_start_matches("http://localhost");

        let confirm = client.get(path).await;
        assert_eq!(
            confirm.status(),
            StatusCode::SEE_OTHER,
            "the token moves off the URL"
        );
        let set_path = confirm.location().unwrap().to_owned();
        assert!(!set_path.contains(&path[path.len() - 20..]), "{set_path}");
        let form = client.get(&set_path).await;
        assert!(form.text().contains("Choose a new password"));

        let weak = client
            .post(&set_path)
            .form(&[
                ("new_password1", "password1234"),
                ("new_password2", "password1234"),
            ])
            .await;
        assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let done = client
            .post(&set_path)
            .form(&[
                ("new_password1", "a fresh long passphrase"),
                ("new_password2", "a fresh long passphrase"),
            ])
            .await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "{}", done.text());
        assert_eq!(
            log_in(&client, "ada", "a fresh long passphrase", "")
                .await
                .status(),
            StatusCode::SEE_OTHER
        );

        // Used: the link and the form both refuse now, in this browser and any other.
        client.post("/accounts/logout/").await;
        let again = client.get(path).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert!(again.text().contains("This link does not work"));
        let replay = client
            .post(&set_path)
            .form(&[
                ("new_password1", "attacker chosen phrase"),
                ("new_password2", "attacker chosen phrase"),
            ])
            .await;
        assert!(replay.text().contains("This link does not work"));
        let tampered = client.get(&path.replace("/reset/", "/reset/0")).await;
        assert!(tampered.text().contains("This link does not work"));
    })
    .await;
}
