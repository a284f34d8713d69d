//! Routing with names: reversing in Rust and templates, prefixes, routing errors (400, 404,
//! 405, the trailing-slash redirect), declaration mistakes, and middleware order.

use galvani_core::Error;
use galvani_core::middleware::Next;
use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use http::HeaderValue;

use crate::support::{TestApp, blog, build_error, dev, prod};

async fn detail(Path(id): Path<u32>, urls: Urls) -> HttpResult<String> {
    Ok(format!("{id} {}", urls.reverse("detail", ("id", id))?))
}

async fn tag(Path(name): Path<String>, urls: Urls) -> HttpResult<String> {
    Ok(format!("{name}|{}", urls.reverse("tag", ("name", &name))?))
}

fn project_routes() -> Routes {
    Routes::new()
        .route("/", get(|| async { "home" }))
        .name("home")
        .route("/p/{id}", get(detail))
        .name("detail")
        .route("/tags/{name}", get(tag))
        .name("tag")
        .route("/files/{*path}", get(|| async { "file" }))
        .name("file")
        .route("/items", get(|| async { "list" }).post(|| async { "made" }))
        .name("items")
        .route("/products/", get(|| async { "products" }))
        .name("products")
        .route("/both", get(|| async { "no slash" }))
        .route("/both/", get(|| async { "slash" }))
}

fn client() -> TestClient {
    TestClient::new(Project::new(Settings::default()).routes(project_routes()))
}

// ---------------------------------------------------------------- reversing

#[tokio::test]
async fn handler_reverses_its_own_route_through_the_urls_extractor() {
    let res = client().get("/p/5").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), "5 /p/5");
}

#[tokio::test]
async fn reversed_values_are_percent_encoded_and_route_back_to_the_same_value() {
    let client = client();
    let path = client
        .site()
        .urls()
        .reverse("tag", ("name", "a b/c?d#e"))
        .unwrap();
    assert_eq!(path, "/tags/a%20b%2Fc%3Fd%23e");
    let res = client.get(&path).await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), format!("a b/c?d#e|{path}"));
}

#[tokio::test]
async fn catch_all_parameters_keep_their_slashes_when_reversed() {
    let urls = client().site().urls().clone();
    assert_eq!(
        urls.reverse("file", ("path", "css/a b.css")).unwrap(),
        "/files/css/a%20b.css"
    );
}

#[test]
fn reversed_path_never_starts_with_two_slashes() {
    // `//evil.example/x` is a scheme-relative URL: a link or redirect built from it leaves
    // the site (Django escapes the second slash for the same reason).
    let site = Project::new(Settings::default())
        .routes(
            Routes::new()
                .route("/{*path}", get(|| async { "page" }))
                .name("page"),
        )
        .build()
        .unwrap();
    for value in ["/evil.example/x", "//evil.example", "/\\evil.example"] {
        let path = site.urls().reverse("page", ("path", value)).unwrap();
        assert!(path.starts_with('/'), "{path}");
        assert!(
            !path.starts_with("//") && !path.starts_with("/\\"),
            "reversing {value:?} gave the scheme-relative `{path}`"
        );
    }
}

#[test]
fn site_urls_reverse_project_and_app_routes() {
    let site = Project::new(Settings::default())
        .routes(project_routes())
        .app_at("/blog", blog())
        .build()
        .unwrap();
    let urls = site.urls();
    assert_eq!(urls.reverse("home", ()).unwrap(), "/");
    assert_eq!(urls.reverse("detail", ("id", 42)).unwrap(), "/p/42");
    assert_eq!(urls.reverse("blog:post-list", ()).unwrap(), "/blog/");
    assert_eq!(
        urls.reverse("blog:post-detail", ("id", 7)).unwrap(),
        "/blog/posts/7"
    );
    assert_eq!(
        urls.reverse_positional("blog:post-detail", &["8".to_owned()])
            .unwrap(),
        "/blog/posts/8"
    );
    // App names live in the app's namespace only.
    assert!(matches!(
        urls.reverse("post-detail", ("id", 7)),
        Err(Error::NoSuchRoute { .. })
    ));
    assert!(urls.names().contains(&"blog:post-detail"));
}

#[test]
fn templates_reverse_by_keyword_and_by_position() {
    let site = Project::new(Settings::default())
        .app_at("/blog", blog())
        .build()
        .unwrap();
    let out = site
        .templates()
        .render_str(
            r#"{{ url("blog:post-detail", id=5) }} {{ url("blog:post-detail", 6) }} {{ url("blog:post-list") }}"#,
            context! {},
        )
        .unwrap();
    assert_eq!(out, "/blog/posts/5 /blog/posts/6 /blog/");
}

#[test]
fn templates_fail_to_render_a_bad_url_call() {
    let site = Project::new(Settings::default())
        .app_at("/blog", blog())
        .build()
        .unwrap();
    let t = site.templates();
    for (source, expected) in [
        (r#"{{ url("blog:nope") }}"#, "blog:nope"),
        (
            r#"{{ url("blog:post-detail") }}"#,
            "needs the parameter `id`",
        ),
        (r#"{{ url("blog:post-detail", id=1, slug="x") }}"#, "slug"),
        (r#"{{ url("blog:post-detail", 1, 2) }}"#, "positional"),
        (r#"{{ url("blog:post-detail", 1, id=2) }}"#, "not both"),
        (r#"{{ url("blog:post-detail", id="") }}"#, "empty value"),
    ] {
        let err = t
            .render_str(source, context! {})
            .expect_err(&format!("`{source}` rendered"));
        assert!(
            err.to_string().contains(expected),
            "`{source}`: {err} (expected it to mention {expected})"
        );
    }
}

#[tokio::test]
async fn app_mounted_under_a_prefix_serves_and_reverses_there() {
    let client = TestClient::new(Project::new(Settings::default()).app_at("/shop/", blog()));
    let res = client.get("/shop/posts/3").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), "post 3 at /shop/posts/3");
    assert_eq!(client.get("/shop/").await.status(), 200);
    assert_eq!(client.get("/posts/3").await.status(), 404);
    assert_eq!(
        client.site().urls().reverse("blog:post-list", ()).unwrap(),
        "/shop/"
    );
}

#[test]
fn unknown_name_suggests_close_matches_only_in_debug() {
    let debug = Project::new(Settings::default())
        .routes(project_routes())
        .build()
        .unwrap();
    let err = debug.urls().reverse("detial", ()).unwrap_err();
    assert!(matches!(err, Error::NoSuchRoute { .. }), "{err:?}");
    assert!(err.to_string().contains("did you mean `detail`"), "{err}");

    let production = Project::new(prod(""))
        .routes(project_routes())
        .build()
        .unwrap();
    let err = production.urls().reverse("detial", ()).unwrap_err();
    assert_eq!(err.to_string(), "no route is named `detial`");
}

#[test]
fn missing_parameter_is_an_error_naming_it() {
    let site = Project::new(Settings::default())
        .routes(project_routes())
        .build()
        .unwrap();
    let err = site.urls().reverse("detail", ()).unwrap_err();
    assert!(
        matches!(&err, Error::MissingUrlParam { param, .. } if param == "id"),
        "{err:?}"
    );
    assert!(err.to_string().contains("/p/{id}"), "{err}");
    let err = site.urls().reverse_positional("detail", &[]).unwrap_err();
    assert!(matches!(err, Error::MissingUrlParam { .. }), "{err:?}");
}

#[test]
fn extra_parameter_is_an_error_naming_it() {
    let site = Project::new(Settings::default())
        .routes(project_routes())
        .build()
        .unwrap();
    let err = site
        .urls()
        .reverse("detail", [("id", "1"), ("slug", "x")])
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedUrlParam { param, .. } if param == "slug"),
        "{err:?}"
    );
    let err = site.urls().reverse("home", ("id", 1)).unwrap_err();
    assert!(err.to_string().contains("no parameters"), "{err}");
    let err = site
        .urls()
        .reverse_positional("detail", &["1".to_owned(), "2".to_owned()])
        .unwrap_err();
    assert!(matches!(err, Error::UnexpectedUrlParam { .. }), "{err:?}");
}

#[test]
fn empty_parameter_is_an_error() {
    let site = Project::new(Settings::default())
        .routes(project_routes())
        .build()
        .unwrap();
    let err = site.urls().reverse("detail", ("id", "")).unwrap_err();
    assert!(
        matches!(&err, Error::EmptyUrlParam { param, .. } if param == "id"),
        "{err:?}"
    );
    let err = site
        .urls()
        .reverse_positional("detail", &[String::new()])
        .unwrap_err();
    assert!(matches!(err, Error::EmptyUrlParam { .. }), "{err:?}");
}

// ---------------------------------------------------------------- routing errors

#[tokio::test]
async fn malformed_path_parameter_is_a_400_page() {
    let res = client().get("/p/abc").await;
    assert_eq!(res.status(), 400, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(res.text().contains("Cannot parse"), "{}", res.text());

    let production = TestClient::new(Project::new(prod("")).routes(project_routes()));
    let res = production.get("/p/abc").await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(res.text().contains("400"), "{}", res.text());
}

#[tokio::test]
async fn malformed_path_parameter_is_a_400_json_error_when_json_is_accepted() {
    let res = client()
        .get("/p/abc")
        .header("accept", "application/json")
        .await;
    assert_eq!(res.status(), 400, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("application/json"));
    let body: serde_json::Value = res.json();
    assert_eq!(body["error"]["status"], 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("abc")),
        "{body}"
    );
}

#[tokio::test]
async fn path_parameter_out_of_range_is_a_400() {
    let res = client().get("/p/99999999999").await;
    assert_eq!(res.status(), 400, "{}", res.text());
    let res = client().get("/p/-1").await;
    assert_eq!(res.status(), 400, "{}", res.text());
}

#[tokio::test]
async fn wrong_method_is_a_405_with_an_allow_header() {
    let client = client();
    let res = client.delete("/items").await;
    assert_eq!(res.status(), 405, "{}", res.text());
    let allow = res.header("allow").expect("a 405 carries Allow");
    let mut methods: Vec<&str> = allow.split(',').map(str::trim).collect();
    methods.sort_unstable();
    assert_eq!(methods, ["GET", "HEAD", "POST"]);
    // Still an error page with the security headers.
    assert_eq!(res.header("x-frame-options"), Some("DENY"));

    let res = client.post("/p/1").await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.header("allow"), Some("GET,HEAD"));
}

#[tokio::test]
async fn unknown_path_is_a_404() {
    let client = client();
    let res = client.get("/nowhere").await;
    assert_eq!(res.status(), 404);
    let res = client.post("/nowhere").await;
    assert_eq!(res.status(), 404);
    let res = client.get("/p/1/extra").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn path_without_trailing_slash_redirects_308_when_only_the_slash_form_exists() {
    let client = client();
    let res = client.get("/products").await;
    assert_eq!(res.status(), 308, "{}", res.text());
    assert_eq!(res.location(), Some("/products/"));

    let res = client.get("/products?page=2&sort=name").await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.location(), Some("/products/?page=2&sort=name"));

    let res = client.head("/products").await;
    assert_eq!(res.status(), 308);

    // Followed, it lands on the page.
    let res = client.get("/products").follow_redirects(true).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "products");
}

#[tokio::test]
async fn trailing_slash_redirect_is_not_used_when_it_cannot_help() {
    let client = client();
    // Both forms exist: each answers for itself.
    assert_eq!(client.get("/both").await.text(), "no slash");
    assert_eq!(client.get("/both/").await.text(), "slash");
    // A POST is not redirected (the body would be lost by some clients).
    assert_eq!(client.post("/products").await.status(), 404);
    // No slash form exists either.
    assert_eq!(client.get("/nothing").await.status(), 404);
}

#[tokio::test]
async fn trailing_slash_redirect_never_points_to_another_host() {
    // Django's CVE-2018-14574: with a `/{slug}/` route, `/\evil.example` would be
    // redirected to `/\evil.example/`, which browsers read as `//evil.example/`.
    let client = TestClient::new(
        Project::new(Settings::default())
            .routes(Routes::new().route("/{slug}/", get(|| async { "page" }))),
    );
    for path in ["/\\evil.example", "/\\/evil.example", "/%5Cevil.example"] {
        let res = client.get(path).await;
        if let Some(location) = res.location() {
            let normalised = location.replace('\\', "/");
            assert!(
                !normalised.starts_with("//"),
                "GET {path} redirects off-site to `{location}`"
            );
        }
    }
}

// ---------------------------------------------------------------- declaration mistakes

fn routes_error(project: Project) -> String {
    match build_error(project) {
        Error::Routes { message } => message,
        other => panic!("expected Error::Routes, got {other:?}"),
    }
}

#[test]
fn duplicate_route_name_fails_the_build() {
    let message = routes_error(
        Project::new(Settings::default()).routes(
            Routes::new()
                .route("/a", get(|| async { "a" }))
                .name("page")
                .route("/b", get(|| async { "b" }))
                .name("page"),
        ),
    );
    assert!(message.contains("`page`"), "{message}");
}

#[test]
fn duplicate_route_name_across_project_route_groups_fails_the_build() {
    let message = routes_error(
        Project::new(Settings::default())
            .routes(
                Routes::new()
                    .route("/a", get(|| async { "a" }))
                    .name("page"),
            )
            .routes(
                Routes::new()
                    .route("/b", get(|| async { "b" }))
                    .name("page"),
            ),
    );
    assert!(message.contains("`page`"), "{message}");
}

#[test]
fn same_path_and_method_twice_fails_the_build() {
    let message = routes_error(
        Project::new(Settings::default()).routes(
            Routes::new()
                .route("/a", get(|| async { "one" }))
                .route("/a", get(|| async { "two" })),
        ),
    );
    assert!(message.contains("GET /a"), "{message}");
    // Different methods on one path are fine.
    Project::new(Settings::default())
        .routes(
            Routes::new()
                .route("/a", get(|| async { "one" }))
                .route("/a", post(|| async { "two" })),
        )
        .build()
        .unwrap();
}

#[test]
fn old_colon_syntax_fails_the_build_with_the_fix() {
    let message = routes_error(
        Project::new(Settings::default())
            .routes(Routes::new().route("/old/:id", get(|| async { "x" }))),
    );
    assert!(message.contains("/old/:id"), "{message}");
    assert!(message.contains("{id}"), "{message}");
    let message = routes_error(
        Project::new(Settings::default())
            .routes(Routes::new().route("/files/*rest", get(|| async { "x" }))),
    );
    assert!(message.contains("{*rest}"), "{message}");
}

#[test]
fn malformed_paths_fail_the_build() {
    for path in [
        "no-slash",
        "/p/{id",
        "/p/{a}/{a}",
        "/p/{*rest}/x",
        "/p/{a-b}",
        "/p/a b",
        "/p/<x>",
        "/p/\"x\"",
        "/p?x=1",
        "/p#top",
    ] {
        let message = routes_error(
            Project::new(Settings::default())
                .routes(Routes::new().route(path, get(|| async { "x" }))),
        );
        assert!(message.contains(path), "{path}: {message}");
    }
}

#[test]
fn name_without_a_route_fails_the_build() {
    let message =
        routes_error(Project::new(Settings::default()).routes(Routes::new().name("orphan")));
    assert!(message.contains("orphan"), "{message}");
    let message = routes_error(
        Project::new(Settings::default())
            .routes(Routes::new().route("/a", get(|| async { "a" })).name("a:b")),
    );
    assert!(message.contains("a:b"), "{message}");
}

#[test]
fn two_apps_serving_one_path_fail_the_build() {
    let one = TestApp::new("one").routes(|| Routes::new().route("/same", get(|| async { "1" })));
    let two = TestApp::new("two").routes(|| Routes::new().route("/same", get(|| async { "2" })));
    let message = routes_error(Project::new(Settings::default()).app(one).app(two));
    assert!(message.contains("/same"), "{message}");
}

#[test]
fn apps_at_different_prefixes_may_share_paths() {
    let one = TestApp::new("one").routes(|| Routes::new().route("/same", get(|| async { "1" })));
    let two = TestApp::new("two").routes(|| Routes::new().route("/same", get(|| async { "2" })));
    Project::new(Settings::default())
        .app_at("/one", one)
        .app_at("/two", two)
        .build()
        .unwrap();
}

#[test]
fn app_prefix_without_a_leading_slash_fails_the_build_instead_of_panicking() {
    let outcome = std::panic::catch_unwind(|| {
        Project::new(Settings::default())
            .app_at("shop", blog())
            .build()
            .map(|_| ())
    });
    match outcome {
        Ok(Err(Error::Routes { message })) => assert!(message.contains("shop"), "{message}"),
        Ok(Err(other)) => panic!("expected Error::Routes, got {other:?}"),
        Ok(Ok(())) => panic!("`app_at(\"shop\", ..)` built a site"),
        Err(_) => {
            panic!("`app_at(\"shop\", ..)` made `build()` panic instead of returning an error")
        }
    }
}

#[test]
fn app_prefix_with_a_parameter_is_refused_or_reversed_with_its_value() {
    // `/{lang}` as a prefix routes as a parameter; reversing must not produce the literal
    // text `{lang}`.
    match Project::new(Settings::default())
        .app_at("/{lang}", blog())
        .build()
    {
        Err(Error::Routes { .. }) => {}
        Err(other) => panic!("expected Error::Routes, got {other:?}"),
        Ok(site) => {
            let reversed = site.urls().reverse("blog:post-detail", ("id", 1));
            assert!(
                !matches!(&reversed, Ok(path) if path.contains('{')),
                "reversed to the unusable path {reversed:?}"
            );
        }
    }
}

#[test]
fn invalid_app_label_fails_the_build() {
    for label in ["Blog", "2blog", "blog-app", "blog:x", ""] {
        match build_error(Project::new(Settings::default()).app(TestApp::new(label))) {
            Error::App { label: l, message } => {
                assert_eq!(l, label);
                assert!(message.contains("lowercase"), "{message}");
            }
            other => panic!("label `{label}`: expected Error::App, got {other:?}"),
        }
    }
}

#[test]
fn app_installed_twice_fails_the_build() {
    match build_error(
        Project::new(Settings::default())
            .app(blog())
            .app_at("/again", blog()),
    ) {
        Error::App { label, message } => {
            assert_eq!(label, "blog");
            assert!(message.contains("twice"), "{message}");
        }
        other => panic!("expected Error::App, got {other:?}"),
    }
}

// ---------------------------------------------------------------- middleware scoping and order

async fn tag_group(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert("x-group", HeaderValue::from_static("admin"));
    res
}

async fn tag_layer(mut res: Response) -> Response {
    res.headers_mut()
        .insert("x-layer", HeaderValue::from_static("admin"));
    res
}

#[tokio::test]
async fn group_middleware_applies_only_to_its_group() {
    let admin = Routes::new()
        .route("/admin/", get(|| async { "admin" }))
        .route("/admin/users", get(|| async { "users" }))
        .middleware(tag_group)
        .layer(axum::middleware::map_response(tag_layer));
    let public = Routes::new().route("/public", get(|| async { "public" }));
    let app = TestApp::new("blog").routes(|| {
        Routes::new()
            .route("/blog", get(|| async { "blog" }))
            .middleware(tag_group)
    });
    let client = TestClient::new(
        Project::new(Settings::default())
            .routes(admin)
            .routes(public)
            .app_at("/app", app),
    );

    for path in ["/admin/", "/admin/users", "/app/blog"] {
        let res = client.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.header("x-group"), Some("admin"), "{path}");
    }
    assert_eq!(client.get("/admin/").await.header("x-layer"), Some("admin"));
    assert_eq!(client.get("/app/blog").await.header("x-layer"), None);
    for path in ["/public", "/nowhere"] {
        let res = client.get(path).await;
        assert_eq!(res.header("x-group"), None, "{path}");
        assert_eq!(res.header("x-layer"), None, "{path}");
    }
}

type BoxedResponse = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;

/// A middleware that appends `name` to `x-trace` on the way in and to `x-trace-out` on the
/// way out.
fn trace(
    name: &'static str,
) -> impl Fn(Request, Next) -> BoxedResponse + Clone + Send + Sync + 'static {
    move |mut req: Request, next: Next| {
        let before = req
            .headers()
            .get("x-trace")
            .and_then(|v| v.to_str().ok())
            .map(|v| format!("{v},{name}"))
            .unwrap_or_else(|| name.to_owned());
        req.headers_mut()
            .insert("x-trace", HeaderValue::from_str(&before).unwrap());
        Box::pin(async move {
            let mut res = next.run(req).await;
            let after = res
                .headers()
                .get("x-trace-out")
                .and_then(|v| v.to_str().ok())
                .map(|v| format!("{v},{name}"))
                .unwrap_or_else(|| name.to_owned());
            res.headers_mut()
                .insert("x-trace-out", HeaderValue::from_str(&after).unwrap());
            res
        })
    }
}

#[tokio::test]
async fn project_middleware_runs_in_the_order_added() {
    let echo = |req: Request| async move {
        req.headers()
            .get("x-trace")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let client = TestClient::new(
        Project::new(Settings::default())
            .middleware(trace("first"))
            .middleware(trace("second"))
            .middleware(trace("third"))
            .routes(Routes::new().route("/", get(echo))),
    );
    let res = client.get("/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "first,second,third");
    assert_eq!(res.header("x-trace-out"), Some("third,second,first"));
    // Project middleware also sees requests that match no route.
    let res = client.get("/nowhere").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.header("x-trace-out"), Some("third,second,first"));
}

#[tokio::test]
async fn project_middleware_can_answer_without_calling_the_handler() {
    async fn gate(req: Request, next: Next) -> Response {
        if req.headers().contains_key("x-block") {
            return (StatusCode::FORBIDDEN, "blocked").into_response();
        }
        next.run(req).await
    }
    let client = TestClient::new(
        Project::new(dev(""))
            .middleware(gate)
            .routes(Routes::new().route("/", get(|| async { "through" }))),
    );
    assert_eq!(client.get("/").await.text(), "through");
    let res = client.get("/").header("x-block", "1").await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.text(), "blocked");
}
