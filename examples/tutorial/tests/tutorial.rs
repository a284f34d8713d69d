//! Tests for the tutorial's site, driven in-process by `TestClient`.

use galvani::prelude::*;
use galvani::test::TestClient;
use mysite::pages::Pages;

/// The project as `main.rs` builds it, with the settings in galvani.toml and the `dev`
/// profile, ignoring any `GALVANI_*` variables of the shell running the tests.
fn client() -> TestClient {
    let settings = Settings::loader()
        .file(concat!(env!("CARGO_MANIFEST_DIR"), "/galvani.toml"))
        .load()
        .expect("galvani.toml is valid");
    TestClient::new(Project::new(settings).app(Pages))
}

#[tokio::test]
async fn home_page_renders_from_its_template() {
    let client = client();
    let res = client.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.template_name(), Some("pages/home.html"));
    assert_eq!(
        res.context_value("title").unwrap().as_str(),
        Some("Hello, Galvani")
    );
    let html = res.text();
    assert!(html.contains("<h1>Hello, Galvani</h1>"), "{html}");
    assert!(html.contains("<li>named routes</li>"), "{html}");
}

#[tokio::test]
async fn named_routes_reverse() {
    let client = client();
    let urls = client.site().urls();
    assert_eq!(urls.reverse("pages:home", ()).unwrap(), "/");
    assert_eq!(urls.reverse("pages:about", ()).unwrap(), "/about/");

    let res = client.get("/about/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.template_name(), Some("pages/about.html"));
}

#[tokio::test]
async fn the_stylesheet_is_served() {
    let client = client();
    let url = client.site().static_files().url("pages/site.css").unwrap();
    assert_eq!(url, "/static/pages/site.css");

    let res = client.get(&url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(res.text().contains("font-family"));
}

#[tokio::test]
async fn an_unknown_page_is_404() {
    let client = client();
    let res = client.get("/no-such-page/").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_missing_trailing_slash_redirects() {
    let client = client();
    let res = client.get("/about").await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.location(), Some("/about/"));
}
