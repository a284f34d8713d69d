use super::*;

fn problems(result: Result<Settings, Error>) -> Vec<SettingsProblem> {
    match result {
        Err(Error::Settings { problems }) => problems,
        Err(other) => panic!("expected a settings error, got {other}"),
        Ok(_) => panic!("expected a settings error, got settings"),
    }
}

#[test]
fn unknown_keys_name_the_key_line_and_a_fix() {
    let p = problems(Settings::from_toml(
        "debug = true\nalowed_hosts = [\"x\"]\n",
    ));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].key, "alowed_hosts");
    assert!(
        p[0].message.contains("did you mean `allowed_hosts`"),
        "{}",
        p[0]
    );
    assert_eq!(
        p[0].to_string().split(':').next(),
        Some("<inline settings>")
    );
    assert!(
        p[0].to_string().starts_with("<inline settings>:2:"),
        "{}",
        p[0]
    );
}

#[test]
fn unknown_nested_keys_are_found_too() {
    let p = problems(Settings::from_toml(
        "[server]\nadr = \"x\"\n\n[templates]\nbogus = 1\n",
    ));
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["server.adr", "templates.bogus"]);
    assert!(p[0].message.contains("`server.addr`"), "{}", p[0]);
    assert!(p[1].message.contains("known keys here"), "{}", p[1]);
}

#[test]
fn wrong_types_name_the_key_and_origin() {
    let p = problems(Settings::from_toml(
        "[server]\n\nrequest_timeout = \"soon\"\n",
    ));
    assert_eq!(p[0].key, "server.request_timeout");
    assert!(
        p[0].to_string().starts_with("<inline settings>:3:"),
        "{}",
        p[0]
    );
    assert!(p[0].message.contains("not a duration"), "{}", p[0]);
}

#[test]
fn broken_toml_points_at_the_line() {
    let p = problems(Settings::from_toml("debug = true\nallowed_hosts = [\n"));
    assert!(p[0].message.starts_with("not valid TOML"), "{}", p[0]);
    assert!(matches!(p[0].origin, Origin::File { line: Some(_), .. }));
}

#[test]
fn profiles_override_the_base_and_set_debug() {
    let text =
        "allowed_hosts = [\"dev.test\"]\n[profile.prod]\nallowed_hosts = [\"shop.example\"]\n";
    let dev = Settings::loader().toml(text).load().unwrap();
    assert!(dev.debug);
    assert_eq!(dev.allowed_hosts, ["dev.test"]);
    let prod = Settings::loader()
        .toml(text)
        .profile("prod")
        .load()
        .unwrap();
    assert!(!prod.debug);
    assert_eq!(prod.allowed_hosts, ["shop.example"]);
    assert_eq!(prod.profile(), "prod");
    assert!(
        matches!(prod.origin("allowed_hosts"), Origin::File { profile: Some(ref p), .. } if p == "prod")
    );
}

#[test]
fn unknown_profiles_are_refused_with_suggestions() {
    let p = problems(
        Settings::loader()
            .toml("[profile.staging]\n")
            .profile("stagin")
            .load(),
    );
    assert!(p[0].message.contains("did you mean `staging`"), "{}", p[0]);
    assert!(
        Settings::loader()
            .toml("[profile.staging]\n")
            .profile("staging")
            .load()
            .is_ok()
    );
}

#[test]
fn environment_overrides_win_and_are_typed() {
    let s = Settings::loader()
        .toml("debug = true\n[server]\nmax_connections = 10\n")
        .env([
            ("GALVANI_DEBUG", "false"),
            ("GALVANI_SERVER__MAX_CONNECTIONS", "99"),
            ("GALVANI_ALLOWED_HOSTS", "a.com, b.com"),
            ("GALVANI_SECRET_KEY", "12345"),
            ("GALVANI_PROFILE", "dev"),
            ("HOME", "/root"),
        ])
        .load()
        .unwrap();
    assert!(!s.debug);
    assert_eq!(s.server.max_connections, 99);
    assert_eq!(s.allowed_hosts, ["a.com", "b.com"]);
    // A number in a string setting stays the string it was written as.
    assert_eq!(s.secret_key.expose(), "12345");
    assert_eq!(
        s.origin("server.max_connections"),
        Origin::Env {
            var: "GALVANI_SERVER__MAX_CONNECTIONS".into()
        }
    );
}

#[test]
fn unknown_environment_keys_name_the_variable() {
    let p = problems(Settings::loader().env([("GALVANI_DEBG", "1")]).load());
    assert_eq!(
        p[0].origin,
        Origin::Env {
            var: "GALVANI_DEBG".into()
        }
    );
    assert!(p[0].message.contains("did you mean `debug`"), "{}", p[0]);
}

#[test]
fn semantic_mistakes_are_reported() {
    let p = problems(Settings::from_toml(
        "[static]\nurl = \"static\"\n[security]\nx_frame_options = \"ALLOW\"\n[log]\nlevel = \"[[\"\n",
    ));
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert!(keys.contains(&"static.url"), "{keys:?}");
    assert!(keys.contains(&"security.x_frame_options"), "{keys:?}");
    assert!(keys.contains(&"log.level"), "{keys:?}");
}

#[test]
fn app_sections_are_typed_and_checked() {
    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct Shop {
        page_size: u32,
    }
    let s = Settings::from_toml("[apps.shop]\npage_size = \"many\"\n").unwrap();
    let err = s.app::<Shop>("shop").unwrap_err().to_string();
    assert!(err.contains("apps.shop.page_size"), "{err}");
    assert!(err.contains("<inline settings>:2"), "{err}");
    let s = Settings::from_toml("").unwrap();
    assert_eq!(s.app::<Shop>("shop").unwrap().page_size, 0);
}

#[test]
fn relative_paths_resolve_against_the_settings_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("galvani.toml"),
        "[static]\nroot = \"out\"\n",
    )
    .unwrap();
    let s = Settings::loader()
        .file(dir.path().join("galvani.toml"))
        .load()
        .unwrap();
    assert_eq!(s.path(&s.static_files.root), dir.path().join("out"));
    assert_eq!(s.file(), Some(dir.path().join("galvani.toml").as_path()));
}

#[test]
fn a_missing_required_file_is_a_settings_error() {
    let err = Settings::loader()
        .file("/nonexistent/galvani.toml")
        .load()
        .unwrap_err();
    assert!(
        err.to_string().contains("could not read the settings file"),
        "{err}"
    );
    assert!(
        Settings::loader()
            .optional_file("/nonexistent/galvani.toml")
            .load()
            .is_ok()
    );
}

#[test]
fn secrets_do_not_leak_through_debug() {
    let s = Settings::from_toml("secret_key = \"super-secret-value\"\n").unwrap();
    assert!(!format!("{s:?}").contains("super-secret-value"));
}

#[test]
fn the_log_level_follows_debug_unless_set() {
    let dev = Settings::loader().load().unwrap();
    assert_eq!(dev.log.level, "info");
    let prod = Settings::loader().profile("prod").load().unwrap();
    assert_eq!(prod.log.level, "warn");
    let debug_prod = Settings::loader()
        .toml("debug = true\n")
        .profile("prod")
        .load()
        .unwrap();
    assert_eq!(debug_prod.log.level, "info");
    let chosen = Settings::loader()
        .profile("prod")
        .env([("GALVANI_LOG__LEVEL", "info")])
        .load()
        .unwrap();
    assert_eq!(chosen.log.level, "info");
}

#[test]
fn the_database_defaults_to_sqlite_in_the_project_folder() {
    let s = Settings::loader().base_dir("/srv/shop").load().unwrap();
    assert_eq!(s.database_url(), "sqlite:///srv/shop/db.sqlite3");
    let s = Settings::loader()
        .base_dir("/srv/shop")
        .env([("GALVANI_DATABASE__URL", "postgres://shop:pw@db/shop")])
        .load()
        .unwrap();
    assert_eq!(s.database_url(), "postgres://shop:pw@db/shop");
    assert!(
        !format!("{:?}", s.database).contains("pw"),
        "the password never shows"
    );
    let absolute =
        Settings::from_toml("[database]\nurl = \"sqlite:///var/db.sqlite3?mode=rwc\"\n").unwrap();
    assert_eq!(absolute.database_url(), "sqlite:///var/db.sqlite3?mode=rwc");
}

#[test]
fn a_bad_database_url_names_the_key() {
    let p = problems(Settings::from_toml(
        "[database]\nurl = \"mysql://x\"\nmax_connections = 0\n",
    ));
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["database.url", "database.max_connections"]);
    assert!(p[0].message.contains("postgres://"), "{}", p[0]);
    let p = problems(Settings::from_toml("[database]\nmax_conections = 3\n"));
    assert_eq!(p[0].key, "database.max_conections");
    assert!(p[0].message.contains("max_connections"), "{}", p[0]);
}
