//! The template loader: project folders, then app folders, then Galvani's own
//! templates, with change detection when auto-reload is on.

use std::sync::Arc;
use std::time::SystemTime;

use minijinja::TemplateSource;

use super::builtins;
use crate::assets::Assets;

type Sources = Arc<Vec<(String, Assets)>>;

/// A minijinja loader over `sources` in order. With `reload`, a loaded template is
/// considered stale when its file changes, disappears, or a source earlier in the
/// lookup order gains a template of the same name (a new project override).
pub(super) fn loader(
    sources: Sources,
    reload: bool,
) -> impl Fn(&str) -> Result<Option<TemplateSource>, minijinja::Error> + Send + Sync + 'static {
    move |name: &str| {
        for (index, (_, assets)) in sources.iter().enumerate() {
            // Stamp first: an edit landing between the stamp and the read is then seen
            // as a change on the next lookup, never missed.
            let stamp = if reload { assets.stamp(name) } else { None };
            let Some(bytes) = assets.read(name) else {
                continue;
            };
            let text = String::from_utf8(bytes.into_owned()).map_err(|_| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!(
                        "template `{name}` in {} is not UTF-8 text",
                        assets.describe()
                    ),
                )
            })?;
            let mut source = TemplateSource::new(text);
            if reload {
                source = source.with_uptodate_check(uptodate(
                    sources.clone(),
                    index,
                    name.to_owned(),
                    stamp,
                ));
            }
            return Ok(Some(source));
        }
        Ok(builtins::get(name).map(TemplateSource::from))
    }
}

type Stamp = Option<(SystemTime, u64)>;

fn uptodate(
    sources: Sources,
    index: usize,
    name: String,
    stamp: Stamp,
) -> impl Fn() -> bool + Send + Sync {
    move || {
        let (_, assets) = &sources[index];
        if assets.stamp(&name) != stamp {
            return false;
        }
        !sources[..index]
            .iter()
            .any(|(_, earlier)| earlier.modified(&name).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::Environment;

    #[test]
    fn earlier_sources_win_and_changes_reload() {
        let project = tempfile::tempdir().unwrap();
        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(app.path().join("shop")).unwrap();
        std::fs::write(app.path().join("shop/a.html"), "app").unwrap();
        let sources = Arc::new(vec![
            ("project".to_owned(), Assets::dir(project.path())),
            ("shop".to_owned(), Assets::dir(app.path())),
        ]);
        let mut env = Environment::new();
        env.set_loader(loader(sources, true));
        assert_eq!(
            env.get_template("shop/a.html").unwrap().render(()).unwrap(),
            "app"
        );

        // A project override appearing later replaces the app's template.
        std::fs::create_dir_all(project.path().join("shop")).unwrap();
        std::fs::write(project.path().join("shop/a.html"), "project").unwrap();
        assert_eq!(
            env.get_template("shop/a.html").unwrap().render(()).unwrap(),
            "project"
        );
        assert!(env.get_template("missing.html").is_err());
    }
}
