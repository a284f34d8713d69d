//! Shared helpers: settings for dev and production-like projects, a configurable test app,
//! fixture paths and the blog/shop fixture apps.

#![allow(dead_code)]

use std::path::{self as fs_path, PathBuf};
use std::sync::Arc;

use galvani_core::app::AppSettings;
use galvani_core::commands::AppCommand;
use galvani_core::prelude::*;
use galvani_core::{Assets, Error};

/// A production-grade secret key: 50+ characters, many distinct, no placeholder prefix.
pub const SECRET_KEY: &str = "Zq3v9LkT0pWmX2bR8sYcN5dJ7hF4gA6eU1iO-oP_lK9jH3gF2dS";

/// The host production-like test settings allow (and the test client sends).
pub const PROD_HOST: &str = "testserver";

/// Development settings (`debug` on) from TOML text.
#[track_caller]
pub fn dev(toml: &str) -> Settings {
    Settings::from_toml(toml).unwrap_or_else(|e| panic!("test settings do not load: {e}"))
}

/// The TOML text that makes a valid production configuration, before `extra`.
pub fn prod_toml(extra: &str) -> String {
    format!(
        "debug = false\nsecret_key = \"{SECRET_KEY}\"\nallowed_hosts = [\"{PROD_HOST}\"]\n{extra}"
    )
}

/// Production-like settings (profile `prod`, `debug` off, a real key and allowed hosts),
/// with `extra` appended (top-level keys first, then sections).
#[track_caller]
pub fn prod(extra: &str) -> Settings {
    Settings::loader()
        .toml(prod_toml(extra))
        .profile("prod")
        .load()
        .unwrap_or_else(|e| panic!("test settings do not load: {e}"))
}

/// A fixture folder under `tests/it/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    fs_path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(rel)
}

/// `path` as a TOML string literal.
pub fn toml_path(path: impl AsRef<fs_path::Path>) -> String {
    toml::Value::String(path.as_ref().display().to_string()).to_string()
}

type RoutesFn = Arc<dyn Fn() -> Routes + Send + Sync>;
type CommandsFn = Arc<dyn Fn() -> Vec<AppCommand> + Send + Sync>;

/// An app assembled from parts, so each test declares only what it needs.
#[derive(Clone)]
pub struct TestApp {
    label: &'static str,
    routes: Option<RoutesFn>,
    templates: Option<Assets>,
    static_files: Option<Assets>,
    settings: Option<AppSettings>,
    commands: Option<CommandsFn>,
}

impl TestApp {
    pub fn new(label: &'static str) -> Self {
        TestApp {
            label,
            routes: None,
            templates: None,
            static_files: None,
            settings: None,
            commands: None,
        }
    }

    pub fn routes(mut self, f: impl Fn() -> Routes + Send + Sync + 'static) -> Self {
        self.routes = Some(Arc::new(f));
        self
    }

    pub fn templates(mut self, assets: Assets) -> Self {
        self.templates = Some(assets);
        self
    }

    pub fn static_files(mut self, assets: Assets) -> Self {
        self.static_files = Some(assets);
        self
    }

    pub fn settings(mut self, settings: AppSettings) -> Self {
        self.settings = Some(settings);
        self
    }

    pub fn commands(mut self, f: impl Fn() -> Vec<AppCommand> + Send + Sync + 'static) -> Self {
        self.commands = Some(Arc::new(f));
        self
    }
}

impl App for TestApp {
    fn label(&self) -> &'static str {
        self.label
    }

    fn routes(&self) -> Routes {
        self.routes.as_ref().map(|f| f()).unwrap_or_default()
    }

    fn templates(&self) -> Option<Assets> {
        self.templates.clone()
    }

    fn static_files(&self) -> Option<Assets> {
        self.static_files.clone()
    }

    fn settings(&self) -> Option<AppSettings> {
        self.settings
    }

    fn commands(&self) -> Vec<AppCommand> {
        self.commands.as_ref().map(|f| f()).unwrap_or_default()
    }
}

#[derive(serde::Serialize)]
pub struct Post {
    pub id: u32,
    pub title: &'static str,
}

pub async fn post_list() -> Template {
    let posts = vec![
        Post {
            id: 1,
            title: "First post",
        },
        Post {
            id: 2,
            title: "Second <post>",
        },
    ];
    Template::new("blog/post_list.html", context! { posts })
}

pub async fn post_detail(Path(id): Path<u32>, urls: Urls) -> HttpResult<String> {
    let me = urls.reverse("blog:post-detail", ("id", id))?;
    Ok(format!("post {id} at {me}"))
}

/// The blog fixture app: templates and static files under `fixtures/blog`, a post list at
/// `/` (`blog:post-list`) and posts at `/posts/{id}` (`blog:post-detail`).
pub fn blog() -> TestApp {
    TestApp::new("blog")
        .routes(|| {
            Routes::new()
                .route("/", get(post_list))
                .name("post-list")
                .route("/posts/{id}", get(post_detail))
                .name("post-detail")
        })
        .templates(galvani_core::assets!("tests/it/fixtures/blog/templates"))
        .static_files(galvani_core::assets!("tests/it/fixtures/blog/static"))
}

/// The shop fixture app: templates only (`shared/banner.html` clashes with the blog's).
pub fn shop() -> TestApp {
    TestApp::new("shop").templates(galvani_core::assets!("tests/it/fixtures/shop/templates"))
}

/// A route rendering `name` with `ctx` (a `context!` or any `Serialize` value).
pub fn render_route<C>(path: &str, name: &'static str, ctx: C) -> Routes
where
    C: serde::Serialize + Clone + Send + Sync + 'static,
{
    Routes::new().route(
        path,
        get(move || {
            let ctx = ctx.clone();
            async move { Template::new(name, ctx) }
        }),
    )
}

/// The error a build must fail with.
#[track_caller]
pub fn build_error(project: Project) -> Error {
    match project.build() {
        Ok(_) => panic!("the project was expected to fail to build"),
        Err(e) => e,
    }
}

/// Writes `text` to `dir/name`, creating folders.
pub fn write(dir: &fs_path::Path, name: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a file has a parent")).unwrap();
    std::fs::write(path, text).unwrap();
}
