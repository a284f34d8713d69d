//! Settings through the project: typed app sections as `Data<T>`, errors that name the key
//! and its origin, production checks and `check --deploy`.

use galvani_core::Error;
use galvani_core::app::AppSettings;
use galvani_core::prelude::*;
use galvani_core::test::TestClient;

use crate::support::{SECRET_KEY, TestApp, blog, build_error, dev, prod, prod_toml};

#[derive(serde::Deserialize, Debug)]
#[serde(default)]
struct ShopSettings {
    page_size: u32,
    currency: String,
}

impl Default for ShopSettings {
    fn default() -> Self {
        ShopSettings {
            page_size: 20,
            currency: "EUR".to_owned(),
        }
    }
}

async fn shop_info(settings: Data<ShopSettings>) -> String {
    format!("{} {}", settings.page_size, settings.currency)
}

fn shop() -> TestApp {
    TestApp::new("shop")
        .settings(AppSettings::of::<ShopSettings>())
        .routes(|| Routes::new().route("/info", get(shop_info)))
}

fn settings_problems(err: Error) -> String {
    match err {
        Error::Settings { ref problems } => {
            assert!(!problems.is_empty());
            err.to_string()
        }
        other => panic!("expected Error::Settings, got {other:?}"),
    }
}

#[tokio::test]
async fn typed_app_settings_become_data() {
    let client = TestClient::new(
        Project::new(dev("[apps.shop]\npage_size = 12\ncurrency = \"CHF\"\n")).app(shop()),
    );
    assert_eq!(client.get("/info").await.text(), "12 CHF");
    assert_eq!(client.site().data::<ShopSettings>().unwrap().page_size, 12);

    // Missing keys (or a missing section) take the type's defaults.
    let client =
        TestClient::new(Project::new(dev("[apps.shop]\ncurrency = \"USD\"\n")).app(shop()));
    assert_eq!(client.get("/info").await.text(), "20 USD");
    let client = TestClient::new(Project::new(Settings::default()).app(shop()));
    assert_eq!(client.get("/info").await.text(), "20 EUR");
}

#[tokio::test]
async fn environment_overrides_app_settings_from_the_file() {
    let settings = Settings::loader()
        .toml("[apps.shop]\npage_size = 12\n")
        .env([("GALVANI_APPS__SHOP__PAGE_SIZE", "50")])
        .load()
        .unwrap();
    let client = TestClient::new(Project::new(settings).app(shop()));
    assert_eq!(client.get("/info").await.text(), "50 EUR");
}

#[test]
fn unknown_app_settings_key_fails_the_build_naming_the_key_and_its_origin() {
    let message = settings_problems(build_error(
        Project::new(dev("debug = true\n[apps.shop]\npage_sise = 5\n")).app(shop()),
    ));
    assert!(message.contains("apps.shop.page_sise"), "{message}");
    assert!(message.contains("<inline settings>:3"), "{message}");
    assert!(
        message.contains("apps.shop.page_size"),
        "suggests the fix: {message}"
    );
}

#[test]
fn wrong_type_in_app_settings_fails_the_build_naming_the_key_and_its_origin() {
    let message = settings_problems(build_error(
        Project::new(dev(
            "[apps.shop]\ncurrency = \"EUR\"\npage_size = \"many\"\n",
        ))
        .app(shop()),
    ));
    assert!(message.contains("apps.shop.page_size"), "{message}");
    assert!(message.contains("<inline settings>:3"), "{message}");

    let settings = Settings::loader()
        .toml("")
        .env([("GALVANI_APPS__SHOP__PAGE_SIZE", "lots")])
        .load()
        .unwrap();
    let message = settings_problems(build_error(Project::new(settings).app(shop())));
    assert!(message.contains("apps.shop.page_size"), "{message}");
    assert!(
        message.contains("GALVANI_APPS__SHOP__PAGE_SIZE"),
        "{message}"
    );
}

#[test]
fn section_for_an_app_that_is_not_installed_fails_naming_the_installed_apps() {
    let message = settings_problems(build_error(
        Project::new(dev("[apps.shpo]\npage_size = 5\n"))
            .app(shop())
            .app(blog()),
    ));
    assert!(message.contains("apps.shpo"), "{message}");
    assert!(message.contains("installed apps: blog, shop"), "{message}");
    assert!(
        message.contains("[apps.shop]"),
        "suggests the close match: {message}"
    );
    assert!(message.contains("<inline settings>:1"), "{message}");

    let message = settings_problems(build_error(Project::new(dev("[apps.ghost]\nx = 1\n"))));
    assert!(message.contains("installed apps: none"), "{message}");
}

#[test]
fn section_for_an_app_without_settings_is_refused() {
    // The settings promise: any unknown key is an error naming the key. An app that reads no
    // settings has no keys, so `[apps.blog] page_size` can only be a mistake.
    let message = settings_problems(build_error(
        Project::new(dev("[apps.blog]\npage_size = 5\n")).app(blog()),
    ));
    assert!(message.contains("apps.blog.page_size"), "{message}");
}

#[test]
fn invalid_core_settings_fail_to_load_naming_the_key_and_line() {
    let err =
        Settings::from_toml("debug = true\n[server]\nrequest_timeout = \"soon\"\n").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("server.request_timeout"), "{message}");
    assert!(message.contains("<inline settings>:3"), "{message}");
    let err = Settings::from_toml("[server]\nadr = \"0.0.0.0:80\"\n").unwrap_err();
    assert!(err.to_string().contains("server.addr"), "{err}");
    // `Project::new` accepts the error and `build` reports it.
    let err = build_error(Project::new(Settings::from_toml(
        "[security]\nx_frame_options = \"ALLOW\"\n",
    )));
    assert!(
        err.to_string().contains("security.x_frame_options"),
        "{err}"
    );
}

// ---------------------------------------------------------------- production checks

fn prod_settings(toml: &str) -> Settings {
    Settings::loader()
        .toml(toml)
        .profile("prod")
        .load()
        .unwrap()
}

fn failed_check_ids(err: Error) -> Vec<String> {
    match err {
        Error::Checks { messages } => {
            assert!(messages.iter().all(|m| m.is_error()));
            messages.iter().map(|m| m.id.to_string()).collect()
        }
        other => panic!("expected Error::Checks, got {other:?}"),
    }
}

#[test]
fn production_without_a_secret_key_builds_but_fails_checks_with_e001() {
    let project = || Project::new(prod_settings("allowed_hosts = [\"example.com\"]\n")).app(blog());
    let site = project().build().expect("building does not run the checks");
    assert!(!site.settings().debug);
    assert_eq!(
        failed_check_ids(site.check_or_fail().unwrap_err()),
        ["security.E001"]
    );
    let ids = failed_check_ids(TestClient::try_new(project()).unwrap_err());
    assert_eq!(ids, ["security.E001"]);
}

#[test]
fn production_without_allowed_hosts_builds_but_fails_checks_with_e002() {
    let project = || Project::new(prod_settings(&format!("secret_key = \"{SECRET_KEY}\"\n")));
    let site = project().build().unwrap();
    assert_eq!(
        failed_check_ids(site.check_or_fail().unwrap_err()),
        ["security.E002"]
    );
    let ids = failed_check_ids(TestClient::try_new(project()).unwrap_err());
    assert_eq!(ids, ["security.E002"]);

    let site = Project::new(prod_settings("")).build().unwrap();
    let mut ids = failed_check_ids(site.check_or_fail().unwrap_err());
    ids.sort();
    assert_eq!(ids, ["security.E001", "security.E002"]);
}

#[test]
fn weak_secret_keys_fail_e001_in_production() {
    let weak = [
        format!("galvani-insecure-{}", &SECRET_KEY[..40]),
        "too-short-but-random-0a9s8d7f".to_owned(),
        "ab".repeat(30),
        format!("{}change-me", &SECRET_KEY[..45]),
    ];
    for key in weak {
        let site = Project::new(prod_settings(&format!(
            "secret_key = \"{key}\"\nallowed_hosts = [\"example.com\"]\n"
        )))
        .build()
        .unwrap();
        let ids = failed_check_ids(site.check_or_fail().unwrap_err());
        assert_eq!(ids, ["security.E001"], "key `{key}`");
    }
}

#[test]
fn valid_production_settings_pass_the_checks() {
    let site = Project::new(prod("")).app(blog()).build().unwrap();
    let messages = site.check_or_fail().unwrap();
    assert!(messages.iter().all(|m| !m.is_error()), "{messages:?}");
    // Secrets can also come from the environment.
    let settings = Settings::loader()
        .toml("allowed_hosts = [\"example.com\"]\n")
        .profile("prod")
        .env([("GALVANI_SECRET_KEY", SECRET_KEY)])
        .load()
        .unwrap();
    Project::new(settings)
        .build()
        .unwrap()
        .check_or_fail()
        .unwrap();
}

#[test]
fn debug_mode_needs_neither_key_nor_hosts() {
    let site = Project::new(Settings::default()).build().unwrap();
    site.check_or_fail().unwrap();
}

// ---------------------------------------------------------------- check --deploy

/// What `check --deploy` printed; it fails when it finds anything.
async fn check_deploy(project: Project) -> String {
    match project.call_command(["check", "--deploy"]).await {
        Ok(out) => out,
        Err(galvani_core::Error::CommandFailed { output, .. }) => output,
        Err(e) => panic!("check --deploy did not run: {e}"),
    }
}

fn deploy_ids(output: &str) -> Vec<&str> {
    let mut ids: Vec<&str> = output
        .lines()
        .filter_map(|l| l.split_once(':').map(|(id, _)| id))
        .filter(|id| id.starts_with("security.") || id.starts_with("staticfiles."))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[tokio::test]
async fn check_deploy_lists_the_unsafe_settings_of_a_dev_project() {
    let out = check_deploy(Project::new(Settings::default())).await;
    let ids = deploy_ids(&out);
    for id in [
        "security.W001",
        "security.W002",
        "security.W003",
        "security.W009",
    ] {
        assert!(ids.contains(&id), "{id} missing from:\n{out}");
    }
    assert!(out.contains("HINT:"), "{out}");
    assert!(out.contains("issue(s)"), "{out}");
}

#[tokio::test]
async fn check_deploy_lists_each_weakened_protection() {
    let toml = prod_toml(
        "[security]\nx_frame_options = \"SAMEORIGIN\"\ncontent_security_policy = \"\"\n\
         [cors]\nallowed_origins = [\"*\"]\n[middleware]\ntimeout = false\ncsrf = false\n",
    )
    .replace(
        "allowed_hosts = [\"testserver\"]",
        "allowed_hosts = [\"*\"]",
    );
    let out = check_deploy(Project::new(prod_settings(&toml))).await;
    let ids = deploy_ids(&out);
    for id in [
        "security.W002",
        "security.W003",
        "security.W004",
        "security.W005",
        "security.W006",
        "security.W007",
        "security.W008",
        "security.W010",
    ] {
        assert!(ids.contains(&id), "{id} missing from:\n{out}");
    }
    assert!(!ids.contains(&"security.W001"), "debug is off:\n{out}");
    assert!(out.contains("timeout"), "W008 names the switch:\n{out}");
    assert!(out.contains("csrf"), "W008 names CSRF switched off:\n{out}");
}

#[tokio::test]
async fn check_deploy_is_quiet_about_hardened_settings() {
    let toml = prod_toml(
        "[security]\nhsts_seconds = 31536000\nssl_redirect = true\n[mail]\nbackend = \"smtp\"\n",
    );
    let root = tempfile::tempdir().unwrap();
    crate::support::write(
        root.path(),
        "staticfiles.json",
        "{\"version\":1,\"paths\":{}}",
    );
    let toml = format!(
        "{toml}[static]\nroot = {}\n",
        crate::support::toml_path(root.path())
    );
    let out = Project::new(prod_settings(&toml))
        .call_command(["check", "--deploy"])
        .await
        .unwrap();
    assert!(deploy_ids(&out).is_empty(), "{out}");
    assert!(out.contains("System check identified no issues."), "{out}");
}

#[tokio::test]
async fn check_without_deploy_omits_the_deploy_warnings() {
    let out = Project::new(Settings::default())
        .call_command(["check"])
        .await
        .unwrap();
    assert!(!out.contains("security.W"), "{out}");
}

#[tokio::test]
async fn check_fail_level_warning_turns_warnings_into_failure() {
    let project = || Project::new(Settings::default());
    project().call_command(["check"]).await.unwrap();
    let failed = project()
        .call_command(["check", "--fail-level", "warning", "--deploy"])
        .await;
    assert!(failed.is_err(), "{failed:?}");
    // `--deploy` fails on warnings by default; `--fail-level error` relaxes it.
    assert!(project().call_command(["check", "--deploy"]).await.is_err());
    project()
        .call_command(["check", "--deploy", "--fail-level", "error"])
        .await
        .unwrap();
    let failed = project()
        .call_command(["check", "--fail-level", "sometimes"])
        .await;
    assert!(
        failed.is_err(),
        "an unknown level is a usage error: {failed:?}"
    );
}
