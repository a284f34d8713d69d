//! `makemigrations` without the disk: the new migrations that take the history to
//! the models, each named and numbered after its app's last one, depending on it and
//! on the migrations of other apps its relations need; an empty migration; a merge
//! of two branches.

use std::collections::BTreeMap;

use super::autodetector::{Questioner, changes};
use super::graph::Graph;
use super::migration::{Key, Migration};
use super::operation::Operation;
use super::state::ProjectState;
use crate::error::{Error, Result};

/// What `makemigrations` was asked.
#[derive(Debug, Clone, Default)]
pub struct MakeOptions {
    /// Only this app.
    pub app: Option<String>,
    /// The name after the number, instead of one made from the operations.
    pub name: Option<String>,
    /// An empty migration for `app` (to write a data migration in).
    pub empty: bool,
    /// Join the branches of apps with two leaves.
    pub merge: bool,
}

/// The number the next migration of `app` takes.
fn next_number(graph: &Graph, app: &str) -> u32 {
    graph
        .migrations()
        .filter(|m| m.app == app)
        .flat_map(|m| std::iter::once(&m.name).chain(m.replaces.iter().map(|r| &r.1)))
        .filter_map(|n| n.split('_').next()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1
}

/// A name fragment for one operation, or `None` when it has no good one.
fn fragment(op: &Operation) -> Option<String> {
    let l = |s: &str| s.to_lowercase();
    Some(match op {
        Operation::CreateModel(m) => l(&m.name),
        Operation::DeleteModel { name } => format!("delete_{}", l(name)),
        Operation::RenameModel { old, new, .. } => format!("rename_{}_{}", l(old), l(new)),
        Operation::AddField { model, field } => format!("{}_{}", l(model), field.name),
        Operation::RemoveField { model, name } => format!("remove_{}_{name}", l(model)),
        Operation::AlterField { model, field } => format!("alter_{}_{}", l(model), field.name),
        Operation::RenameField {
            model, old, new, ..
        } => {
            format!("rename_{old}_{}_{new}", l(model))
        }
        Operation::AddManyToMany { model, relation } => format!("{}_{}", l(model), relation.name),
        Operation::RemoveManyToMany { model, name } => format!("remove_{}_{name}", l(model)),
        Operation::AddIndex { model, index } => format!("{}_{}", l(model), index.name),
        Operation::RemoveIndex { model, name } => format!("remove_{}_{name}", l(model)),
        Operation::AddConstraint { model, check } => format!("{}_{}", l(model), check.name),
        Operation::RemoveConstraint { model, name } => format!("remove_{}_{name}", l(model)),
        Operation::AlterUniqueTogether { model, .. } => {
            format!("alter_{}_unique_together", l(model))
        }
        Operation::RunSql { .. } | Operation::RunRust { .. } => return None,
    })
}

/// A name from the operations (`product_stock`), or `auto_YYYYMMDD_HHMM`.
fn auto_name(ops: &[Operation]) -> String {
    let mut fragments: Vec<String> = Vec::new();
    for op in ops {
        match fragment(op) {
            Some(f) if !fragments.contains(&f) => fragments.push(f),
            Some(_) => {}
            None => fragments.clear(),
        }
    }
    let name = fragments.join("_");
    if !name.is_empty() && name.len() <= 52 && ops.iter().all(|o| fragment(o).is_some()) {
        return name;
    }
    let now = time::OffsetDateTime::now_utc();
    format!(
        "auto_{:04}{:02}{:02}_{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute()
    )
}

/// A name as a Rust module can hold it: lowercase letters, digits and `_`.
fn clean(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The single leaf of `app`, if it has migrations.
fn leaf(graph: &Graph, app: &str) -> Option<Key> {
    graph.leaves(app).pop().map(|n| (app.to_owned(), n))
}

/// The new migrations taking the history in `graph` to the models' state `to`.
///
/// ```
/// use std::collections::BTreeSet;
/// use galvani_orm::migrations::{Graph, MakeOptions, NoInput, ProjectState, make_migrations, dsl::*};
///
/// let mut to = ProjectState::new();
/// let mut note = create_model("Note", "notes_note", [field("id", FieldKind::AutoId).primary_key()]);
/// note.app = "notes".into();
/// to.insert(note);
/// let made = make_migrations(&Graph::default(), &to, &mut NoInput, &MakeOptions::default())?;
/// assert_eq!(made[0].label(), "notes.0001_initial");
/// # Ok::<_, galvani_orm::Error>(())
/// ```
pub fn make_migrations(
    graph: &Graph,
    to: &ProjectState,
    questioner: &mut dyn Questioner,
    options: &MakeOptions,
) -> Result<Vec<Migration>> {
    let numbered =
        |app: &str, name: &str| format!("{:04}_{}", next_number(graph, app), clean(name));
    if options.merge {
        let mut out = Vec::new();
        for (app, leaves) in graph.conflicts() {
            if options.app.as_ref().is_some_and(|a| *a != app) {
                continue;
            }
            let auto = format!("merge_{}", leaves.join("_"));
            let name = numbered(&app, options.name.as_deref().unwrap_or(&auto));
            let m = leaves
                .iter()
                .fold(Migration::new().named(&app, &name), |m, l| {
                    m.depends_on(&app, l)
                });
            out.push(m);
        }
        return Ok(out);
    }
    graph.check_conflicts()?;
    if options.empty {
        let app = options.app.as_deref().ok_or_else(|| {
            Error::Migration(
                "an empty migration is for one app: name it (makemigrations APP --empty)".into(),
            )
        })?;
        let name = numbered(app, options.name.as_deref().unwrap_or(&auto_name(&[])));
        let mut m = Migration::new().named(app, &name);
        m.dependencies.extend(leaf(graph, app));
        return Ok(vec![m]);
    }
    let from = graph.state()?;
    let mut all = changes(&from, to, questioner)?;
    if let Some(app) = &options.app {
        all.retain(|a, _| a == app);
    }
    // Names first: migrations of this run refer to each other across apps.
    let names: BTreeMap<String, String> = all
        .iter()
        .map(|(app, ops)| {
            let first = leaf(graph, app).is_none();
            let auto = if first {
                "initial".to_owned()
            } else {
                auto_name(ops)
            };
            (
                app.clone(),
                numbered(app, options.name.as_deref().unwrap_or(&auto)),
            )
        })
        .collect();
    let mut out = Vec::new();
    for (app, ops) in all {
        let mut m = Migration::new().named(&app, &names[&app]);
        m.dependencies.extend(leaf(graph, &app));
        for label in ops.iter().flat_map(Operation::references) {
            let Some((other, _)) = label.split_once('.') else {
                continue;
            };
            if other == app {
                continue;
            }
            let dep = match names.get(other) {
                Some(name) => Some((other.to_owned(), name.clone())),
                None => leaf(graph, other),
            };
            let dep = dep.ok_or_else(|| {
                Error::Migration(format!(
                    "{app} refers to {label}, but app `{other}` has no migrations: \
                     run makemigrations for it too"
                ))
            })?;
            if !m.dependencies.contains(&dep) {
                m.dependencies.push(dep);
            }
        }
        m.operations = ops;
        out.push(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::dsl::*;

    #[test]
    fn names_come_from_the_operations() {
        let ops = [add_field(
            "Product",
            field("stock", FieldKind::Integer).null(),
        )];
        assert_eq!(auto_name(&ops), "product_stock");
        let ops = [
            remove_field("Product", "sku"),
            rename_field("Product", "title", "name", "name"),
        ];
        assert_eq!(
            auto_name(&ops),
            "remove_product_sku_rename_title_product_name"
        );
        assert!(auto_name(&[run_sql("SELECT 1", None)]).starts_with("auto_"));
        assert_eq!(clean("Add stock!"), "add_stock_");
    }
}
