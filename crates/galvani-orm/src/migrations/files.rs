//! Migration files on disk: which folder an app's migrations go in (beside its
//! models, found from where the derive ran), writing a migration and the module list,
//! and declaring `mod migrations;` in the app the first time.

use std::path::{Path, PathBuf};

use super::migration::Migration;
use super::registry::{module_of, source_path};
use super::writer::{migration_source, module_list, module_name};
use crate::error::{Error, Result};

/// Where an app's migrations are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFolder {
    /// The `migrations` folder.
    pub dir: PathBuf,
    /// How the app's crate reaches the ORM, for the files' `use` line.
    pub orm: String,
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Migration(format!("{}: {e}", path.display()))
}

/// The folder of `app`'s migrations: the one its migrations module is in, or else a
/// `migrations` folder beside its models (`src/shop/models.rs` gives
/// `src/shop/migrations/`; models in `src/shop/models/` give the same).
pub fn app_folder(app: &str) -> Result<AppFolder> {
    let entries = inventory::iter::<crate::__private::ModelEntry>;
    let model = entries.into_iter().find(|e| (e.meta)().app == app);
    let orm = model.map_or("galvani::orm".to_owned(), |e| {
        e.orm.replace(' ', "").trim_start_matches("::").to_owned()
    });
    let not_here = |file: &str| {
        Error::Migration(format!(
            "the source of app `{app}` ({file}) is not on this machine: \
             run makemigrations where the project's source is"
        ))
    };
    if let Some(module) = module_of(app) {
        let path =
            source_path(module.file, module.manifest_dir).ok_or_else(|| not_here(module.file))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok(AppFolder { dir, orm });
    }
    let model = model
        .ok_or_else(|| Error::Migration(format!("app `{app}` has no models and no migrations")))?;
    let path = source_path(model.file, model.manifest_dir).ok_or_else(|| not_here(model.file))?;
    let mut dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "models") {
        dir.pop();
    }
    Ok(AppFolder {
        dir: dir.join("migrations"),
        orm,
    })
}

/// The migrations already in `dir`, by name (`0001_initial` for `m0001_initial.rs`).
pub fn names_in(dir: &Path) -> Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io(dir, e))?;
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if let Some(stem) = file.strip_suffix(".rs").and_then(|s| s.strip_prefix('m'))
            && stem.starts_with(|c: char| c.is_ascii_digit())
        {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Writes `migration` into `folder` and the module list beside it; the first time,
/// declares `mod migrations;` in the app's module. Returns the file written.
pub fn write_migration(folder: &AppFolder, migration: &Migration) -> Result<PathBuf> {
    let dir = &folder.dir;
    let first = !dir.join("mod.rs").exists();
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let file = dir.join(format!("{}.rs", module_name(&migration.name)));
    std::fs::write(&file, migration_source(migration, &folder.orm)).map_err(|e| io(&file, e))?;
    let mut names = names_in(dir)?;
    if !names.contains(&migration.name) {
        names.push(migration.name.clone());
        names.sort();
    }
    let list = dir.join("mod.rs");
    std::fs::write(&list, module_list(&migration.app, &names, &folder.orm))
        .map_err(|e| io(&list, e))?;
    if first {
        declare_module(dir)?;
    }
    rustfmt(&[&file, &list]);
    Ok(file)
}

/// Formats the written files as `cargo fmt` would, when rustfmt is installed (so a
/// `cargo fmt --check` in CI passes); they are valid Rust either way.
fn rustfmt(files: &[&Path]) {
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(files)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// Adds `mod migrations;` to the module that owns `dir` (its parent's `mod.rs`, the
/// sibling `name.rs`, or `lib.rs` / `main.rs`), unless it is there already.
fn declare_module(dir: &Path) -> Result<()> {
    let Some(app_dir) = dir.parent() else {
        return Ok(());
    };
    let candidates = [
        app_dir.join("mod.rs"),
        app_dir.with_extension("rs"),
        app_dir.join("lib.rs"),
        app_dir.join("main.rs"),
    ];
    let Some(owner) = candidates.iter().find(|p| p.exists()) else {
        return Err(Error::Migration(format!(
            "wrote {}, but found no module file to declare it in: add `mod migrations;` \
             to the app's module",
            dir.display()
        )));
    };
    let text = std::fs::read_to_string(owner).map_err(|e| io(owner, e))?;
    if text.lines().any(|l| {
        let l = l.trim();
        l == "mod migrations;" || l == "pub mod migrations;"
    }) {
        return Ok(());
    }
    let mut text = text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("\n/// The app's migrations, written by `makemigrations`.\nmod migrations;\n");
    std::fs::write(owner, text).map_err(|e| io(owner, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_migration_declares_its_module() {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("shop");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("mod.rs"), "pub mod models;").unwrap();
        let folder = AppFolder {
            dir: app.join("migrations"),
            orm: "galvani::orm".into(),
        };
        let m = Migration::new().named("shop", "0001_initial");
        write_migration(&folder, &m).unwrap();
        let m2 = Migration::new()
            .named("shop", "0002_stock")
            .depends_on("shop", "0001_initial");
        write_migration(&folder, &m2).unwrap();
        let owner = std::fs::read_to_string(app.join("mod.rs")).unwrap();
        assert_eq!(owner.matches("mod migrations;").count(), 1, "{owner}");
        let list = std::fs::read_to_string(folder.dir.join("mod.rs")).unwrap();
        let listed = list
            .split("migrations!")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<String>()
            .replace(",]", "]");
        assert_eq!(listed, r#"("shop",[m0001_initial,m0002_stock]);"#, "{list}");
        assert_eq!(
            names_in(&folder.dir).unwrap(),
            ["0001_initial", "0002_stock"]
        );
    }
}
