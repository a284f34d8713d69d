//! Customer accounts on the shop, on SQLite and PostgreSQL: sign-up, login, logout,
//! "my details" (the customer profile), "my orders", CSRF on the shop's own forms, the account commands, and `check --deploy`.

use galvani::auth::User;
use galvani::orm::Model as _;
use galvani::orm::testing::TestDb;
use galvani::prelude::*;
use shop::shop::{Customer, Order, OrderItem, Product};

mod common;
use common::{Shop, on};

const PASSWORD: &str = "correct horse battery staple 42";

/// Runs `test` on the shop on each backend.
async fn on_both<F, Fut>(test: F)
where
    F: Fn(Shop) -> Fut,
    Fut: Future<Output = Shop>,
{
    let mut dbs = vec![TestDb::sqlite().await.unwrap()];
    if let Some(pg) = TestDb::postgres().await.unwrap() {
        dbs.push(pg);
    }
    for db in dbs {
        let Shop { client, test } = test(on(db, "dev", &[]).await).await;
        drop(client);
        test.finish().await.unwrap();
    }
}

async fn sign_up(shop: &Shop, username: &str, password: &str) -> galvani::test::TestResponse {
    shop.post("/accounts/signup/")
        .form(&[
            ("username", username),
            ("email", &format!("{username}@example.com")),
            ("password1", password),
            ("password2", password),
        ])
        .await
}

#[tokio::test]
async fn signing_up_logs_in_and_welcomes_and_bad_input_is_shown_back() {
    on_both(|shop| async move {
        let page = shop.get("/accounts/signup/").await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(
            page.text()
                .contains(r#"<label for="id_password1">Password</label>"#)
        );

        let weak = sign_up(&shop, "ada", "ada12345").await;
        assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = weak.text();
        assert!(html.contains("This password is too short"), "{html}");
        assert!(html.contains(r#"value="ada""#), "the username is kept");

        let res = sign_up(&shop, "ada", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text());
        let home = shop.get("/").await.text();
        assert!(
            home.contains("Welcome, ada! Your account is ready."),
            "{home}"
        );
        assert!(home.contains(r#"<span class="user">Signed in as ada</span>"#));
        assert!(
            !shop.get("/").await.text().contains("Your account is ready"),
            "shown once"
        );

        shop.post("/accounts/logout/").await;
        let taken = sign_up(&shop, "ADA", PASSWORD).await;
        assert!(
            taken
                .text()
                .contains("A user with that username already exists.")
        );
        let home = shop.get("/").await.text();
        assert!(
            home.contains("You have logged out.") || home.contains(">Log in</a>"),
            "{home}"
        );
        shop
    })
    .await;
}

#[tokio::test]
async fn my_orders_needs_a_login_and_shows_only_ones_own() {
    on_both(|shop| async move {
        let db = shop.test.db.clone();
        let anonymous = shop.get("/orders/").header("accept", "text/html").await;
        assert_eq!(anonymous.status(), StatusCode::FOUND);
        assert_eq!(anonymous.location(), Some("/accounts/login/?next=/orders/"));

        sign_up(&shop, "grace", PASSWORD).await;
        let grace = User::objects()
            .filter(User::username.eq("grace"))
            .get(&db)
            .await
            .unwrap();
        let mut other = User::new("mallory", "m@example.com");
        other.save(&db).await.unwrap();
        let lamp = Product::objects().first(&db).await.unwrap().unwrap();
        for (customer, email) in [(&grace, "grace@example.com"), (&other, "m@example.com")] {
            let mut order = Order {
                id: 0,
                email: email.to_owned(),
                customer: Some(customer.into()),
                created: time::OffsetDateTime::now_utc(),
                lines: Default::default(),
            };
            order.save(&db).await.unwrap();
            let mut line = OrderItem {
                id: 0,
                order: (&order).into(),
                product: (&lamp).into(),
                quantity: if customer.id == grace.id { 2 } else { 9 },
                price: lamp.price,
            };
            line.save(&db).await.unwrap();
        }
        let page = shop.get("/orders/").await;
        assert_eq!(page.status(), StatusCode::OK);
        let orders = page.context_value("orders").unwrap();
        assert_eq!(orders.len(), Some(1), "only grace's order");
        let html = page.text();
        assert!(
            html.contains("<h1>My orders</h1>") && html.contains("2 × product"),
            "{html}"
        );
        assert!(!html.contains("9 × product"));
        shop
    })
    .await;
}

#[tokio::test]
async fn my_details_extend_the_account_and_keep_what_was_saved() {
    on_both(|shop| async move {
        let db = shop.test.db.clone();
        let anonymous = shop.get("/account/").header("accept", "text/html").await;
        assert_eq!(
            anonymous.location(),
            Some("/accounts/login/?next=/account/")
        );

        sign_up(&shop, "grace", PASSWORD).await;
        let html = shop.get("/account/").await.text();
        assert!(html.contains("<h1>My details</h1>"), "{html}");
        assert!(!html.contains(" checked"), "{html}");

        let saved = shop
            .post("/account/")
            .form(&[
                ("shipping_address", " 1 Volta Street, Como "),
                ("newsletter", "true"),
            ])
            .await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let profile = Customer::objects().get(&db).await.unwrap();
        assert_eq!(profile.shipping_address, "1 Volta Street, Como");
        assert!(profile.newsletter);
        let html = shop.get("/account/").await.text();
        assert!(html.contains("Your details are saved."), "{html}");
        assert!(html.contains("1 Volta Street, Como</textarea>"), "{html}");
        assert!(html.contains(r#"value="true" checked"#), "{html}");

        let too_long = "x".repeat(301);
        let refused = shop
            .post("/account/")
            .form(&[("shipping_address", too_long.as_str())])
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("Length is greater than 300."));
        let kept = Customer::objects().get(&db).await.unwrap();
        assert_eq!(
            (kept.shipping_address.as_str(), kept.newsletter),
            ("1 Volta Street, Como", true)
        );

        // Unticking sends nothing for the box, and that means no.
        shop.post("/account/")
            .form(&[("shipping_address", "")])
            .await;
        let cleared = Customer::objects().get(&db).await.unwrap();
        assert_eq!(
            (cleared.shipping_address.as_str(), cleared.newsletter),
            ("", false)
        );

        // Deleting the account deletes the details.
        let grace = User::objects()
            .filter(User::username.eq("grace"))
            .get(&db)
            .await
            .unwrap();
        grace.delete(&db).await.unwrap();
        assert_eq!(Customer::objects().count(&db).await.unwrap(), 0);
        shop
    })
    .await;
}

#[tokio::test]
async fn a_cross_site_post_is_refused_while_the_page_form_works() {
    on_both(|shop| async move {
        // The browser's view: a form from another site, then the shop's own form.
        let strict = shop.client.clone().enforce_csrf(true);
        let eve = [
            ("username", "eve"),
            ("email", "eve@example.com"),
            ("password1", PASSWORD),
            ("password2", PASSWORD),
        ];
        let cross = strict
            .post("/accounts/signup/")
            .header("origin", "https://evil.example")
            .form(&eve)
            .await;
        assert_eq!(cross.status(), StatusCode::FORBIDDEN);
        let no_token = strict.post("/accounts/signup/").form(&eve).await;
        assert_eq!(no_token.status(), StatusCode::FORBIDDEN);

        let page = strict.get("/accounts/signup/").await.text();
        let token = page
            .split(r#"name="csrf_token" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the form carries a token")
            .to_owned();
        let ok = strict
            .post("/accounts/signup/")
            .form(&[&[("csrf_token", token.as_str())], eve.as_slice()].concat())
            .await;
        assert_eq!(ok.status(), StatusCode::SEE_OTHER, "{}", ok.text());
        shop
    })
    .await;
}

fn manage(args: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_shop"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn createsuperuser_and_changepassword_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/db.sqlite3", dir.path().display());
    let postgres = TestDb::postgres().await.unwrap();
    for url in std::iter::once(url).chain(postgres.as_ref().map(|t| t.url.clone())) {
        let db_env = ("GALVANI_DATABASE__URL", url.as_str());
        assert!(manage(&["migrate"], &[db_env], "").status.success());

        let quiet = manage(
            &["createsuperuser", "--noinput"],
            &[
                db_env,
                ("SUPERUSER_USERNAME", "root"),
                ("SUPERUSER_EMAIL", "root@example.com"),
                ("SUPERUSER_PASSWORD", PASSWORD),
            ],
            "",
        );
        assert!(
            quiet.status.success(),
            "{}",
            String::from_utf8_lossy(&quiet.stderr)
        );
        assert!(String::from_utf8_lossy(&quiet.stdout).contains("Superuser `root` created."));

        let weak = manage(
            &["createsuperuser", "--noinput", "--username", "weak"],
            &[db_env, ("SUPERUSER_PASSWORD", "12345678")],
            "",
        );
        assert!(!weak.status.success());
        assert!(String::from_utf8_lossy(&weak.stderr).contains("too short"));

        // Interactive, answered through a pipe; the first password pair does not match.
        let asked = manage(
            &["createsuperuser"],
            &[db_env],
            &format!("ada\nada@example.com\n{PASSWORD}\nother\n{PASSWORD}\n{PASSWORD}\n"),
        );
        let err = String::from_utf8_lossy(&asked.stderr);
        assert!(asked.status.success(), "{err}");
        assert!(
            err.contains("Username: ") && err.contains("The passwords do not match."),
            "{err}"
        );

        let changed = manage(
            &["changepassword", "ada"],
            &[db_env],
            "a brand new passphrase\na brand new passphrase\n",
        );
        assert!(
            changed.status.success(),
            "{}",
            String::from_utf8_lossy(&changed.stderr)
        );

        let db = galvani::orm::Db::connect(&url).await.unwrap();
        let root = User::objects()
            .filter(User::username.eq("root"))
            .get(&db)
            .await
            .unwrap();
        assert!(root.is_superuser && root.is_staff);
        let ada = User::objects()
            .filter(User::username.eq("ada"))
            .get(&db)
            .await
            .unwrap();
        assert!(ada.is_superuser);
        assert!(
            galvani::auth::passwords::check_password("a brand new passphrase", &ada.password)
                .is_valid()
        );
        db.close().await;
    }
    if let Some(test) = postgres {
        test.finish().await.unwrap();
    }
}

#[test]
fn check_deploy_on_the_prod_profile_lists_what_is_unsafe_and_fails() {
    let run = manage(
        &["check", "--deploy"],
        &[
            ("GALVANI_PROFILE", "prod"),
            (
                "GALVANI_SECRET_KEY",
                "tH1s-is-a-t3st-only-key-Wq8zXv2RmP5sKd9LfJ3hGb7NcY4tE6uA",
            ),
        ],
        "",
    );
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!run.status.success(), "{out}");
    for id in [
        "security.W002",
        "security.W003",
        "security.W010",
        "mail.W001",
    ] {
        assert!(out.contains(id), "{id} missing from:\n{out}");
    }
    let dev = manage(&["check", "--deploy"], &[], "");
    let dev_out =
        String::from_utf8_lossy(&dev.stdout).into_owned() + &String::from_utf8_lossy(&dev.stderr);
    assert!(
        dev_out.contains("security.W001"),
        "debug on is named: {dev_out}"
    );
}
