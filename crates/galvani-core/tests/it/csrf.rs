//! CSRF protection through the whole stack: the page's own form passes, a cross-site
//! post or a post without a token is refused with 403, JSON calls need the header,
//! exemption is per route, rotation invalidates old tokens, uploads keep their body.

use galvani_core::csrf::CsrfToken;
use galvani_core::prelude::*;
use galvani_core::test::{TestClient, TestResponse};
use galvani_core::{Assets, Error};

use crate::support::{TestApp, dev, prod};

const FORM: &str = r#"<form method="post" action="/vote">{{ csrf_input() }}<input name="choice"></form>
<meta name="csrf-token" content="{{ csrf_token() }}">"#;

fn routes() -> Routes {
    Routes::new()
        .route(
            "/form",
            get(|| async { Template::new("form.html", context! {}) }),
        )
        .route(
            "/vote",
            post(
                |Form(f): Form<std::collections::HashMap<String, String>>| async move {
                    format!("voted {}", f.get("choice").cloned().unwrap_or_default())
                },
            ),
        )
        .route(
            "/api/cart",
            post(|Json(v): Json<serde_json::Value>| async move { Json(v) }),
        )
        .route("/hooks/payment", post(|| async { "paid" }))
        .csrf_exempt()
        .route(
            "/rotate",
            post(|csrf: CsrfToken| async move {
                csrf.rotate();
                "rotated"
            }),
        )
        .route(
            "/upload",
            post(|mut form: axum::extract::Multipart| async move {
                let mut out = Vec::new();
                while let Ok(Some(field)) = form.next_field().await {
                    let name = field.name().unwrap_or("").to_owned();
                    let len = field.bytes().await.map(|b| b.len()).unwrap_or(0);
                    out.push(format!("{name}:{len}"));
                }
                out.join(",")
            }),
        )
}

fn project(settings: Settings) -> Project {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("form.html"), FORM).unwrap();
    // The folder must outlive the project: leak it for the test's lifetime.
    let path = dir.keep();
    Project::new(settings)
        .app(TestApp::new("forms").templates(Assets::dir(path)))
        .routes(routes())
}

fn browser() -> TestClient {
    TestClient::new(project(dev(""))).enforce_csrf(true)
}

/// The token in the page's hidden input.
fn form_token(page: &TestResponse) -> String {
    let html = page.text();
    let start = html
        .find(r#"name="csrf_token" value=""#)
        .expect("the form has a token")
        + 25;
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_form_from_the_page_succeeds_and_a_cross_site_post_is_refused() {
    let client = browser();
    let page = client.get("/form").await;
    let set_cookie = page
        .header("set-cookie")
        .expect("the page sets the CSRF cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let token = form_token(&page);

    let ok = client
        .post("/vote")
        .header("origin", "http://localhost")
        .form(&[("csrf_token", token.as_str()), ("choice", "tea")])
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text());
    assert_eq!(ok.text(), "voted tea");

    // Another site's page: a foreign Origin, and no token it could know.
    let evil = client
        .post("/vote")
        .header("origin", "https://evil.example")
        .form(&[("choice", "coffee")])
        .await;
    assert_eq!(evil.status(), 403);
    assert!(evil.text().contains("CSRF verification failed"));
    assert!(
        evil.text().contains("evil.example"),
        "the debug page says why"
    );

    // A foreign Origin fails even with a valid token.
    let evil = client
        .post("/vote")
        .header("origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .await;
    assert_eq!(evil.status(), 403);

    // The browser's fetch metadata alone is enough to refuse.
    let evil = client
        .post("/vote")
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", token.as_str())])
        .await;
    assert_eq!(evil.status(), 403);

    // Same origin, but no token.
    let missing = client
        .post("/vote")
        .header("origin", "http://localhost")
        .form(&[("choice", "tea")])
        .await;
    assert_eq!(missing.status(), 403);
    assert!(missing.text().contains("csrf_input()"));

    // A token for another secret (another browser's page).
    let other = browser();
    let foreign = form_token(&other.get("/form").await);
    let res = client
        .post("/vote")
        .form(&[("csrf_token", foreign.as_str())])
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn every_render_masks_the_token_differently() {
    let client = browser();
    let first = client.get("/form").await;
    let second = client.get("/form").await;
    assert!(
        second.header("set-cookie").is_none(),
        "the cookie is set once"
    );
    let (a, b) = (form_token(&first), form_token(&second));
    assert_ne!(a, b);
    for token in [a, b] {
        let res = client.post("/vote").form(&[("csrf_token", token)]).await;
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn json_calls_need_the_header_token() {
    let client = browser();
    let page = client.get("/form").await;
    let html = page.text();
    let meta = html.split(r#"name="csrf-token" content=""#).nth(1).unwrap();
    let token = meta.split('"').next().unwrap().to_owned();

    let res = client
        .post("/api/cart")
        .json(&serde_json::json!({"qty": 2}))
        .await;
    assert_eq!(
        res.status(),
        403,
        "a JSON call with the cookie but no token"
    );
    let res = client
        .post("/api/cart")
        .header("x-csrf-token", &token)
        .json(&serde_json::json!({"qty": 2}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>()["qty"], 2);
    // Every unsafe method is checked, not only POST.
    let res = client.put("/api/cart").await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn safe_methods_and_exempt_routes_pass_without_a_token() {
    let client = browser();
    assert_eq!(client.get("/form").await.status(), 200);
    assert_eq!(client.head("/form").await.status(), 200);
    let res = client
        .post("/hooks/payment")
        .header("origin", "https://pay.example")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "paid");
}

#[tokio::test]
async fn rotation_makes_old_tokens_worthless() {
    let client = browser();
    let token = form_token(&client.get("/form").await);
    let before = client.cookie("csrftoken").unwrap();
    let res = client
        .post("/rotate")
        .form(&[("csrf_token", token.as_str())])
        .await;
    assert_eq!(res.status(), 200);
    assert_ne!(client.cookie("csrftoken").unwrap(), before);
    let res = client
        .post("/vote")
        .form(&[("csrf_token", token.as_str())])
        .await;
    assert_eq!(res.status(), 403);
    let fresh = form_token(&client.get("/form").await);
    let res = client
        .post("/vote")
        .form(&[("csrf_token", fresh.as_str())])
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_multipart_upload_keeps_its_whole_body() {
    let client = browser();
    let token = form_token(&client.get("/form").await);
    let file = "x".repeat(50_000);
    let body = format!(
        "--b\r\ncontent-disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --b\r\ncontent-disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\n\r\n{file}\r\n--b--\r\n"
    );
    let res = client
        .post("/upload")
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body.clone())
        .await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(
        res.text(),
        format!("csrf_token:{}, photo:50000", token.len()).replace(", ", ",")
    );

    let res = client
        .post("/upload")
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body.replace(&token, "forged"))
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn https_requests_get_a_secure_cookie_and_need_a_same_origin_referer() -> Result<(), Error> {
    let settings = prod("[security]\nproxy_ssl_header = \"X-Forwarded-Proto: https\"\n");
    let client = TestClient::try_new(project(settings))?.enforce_csrf(true);
    let page = client
        .get("/form")
        .header("x-forwarded-proto", "https")
        .await;
    assert!(page.header("set-cookie").unwrap().contains("Secure"));
    let token = form_token(&page);
    let post = |referer: Option<&'static str>| {
        let mut req = client
            .post("/vote")
            .header("x-forwarded-proto", "https")
            .form(&[("csrf_token", token.clone())]);
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        req
    };
    assert_eq!(post(None).await.status(), 403);
    assert_eq!(post(Some("https://evil.example/x")).await.status(), 403);
    assert_eq!(post(Some("https://testserver/form")).await.status(), 200);
    // The production 403 page does not explain the check to an attacker.
    let refused = post(None).await;
    assert!(!refused.text().contains("Referer"));
    Ok(())
}

#[tokio::test]
async fn the_default_client_acts_like_a_page_of_the_site() {
    let client = TestClient::new(project(dev("")));
    let res = client.post("/vote").form(&[("choice", "tea")]).await;
    assert_eq!(res.status(), 200);
    let res = client.post("/api/cart").json(&serde_json::json!({})).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn switching_csrf_off_is_possible_but_explicit() {
    let client = TestClient::new(project(dev("[middleware]\ncsrf = false\n"))).enforce_csrf(true);
    let res = client
        .post("/vote")
        .header("origin", "https://evil.example")
        .form(&[("choice", "tea")])
        .await;
    assert_eq!(res.status(), 200);
    // The template functions print nothing then.
    assert!(
        !client
            .get("/form")
            .await
            .text()
            .contains("csrf_token\" value")
    );
}
