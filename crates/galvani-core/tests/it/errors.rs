//! Error pages: the project's `{status}.html`, Galvani's plain page, JSON errors, the debug
//! page (routes, masked credentials, no secrets), and `HttpError`'s helpers.

use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use http::HeaderValue;
use http::header::{RETRY_AFTER, WWW_AUTHENTICATE};

use crate::support::{SECRET_KEY, dev, fixture, prod, toml_path};

struct Unregistered;

async fn needs_data(_: Data<Unregistered>) -> &'static str {
    "unreachable"
}

async fn leaky_500() -> HttpResult<&'static str> {
    Err(HttpError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "db password is hunter2",
    ))
}

async fn leaky_cause() -> HttpResult<&'static str> {
    Err(HttpError::internal(std::io::Error::other(
        "connect to postgres://admin:hunter2@db failed",
    )))
}

async fn leaky_panic() -> &'static str {
    panic!("panicked holding hunter2")
}

fn routes() -> Routes {
    Routes::new()
        .route("/", get(|| async { "home" }))
        .name("home")
        .route(
            "/items/{id}",
            get(|Path(id): Path<u32>| async move { id.to_string() }),
        )
        .name("item")
        .route(
            "/forbidden",
            get(|| async { Err::<(), _>(HttpError::forbidden()) }),
        )
        .route(
            "/bad",
            get(|| async { Err::<(), _>(HttpError::bad_request("The title is required.")) }),
        )
        .route("/leaky-500", get(leaky_500))
        .route("/leaky-cause", get(leaky_cause))
        .route("/leaky-panic", get(leaky_panic))
        .route("/data", get(needs_data))
        .route(
            "/slow-down",
            get(|| async {
                Err::<(), _>(
                    HttpError::new(StatusCode::TOO_MANY_REQUESTS, "Slow down.")
                        .with_header(RETRY_AFTER, HeaderValue::from_static("30")),
                )
            }),
        )
        .route(
            "/login-required",
            get(|| async {
                Err::<(), _>(
                    HttpError::new(StatusCode::UNAUTHORIZED, "Log in first.")
                        .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")),
                )
            }),
        )
}

fn production(with_error_templates: bool) -> TestClient {
    let dirs = if with_error_templates {
        toml_path(fixture("errors/templates"))
    } else {
        String::new()
    };
    TestClient::new(Project::new(prod(&format!("[templates]\ndirs = [{dirs}]\n"))).routes(routes()))
}

fn debug() -> TestClient {
    TestClient::new(Project::new(dev(&format!("secret_key = \"{SECRET_KEY}\"\n"))).routes(routes()))
}

// ---------------------------------------------------------------- production pages

#[tokio::test]
async fn production_uses_the_project_error_templates() {
    let client = production(true);
    let res = client.get("/nowhere").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.text(), "Custom 404 page for &#x2f;nowhere");
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));

    let res = client.get("/forbidden").await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.text(), "Custom 403 page");

    let res = client.get("/items/abc").await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.text(), "Custom 400 page");

    for path in ["/leaky-500", "/leaky-cause", "/leaky-panic"] {
        let res = client.get(path).await;
        assert_eq!(res.status(), 500, "{path}");
        assert_eq!(res.text(), "Custom 500 page", "{path}");
    }
}

#[tokio::test]
async fn production_without_error_templates_uses_galvanis_plain_page() {
    let client = production(false);
    let res = client.get("/nowhere").await;
    assert_eq!(res.status(), 404);
    let html = res.text();
    assert!(html.contains("404 Not Found"), "{html}");
    assert!(
        !html.contains("Galvani tried these") && !html.contains("debug"),
        "{html}"
    );

    let res = client.get("/leaky-500").await;
    assert_eq!(res.status(), 500);
    assert!(
        res.text().contains("500 Internal Server Error"),
        "{}",
        res.text()
    );

    let res = client.get("/forbidden").await;
    assert_eq!(res.status(), 403);
    assert!(res.text().contains("403 Forbidden"), "{}", res.text());
}

#[tokio::test]
async fn client_error_messages_are_shown_in_production() {
    let res = production(false).get("/bad").await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text().contains("The title is required."),
        "{}",
        res.text()
    );
}

#[tokio::test]
async fn server_error_pages_never_show_the_internal_message() {
    for client in [production(false), production(true)] {
        for path in ["/leaky-500", "/leaky-cause", "/leaky-panic", "/data"] {
            for accept in ["text/html", "application/json"] {
                let res = client.get(path).header("accept", accept).await;
                assert_eq!(res.status(), 500, "{path}");
                let body = res.text();
                for secret in ["hunter2", "postgres", "Unregistered", "panicked"] {
                    assert!(
                        !body.contains(secret),
                        "{path} ({accept}) shows `{secret}`: {body}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn errors_are_json_when_the_client_accepts_json() {
    let client = production(true);
    let res = client
        .get("/nowhere")
        .header("accept", "application/json")
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.header("content-type"), Some("application/json"));
    let body: serde_json::Value = res.json();
    assert_eq!(body["error"]["status"], 404);
    assert!(body["error"]["message"].as_str().is_some());
    assert!(body["error"].get("causes").is_none(), "{body}");

    let res = client
        .get("/leaky-cause")
        .header("accept", "application/json")
        .await;
    let body: serde_json::Value = res.json();
    assert_eq!(
        body,
        serde_json::json!({ "error": { "status": 500, "message": "Internal Server Error" } })
    );

    // A browser asking for HTML and JSON gets HTML.
    let res = client
        .get("/nowhere")
        .header("accept", "text/html,application/json;q=0.9")
        .await;
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));

    // In debug, the JSON error carries the causes.
    let res = debug()
        .get("/leaky-cause")
        .header("accept", "application/json")
        .await;
    let body: serde_json::Value = res.json();
    assert!(
        body["error"]["causes"][0]
            .as_str()
            .unwrap()
            .contains("postgres"),
        "{body}"
    );
}

#[tokio::test]
async fn broken_error_template_falls_back_to_the_plain_page() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(dir.path(), "404.html", "{% if %}broken");
    crate::support::write(dir.path(), "500.html", "{{ 1 / 0 }}");
    let settings = prod(&format!(
        "[templates]\ndirs = [{}]\n",
        toml_path(dir.path())
    ));
    let site = Project::new(settings).routes(routes()).build().unwrap();
    let client = TestClient::from_site(site);
    let res = client.get("/nowhere").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().contains("404 Not Found"), "{}", res.text());
    let res = client.get("/leaky-500").await;
    assert_eq!(res.status(), 500);
    assert!(
        res.text().contains("500 Internal Server Error"),
        "{}",
        res.text()
    );
}

#[tokio::test]
async fn error_page_style_nonce_matches_the_csp_header() {
    for client in [production(false), debug()] {
        let res = client.get("/nowhere").await;
        let html = res.text();
        let nonce = html
            .split("nonce=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no nonce in {html}"));
        let csp = res.header("content-security-policy").unwrap();
        assert!(
            csp.contains(&format!("style-src 'self' 'nonce-{nonce}'")),
            "{csp}"
        );
    }
}

// ---------------------------------------------------------------- debug page

#[tokio::test]
async fn debug_page_escapes_what_the_request_and_the_error_contain() {
    let client = TestClient::new(Project::new(dev("")).routes(Routes::new().route(
        "/xss",
        get(|| async {
            Err::<(), _>(HttpError::internal(std::io::Error::other(
                "<img src=x onerror=alert(1)>",
            )))
        }),
    )));
    for path in ["/xss", "/nowhere"] {
        let res = client
            .get(path)
            .header("x-evil", "<script>alert(2)</script>")
            .await;
        let html = res.text();
        assert!(!html.contains("<img src=x"), "{path}: {html}");
        assert!(!html.contains("<script>alert(2)"), "{path}: {html}");
        assert!(html.contains("&lt;script&gt;alert(2)"), "{path}: {html}");
    }
}

#[tokio::test]
async fn debug_404_lists_the_routes() {
    let res = debug().get("/nowhere").await;
    assert_eq!(res.status(), 404);
    let html = res.text();
    assert!(html.contains("&#x2f;items&#x2f;{id}"), "{html}");
    assert!(html.contains(">item<"), "{html}");
    assert!(html.contains("&#x2f;leaky-panic"), "{html}");
    assert!(html.contains("No route matches"), "{html}");
}

#[tokio::test]
async fn debug_page_shows_the_error_chain_and_the_route() {
    let res = debug().get("/leaky-cause").await;
    assert_eq!(res.status(), 500);
    let html = res.text();
    assert!(html.contains("postgres:&#x2f;&#x2f;admin"), "{html}");
    assert!(html.contains("Error chain"), "{html}");

    // The route that answered is named, with its pattern.
    let res = debug().get("/items/abc").await;
    assert_eq!(res.status(), 400);
    let html = res.text();
    assert!(
        html.contains("&#x2f;items&#x2f;{id} (name <code>item</code>)"),
        "{html}"
    );
}

#[tokio::test]
async fn debug_page_masks_credentials_in_headers() {
    let res = debug()
        .get("/leaky-panic")
        .header("cookie", "sessionid=COOKIE-VALUE-123")
        .header("authorization", "Bearer AUTH-TOKEN-456")
        .header("proxy-authorization", "Basic PROXY-789")
        .header("x-api-key", "API-KEY-000")
        .header("x-visible", "shown-value")
        .await;
    assert_eq!(res.status(), 500);
    let html = res.text();
    for secret in [
        "COOKIE-VALUE-123",
        "AUTH-TOKEN-456",
        "PROXY-789",
        "API-KEY-000",
    ] {
        assert!(!html.contains(secret), "`{secret}` is on the debug page");
    }
    assert!(
        html.contains("authorization"),
        "the header is listed, masked"
    );
    assert!(html.contains("********"));
    assert!(html.contains("shown-value"), "ordinary headers are shown");
}

#[tokio::test]
async fn debug_page_never_shows_the_secret_key() {
    let settings = Settings::loader()
        .toml("")
        .env([("GALVANI_SECRET_KEY", SECRET_KEY)])
        .load()
        .unwrap();
    assert_eq!(settings.secret_key.expose(), SECRET_KEY);
    let shown = format!("{settings:?}");
    let client = TestClient::new(Project::new(settings).routes(routes()).routes(
        Routes::new().route(
            "/settings-in-error",
            get(move || {
                let shown = shown.clone();
                async move { Err::<(), _>(HttpError::internal(std::io::Error::other(shown))) }
            }),
        ),
    ));
    for path in [
        "/nowhere",
        "/leaky-panic",
        "/leaky-cause",
        "/settings-in-error",
        "/data",
    ] {
        for accept in ["text/html", "application/json"] {
            let res = client.get(path).header("accept", accept).await;
            assert!(res.status().is_client_error() || res.status().is_server_error());
            assert!(
                !res.text().contains(SECRET_KEY),
                "{path} ({accept}) shows the secret key"
            );
        }
    }
}

// ---------------------------------------------------------------- HttpError and Data

#[tokio::test]
async fn forbidden_is_a_403() {
    let res = debug().get("/forbidden").await;
    assert_eq!(res.status(), 403);
    assert!(res.text().contains("permission"), "{}", res.text());
    let res = debug()
        .get("/forbidden")
        .header("accept", "application/json")
        .await;
    let body: serde_json::Value = res.json();
    assert_eq!(body["error"]["status"], 403);
}

#[tokio::test]
async fn with_header_adds_headers_to_the_error_response() {
    for client in [debug(), production(false)] {
        let res = client.get("/slow-down").await;
        assert_eq!(res.status(), 429);
        assert_eq!(res.header("retry-after"), Some("30"));
        assert!(res.text().contains("Slow down."), "{}", res.text());
        assert_eq!(res.header("x-frame-options"), Some("DENY"));

        let res = client.get("/login-required").await;
        assert_eq!(res.status(), 401);
        assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    }
}

#[tokio::test]
async fn unregistered_data_is_a_500_explaining_how_to_register_it() {
    let res = debug().get("/data").await;
    assert_eq!(res.status(), 500);
    let html = res.text();
    assert!(html.contains("Unregistered"), "{html}");
    assert!(html.contains("Project::data"), "{html}");

    let client = TestClient::new(
        Project::new(Settings::default())
            .data(Unregistered)
            .routes(Routes::new().route("/data", get(needs_data))),
    );
    let res = client.get("/data").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "unreachable");
}

#[tokio::test]
async fn optional_data_is_none_when_unregistered() {
    let client = TestClient::new(
        Project::new(Settings::default()).routes(Routes::new().route(
            "/maybe",
            get(|d: Option<Data<Unregistered>>| async move { d.is_some().to_string() }),
        )),
    );
    assert_eq!(client.get("/maybe").await.text(), "false");
}
