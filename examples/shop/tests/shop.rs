//! The shop through the whole stack: pages, templates, static files, errors.

use galvani::Settings;
use galvani::orm::testing::{TestDb, assert_num_queries};
use galvani::test::TestClient;

mod common;
use common::{Shop, dev, on, prod};

#[tokio::test]
async fn home_page_renders_from_the_base_layout_with_featured_products() {
    let res = dev().await.get("/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.template_name(), Some("shop/home.html"));
    assert_eq!(res.context_value("featured").unwrap().len(), Some(3));
    let html = res.text();
    assert!(html.contains("<title>Galvani Shop</title>"), "{html}");
    assert!(html.contains(r#"href="/static/shop/site.css""#), "{html}");
    assert!(html.contains("Galvani desk lamp"));
    assert!(html.contains(r#"href="/products/1/""#), "{html}");
    // The category menu counts each category's products.
    assert!(
        html.contains(r#"Lamps</a> <span class="count">3</span>"#),
        "{html}"
    );
}

#[tokio::test]
async fn product_list_filters_by_category_and_refuses_unknown_ones() {
    let client = dev().await;
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
    let client = dev().await;
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
    let res = dev().await.get("/products/3/").await;
    assert!(res.text().contains("Out of stock"), "{}", res.text());
}

#[tokio::test]
async fn stylesheet_and_logo_are_served_in_development() {
    let client = dev().await;
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
    let client = dev().await;
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

    let client = prod(root.path()).await;
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

#[tokio::test]
async fn pages_make_a_fixed_number_of_queries() {
    let shop = dev().await;
    let db = shop.test.db.clone();
    // Products with their categories in one query, the category menu in another.
    let home = assert_num_queries(&db, 2, shop.get("/").send()).await;
    assert_eq!(home.status(), 200);
    let list = assert_num_queries(&db, 2, shop.get("/products/").send()).await;
    assert_eq!(list.status(), 200);
    let lamps = assert_num_queries(&db, 3, shop.get("/products/?category=lamps").send()).await;
    assert_eq!(lamps.status(), 200);
    let detail = assert_num_queries(&db, 1, shop.get("/products/4/").send()).await;
    assert!(
        detail.text().contains("Desks"),
        "the category came with the product"
    );
}

#[tokio::test]
async fn the_first_run_makes_the_demo_data_once() {
    use galvani::orm::Model as _;
    let test = TestDb::sqlite().await.unwrap();
    shop::shop::prepare(&test.db).await.unwrap();
    shop::shop::prepare(&test.db).await.unwrap();
    let products = shop::shop::Product::objects().count(&test.db).await;
    assert_eq!(products.unwrap(), 7);
    let categories = shop::shop::Category::objects().count(&test.db).await;
    assert_eq!(categories.unwrap(), 3);
    test.finish().await.unwrap();
}

#[tokio::test]
async fn the_shop_runs_on_postgres_too() {
    let Some(test) = TestDb::postgres().await.unwrap() else {
        return;
    };
    let shop = on(test, "dev", &[]).await;
    let lamps = shop.get("/products/?category=lamps").await;
    assert_eq!(lamps.status(), 200, "{}", lamps.text());
    assert_eq!(lamps.context_value("products").unwrap().len(), Some(3));
    let detail = shop.get("/products/5/").await;
    assert!(detail.text().contains("Desk &amp; drawer set"));
    let Shop { client, test } = shop;
    drop(client);
    test.finish().await.unwrap();
}

/// `shop migrate` started twice at the same moment, on SQLite and PostgreSQL: the
/// migration lock makes each migration apply exactly once, and both succeed.
#[tokio::test]
async fn two_processes_migrating_at_once_apply_each_migration_once() {
    use galvani::orm::{Executor as _, Statement};
    use std::process::{Command, Stdio};
    // A SQLite file that does not exist yet: both processes also race to create it.
    let dir = tempfile::tempdir().unwrap();
    let fresh = format!("sqlite://{}/db.sqlite3", dir.path().display());
    let postgres = TestDb::postgres().await.unwrap();
    let urls = std::iter::once(fresh).chain(postgres.as_ref().map(|t| t.url.clone()));
    for url in urls {
        let start = || {
            Command::new(env!("CARGO_BIN_EXE_shop"))
                .arg("migrate")
                .env("GALVANI_DATABASE__URL", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (start(), start());
        let mut applied = 0;
        for run in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
            let out = String::from_utf8_lossy(&run.stdout);
            let err = String::from_utf8_lossy(&run.stderr);
            assert!(run.status.success(), "{out}\n{err}");
            applied += out.matches("Apply shop.0001_initial... OK").count();
        }
        assert_eq!(
            applied, 1,
            "one process applied it, the other found it done"
        );
        let db = galvani::orm::Db::connect(&url).await.unwrap();
        let rows = db
            .fetch_all(Statement {
                sql: "SELECT count(*) FROM galvani_migrations WHERE app = 'shop'".into(),
                values: Vec::new(),
            })
            .await
            .unwrap();
        let migrations =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/shop/migrations"))
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .starts_with("m0")
                })
                .count();
        assert_eq!(
            rows[0].get::<i64>(0).unwrap() as usize,
            migrations,
            "each recorded once"
        );
        db.close().await;
    }
    if let Some(test) = postgres {
        test.finish().await.unwrap();
    }
}

/// The shop's migrations describe its models: `makemigrations --check` finds nothing.
#[test]
fn the_models_and_their_migrations_agree() {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_shop"))
        .args(["makemigrations", "--check"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{out}");
    assert!(out.contains("No changes detected"), "{out}");
}
