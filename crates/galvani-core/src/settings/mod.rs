//! Settings: `galvani.toml`, profiles, and `GALVANI_*` environment overrides.
//!
//! A settings file is plain TOML. Top-level keys apply to every profile; a
//! `[profile.NAME]` section overrides them for one profile; `GALVANI_*`
//! environment variables override both (`GALVANI_SERVER__ADDR` sets `server.addr`).
//! Each app reads its own typed section, `[apps.LABEL]`.
//!
//! ```toml
//! secret_key = "galvani-insecure-change-me"
//! allowed_hosts = ["localhost"]
//!
//! [apps.shop]
//! page_size = 20
//!
//! [profile.prod]
//! debug = false
//! allowed_hosts = ["shop.example.com"]
//! ```
//!
//! The profile comes from `GALVANI_PROFILE` (default `dev`; `dev` and `test` turn `debug` on
//! by default). Any unknown key or wrong type is an error naming the key, the file and the line.
//!
//! ```
//! use galvani_core::settings::Settings;
//! let settings = Settings::loader()
//!     .toml("allowed_hosts = [\"example.com\"]\n[profile.prod]\ndebug = false\n")
//!     .profile("prod")
//!     .load()
//!     .unwrap();
//! assert!(!settings.debug);
//! assert_eq!(settings.allowed_hosts, ["example.com"]);
//! ```

mod introspect;
mod layers;
mod sections;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::{Table, Value};

pub use layers::Origin;
pub use sections::{
    CorsSettings, CsrfSettings, DatabaseSettings, LogFormat, LogSettings, MailSettings,
    MiddlewareSettings, SecuritySettings, ServerSettings, StaticSettings, TemplateSettings,
    UndefinedVariables, UploadSettings,
};
pub use values::{ByteSize, Seconds, Secret, string_or_list, url_without_password};

use crate::error::Error;
use layers::{Layers, RESERVED_ENV};

/// The profiles that need no `[profile.NAME]` section in the file.
const BUILTIN_PROFILES: &[&str] = &["dev", "prod", "test"];

/// The profiles where `debug` defaults to on; every other profile is production-like.
const DEBUG_PROFILES: &[&str] = &["dev", "test"];

/// The project's settings. Core settings are public fields; apps read their typed
/// `[apps.LABEL]` sections with [`Settings::app`].
///
/// ```
/// use galvani_core::settings::Settings;
/// let s = Settings::default();
/// assert!(s.debug);
/// assert_eq!(s.server.addr, "127.0.0.1:8000");
/// assert_eq!(s.static_files.url, "/static/");
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Debug mode: detailed error pages, template reloading, static files from app folders.
    /// Defaults to on in the `dev` and `test` profiles. Never on in production.
    pub debug: bool,
    /// Signs sessions, CSRF tokens and password-reset links. Required (50+ characters)
    /// when `debug` is off; generate one with `openssl rand -base64 48`.
    pub secret_key: Secret,
    /// Former secret keys still accepted when checking signatures, for key rotation.
    #[serde(deserialize_with = "string_or_list")]
    pub secret_key_fallbacks: Vec<Secret>,
    /// Host names this site answers to (`example.com`, `.example.com` for subdomains, `*`).
    /// Empty in debug means `localhost`, `127.0.0.1` and `[::1]`.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_hosts: Vec<String>,
    /// `[server]`
    pub server: ServerSettings,
    /// `[security]`
    pub security: SecuritySettings,
    /// `[cors]`
    pub cors: CorsSettings,
    /// `[csrf]`
    pub csrf: CsrfSettings,
    /// `[templates]`
    pub templates: TemplateSettings,
    /// `[static]`
    #[serde(rename = "static")]
    pub static_files: StaticSettings,
    /// `[middleware]`
    pub middleware: MiddlewareSettings,
    /// `[log]`
    pub log: LogSettings,
    /// `[database]`
    pub database: DatabaseSettings,
    /// `[uploads]`
    pub uploads: UploadSettings,
    /// `[mail]`
    pub mail: MailSettings,
    /// `[metrics]`
    pub metrics: crate::metrics::MetricsSettings,
    /// `[apps.LABEL]` sections, read through [`Settings::app`].
    #[serde(rename = "apps")]
    app_sections: AppSections,
    #[serde(skip)]
    meta: Arc<Meta>,
}

/// The raw `[apps.*]` sections; `Debug` shows only their labels, since they may hold secrets.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
struct AppSections(Table);

impl fmt::Debug for AppSections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

#[derive(Default)]
struct Meta {
    profile: String,
    base_dir: PathBuf,
    file: Option<PathBuf>,
    layers: Layers,
}

impl fmt::Debug for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meta")
            .field("profile", &self.profile)
            .field("base_dir", &self.base_dir)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            debug: true,
            secret_key: Secret::default(),
            secret_key_fallbacks: Vec::new(),
            allowed_hosts: Vec::new(),
            server: ServerSettings::default(),
            security: SecuritySettings::default(),
            cors: CorsSettings::default(),
            csrf: CsrfSettings::default(),
            templates: TemplateSettings::default(),
            static_files: StaticSettings::default(),
            middleware: MiddlewareSettings::default(),
            log: LogSettings::default(),
            database: DatabaseSettings::default(),
            uploads: UploadSettings::default(),
            mail: MailSettings::default(),
            metrics: crate::metrics::MetricsSettings::default(),
            app_sections: AppSections::default(),
            meta: Arc::new(Meta {
                profile: "dev".to_owned(),
                base_dir: PathBuf::from("."),
                ..Meta::default()
            }),
        }
    }
}

/// One thing wrong with the settings: where, which key, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsProblem {
    /// The file and line, or environment variable, the key came from.
    pub origin: Origin,
    /// The dotted key, such as `server.addr`.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for SettingsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: `{}`: {}", self.origin, self.key, self.message)
        }
    }
}

impl Settings {
    /// Starts a loader to assemble settings from a file, a profile and an environment.
    pub fn loader() -> SettingsLoader {
        SettingsLoader::default()
    }

    /// Loads `galvani.toml` from the current folder (or the file named by
    /// `GALVANI_SETTINGS`), the profile named by `GALVANI_PROFILE` (default `dev`) and the
    /// `GALVANI_*` variables of this process.
    pub fn from_env() -> Result<Settings, Error> {
        Settings::from_env_in(".")
    }

    /// Like [`Settings::from_env`], looking for `galvani.toml` in `dir`; relative paths in the
    /// settings resolve against the settings file's folder. A project binary usually passes
    /// `env!("CARGO_MANIFEST_DIR")` so `cargo run` works from any folder.
    pub fn from_env_in(dir: impl AsRef<Path>) -> Result<Settings, Error> {
        let dir = dir.as_ref();
        let env: Vec<(String, String)> = std::env::vars().collect();
        let lookup = |k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let mut loader = Settings::loader().base_dir(dir).env(env.clone());
        loader = match lookup("GALVANI_SETTINGS") {
            Some(file) => loader.file(file),
            None => loader.optional_file(dir.join("galvani.toml")),
        };
        if let Some(profile) = lookup("GALVANI_PROFILE") {
            loader = loader.profile(profile);
        }
        loader.load()
    }

    /// Parses settings from TOML text with the `dev` profile and no environment, for tests.
    pub fn from_toml(text: &str) -> Result<Settings, Error> {
        Settings::loader().toml(text).load()
    }

    /// The active profile (`dev`, `prod`, ...).
    pub fn profile(&self) -> &str {
        &self.meta.profile
    }

    /// The settings file used, if any.
    pub fn file(&self) -> Option<&Path> {
        self.meta.file.as_deref()
    }

    /// The project folder: relative paths in settings are resolved against it.
    pub fn base_dir(&self) -> &Path {
        &self.meta.base_dir
    }

    /// The database URL with a relative SQLite path resolved against
    /// [`Settings::base_dir`] (so `sqlite://db.sqlite3` is the project's own file
    /// whatever the working directory).
    pub fn database_url(&self) -> String {
        let url = &self.database.url;
        let Some(path) = url.strip_prefix("sqlite://") else {
            return url.clone();
        };
        let (file, query) = match path.split_once('?') {
            Some((file, query)) => (file, Some(query)),
            None => (path, None),
        };
        if file.is_empty() || file.starts_with(':') || Path::new(file).is_absolute() {
            return url.clone();
        }
        let resolved = self.meta.base_dir.join(file);
        match query {
            Some(q) => format!("sqlite://{}?{q}", resolved.display()),
            None => format!("sqlite://{}", resolved.display()),
        }
    }

    /// Resolves a path from the settings against [`Settings::base_dir`].
    pub fn path(&self, p: impl AsRef<Path>) -> PathBuf {
        let p = p.as_ref();
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.meta.base_dir.join(p)
        }
    }

    /// Where a setting came from (file and line, environment variable or default).
    pub fn origin(&self, key: &str) -> Origin {
        self.meta.layers.origin_of(key)
    }

    /// The host names requests are accepted for, with the debug-mode defaults applied.
    pub fn effective_allowed_hosts(&self) -> Vec<String> {
        if self.allowed_hosts.is_empty() && self.debug {
            ["localhost", "127.0.0.1", "[::1]"]
                .map(String::from)
                .to_vec()
        } else {
            self.allowed_hosts.clone()
        }
    }

    /// Whether templates reload when their files change.
    pub fn template_auto_reload(&self) -> bool {
        self.templates.auto_reload.unwrap_or(self.debug)
    }

    /// Whether `static()` uses the collected manifest's hashed names.
    pub fn static_manifest(&self) -> bool {
        self.static_files.manifest.unwrap_or(!self.debug)
    }

    /// Reads an app's typed section, `[apps.LABEL]`. Unknown keys and wrong types are
    /// errors naming the key and where it was set. Missing keys take the type's defaults.
    ///
    /// ```
    /// use galvani_core::settings::Settings;
    /// #[derive(serde::Deserialize, Default, Debug)]
    /// #[serde(default)]
    /// struct Shop { page_size: u32 }
    ///
    /// let s = Settings::from_toml("[apps.shop]\npage_size = 5\n").unwrap();
    /// assert_eq!(s.app::<Shop>("shop").unwrap().page_size, 5);
    /// let err = Settings::from_toml("[apps.shop]\npage_sise = 5\n").unwrap()
    ///     .app::<Shop>("shop").unwrap_err();
    /// assert!(err.to_string().contains("apps.shop.page_sise"));
    /// ```
    pub fn app<T: DeserializeOwned>(&self, label: &str) -> Result<T, Error> {
        let section = match self.app_sections.0.get(label) {
            Some(Value::Table(t)) => t.clone(),
            Some(_) => {
                return Err(Error::Settings {
                    problems: vec![SettingsProblem {
                        origin: self.origin(&format!("apps.{label}")),
                        key: format!("apps.{label}"),
                        message: format!("must be a table: write `[apps.{label}]` on its own line"),
                    }],
                });
            }
            None => Table::new(),
        };
        let mut layers = Layers {
            table: section,
            origins: Default::default(),
        };
        let prefix = format!("apps.{label}");
        for (key, origin) in &self.meta.layers.origins {
            if let Some(rest) = key.strip_prefix(&prefix).and_then(|r| r.strip_prefix('.')) {
                layers.origins.insert(rest.to_owned(), origin.clone());
            }
        }
        deserialize_layers::<T>(&mut layers, &prefix, &Default::default())
            .map_err(|problems| Error::Settings { problems })
    }

    /// The keys of the `[apps.LABEL]` section (empty when there is none).
    pub fn app_keys(&self, label: &str) -> Vec<&str> {
        match self.app_sections.0.get(label) {
            Some(Value::Table(t)) => t.keys().map(String::as_str).collect(),
            Some(_) => vec![""],
            None => Vec::new(),
        }
    }

    /// The labels of every `[apps.LABEL]` section present.
    pub fn app_labels(&self) -> impl Iterator<Item = &str> {
        self.app_sections.0.keys().map(String::as_str)
    }
}

/// Assembles [`Settings`] from a file, a profile and environment variables.
///
/// ```
/// use galvani_core::settings::Settings;
/// let s = Settings::loader()
///     .toml("[server]\naddr = \"0.0.0.0:80\"\n")
///     .env([("GALVANI_SERVER__ADDR".to_string(), "127.0.0.1:9000".to_string())])
///     .load()
///     .unwrap();
/// assert_eq!(s.server.addr, "127.0.0.1:9000");
/// ```
#[derive(Debug, Default, Clone)]
pub struct SettingsLoader {
    file: Option<(PathBuf, bool)>,
    text: Option<(PathBuf, String)>,
    profile: Option<String>,
    env: Vec<(String, String)>,
    base_dir: Option<PathBuf>,
}

impl SettingsLoader {
    /// Reads settings from this file; it must exist.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some((path.into(), true));
        self
    }

    /// Reads settings from this file if it exists.
    pub fn optional_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some((path.into(), false));
        self
    }

    /// Uses TOML text instead of a file (errors name it `<inline settings>`).
    pub fn toml(mut self, text: impl Into<String>) -> Self {
        self.text = Some((PathBuf::from("<inline settings>"), text.into()));
        self
    }

    /// Selects the profile (default `dev`).
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Applies `GALVANI_*` overrides from these variables (others are ignored).
    pub fn env<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// The folder relative paths resolve against when there is no settings file.
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Reads, merges and checks everything, returning every problem found at once.
    pub fn load(self) -> Result<Settings, Error> {
        let profile = self.profile.clone().unwrap_or_else(|| "dev".to_owned());
        let mut problems = Vec::new();
        let mut layers = Layers::default();

        let source = match (&self.text, &self.file) {
            (Some((name, text)), _) => Some((name.clone(), text.clone())),
            (None, Some((path, required))) => match std::fs::read_to_string(path) {
                Ok(text) => Some((path.clone(), text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => None,
                Err(e) => {
                    return Err(Error::Settings {
                        problems: vec![SettingsProblem {
                            origin: Origin::File {
                                path: path.clone(),
                                line: None,
                                profile: None,
                            },
                            key: String::new(),
                            message: format!(
                                "could not read the settings file ({e}); check the path (GALVANI_SETTINGS names it when set)"
                            ),
                        }],
                    });
                }
            },
            (None, None) => None,
        };

        let mut defined_profiles = Vec::new();
        if let Some((path, text)) = &source {
            merge_file(
                &mut layers,
                path,
                text,
                &profile,
                &mut defined_profiles,
                &mut problems,
            );
        }
        if source.is_none() || !defined_profiles.contains(&profile) {
            check_profile_exists(&profile, &defined_profiles, source.as_ref(), &mut problems);
        }

        let mut env_raw = std::collections::BTreeMap::new();
        let mut env = self.env.clone();
        env.sort();
        for (var, raw) in env {
            if RESERVED_ENV.contains(&var.as_str()) {
                continue;
            }
            let Some(path) = layers::env_key_path(&var) else {
                continue;
            };
            let origin = Origin::Env { var: var.clone() };
            if let Err(message) = layers.set(&path, layers::parse_env_value(&raw), origin.clone()) {
                problems.push(SettingsProblem {
                    origin,
                    key: path.join("."),
                    message,
                });
            }
            env_raw.insert(path.join("."), raw);
        }

        if layers.get("debug").is_none() {
            let _ = layers.set(
                &["debug".to_owned()],
                Value::Boolean(DEBUG_PROFILES.contains(&profile.as_str())),
                Origin::Default,
            );
        }
        // Like Django: with debug on, log every request; otherwise log what needs
        // attention (4xx at WARN, 5xx at ERROR) and let a proxy keep the full access log.
        if layers.get("log.level").is_none() {
            let debug = matches!(layers.get("debug"), Some(Value::Boolean(true)));
            let level = if debug { "info" } else { "warn" };
            let _ = layers.set(
                &["log".to_owned(), "level".to_owned()],
                Value::String(level.to_owned()),
                Origin::Default,
            );
        }

        let settings = match deserialize_layers::<Settings>(&mut layers, "", &env_raw) {
            Ok(s) => Some(s),
            Err(mut found) => {
                problems.append(&mut found);
                None
            }
        };
        if let Some(settings) = &settings {
            validate(settings, &layers, &mut problems);
        }
        if !problems.is_empty() {
            return Err(Error::Settings { problems });
        }
        let mut settings = settings.expect("settings exist when no problem was found");
        let file = source.map(|(p, _)| p).filter(|_| self.text.is_none());
        let base_dir = file
            .as_ref()
            .and_then(|f| f.parent().map(Path::to_path_buf))
            .filter(|p| !p.as_os_str().is_empty())
            .or(self.base_dir)
            .unwrap_or_else(|| PathBuf::from("."));
        settings.meta = Arc::new(Meta {
            profile,
            base_dir,
            file,
            layers,
        });
        Ok(settings)
    }
}

fn merge_file(
    layers: &mut Layers,
    path: &Path,
    text: &str,
    profile: &str,
    defined: &mut Vec<String>,
    problems: &mut Vec<SettingsProblem>,
) {
    let mut table: Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: toml::de::Error = e;
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            problems.push(SettingsProblem {
                origin: Origin::File {
                    path: path.to_path_buf(),
                    line,
                    profile: None,
                },
                key: String::new(),
                message: format!("not valid TOML: {}", e.message()),
            });
            return;
        }
    };
    let lines = layers::key_lines(text, "");
    let profiles = table.remove("profile");
    layers.merge(table, &layers::file_origin(path, &lines, None));
    match profiles {
        None => {}
        Some(Value::Table(mut sections)) => {
            defined.extend(sections.keys().cloned());
            match sections.remove(profile) {
                Some(Value::Table(section)) => {
                    layers.merge(section, &layers::file_origin(path, &lines, Some(profile)));
                }
                Some(_) => problems.push(SettingsProblem {
                    origin: layers::file_origin(path, &lines, None)(&format!("profile.{profile}")),
                    key: format!("profile.{profile}"),
                    message: format!("must be a section: write `[profile.{profile}]`"),
                }),
                None => {}
            }
        }
        Some(_) => problems.push(SettingsProblem {
            origin: layers::file_origin(path, &lines, None)("profile"),
            key: "profile".to_owned(),
            message: "must hold `[profile.NAME]` sections".to_owned(),
        }),
    }
}

fn check_profile_exists(
    profile: &str,
    defined: &[String],
    source: Option<&(PathBuf, String)>,
    problems: &mut Vec<SettingsProblem>,
) {
    if BUILTIN_PROFILES.contains(&profile) {
        return;
    }
    let mut known: Vec<&str> = BUILTIN_PROFILES.to_vec();
    known.extend(defined.iter().map(String::as_str));
    known.sort();
    known.dedup();
    let mut message = format!(
        "profile `{profile}` is not defined; known profiles: {}",
        known.join(", ")
    );
    if let Some(close) = crate::suggest::closest(profile, known.iter().copied()) {
        message.push_str(&format!("; did you mean `{close}`?"));
    }
    problems.push(SettingsProblem {
        origin: match source {
            Some((path, _)) => Origin::File {
                path: path.clone(),
                line: None,
                profile: None,
            },
            None => Origin::Env {
                var: "GALVANI_PROFILE".to_owned(),
            },
        },
        key: String::new(),
        message,
    });
}

/// Deserializes the merged table into `T`, collecting unknown keys and type errors with
/// their origins. A value from the environment that failed to deserialize as a number or
/// boolean is retried as the string it was written as.
fn deserialize_layers<T: DeserializeOwned>(
    layers: &mut Layers,
    prefix: &str,
    env_raw: &std::collections::BTreeMap<String, String>,
) -> Result<T, Vec<SettingsProblem>> {
    let full = |p: &str| {
        if prefix.is_empty() {
            p.to_owned()
        } else if p.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{p}")
        }
    };
    for _attempt in 0..64 {
        let mut unknown = Vec::new();
        let value = Value::Table(layers.table.clone());
        let mut record = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
        let de = serde_ignored::Deserializer::new(value, &mut record);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => {
                if unknown.is_empty() {
                    return Ok(v);
                }
                return Err(unknown
                    .into_iter()
                    .map(|key| unknown_key_problem::<T>(layers, &key, &full(&key)))
                    .collect());
            }
            Err(e) => {
                let key = normalise_path(&e.path().to_string());
                if let Some(raw) = env_raw.get(&key)
                    && !matches!(layers.get(&key), Some(Value::String(_)) | None)
                {
                    layers.replace(&key, Value::String(raw.clone()));
                    continue;
                }
                return Err(vec![SettingsProblem {
                    origin: layers.origin_of(&key),
                    key: full(&key),
                    message: e.into_inner().message().to_owned(),
                }]);
            }
        }
    }
    Err(vec![SettingsProblem {
        origin: Origin::Default,
        key: prefix.to_owned(),
        message: "could not be read".to_owned(),
    }])
}

fn normalise_path(path: &str) -> String {
    // serde_path_to_error writes `a.b[0]` and `?` for the root.
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    if out == "?" { String::new() } else { out }
}

fn unknown_key_problem<T: DeserializeOwned>(
    layers: &Layers,
    key: &str,
    full: &str,
) -> SettingsProblem {
    let (parent, leaf) = match key.rfind('.') {
        Some(i) => (&key[..i], &key[i + 1..]),
        None => ("", key),
    };
    let known = known_fields::<T>(parent);
    let mut message = "unknown setting".to_owned();
    if let Some(close) = crate::suggest::closest(leaf, known.iter().copied()) {
        let close_full = match full.rfind('.') {
            Some(i) => format!("{}.{close}", &full[..i]),
            None => close.to_owned(),
        };
        message.push_str(&format!("; did you mean `{close_full}`?"));
    } else if !known.is_empty() {
        message.push_str(&format!("; known keys here: {}", known.join(", ")));
    }
    SettingsProblem {
        origin: layers.origin_of(key),
        key: full.to_owned(),
        message,
    }
}

/// The field names valid at `parent` (a dotted path inside `T`).
fn known_fields<T: DeserializeOwned>(parent: &str) -> Vec<&'static str> {
    use introspect::fields_of;
    if parent.is_empty() {
        return fields_of::<T>();
    }
    if std::any::type_name::<T>() != std::any::type_name::<Settings>() {
        return Vec::new();
    }
    match parent {
        "server" => fields_of::<ServerSettings>(),
        "security" => fields_of::<SecuritySettings>(),
        "cors" => fields_of::<CorsSettings>(),
        "csrf" => fields_of::<CsrfSettings>(),
        "templates" => fields_of::<TemplateSettings>(),
        "static" => fields_of::<StaticSettings>(),
        "middleware" => fields_of::<MiddlewareSettings>(),
        "log" => fields_of::<LogSettings>(),
        "database" => fields_of::<DatabaseSettings>(),
        "uploads" => fields_of::<UploadSettings>(),
        "mail" => fields_of::<MailSettings>(),
        _ => Vec::new(),
    }
}

fn validate(s: &Settings, layers: &Layers, problems: &mut Vec<SettingsProblem>) {
    let mut bad = |key: &str, message: String| {
        problems.push(SettingsProblem {
            origin: layers.origin_of(key),
            key: key.to_owned(),
            message,
        });
    };
    let url = &s.database.url;
    if !(url.starts_with("sqlite:")
        || url.starts_with("postgres:")
        || url.starts_with("postgresql:"))
    {
        bad(
            "database.url",
            "expected `sqlite://path/to/db.sqlite3` or `postgres://user:password@host/name`"
                .to_owned(),
        );
    }
    if s.database.max_connections == 0 {
        bad("database.max_connections", "must be at least 1".to_owned());
    }
    let url = &s.static_files.url;
    let absolute = url.starts_with("http://") || url.starts_with("https://");
    let rooted = url.starts_with('/') && url.ends_with('/');
    if !(absolute || rooted) {
        bad(
            "static.url",
            format!("`{url}` must start and end with `/`, such as \"/static/\""),
        );
    }
    let xfo = s.security.x_frame_options.to_ascii_uppercase();
    if !matches!(xfo.as_str(), "" | "DENY" | "SAMEORIGIN") {
        bad(
            "security.x_frame_options",
            format!("`{xfo}` must be \"DENY\", \"SAMEORIGIN\" or \"\" (off)"),
        );
    }
    if let Some(h) = &s.security.proxy_ssl_header
        && h.split_once(':')
            .is_none_or(|(n, v)| n.trim().is_empty() || v.trim().is_empty())
    {
        bad(
            "security.proxy_ssl_header",
            format!("`{h}` must look like \"X-Forwarded-Proto: https\""),
        );
    }
    if s.server.max_connections == 0 {
        bad("server.max_connections", "must be at least 1".to_owned());
    }
    if !s.metrics.path.starts_with('/') {
        bad(
            "metrics.path",
            format!(
                "must start with `/`, like `/metrics`; it is `{}`",
                s.metrics.path
            ),
        );
    }
    if s.cors.allow_credentials && s.cors.allowed_origins.iter().any(|o| o == "*") {
        bad(
            "cors.allowed_origins",
            "`*` cannot be combined with `allow_credentials = true`: list the origins".to_owned(),
        );
    }
    for origin in &s.cors.allowed_origins {
        if origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")) {
            bad(
                "cors.allowed_origins",
                format!("`{origin}` must be a full origin such as \"https://app.example.com\""),
            );
        }
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&s.log.level) {
        bad(
            "log.level",
            format!("`{}` is not a log filter: {e}", s.log.level),
        );
    }
}

#[cfg(test)]
mod tests;
