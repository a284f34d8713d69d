//! A migration as Rust source, in the words of [`super::dsl`]: what `makemigrations`
//! writes to `migrations/mNNNN_name.rs`, and the module list beside it.

use std::fmt::Write as _;

use super::migration::Migration;
use super::operation::Operation;
use super::state::{CheckState, ColumnDefault, FieldState, IndexState, ManyToManyState};

/// A Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn opt(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".to_owned(),
    }
}

fn default_lit(d: &ColumnDefault) -> String {
    match d {
        ColumnDefault::Int(i) => i.to_string(),
        ColumnDefault::Float(f) => format!("{f:?}"),
        ColumnDefault::Bool(b) => b.to_string(),
        ColumnDefault::Str(s) => lit(s),
        ColumnDefault::Null => "ColumnDefault::Null".to_owned(),
    }
}

fn field_code(f: &FieldState) -> String {
    let mut s = format!("field({}, FieldKind::{:?})", lit(&f.name), f.kind);
    if f.column != f.name {
        let _ = write!(s, ".column({})", lit(&f.column));
    }
    for (on, name) in [
        (f.primary_key, "primary_key"),
        (f.null, "null"),
        (f.unique, "unique"),
        (f.index, "index"),
    ] {
        if on {
            let _ = write!(s, ".{name}()");
        }
    }
    if let Some(d) = &f.default {
        let _ = write!(s, ".default({})", default_lit(d));
    }
    if let Some(r) = &f.relation {
        let method = match r.kind {
            crate::meta::RelationKind::OneToOne => "one_to_one",
            _ => "references",
        };
        let _ = write!(s, ".{method}({}, OnDelete::{:?})", lit(&r.to), r.on_delete);
    }
    s
}

fn list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| lit(s)).collect();
    format!("[{}]", inner.join(", "))
}

fn index_code(i: &IndexState) -> String {
    let unique = if i.unique { ".unique()" } else { "" };
    format!("index({}, {}){unique}", lit(&i.name), list(&i.fields))
}

fn check_code(c: &CheckState) -> String {
    format!("check({}, {})", lit(&c.name), lit(&c.sql))
}

fn m2m_code(m: &ManyToManyState) -> String {
    let mut s = format!(
        "many_to_many({}, {}, {}, {}, {})",
        lit(&m.name),
        lit(&m.to),
        lit(&m.table),
        lit(&m.source_column),
        lit(&m.target_column)
    );
    if let Some(t) = &m.through {
        let _ = write!(s, ".through({})", lit(t));
    }
    s
}

/// An operation as a call, indented for its place in the file.
pub(crate) fn operation_code(op: &Operation) -> String {
    let m = lit;
    match op {
        Operation::CreateModel(model) => {
            let mut s = format!("create_model({}, {}, [\n", m(&model.name), m(&model.table));
            for f in &model.fields {
                let _ = writeln!(s, "            {},", field_code(f));
            }
            s.push_str("        ])");
            for g in &model.unique_together {
                let _ = write!(s, "\n        .unique_together({})", list(g));
            }
            for i in &model.indexes {
                let _ = write!(s, "\n        .with_index({})", index_code(i));
            }
            for c in &model.checks {
                let _ = write!(s, "\n        .with_check({})", check_code(c));
            }
            s
        }
        Operation::DeleteModel { name } => format!("delete_model({})", m(name)),
        Operation::RenameModel { old, new, table } => {
            format!("rename_model({}, {}, {})", m(old), m(new), m(table))
        }
        Operation::AddField { model, field } => {
            format!("add_field({}, {})", m(model), field_code(field))
        }
        Operation::RemoveField { model, name } => {
            format!("remove_field({}, {})", m(model), m(name))
        }
        Operation::AlterField { model, field } => {
            format!("alter_field({}, {})", m(model), field_code(field))
        }
        Operation::RenameField {
            model,
            old,
            new,
            column,
        } => format!(
            "rename_field({}, {}, {}, {})",
            m(model),
            m(old),
            m(new),
            m(column)
        ),
        Operation::AddManyToMany { model, relation } => {
            format!("add_many_to_many({}, {})", m(model), m2m_code(relation))
        }
        Operation::RemoveManyToMany { model, name } => {
            format!("remove_many_to_many({}, {})", m(model), m(name))
        }
        Operation::AddIndex { model, index } => {
            format!("add_index({}, {})", m(model), index_code(index))
        }
        Operation::RemoveIndex { model, name } => {
            format!("remove_index({}, {})", m(model), m(name))
        }
        Operation::AddConstraint { model, check } => {
            format!("add_constraint({}, {})", m(model), check_code(check))
        }
        Operation::RemoveConstraint { model, name } => {
            format!("remove_constraint({}, {})", m(model), m(name))
        }
        Operation::AlterUniqueTogether { model, groups } if groups.is_empty() => {
            format!(
                "alter_unique_together({}, Vec::<Vec<&str>>::new())",
                m(model)
            )
        }
        Operation::AlterUniqueTogether { model, groups } => {
            let groups: Vec<String> = groups.iter().map(|g| list(g)).collect();
            format!(
                "alter_unique_together({}, [{}])",
                m(model),
                groups.join(", ")
            )
        }
        Operation::RunSql { forward, backward } => {
            format!("run_sql({}, {})", m(forward), opt(backward))
        }
        Operation::RunRust { forward, backward } => {
            format!("run_rust({}, {})", m(forward), opt(backward))
        }
    }
}

/// The file of `migration`; `orm` is the path the project reaches the ORM by
/// (`galvani::orm`).
pub fn migration_source(migration: &Migration, orm: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "//! {}, written by `makemigrations`. Migrations are the schema's\n\
         //! history: edit one only before it is applied anywhere.\n",
        migration.label()
    );
    for op in &migration.operations {
        let _ = writeln!(s, "//! - {}", op.describe());
    }
    if !migration.operations.is_empty() {
        s.push('\n');
    }
    let _ = writeln!(s, "use {orm}::migrations::dsl::*;\n");
    s.push_str(
        "/// The migration, as data.\npub fn migration() -> Migration {\n    Migration::new()\n",
    );
    for (app, name) in &migration.dependencies {
        let _ = writeln!(s, "        .depends_on({}, {})", lit(app), lit(name));
    }
    for (app, name) in &migration.replaces {
        let _ = writeln!(s, "        .replaces({}, {})", lit(app), lit(name));
    }
    for op in &migration.operations {
        let _ = writeln!(s, "        .operation({})", operation_code(op));
    }
    s.push_str("}\n");
    s
}

/// The module name of the migration `name`: `0002_product_stock` is
/// `m0002_product_stock` (a Rust module cannot begin with a digit).
pub fn module_name(name: &str) -> String {
    format!("m{name}")
}

/// `migrations/mod.rs`: the app's migrations, in the order of their names.
pub fn module_list(app: &str, names: &[String], orm: &str) -> String {
    let mut s =
        format!("//! The migrations of the `{app}` app, kept up to date by `makemigrations`.\n\n");
    for name in names {
        let _ = writeln!(s, "mod {};", module_name(name));
    }
    let modules: Vec<String> = names.iter().map(|n| module_name(n)).collect();
    let _ = writeln!(
        s,
        "\n{orm}::migrations!({}, [\n    {}\n]);",
        lit(app),
        modules.join(",\n    ")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::dsl::*;

    #[test]
    fn a_migration_is_written_as_the_calls_that_build_it() {
        let m = Migration::new()
            .named("shop", "0002_product_stock")
            .depends_on("shop", "0001_initial")
            .operation(add_field(
                "Product",
                field("stock", FieldKind::Integer).default(0),
            ))
            .operation(run_sql("UPDATE \"x\" SET a = 'b'", None));
        let src = migration_source(&m, "galvani::orm");
        assert!(
            src.contains(".depends_on(\"shop\", \"0001_initial\")"),
            "{src}"
        );
        assert!(
            src.contains(
                ".operation(add_field(\"Product\", field(\"stock\", FieldKind::Integer).default(0)))"
            ),
            "{src}"
        );
        assert!(
            src.contains(r#"run_sql("UPDATE \"x\" SET a = 'b'", None)"#),
            "{src}"
        );
        assert!(src.starts_with("//! shop.0002_product_stock"), "{src}");
    }

    #[test]
    fn the_module_list_names_each_file() {
        let src = module_list(
            "shop",
            &["0001_initial".into(), "0002_stock".into()],
            "galvani::orm",
        );
        assert!(
            src.contains("mod m0001_initial;\nmod m0002_stock;"),
            "{src}"
        );
        assert!(
            src.contains(
                "galvani::orm::migrations!(\"shop\", [\n    m0001_initial,\n    m0002_stock\n]);"
            ),
            "{src}"
        );
    }
}
