//! The test client: cookie jar, redirects, form and JSON bodies, hosts.

use axum::response::AppendHeaders;
use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use http::HeaderMap;
use http::header::{COOKIE, HOST, LOCATION, SET_COOKIE};

use crate::support::dev;

fn cookie_header(headers: HeaderMap) -> String {
    headers
        .get(COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned()
}

#[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
struct Signup {
    email: String,
    age: u32,
}

fn routes() -> Routes {
    Routes::new()
        .route(
            "/login",
            post(|| async {
                (
                    AppendHeaders([
                        (SET_COOKIE, "session=abc123; Path=/; HttpOnly"),
                        (SET_COOKIE, "theme=dark"),
                    ]),
                    "logged in",
                )
            }),
        )
        .route(
            "/admin-cookie",
            get(|| async { ([(SET_COOKIE, "admin=yes; Path=/admin")], "admin cookie") }),
        )
        .route(
            "/logout",
            post(|| async { ([(SET_COOKIE, "session=; Path=/; Max-Age=0")], "logged out") }),
        )
        .route(
            "/cookies",
            get(|headers: HeaderMap| async move { cookie_header(headers) }),
        )
        .route(
            "/admin/cookies",
            get(|headers: HeaderMap| async move { cookie_header(headers) }),
        )
        .route("/a", get(|| async { Redirect::temporary("/b") }))
        .route("/b", get(|| async { Redirect::to("c") }))
        .route("/c", get(|| async { "arrived" }))
        .route("/loop", get(|| async { Redirect::to("/loop") }))
        .route(
            "/signup",
            post(|Form(s): Form<Signup>| async move {
                Redirect::to(&format!("/welcome?email={}", s.email))
            }),
        )
        .route(
            "/welcome",
            get(|req: Request| async move {
                format!("{} {}", req.method(), req.uri().query().unwrap_or(""))
            })
            .post(|| async { "welcome was POSTed" }),
        )
        .route(
            "/old-form",
            post(|| async { Redirect::permanent("/new-form") }),
        )
        .route(
            "/new-form",
            post(|Form(s): Form<Signup>| async move { format!("{} is {}", s.email, s.age) }),
        )
        .route(
            "/form",
            post(|Form(s): Form<Signup>| async move { format!("{} is {}", s.email, s.age) }),
        )
        .route(
            "/json",
            post(|Json(s): Json<Signup>| async move { Json(s) }),
        )
        .route(
            "/host",
            get(|headers: HeaderMap| async move {
                headers
                    .get(HOST)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            }),
        )
}

fn client() -> TestClient {
    TestClient::new(Project::new(Settings::default()).routes(routes()))
}

// ---------------------------------------------------------------- cookies

#[tokio::test]
async fn cookie_jar_stores_set_cookie_and_sends_it_back() {
    let client = client();
    assert_eq!(client.get("/cookies").await.text(), "(none)");
    let res = client.post("/login").await;
    assert_eq!(res.text(), "logged in");
    assert_eq!(client.cookie("session").as_deref(), Some("abc123"));
    assert_eq!(client.cookie("theme").as_deref(), Some("dark"));
    let sent = client.get("/cookies").await.text();
    // The client's CSRF cookie (made for the POST, as a page would have) goes too.
    let mut pairs: Vec<&str> = sent
        .split("; ")
        .filter(|p| !p.starts_with("csrftoken="))
        .collect();
    pairs.sort_unstable();
    assert_eq!(pairs, ["session=abc123", "theme=dark"]);
}

#[tokio::test]
async fn cookie_is_dropped_on_max_age_zero() {
    let client = client();
    client.post("/login").await;
    assert!(client.cookie("session").is_some());
    client.post("/logout").await;
    assert_eq!(client.cookie("session"), None);
    client.clear_cookies();
    client.set_cookie("theme", "dark");
    assert_eq!(client.get("/cookies").await.text(), "theme=dark");
}

#[tokio::test]
async fn cookie_is_sent_only_under_its_path() {
    let client = client();
    client.get("/admin-cookie").await;
    assert_eq!(client.cookie("admin").as_deref(), Some("yes"));
    assert_eq!(client.get("/cookies").await.text(), "(none)");
    assert_eq!(client.get("/admin/cookies").await.text(), "admin=yes");
}

#[tokio::test]
async fn cookies_can_be_set_and_cleared_by_the_test() {
    let client = client();
    client.set_cookie("flavour", "oat");
    assert_eq!(client.get("/cookies").await.text(), "flavour=oat");
    client.clear_cookies();
    assert_eq!(client.get("/cookies").await.text(), "(none)");
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn redirects_are_not_followed_unless_asked() {
    let res = client().get("/a").await;
    assert_eq!(res.status(), 307);
    assert_eq!(res.location(), Some("/b"));
    assert!(res.redirect_chain().is_empty());
}

#[tokio::test]
async fn redirects_are_followed_and_recorded() {
    let res = client().get("/a").follow_redirects(true).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "arrived");
    assert_eq!(
        res.redirect_chain(),
        [
            (StatusCode::TEMPORARY_REDIRECT, "/b".to_owned()),
            (StatusCode::SEE_OTHER, "c".to_owned()),
        ]
    );
    assert_eq!(res.final_uri(), "/c");

    let res = client().following_redirects().get("/a").await;
    assert_eq!(res.text(), "arrived");
}

#[tokio::test]
async fn see_other_turns_a_post_into_a_get() {
    let res = client()
        .post("/signup")
        .form(&Signup {
            email: "ada@example.com".into(),
            age: 36,
        })
        .follow_redirects(true)
        .await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), "GET email=ada@example.com");
    assert_eq!(
        res.redirect_chain(),
        [(
            StatusCode::SEE_OTHER,
            "/welcome?email=ada@example.com".to_owned()
        )]
    );
}

#[tokio::test]
async fn permanent_redirect_308_keeps_the_method_and_body() {
    let res = client()
        .post("/old-form")
        .form(&Signup {
            email: "grace@example.com".into(),
            age: 85,
        })
        .follow_redirects(true)
        .await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), "grace@example.com is 85");
    assert_eq!(res.redirect_chain()[0].0, StatusCode::PERMANENT_REDIRECT);
}

#[tokio::test]
async fn redirect_loops_stop_after_ten_hops() {
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        client().get("/loop").follow_redirects(true).send(),
    )
    .await
    .expect("the client gives up on a loop");
    assert_eq!(res.status(), 303);
    assert_eq!(res.redirect_chain().len(), 10);
    assert_eq!(res.header(LOCATION.as_str()), Some("/loop"));
}

// ---------------------------------------------------------------- bodies

#[tokio::test]
async fn form_body_reaches_the_form_extractor() {
    let res = client()
        .post("/form")
        .form(&Signup {
            email: "a+b@example.com".into(),
            age: 7,
        })
        .await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), "a+b@example.com is 7");

    // A body the type cannot take is a client error, not a panic.
    let res = client()
        .post("/form")
        .form(&[("email", "x@example.com"), ("age", "old")])
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = client()
        .post("/form")
        .header("content-type", "text/plain")
        .body("email=x&age=1")
        .await;
    assert_eq!(res.status(), 415);
}

#[tokio::test]
async fn json_body_reaches_the_json_extractor() {
    let sent = Signup {
        email: "ada@example.com".into(),
        age: 36,
    };
    let res = client().post("/json").json(&sent).await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.json::<Signup>(), sent);

    let res = client()
        .post("/json")
        .header("content-type", "application/json")
        .body("{not json")
        .await;
    assert_eq!(res.status(), 400);
    let res = client()
        .post("/json")
        .json(&serde_json::json!({ "email": "x" }))
        .await;
    assert_eq!(res.status(), 422);
    let res = client().post("/json").body("{}").await;
    assert_eq!(res.status(), 415);
}

// ---------------------------------------------------------------- hosts

#[tokio::test]
async fn default_host_is_the_first_allowed_host() {
    assert_eq!(client().get("/host").await.text(), "localhost");
    let client = TestClient::new(
        Project::new(dev("allowed_hosts = [\".example.com\", \"other.test\"]\n")).routes(routes()),
    );
    assert_eq!(client.get("/host").await.text(), "example.com");
}

#[tokio::test]
async fn with_host_sets_the_host_header() {
    let project = || Project::new(dev("allowed_hosts = [\".example.com\"]\n")).routes(routes());
    let client = TestClient::new(project()).with_host("api.example.com");
    let res = client.get("/host").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "api.example.com");
    // A per-request header still wins.
    let res = client.get("/host").header("host", "www.example.com").await;
    assert_eq!(res.text(), "www.example.com");

    let client = TestClient::new(project()).with_host("evil.example");
    assert_eq!(client.get("/host").await.status(), 400);
}

#[tokio::test]
async fn invalid_test_input_is_reported_not_sent() {
    let client = client();
    let err = client
        .get("/host")
        .header("bad header", "x")
        .try_send()
        .await;
    assert!(err.is_err());
    let err = client.get("not a uri").try_send().await;
    assert!(err.is_err());
}

#[tokio::test]
async fn client_address_is_loopback_and_optional_without_a_server() {
    use galvani_core::extract::ClientAddr;
    let project = Project::new(Settings::default()).routes(
        Routes::new()
            .route(
                "/whoami",
                get(|ClientAddr(addr): ClientAddr| async move { addr.ip().to_string() }),
            )
            .route(
                "/maybe",
                get(|addr: Option<ClientAddr>| async move { format!("{}", addr.is_some()) }),
            ),
    );
    let client = TestClient::new(project);
    assert_eq!(client.get("/whoami").await.text(), "127.0.0.1");
    // Without the server or the test client, there is no address.
    let req = http::Request::builder()
        .uri("/maybe")
        .header("host", "localhost")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = client.site().service().handle(req).await;
    let body = axum::body::to_bytes(res.into_body(), 64).await.unwrap();
    assert_eq!(&body[..], b"false");
}
