//! Merging the settings layers (file, profile section, environment) into one
//! TOML table while remembering where every key came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

/// Where a setting's value came from; used to point errors at the right place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Galvani's built-in default.
    Default,
    /// A line of the settings file, at the top level or in a `[profile.NAME]` section.
    File {
        /// The settings file.
        path: PathBuf,
        /// The 1-based line of the key, when known.
        line: Option<usize>,
        /// The profile section the key was written in, if any.
        profile: Option<String>,
    },
    /// A `GALVANI_*` environment variable.
    Env {
        /// The variable's name.
        var: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("Galvani's defaults"),
            Origin::File {
                path,
                line,
                profile,
            } => {
                write!(f, "{}", path.display())?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                }
                if let Some(profile) = profile {
                    write!(f, " [profile.{profile}]")?;
                }
                Ok(())
            }
            Origin::Env { var } => write!(f, "environment variable {var}"),
        }
    }
}

/// The merged settings table and the origin of each dotted key path.
#[derive(Debug, Default, Clone)]
pub struct Layers {
    pub table: Table,
    pub origins: BTreeMap<String, Origin>,
}

/// Environment variables that steer loading rather than set a value.
pub const RESERVED_ENV: &[&str] = &["GALVANI_PROFILE", "GALVANI_SETTINGS"];

impl Layers {
    /// The origin of `path` or of its closest recorded parent.
    pub fn origin_of(&self, path: &str) -> Origin {
        let mut probe = path;
        loop {
            if let Some(origin) = self.origins.get(probe) {
                return origin.clone();
            }
            match probe.rfind('.') {
                Some(i) => probe = &probe[..i],
                None => return Origin::Default,
            }
        }
    }

    /// Merges `overlay` into the table; every leaf records `origin(path)`.
    pub fn merge(&mut self, overlay: Table, origin: &dyn Fn(&str) -> Origin) {
        merge_into(&mut self.table, overlay, "", &mut self.origins, origin);
    }

    /// Sets `path` (dotted) to `value`, creating tables on the way.
    pub fn set(&mut self, path: &[String], value: Value, origin: Origin) -> Result<(), String> {
        let mut table = &mut self.table;
        for (i, key) in path[..path.len() - 1].iter().enumerate() {
            let entry = table
                .entry(key.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            table = match entry {
                Value::Table(t) => t,
                _ => {
                    return Err(format!(
                        "`{}` is a value, not a section, so `{}` cannot be set inside it",
                        path[..=i].join("."),
                        path.join(".")
                    ));
                }
            };
        }
        table.insert(path[path.len() - 1].clone(), value);
        self.origins.insert(path.join("."), origin);
        Ok(())
    }

    /// The value at a dotted path, if any.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut value = self.table.get(parts.next()?)?;
        for part in parts {
            value = value.as_table()?.get(part)?;
        }
        Some(value)
    }

    /// Replaces the value at an existing dotted path.
    pub fn replace(&mut self, path: &str, new: Value) {
        let parts: Vec<String> = path.split('.').map(str::to_owned).collect();
        let origin = self.origin_of(path);
        let _ = self.set(&parts, new, origin);
    }
}

fn merge_into(
    base: &mut Table,
    overlay: Table,
    prefix: &str,
    origins: &mut BTreeMap<String, Origin>,
    origin: &dyn Fn(&str) -> Origin,
) {
    for (key, value) in overlay {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (base.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(incoming)) => {
                merge_into(existing, incoming, &path, origins, origin);
            }
            (_, value) => {
                record_leaves(&value, &path, origins, origin);
                base.insert(key, value);
            }
        }
    }
}

fn record_leaves(
    value: &Value,
    path: &str,
    origins: &mut BTreeMap<String, Origin>,
    origin: &dyn Fn(&str) -> Origin,
) {
    origins.insert(path.to_owned(), origin(path));
    if let Value::Table(table) = value {
        for (key, value) in table {
            record_leaves(value, &format!("{path}.{key}"), origins, origin);
        }
    }
}

/// Finds the 1-based line of every dotted key path in a TOML source.
pub fn key_lines(source: &str, path_prefix: &str) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    if let Ok(table) = toml::de::DeTable::parse(source) {
        walk_spans(table.get_ref(), source, path_prefix, &mut lines);
    }
    lines
}

fn walk_spans(
    table: &toml::de::DeTable<'_>,
    source: &str,
    prefix: &str,
    out: &mut BTreeMap<String, usize>,
) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        let line = source[..key.span().start.min(source.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1;
        out.entry(path.clone()).or_insert(line);
        if let toml::de::DeValue::Table(inner) = value.get_ref() {
            walk_spans(inner, source, &path, out);
        }
    }
}

/// Turns the value of a `GALVANI_*` variable into a TOML value: booleans,
/// numbers and `[...]` arrays are parsed, everything else stays a string.
pub fn parse_env_value(raw: &str) -> Value {
    let trimmed = raw.trim();
    let looks_typed = matches!(trimmed, "true" | "false")
        || trimmed.starts_with('[')
        || trimmed.parse::<i64>().is_ok()
        || (trimmed.parse::<f64>().is_ok() && trimmed.contains('.'));
    if looks_typed
        && let Ok(mut table) = format!("v = {trimmed}").parse::<Table>()
        && let Some(value) = table.remove("v")
    {
        return value;
    }
    Value::String(raw.to_owned())
}

/// Splits `GALVANI_SERVER__ADDR` into `["server", "addr"]`.
pub fn env_key_path(var: &str) -> Option<Vec<String>> {
    let rest = var.strip_prefix("GALVANI_")?;
    if rest.is_empty() {
        return None;
    }
    Some(rest.split("__").map(|p| p.to_ascii_lowercase()).collect())
}

/// The file origin helper used by the loader.
pub fn file_origin<'a>(
    path: &'a Path,
    lines: &'a BTreeMap<String, usize>,
    profile: Option<&'a str>,
) -> impl Fn(&str) -> Origin + 'a {
    move |key: &str| {
        let lookup = match profile {
            Some(p) => format!("profile.{p}.{key}"),
            None => key.to_owned(),
        };
        Origin::File {
            path: path.to_path_buf(),
            line: lines.get(&lookup).copied(),
            profile: profile.map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_are_typed_only_when_they_look_typed() {
        assert_eq!(parse_env_value("true"), Value::Boolean(true));
        assert_eq!(parse_env_value("42"), Value::Integer(42));
        assert_eq!(parse_env_value("1.5"), Value::Float(1.5));
        assert_eq!(
            parse_env_value(r#"["a", "b"]"#),
            Value::Array(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            parse_env_value("a.com,b.com"),
            Value::String("a.com,b.com".into())
        );
        assert_eq!(parse_env_value("[broken"), Value::String("[broken".into()));
    }

    #[test]
    fn env_key_paths_split_on_double_underscore() {
        assert_eq!(
            env_key_path("GALVANI_SERVER__ADDR"),
            Some(vec!["server".to_owned(), "addr".to_owned()])
        );
        assert_eq!(
            env_key_path("GALVANI_ALLOWED_HOSTS"),
            Some(vec!["allowed_hosts".to_owned()])
        );
        assert_eq!(env_key_path("GALVANI_"), None);
        assert_eq!(env_key_path("PATH"), None);
    }

    #[test]
    fn merging_overrides_leaves_and_keeps_siblings() {
        let mut layers = Layers::default();
        let base: Table = "a = 1\n[s]\nx = 1\ny = 2\n".parse().unwrap();
        let over: Table = "[s]\ny = 3\n".parse().unwrap();
        layers.merge(base, &|_| Origin::Default);
        layers.merge(over, &|_| Origin::Env { var: "V".into() });
        assert_eq!(layers.get("s.x"), Some(&Value::Integer(1)));
        assert_eq!(layers.get("s.y"), Some(&Value::Integer(3)));
        assert_eq!(layers.origin_of("s.y"), Origin::Env { var: "V".into() });
        assert_eq!(layers.origin_of("s.x"), Origin::Default);
    }

    #[test]
    fn key_lines_cover_nested_tables() {
        let src = "debug = true\n\n[server]\naddr = \"x\"\n\n[profile.prod]\ndebug = false\n";
        let lines = key_lines(src, "");
        assert_eq!(lines.get("debug"), Some(&1));
        assert_eq!(lines.get("server.addr"), Some(&4));
        assert_eq!(lines.get("profile.prod.debug"), Some(&7));
    }
}
