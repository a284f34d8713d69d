//! The shop through the whole stack: pages, templates, static files, errors.

use galvani::Settings;
use galvani::test::TestClient;

fn dev() -> TestClient {
    let settings = Settings::loader()
        .optional_file(concat!(env!("CARGO_MANIFEST_DIR"), "/galvani.toml"))
        .load()
        .expect("the shop's settings load");
    TestClient::new(shop::project(settings))
}

fn prod(static_root: &std::path::Path) -> TestClient {
    let settings = Settings::loader()
        .optional_file(concat!(env!("CARGO_MANIFEST_DIR"), "/galvani.toml"))
        .profile("prod")
        .env([
            (
                "GALVANI_SECRET_KEY",
                "tH1s-is-a-t3st-only-key-Wq8zXv2RmP5sKd9LfJ3hGb7NcY4tE6uA",
            ),
            ("GALVANI_STATIC__ROOT", static_root.to_str().unwrap()),
        ])
        .load()
        .expect("the shop's prod settings load");
    TestClient::new(shop::project(settings))
}

#[tokio::test]
async fn home_page_renders_from_the_base_layout_with_featured_products() {
    let res = dev().get("/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.template_name(), Some("shop/home.html"));
    assert_eq!(res.context_value("featured").unwrap().len(), Some(3));
    let html = res.text();
    assert!(html.contains("<title>Galvani Shop</title>"), "{html}");
    assert!(html.contains(r#"href="/static/shop/site.css""#), "{html}");
    assert!(html.contains("Galvani desk lamp"));
    assert!(html.contains(r#"href="/products/1/""#), "{html}");
}

#[tokio::test]
async fn product_list_filters_by_category_and_refuses_unknown_ones() {
    let client = dev();
    let all = client.get("/products/").await;
    assert_eq!(all.status(), 200);
    assert_eq!(all.context_value("products").unwrap().len(), Some(7));

    let lamps = client.get("/products/?category=lamps").await;
    assert_eq!(lamps.context_value("products").unwrap().len(), Some(3));
    assert!(lamps.text().contains("<h1>Lamps</h1>"));

    let unknown = client.get("/products/?category=sofas").await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().contains("There is no category"));
}

#[tokio::test]
async fn product_detail_escapes_text_and_answers_404_and_400() {
    let client = dev();
    let res = client.get("/products/5/").await;
    assert_eq!(res.status(), 200);
    let html = res.text();
    assert!(html.contains("Desk &amp; drawer set"), "{html}");
    assert!(html.contains("&lt;two&gt;"), "{html}");
    assert!(!html.contains("<two>"));

    assert_eq!(client.get("/products/99/").await.status(), 404);
    assert_eq!(client.get("/products/lamp/").await.status(), 400);
    // The slash-less path redirects to the canonical one.
    let res = client.get("/products/1").await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.location(), Some("/products/1/"));
}

#[tokio::test]
async fn out_of_stock_products_say_so() {
    let res = dev().get("/products/3/").await;
    assert!(res.text().contains("Out of stock"), "{}", res.text());
}

#[tokio::test]
async fn stylesheet_and_logo_are_served_in_development() {
    let client = dev();
    let css = client.get("/static/shop/site.css").await;
    assert_eq!(css.status(), 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("cache-control"), Some("no-cache"));
    assert!(css.text().contains("url(\"img/logo.svg\")"));
    let logo = client.get("/static/shop/img/logo.svg").await;
    assert_eq!(logo.status(), 200);
    assert!(
        logo.header("content-type")
            .unwrap()
            .starts_with("image/svg+xml")
    );
}

#[tokio::test]
async fn named_routes_reverse() {
    let client = dev();
    let urls = client.site().urls();
    assert_eq!(
        urls.reverse("shop:product-detail", ("id", 4)).unwrap(),
        "/products/4/"
    );
    assert_eq!(urls.reverse("shop:product-list", ()).unwrap(), "/products/");
    assert!(urls.reverse("shop:product", ()).is_err());
}

#[tokio::test]
async fn production_serves_hashed_static_files_and_the_shop_404_page() {
    let root = tempfile::tempdir().unwrap();
    let out = shop::project(
        Settings::loader()
            .optional_file(concat!(env!("CARGO_MANIFEST_DIR"), "/galvani.toml"))
            .env([("GALVANI_STATIC__ROOT", root.path().to_str().unwrap())])
            .load()
            .unwrap(),
    )
    .call_command(["collectstatic"])
    .await
    .unwrap();
    assert!(out.contains("copied"), "{out}");

    let client = prod(root.path());
    let page = client.get("/").await;
    assert_eq!(page.status(), 200, "{}", page.text());
    let html = page.text();
    let start = html
        .find("/static/shop/site.")
        .expect("a hashed stylesheet link");
    let href = html[start..].split('"').next().unwrap();
    assert_ne!(href, "/static/shop/site.css");
    let css = client.get(href).await;
    assert_eq!(css.status(), 200);
    assert_eq!(
        css.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(css.text().contains("url(\"img/logo."), "{}", css.text());
    assert!(!css.text().contains("url(\"img/logo.svg\")"));

    let missing = client.get("/products/99/").await;
    assert_eq!(missing.status(), 404);
    let html = missing.text();
    assert!(html.contains("We could not find that page"), "{html}");
    assert!(html.contains("There is no product 99."), "{html}");
    assert_eq!(missing.header("x-frame-options"), Some("DENY"));
}

#[test]
fn production_without_a_secret_key_refuses_to_start() {
    let settings = Settings::loader()
        .optional_file(concat!(env!("CARGO_MANIFEST_DIR"), "/galvani.toml"))
        .profile("prod")
        .load()
        .unwrap();
    let err = TestClient::try_new(shop::project(settings))
        .unwrap_err()
        .to_string();
    assert!(err.contains("security.E001"), "{err}");
}
