//! Static files: serving in debug, traversal, collectstatic (hashing, manifest, CSS
//! rewriting), serving collected files with debug off, and the failure modes.

use std::collections::BTreeMap;
use std::path::Path as FsPath;

use galvani_core::Error;
use galvani_core::prelude::*;
use galvani_core::staticfiles::{CollectOptions, collect};
use galvani_core::test::TestClient;

use crate::support::{TestApp, blog, dev, fixture, prod, render_route, toml_path, write};

const APP_CSS: &str = "@import \"base.css\";\n\
                       body { background: url(img/logo.png) no-repeat; }\n\
                       .icon { background: url('../shared/icon.svg?v=3#a'); }\n\
                       .cdn { background: url(https://cdn.example.com/x.png); }\n";

/// Writes a small static tree: `site/app.css` referring to `site/base.css`,
/// `site/img/logo.png` and `shared/icon.svg`.
fn write_sources(dir: &FsPath) {
    write(dir, "site/app.css", APP_CSS);
    write(dir, "site/base.css", "html { color: black; }\n");
    write(dir, "site/img/logo.png", b"\x89PNG first logo");
    write(dir, "shared/icon.svg", "<svg></svg>");
    write(dir, "site/app.js", "console.log('hi');\n");
}

/// Settings whose project static folder is `src` and static root `root`.
fn static_toml(src: &FsPath, root: &FsPath) -> String {
    format!(
        "[static]\ndirs = [{}]\nroot = {}\n",
        toml_path(src),
        toml_path(root)
    )
}

fn manifest(root: &FsPath) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root.join("staticfiles.json")).expect("a manifest");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(json["paths"].clone()).unwrap()
}

fn collect_into(src: &FsPath, root: &FsPath) -> Result<(), Error> {
    let site = Project::new(dev(&static_toml(src, root))).build().unwrap();
    collect(site.static_files(), CollectOptions::default()).map(|_| ())
}

// ---------------------------------------------------------------- serving in debug

#[tokio::test]
async fn debug_serves_app_static_files_uncached() {
    let client = TestClient::new(Project::new(Settings::default()).app(blog()));
    let res = client.get("/static/blog/app.js").await;
    assert_eq!(res.status(), 200);
    let on_disk = std::fs::read(fixture("blog/static/blog/app.js")).unwrap();
    assert_eq!(&res.bytes()[..], &on_disk[..]);
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    let ct = res.header("content-type").unwrap_or("");
    assert!(
        ct.contains("javascript") && ct.contains("charset=utf-8"),
        "{ct}"
    );
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn css_is_served_with_a_utf8_charset() {
    let client = TestClient::new(Project::new(Settings::default()).app(blog()));
    let res = client.get("/static/blog/site.css").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(res.text().contains("blog app stylesheet"));
}

#[tokio::test]
async fn project_static_folder_wins_over_the_app() {
    let settings = dev(&format!(
        "[static]\ndirs = [{}]\n",
        toml_path(fixture("project/static"))
    ));
    let client = TestClient::new(Project::new(settings).app(blog()));
    let res = client.get("/static/blog/site.css").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().contains("project stylesheet"), "{}", res.text());
    // Files only the app has are still served from the app.
    assert_eq!(client.get("/static/blog/app.js").await.status(), 200);
}

#[tokio::test]
async fn debug_serving_sees_new_and_changed_files_at_once() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "a.txt", "one");
    let app = TestApp::new("files").static_files(galvani_core::Assets::dir(src.path()));
    let client = TestClient::new(Project::new(Settings::default()).app(app));
    assert_eq!(client.get("/static/a.txt").await.text(), "one");
    write(src.path(), "a.txt", "two");
    write(src.path(), "b.txt", "new");
    assert_eq!(client.get("/static/a.txt").await.text(), "two");
    assert_eq!(client.get("/static/b.txt").await.text(), "new");
}

#[tokio::test]
async fn missing_static_file_is_404() {
    let client = TestClient::new(Project::new(Settings::default()).app(blog()));
    assert_eq!(client.get("/static/blog/nope.css").await.status(), 404);
    assert_eq!(client.get("/static/").await.status(), 404);
}

#[tokio::test]
async fn path_traversal_is_refused_with_404() {
    let root = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "site/app.css", "body {}");
    // A file next to the source folder that must never be reachable.
    write(root.path(), "secret.txt", "TOP SECRET");
    let attempts = [
        "/static/../Cargo.toml",
        "/static/blog/../../../Cargo.toml",
        "/static/%2e%2e/%2e%2e/Cargo.toml",
        "/static/..%2f..%2fCargo.toml",
        "/static/blog/..%5c..%5cCargo.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/site/../../secret.txt",
        "/static/%2e%2e/secret.txt",
    ];
    let debug = TestClient::new(
        Project::new(dev(&static_toml(
            src.path(),
            &root.path().join("collected"),
        )))
        .app(blog()),
    );
    for path in attempts {
        let res = debug.get(path).await;
        assert_eq!(res.status(), 404, "debug: {path}");
        assert!(!res.text().contains("[package]") && !res.text().contains("TOP SECRET"));
    }

    // Serving collected files with debug off refuses the same.
    let collected = root.path().join("collected");
    collect_into(src.path(), &collected).unwrap();
    let production = TestClient::new(Project::new(prod(&static_toml(src.path(), &collected))));
    assert_eq!(production.get("/static/site/app.css").await.status(), 200);
    for path in attempts {
        let res = production.get(path).await;
        assert_eq!(res.status(), 404, "production: {path}");
        assert!(!res.text().contains("[package]") && !res.text().contains("TOP SECRET"));
    }
}

// ---------------------------------------------------------------- collectstatic

#[test]
fn collectstatic_writes_originals_hashed_copies_and_the_manifest() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write_sources(src.path());
    let site = Project::new(dev(&static_toml(src.path(), root.path())))
        .build()
        .unwrap();
    let report = collect(site.static_files(), CollectOptions::default()).unwrap();
    assert_eq!(report.copied, 5);
    assert_eq!(report.hashed, 5);
    assert_eq!(report.rewritten, 1);

    let paths = manifest(root.path());
    assert_eq!(paths.len(), 5, "{paths:?}");
    for (original, hashed) in &paths {
        assert_ne!(original, hashed);
        assert!(root.path().join(original).is_file(), "original {original}");
        assert!(root.path().join(hashed).is_file(), "hashed {hashed}");
        let (stem, ext) = original.rsplit_once('.').unwrap();
        let middle = hashed
            .strip_prefix(&format!("{stem}."))
            .and_then(|h| h.strip_suffix(&format!(".{ext}")))
            .unwrap_or_else(|| panic!("`{hashed}` is not `{stem}.HASH.{ext}`"));
        assert!(
            middle.len() >= 8 && middle.bytes().all(|b| b.is_ascii_hexdigit()),
            "{hashed}"
        );
    }
    // Originals are copied as they are; hashed copies of non-CSS files too.
    assert_eq!(
        std::fs::read(root.path().join("site/img/logo.png")).unwrap(),
        b"\x89PNG first logo"
    );
    assert_eq!(
        std::fs::read(root.path().join(&paths["site/img/logo.png"])).unwrap(),
        b"\x89PNG first logo"
    );
}

#[test]
fn collectstatic_rewrites_css_references_to_hashed_names() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write_sources(src.path());
    collect_into(src.path(), root.path()).unwrap();
    let paths = manifest(root.path());
    let css = std::fs::read_to_string(root.path().join(&paths["site/app.css"])).unwrap();

    let base_name = paths["site/base.css"].rsplit('/').next().unwrap();
    let logo_name = paths["site/img/logo.png"].rsplit('/').next().unwrap();
    let icon_name = paths["shared/icon.svg"].rsplit('/').next().unwrap();
    assert!(css.contains(&format!("@import \"{base_name}\"")), "{css}");
    assert!(css.contains(&format!("url(img/{logo_name})")), "{css}");
    assert!(
        css.contains(&format!("url('../shared/{icon_name}?v=3#a')")),
        "{css}"
    );
    assert!(css.contains("url(https://cdn.example.com/x.png)"), "{css}");
}

#[test]
fn css_hash_changes_when_a_referenced_image_changes() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write_sources(src.path());
    collect_into(src.path(), root.path()).unwrap();
    let before = manifest(root.path());

    write(src.path(), "site/img/logo.png", b"\x89PNG second logo");
    collect_into(src.path(), root.path()).unwrap();
    let after = manifest(root.path());

    assert_ne!(before["site/img/logo.png"], after["site/img/logo.png"]);
    assert_ne!(
        before["site/app.css"], after["site/app.css"],
        "app.css did not change, but what it refers to did"
    );
    assert_eq!(before["site/base.css"], after["site/base.css"]);
    assert_eq!(before["site/app.js"], after["site/app.js"]);
}

#[tokio::test]
async fn collectstatic_command_collects_project_and_app_files() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write_sources(src.path());
    write(src.path(), "blog/site.css", "/* project wins */");
    let out = Project::new(dev(&static_toml(src.path(), root.path())))
        .app(blog())
        .call_command(["collectstatic"])
        .await
        .unwrap();
    assert!(out.contains("copied"), "{out}");
    assert!(
        out.contains("blog/site.css"),
        "the override is reported: {out}"
    );
    let paths = manifest(root.path());
    assert!(paths.contains_key("blog/app.js"), "{paths:?}");
    assert_eq!(
        std::fs::read_to_string(root.path().join("blog/site.css")).unwrap(),
        "/* project wins */"
    );
}

#[tokio::test]
async fn css_reference_to_a_missing_file_fails_collectstatic_naming_both() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "site/app.css",
        "body { background: url(img/missing.png); }",
    );
    let err = collect_into(src.path(), root.path()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Static { .. }), "{err:?}");
    assert!(message.contains("site/app.css"), "{message}");
    assert!(message.contains("site/img/missing.png"), "{message}");
    assert!(!root.path().join("staticfiles.json").exists());

    let err = Project::new(dev(&static_toml(src.path(), root.path())))
        .call_command(["collectstatic"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("site/img/missing.png"), "{err}");
}

#[test]
fn stylesheets_importing_each_other_fail_collectstatic() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write(src.path(), "a.css", "@import \"b.css\";");
    write(src.path(), "b.css", "@import \"a.css\";");
    let err = collect_into(src.path(), root.path()).unwrap_err();
    assert!(
        err.to_string().contains("a.css") && err.to_string().contains("b.css"),
        "{err}"
    );
}

#[tokio::test]
async fn collectstatic_clear_refuses_a_root_that_holds_a_source_folder() {
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("src");
    write(&src, "site/app.css", "body {}");
    let err = Project::new(dev(&static_toml(&src, root.path())))
        .call_command(["collectstatic", "--clear"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refusing to clear"), "{err}");
    assert!(src.join("site/app.css").is_file(), "the source survived");

    // A root inside a source folder is refused too.
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "site/app.css", "body {}");
    let inner = src.path().join("collected");
    std::fs::create_dir_all(&inner).unwrap();
    let err = Project::new(dev(&static_toml(src.path(), &inner)))
        .call_command(["collectstatic", "--clear"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refusing to clear"), "{err}");
    assert!(src.path().join("site/app.css").is_file());
}

#[tokio::test]
async fn collectstatic_clear_empties_a_root_of_its_own() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write(src.path(), "site/app.css", "body {}");
    write(root.path(), "stale.txt", "old");
    let toml = static_toml(src.path(), root.path());
    Project::new(dev(&toml))
        .call_command(["collectstatic"])
        .await
        .unwrap();
    assert!(
        root.path().join("stale.txt").exists(),
        "kept without --clear"
    );
    Project::new(dev(&toml))
        .call_command(["collectstatic", "--clear"])
        .await
        .unwrap();
    assert!(
        !root.path().join("stale.txt").exists(),
        "removed by --clear"
    );
    assert!(root.path().join("site/app.css").is_file());
}

// ---------------------------------------------------------------- debug off

#[tokio::test]
async fn debug_off_uses_hashed_urls_served_as_immutable() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    write_sources(src.path());
    collect_into(src.path(), root.path()).unwrap();
    let paths = manifest(root.path());

    let tpl = tempfile::tempdir().unwrap();
    write(tpl.path(), "page.html", "{{ static(\"site/app.css\") }}");
    let toml = format!(
        "{}[templates]\ndirs = [{}]\n",
        static_toml(src.path(), root.path()),
        toml_path(tpl.path())
    );
    let client = TestClient::new(Project::new(prod(&toml)).routes(render_route(
        "/page",
        "page.html",
        context! {},
    )));
    let url = format!("/static/{}", paths["site/app.css"]);
    let res = client.get("/page").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.text(), url);
    assert_eq!(
        client.site().static_files().url("site/app.css").unwrap(),
        url
    );

    let res = client.get(&url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(res.text().contains("url(img/logo."), "{}", res.text());

    // The unhashed name is still served, but only briefly cacheable.
    let res = client.get("/static/site/app.css").await;
    assert_eq!(res.status(), 200);
    assert_ne!(
        res.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // Debug-off serving reads the static root, not the source folders.
    write(src.path(), "site/only_in_source.css", "x");
    assert_eq!(
        client.get("/static/site/only_in_source.css").await.status(),
        404
    );
    // A name missing from the manifest is an error, not a guess.
    assert!(
        client
            .site()
            .static_files()
            .url("site/unknown.css")
            .is_err()
    );
}

#[tokio::test]
async fn missing_manifest_warns_w001_and_static_in_a_template_gives_500() {
    let root = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let toml = static_toml(src.path(), root.path());
    let client = TestClient::new(Project::new(prod(&toml)).app(blog()).routes(render_route(
        "/page",
        "blog/uses_static.html",
        context! {},
    )));
    let messages = client.site().check(false);
    let w001 = messages
        .iter()
        .find(|m| m.id == "staticfiles.W001")
        .unwrap_or_else(|| panic!("no staticfiles.W001 in {messages:?}"));
    assert!(!w001.is_error());

    let res = client.get("/page").await;
    assert_eq!(res.status(), 500);
    assert!(
        !res.text().contains("manifest"),
        "production hides the cause"
    );
    let report = res.error_report().expect("an error report");
    assert!(
        report.causes.iter().any(|c| c.contains("collectstatic")),
        "{:?}",
        report.causes
    );

    // With debug on, no manifest is needed.
    let client = TestClient::new(Project::new(dev(&toml)).app(blog()).routes(render_route(
        "/page",
        "blog/uses_static.html",
        context! {},
    )));
    assert!(
        !client
            .site()
            .check(false)
            .iter()
            .any(|m| m.id == "staticfiles.W001")
    );
    assert_eq!(
        client.get("/page").await.text(),
        "<link href=\"/static/blog/site.css\">"
    );
}

#[test]
fn corrupt_manifest_is_reported_by_check() {
    let root = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    write(root.path(), "staticfiles.json", "{ not json");
    let site = Project::new(prod(&static_toml(src.path(), root.path())))
        .build()
        .unwrap();
    let messages = site.check(false);
    let w001 = messages.iter().find(|m| m.id == "staticfiles.W001");
    assert!(
        w001.is_some_and(|m| m.message.contains("staticfiles.json")),
        "{messages:?}"
    );
}
