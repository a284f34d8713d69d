//! Templates: lookup order, inheritance, escaping, globals, context processors, errors,
//! reloading, checks and what the test client exposes.

use std::time::{Duration, SystemTime};

use galvani_core::Error;
use galvani_core::prelude::*;
use galvani_core::templates::ContextProcessor;
use galvani_core::test::TestClient;

use crate::support::{blog, dev, fixture, prod, render_route, shop, toml_path, write};

/// A project with `[templates] dirs` set to `dirs` (no other project folder).
fn with_template_dirs(dirs: &[&std::path::Path], debug: bool) -> Settings {
    let list: Vec<String> = dirs.iter().map(toml_path).collect();
    let section = format!("[templates]\ndirs = [{}]\n", list.join(", "));
    if debug { dev(&section) } else { prod(&section) }
}

fn render(
    project: Project,
    name: &'static str,
    ctx: impl serde::Serialize + Clone + Send + Sync + 'static,
) -> Project {
    project.routes(render_route("/page", name, ctx))
}

#[tokio::test]
async fn project_template_overrides_the_app_template_of_the_same_name() {
    let project_dir = fixture("project/templates");
    let client = TestClient::new(render(
        Project::new(with_template_dirs(&[&project_dir], true)).app(blog()),
        "blog/override_me.html",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "from the project");

    let client = TestClient::new(render(
        Project::new(with_template_dirs(&[], true)).app(blog()),
        "blog/override_me.html",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "from the blog app");
}

#[tokio::test]
async fn earlier_app_templates_win_over_later_ones() {
    let client = TestClient::new(render(
        Project::new(Settings::default()).app(blog()).app(shop()),
        "shared/banner.html",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "blog banner");

    let client = TestClient::new(render(
        Project::new(Settings::default()).app(shop()).app(blog()),
        "shared/banner.html",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "shop banner");
    // Each app still reaches its own templates.
    let client = TestClient::new(render(
        Project::new(Settings::default()).app(blog()).app(shop()),
        "shop/home.html",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "shop home");
}

#[tokio::test]
async fn extends_and_include_compose_a_page() {
    let client = TestClient::new(Project::new(Settings::default()).app(blog()));
    let res = client.get("/").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    let html = res.text();
    assert!(html.contains("<title>All posts</title>"), "{html}");
    assert!(html.contains("<li>First post</li>"), "{html}");
    assert!(html.contains("<li>Second &lt;post&gt;</li>"), "{html}");
    assert!(html.starts_with("<html>"), "{html}");
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
}

#[tokio::test]
async fn html_templates_escape_txt_templates_do_not_and_safe_marks_markup() {
    let value = r#"<b class="x">Tom & Jerry's</b>"#;
    let client = TestClient::new(
        Project::new(Settings::default())
            .app(blog())
            .routes(render_route(
                "/html",
                "blog/escape.html",
                context! { value },
            ))
            .routes(render_route("/txt", "blog/escape.txt", context! { value })),
    );
    let res = client.get("/html").await;
    let (escaped, safe) = res
        .text()
        .split_once('|')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap();
    assert_eq!(safe, value);
    assert!(
        !escaped.contains('<') && !escaped.contains('"') && !escaped.contains('\''),
        "{escaped}"
    );
    assert!(
        escaped.contains("&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#x27;s"),
        "{escaped}"
    );

    let res = client.get("/txt").await;
    assert_eq!(res.text(), value);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
}

#[tokio::test]
async fn url_static_and_request_are_available_in_every_template() {
    let client = TestClient::new(
        Project::new(Settings::default())
            .app_at("/blog", blog())
            .routes(render_route(
                "/page",
                "blog/globals.html",
                context! { post_id => 4 },
            )),
    );
    let res = client.get("/page?ignored=1").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(
        res.text(),
        // URLs are percent-encoded, so they are safe in HTML as they are; other values
        // (here `request.path`) are escaped.
        "/blog/posts/4 /blog/posts/4 /static/blog/site.css &#x2f;page"
    );
}

#[tokio::test]
async fn request_variable_reflects_the_current_request() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "req.txt",
        "{{ request.method }} {{ request.path }} {{ request.query }} {{ request.full_path }}",
    );
    let client = TestClient::new(render(
        Project::new(with_template_dirs(&[dir.path()], true)),
        "req.txt",
        context! {},
    ));
    assert_eq!(
        client.get("/page?a=1&b=2").await.text(),
        "GET /page a=1&b=2 /page?a=1&b=2"
    );
}

#[tokio::test]
async fn context_processor_values_are_visible_and_handler_values_win() {
    let processor = ContextProcessor::new(|req: &Request| {
        context! { site_name => "Galvani", tagline => format!("from processor for {}", req.uri().path()) }
    });
    let client = TestClient::new(
        Project::new(Settings::default())
            .app(blog())
            .context_processor(processor)
            .routes(render_route(
                "/own",
                "blog/processor.html",
                context! { tagline => "from handler" },
            ))
            .routes(render_route("/plain", "blog/processor.html", context! {})),
    );
    assert_eq!(client.get("/own").await.text(), "Galvani|from handler");
    assert_eq!(
        client.get("/plain").await.text(),
        "Galvani|from processor for &#x2f;plain"
    );
    // The test client shows only what the handler passed.
    let res = client.get("/plain").await;
    assert!(res.context_value("site_name").is_none());
}

#[tokio::test]
async fn panicking_context_processor_is_a_500_and_the_site_keeps_serving() {
    let processor = ContextProcessor::new(|req: &Request| {
        if req.uri().path() == "/explode" {
            panic!("processor exploded");
        }
        context! {}
    });
    let client = TestClient::new(
        Project::new(Settings::default())
            .app(blog())
            .context_processor(processor)
            .routes(render_route("/explode", "blog/processor.html", context! {}))
            .routes(render_route("/fine", "blog/processor.html", context! {})),
    );
    assert_eq!(client.get("/explode").await.status(), 500);
    assert_eq!(client.get("/fine").await.status(), 200);
}

#[tokio::test]
async fn json_script_puts_data_in_a_script_element_safely() {
    let post =
        serde_json::json!({ "title": "</script><script>alert('x')</script>", "tags": ["a&b"] });
    let client = TestClient::new(Project::new(Settings::default()).app(blog()).routes(
        render_route("/page", "blog/json_script.html", context! { post }),
    ));
    let html = client.get("/page").await.text();
    assert!(
        html.starts_with(r#"<script id="post-data" type="application/json">"#),
        "{html}"
    );
    assert!(html.ends_with("</script>"), "{html}");
    assert_eq!(html.matches("</script>").count(), 1, "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    let json = html
        .trim_start_matches(r#"<script id="post-data" type="application/json">"#)
        .trim_end_matches("</script>");
    let back: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(back["title"], "</script><script>alert('x')</script>");
    assert_eq!(back["tags"][0], "a&b");
}

#[tokio::test]
async fn template_with_status_answers_with_that_status() {
    let client = TestClient::new(Project::new(Settings::default()).app(blog()).routes(
        Routes::new().route(
            "/gone",
            get(|| async {
                Template::new("blog/gone.html", context! { title => "Old post" })
                    .with_status(StatusCode::GONE)
            }),
        ),
    ));
    let res = client.get("/gone").await;
    assert_eq!(res.status(), 410);
    assert_eq!(res.text(), "gone: Old post");
    assert_eq!(res.template_name(), Some("blog/gone.html"));
}

#[tokio::test]
async fn missing_template_is_a_500() {
    let client = TestClient::new(render(
        Project::new(Settings::default()),
        "nope/missing.html",
        context! {},
    ));
    let res = client.get("/page").await;
    assert_eq!(res.status(), 500);
    assert!(
        res.text().contains("nope&#x2f;missing.html"),
        "{}",
        res.text()
    );
}

// ---------------------------------------------------------------- template errors

const BROKEN: &str = "<p>fine line one</p>\n{% if SECRET_SOURCE_MARKER %}\n<p>never closed</p>\n";

#[tokio::test]
async fn syntax_error_in_debug_shows_the_template_name_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/broken.html", BROKEN);
    let site = render(
        Project::new(with_template_dirs(&[dir.path()], true)),
        "pages/broken.html",
        context! {},
    )
    .build()
    .unwrap();
    let client = TestClient::from_site(site);
    let res = client.get("/page").await;
    assert_eq!(res.status(), 500);
    let html = res.text();
    assert!(html.contains("pages&#x2f;broken.html"), "{html}");
    assert!(
        html.contains("line 2") || html.contains("line 3") || html.contains("line 4"),
        "{html}"
    );
    let report = res.error_report().expect("an error report");
    let template = report
        .template
        .as_ref()
        .expect("the failing template is located");
    assert_eq!(template.name, "pages/broken.html");
    assert!(template.line.is_some());

    let res = client
        .get("/page")
        .header("accept", "application/json")
        .await;
    let body: serde_json::Value = res.json();
    assert_eq!(body["error"]["template"]["name"], "pages/broken.html");
}

#[tokio::test]
async fn syntax_error_without_debug_shows_the_generic_page_without_source() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/broken.html", BROKEN);
    let site = render(
        Project::new(with_template_dirs(&[dir.path()], false)),
        "pages/broken.html",
        context! {},
    )
    .build()
    .unwrap();
    let client = TestClient::from_site(site);
    let res = client.get("/page").await;
    assert_eq!(res.status(), 500);
    let html = res.text();
    assert!(html.contains("500"), "{html}");
    for secret in [
        "broken.html",
        "SECRET_SOURCE_MARKER",
        "never closed",
        "syntax",
    ] {
        assert!(!html.contains(secret), "`{secret}` leaked: {html}");
    }
    let res = client
        .get("/page")
        .header("accept", "application/json")
        .await;
    let text = res.text();
    assert!(
        !text.contains("broken") && !text.contains("SECRET_SOURCE_MARKER"),
        "{text}"
    );
}

#[tokio::test]
async fn syntax_error_without_debug_uses_the_project_500_page() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/broken.html", BROKEN);
    write(dir.path(), "500.html", "<h1>Our own 500 page</h1>");
    let site = render(
        Project::new(with_template_dirs(&[dir.path()], false)),
        "pages/broken.html",
        context! {},
    )
    .build()
    .unwrap();
    let res = TestClient::from_site(site).get("/page").await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.text(), "<h1>Our own 500 page</h1>");
}

#[tokio::test]
async fn runtime_error_in_a_template_is_a_500_naming_the_template_in_debug() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/runtime.html", "ok\n{{ 1 / 0 }}\n");
    let site = render(
        Project::new(with_template_dirs(&[dir.path()], true)),
        "pages/runtime.html",
        context! {},
    )
    .build()
    .unwrap();
    let res = TestClient::from_site(site).get("/page").await;
    assert_eq!(res.status(), 500);
    assert!(
        res.text().contains("pages&#x2f;runtime.html"),
        "{}",
        res.text()
    );
}

#[tokio::test]
async fn strict_undefined_setting_fails_renders_that_use_unknown_variables() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "typo.txt", "Hello {{ nmae }}");
    let dirs = toml_path(dir.path());
    let lenient = TestClient::new(render(
        Project::new(dev(&format!("[templates]\ndirs = [{dirs}]\n"))),
        "typo.txt",
        context! { name => "Ada" },
    ));
    assert_eq!(lenient.get("/page").await.text(), "Hello ");
    let strict = TestClient::new(render(
        Project::new(dev(&format!(
            "[templates]\ndirs = [{dirs}]\nundefined = \"strict\"\n"
        ))),
        "typo.txt",
        context! { name => "Ada" },
    ));
    assert_eq!(strict.get("/page").await.status(), 500);
}

// ---------------------------------------------------------------- reloading

/// Rewrites `dir/name` and moves its modification time `ahead` into the future, as an
/// edit made later would.
fn edit(dir: &std::path::Path, name: &str, text: &str, mtime: SystemTime) {
    write(dir, name, text);
    std::fs::File::options()
        .write(true)
        .open(dir.join(name))
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

fn mtime(dir: &std::path::Path, name: &str) -> SystemTime {
    std::fs::metadata(dir.join(name))
        .unwrap()
        .modified()
        .unwrap()
}

#[tokio::test]
async fn templates_reload_after_an_edit_in_debug() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "page.txt", "version one");
    let client = TestClient::new(render(
        Project::new(with_template_dirs(&[dir.path()], true)),
        "page.txt",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "version one");
    let later = mtime(dir.path(), "page.txt") + Duration::from_secs(2);
    edit(dir.path(), "page.txt", "version two", later);
    assert_eq!(client.get("/page").await.text(), "version two");
    // A template that did not exist at start is found once written.
    write(dir.path(), "new.txt", "brand new");
    let site = client.site();
    assert_eq!(
        site.templates().render("new.txt", context! {}).unwrap(),
        "brand new"
    );
}

#[tokio::test]
async fn templates_reload_after_an_edit_within_the_same_timestamp_tick() {
    // File systems record modification times coarsely (a kernel tick, or whole seconds on
    // some), so two saves in quick succession can leave the same mtime. The content (and
    // here its length) changed, so the edit must show.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "page.txt", "version one");
    let first = mtime(dir.path(), "page.txt");
    let client = TestClient::new(render(
        Project::new(with_template_dirs(&[dir.path()], true)),
        "page.txt",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "version one");
    edit(dir.path(), "page.txt", "version two, longer", first);
    assert_eq!(client.get("/page").await.text(), "version two, longer");
}

#[tokio::test]
async fn templates_do_not_reload_with_debug_off() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "page.txt", "version one");
    let client = TestClient::new(render(
        Project::new(with_template_dirs(&[dir.path()], false)),
        "page.txt",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "version one");
    let later = mtime(dir.path(), "page.txt") + Duration::from_secs(2);
    edit(dir.path(), "page.txt", "version two", later);
    assert_eq!(client.get("/page").await.text(), "version one");
}

#[tokio::test]
async fn auto_reload_setting_overrides_debug() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "page.txt", "version one");
    let dirs = toml_path(dir.path());
    let client = TestClient::new(render(
        Project::new(dev(&format!(
            "[templates]\ndirs = [{dirs}]\nauto_reload = false\n"
        ))),
        "page.txt",
        context! {},
    ));
    assert_eq!(client.get("/page").await.text(), "version one");
    let later = mtime(dir.path(), "page.txt") + Duration::from_secs(2);
    edit(dir.path(), "page.txt", "version two", later);
    assert_eq!(client.get("/page").await.text(), "version one");
}

// ---------------------------------------------------------------- checks and test client

#[tokio::test]
async fn check_reports_templates_e001_for_a_broken_template() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/broken.html", BROKEN);
    write(dir.path(), "pages/fine.html", "fine");
    let project = || Project::new(with_template_dirs(&[dir.path()], true));

    let site = project().build().unwrap();
    let messages = site.check(false);
    let e001: Vec<_> = messages
        .iter()
        .filter(|m| m.id == "templates.E001")
        .collect();
    assert_eq!(e001.len(), 1, "{messages:?}");
    assert!(e001[0].is_error());
    assert!(e001[0].message.contains("pages/broken.html"), "{}", e001[0]);
    assert!(e001[0].message.contains("line"), "{}", e001[0]);

    let failed = project().call_command(["check"]).await;
    match failed {
        Err(Error::CommandFailed { output, .. }) => {
            assert!(output.contains("templates.E001"), "{output}")
        }
        other => panic!("`check` should fail and keep its report, got {other:?}"),
    }
    match TestClient::try_new(project()) {
        Err(Error::Checks { messages }) => {
            assert!(messages.iter().any(|m| m.id == "templates.E001"))
        }
        other => panic!("the test client should refuse to start, got {other:?}"),
    }
}

#[test]
fn check_finds_no_template_problem_in_valid_templates() {
    let site = Project::new(Settings::default())
        .app(blog())
        .app(shop())
        .build()
        .unwrap();
    let messages = site.check(false);
    assert!(
        !messages.iter().any(|m| m.id == "templates.E001"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn test_response_exposes_the_template_name_and_context() {
    let client = TestClient::new(Project::new(Settings::default()).app(blog()));
    let res = client.get("/").await;
    assert_eq!(res.template_name(), Some("blog/post_list.html"));
    let posts = res
        .context_value("posts")
        .expect("the handler passed posts");
    assert_eq!(posts.len(), Some(2));
    assert_eq!(
        posts
            .get_item_by_index(0)
            .unwrap()
            .get_attr("title")
            .unwrap()
            .as_str(),
        Some("First post")
    );
    assert!(res.context_value("nope").is_none());
    assert!(res.context().is_some());

    let res = client.get("/posts/1").await;
    assert_eq!(res.template_name(), None);
    assert!(res.context_value("posts").is_none());
}

#[test]
fn templates_list_shows_the_winning_owner() {
    let project_dir = fixture("project/templates");
    let site = Project::new(with_template_dirs(&[&project_dir], true))
        .app(blog())
        .app(shop())
        .build()
        .unwrap();
    let list = site.templates().list();
    let owner = |name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(_, o)| o.as_str())
    };
    assert_eq!(owner("blog/override_me.html"), Some("project"));
    assert_eq!(owner("shared/banner.html"), Some("blog"));
    assert_eq!(owner("shop/home.html"), Some("shop"));
}
