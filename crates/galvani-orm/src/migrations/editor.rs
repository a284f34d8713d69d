//! The schema editor: the SQL that carries an operation out on each backend, from
//! the state before it and the state after it. PostgreSQL alters tables in place;
//! what SQLite cannot ALTER (a column's type, null, default, unique or relation,
//! dropping a column, checks, unique_together) rebuilds the table: a new table,
//! the rows copied, the old one dropped, the new one renamed, its indexes remade.
//! The runner does it all in the migration's transaction, with SQLite's foreign
//! keys checked before the commit.
//!
//! Undoing an operation is doing its [`inverse`], so there is one SQL generator.

use super::operation::Operation;
use super::state::{FieldState, ModelState, ProjectState};
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::schema::{Ddl, column_type, columns, default_sql, has_own_index, quote};

fn model<'a>(state: &'a ProjectState, app: &str, name: &str) -> Result<&'a ModelState> {
    state
        .model(app, name)
        .ok_or_else(|| Error::Migration(format!("{app}: model `{name}` does not exist")))
}

fn field<'a>(model: &'a ModelState, name: &str) -> Result<&'a FieldState> {
    model
        .field(name)
        .ok_or_else(|| Error::Migration(format!("field `{}.{name}` does not exist", model.label())))
}

/// A SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The statements carrying out `op` (of a migration of `app`): `before` is the state
/// before it, `after` the state after it. `RunRust` has none (the runner calls it).
pub(crate) fn operation_sql(
    op: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<Vec<String>> {
    let pg = backend == Backend::Postgres;
    let ddl = Ddl::new(after, backend);
    let rebuild = |name: &str| -> Result<Vec<String>> {
        rebuild_sql(
            model(before, app, name)?,
            model(after, app, name)?,
            &ddl,
            backend,
        )
    };
    Ok(match op {
        Operation::CreateModel(m) => {
            let created = model(after, app, &m.name)?;
            let mut sql = ddl.create_table(created)?;
            for relation in &created.many_to_many {
                sql.extend(ddl.join_table(created, relation)?);
            }
            sql
        }
        Operation::DeleteModel { name } => {
            let gone = model(before, app, name)?;
            let cascade = if pg { " CASCADE" } else { "" };
            let mut sql: Vec<String> = gone
                .many_to_many
                .iter()
                .filter(|r| r.through.is_none())
                .map(|r| format!("DROP TABLE {}{cascade}", quote(&r.table)))
                .collect();
            sql.push(format!("DROP TABLE {}{cascade}", quote(&gone.table)));
            sql
        }
        Operation::RenameModel { old, table, .. } => {
            let old_table = &model(before, app, old)?.table;
            if old_table == table {
                Vec::new()
            } else {
                vec![format!(
                    "ALTER TABLE {} RENAME TO {}",
                    quote(old_table),
                    quote(table)
                )]
            }
        }
        Operation::AddField {
            model: name,
            field: f,
        } => {
            let m = model(after, app, name)?;
            let simple = !f.unique
                && !f.primary_key
                && (f.null || f.default.is_some())
                && (f.relation.is_none() || f.null && f.default.is_none());
            if !pg && !simple {
                return rebuild(name);
            }
            let mut sql = vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                quote(&m.table),
                ddl.column(f)?
            )];
            if has_own_index(f) {
                sql.push(ddl.field_index(&m.table, f));
            }
            sql
        }
        Operation::RemoveField {
            model: name,
            name: f,
        } if pg => {
            let m = model(before, app, name)?;
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {} CASCADE",
                quote(&m.table),
                quote(&field(m, f)?.column)
            )]
        }
        Operation::AlterField {
            model: name,
            field: new,
        } => {
            let m = model(before, app, name)?;
            let old = field(m, &new.name)?;
            if old.primary_key != new.primary_key {
                return Err(Error::Migration(format!(
                    "{}.{}: changing which field is the primary key is not supported; \
                     make a new model and copy the rows with a RunRust migration",
                    m.label(),
                    new.name
                )));
            }
            if pg {
                alter_column_pg(&m.table, old, new, &ddl)?
            } else {
                rebuild(name)?
            }
        }
        Operation::RenameField {
            model: name,
            old,
            column,
            ..
        } => {
            let m = model(before, app, name)?;
            let old_column = &field(m, old)?.column;
            if old_column == column {
                Vec::new()
            } else {
                vec![format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    quote(&m.table),
                    quote(old_column),
                    quote(column)
                )]
            }
        }
        Operation::AddManyToMany {
            model: name,
            relation,
        } => ddl.join_table(model(after, app, name)?, relation)?,
        Operation::RemoveManyToMany {
            model: name,
            name: r,
        } => {
            let m = model(before, app, name)?;
            m.many_to_many
                .iter()
                .filter(|x| x.name == *r && x.through.is_none())
                .map(|x| format!("DROP TABLE {}", quote(&x.table)))
                .collect()
        }
        Operation::AddIndex { model: name, index } => {
            vec![ddl.model_index(model(after, app, name)?, index)]
        }
        Operation::RemoveIndex { name: index, .. } => {
            vec![format!("DROP INDEX IF EXISTS {}", quote(index))]
        }
        Operation::AddConstraint { model: name, check } if pg => {
            vec![format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
                quote(&model(after, app, name)?.table),
                quote(&check.name),
                check.sql
            )]
        }
        Operation::RemoveConstraint {
            model: name,
            name: check,
        } if pg => {
            vec![format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                quote(&model(before, app, name)?.table),
                quote(check)
            )]
        }
        Operation::AlterUniqueTogether {
            model: name,
            groups,
        } if pg => {
            let old = model(before, app, name)?;
            let new = model(after, app, name)?;
            let mut sql: Vec<String> = old
                .unique_together
                .iter()
                .filter(|g| !groups.contains(g))
                .map(|g| pg_drop_indexes(&old.table, &columns(old, g), true))
                .collect();
            sql.extend(
                groups
                    .iter()
                    .filter(|g| !old.unique_together.contains(g))
                    .map(|g| ddl.together(new, g)),
            );
            sql
        }
        // SQLite: whatever it cannot ALTER.
        Operation::RemoveField { model: name, .. }
        | Operation::AddConstraint { model: name, .. }
        | Operation::RemoveConstraint { model: name, .. }
        | Operation::AlterUniqueTogether { model: name, .. } => rebuild(name)?,
        Operation::RunSql { forward, .. } => vec![forward.clone()],
        Operation::RunRust { .. } => Vec::new(),
    })
}

/// Rebuilds `old`'s table as `new` describes it (SQLite), keeping every row: columns
/// in both are copied (NULLs of a column becoming NOT NULL take its default); new
/// columns take their default.
fn rebuild_sql(
    old: &ModelState,
    new: &ModelState,
    ddl: &Ddl<'_>,
    backend: Backend,
) -> Result<Vec<String>> {
    let temp = format!("new__{}", new.table);
    let mut targets = Vec::new();
    let mut sources = Vec::new();
    for f in &new.fields {
        let source = match (old.field(&f.name), &f.default) {
            (Some(o), Some(d)) if o.null && !f.null => format!(
                "coalesce({}, {})",
                quote(&o.column),
                default_sql(d, backend)
            ),
            (Some(o), _) => quote(&o.column),
            (None, Some(d)) => default_sql(d, backend),
            (None, None) if f.null => "NULL".to_owned(),
            (None, None) => {
                return Err(Error::Migration(format!(
                    "{}.{}: a new NOT NULL column needs a default for the rows already there",
                    new.label(),
                    f.name
                )));
            }
        };
        targets.push(quote(&f.column));
        sources.push(source);
    }
    let mut sql = vec![
        ddl.table(new, &temp)?,
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            quote(&temp),
            targets.join(", "),
            sources.join(", "),
            quote(&old.table)
        ),
        format!("DROP TABLE {}", quote(&old.table)),
        format!(
            "ALTER TABLE {} RENAME TO {}",
            quote(&temp),
            quote(&new.table)
        ),
    ];
    sql.extend(ddl.indexes(new));
    Ok(sql)
}

/// PostgreSQL: the ALTERs taking column `old` of `table` to `new`.
fn alter_column_pg(
    table: &str,
    old: &FieldState,
    new: &FieldState,
    ddl: &Ddl<'_>,
) -> Result<Vec<String>> {
    let t = quote(table);
    let c = quote(&old.column);
    let alter = |what: String| format!("ALTER TABLE {t} ALTER COLUMN {c} {what}");
    let mut sql = Vec::new();
    let retyped = old.kind != new.kind;
    if old.relation.is_some() && (old.relation != new.relation || retyped) {
        sql.push(pg_drop_constraints(table, &old.column, 'f'));
    }
    if old.unique && !new.unique {
        sql.push(pg_drop_constraints(table, &old.column, 'u'));
    }
    if has_own_index(old) && !has_own_index(new) {
        sql.push(pg_drop_indexes(
            table,
            std::slice::from_ref(&old.column),
            false,
        ));
    }
    if retyped {
        let ty = column_type(new.kind, Backend::Postgres);
        sql.push(alter(format!("TYPE {ty} USING {c}::{ty}")));
    }
    if old.default != new.default {
        sql.push(match &new.default {
            Some(d) => alter(format!("SET DEFAULT {}", default_sql(d, Backend::Postgres))),
            None => alter("DROP DEFAULT".to_owned()),
        });
    }
    if old.null && !new.null {
        if let Some(d) = &new.default {
            sql.push(format!(
                "UPDATE {t} SET {c} = {} WHERE {c} IS NULL",
                default_sql(d, Backend::Postgres)
            ));
        }
        sql.push(alter("SET NOT NULL".to_owned()));
    } else if !old.null && new.null {
        sql.push(alter("DROP NOT NULL".to_owned()));
    }
    if new.unique && !old.unique {
        sql.push(format!("ALTER TABLE {t} ADD UNIQUE ({c})"));
    }
    if has_own_index(new) && !has_own_index(old) {
        sql.push(ddl.field_index(table, new));
    }
    if let Some(r) = &new.relation
        && (old.relation.as_ref() != Some(r) || retyped)
    {
        sql.push(format!(
            "ALTER TABLE {t} ADD FOREIGN KEY ({c}){}",
            ddl.references(&r.to)?
        ));
    }
    Ok(sql)
}

/// PostgreSQL: drops the constraints of kind `contype` (`f` foreign key, `u` unique)
/// on `column` alone, whatever they are called (names follow the table's name at
/// the time they were made).
fn pg_drop_constraints(table: &str, column: &str, contype: char) -> String {
    format!(
        "DO $$DECLARE r record; BEGIN FOR r IN SELECT c.conname FROM pg_constraint c \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.conrelid = {}::regclass AND c.contype = '{contype}' \
         AND array_length(c.conkey, 1) = 1 AND a.attname = {} \
         LOOP EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', {}, r.conname); \
         END LOOP; END$$",
        literal(&quote(table)),
        literal(column),
        literal(table)
    )
}

/// PostgreSQL: drops the indexes (unique or not) over exactly `columns` that no
/// constraint owns, whatever they are called.
fn pg_drop_indexes(table: &str, columns: &[String], unique: bool) -> String {
    let mut sorted: Vec<String> = columns.iter().map(|c| literal(c)).collect();
    sorted.sort();
    format!(
        "DO $$DECLARE r record; BEGIN FOR r IN SELECT i.relname FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         WHERE x.indrelid = {}::regclass AND x.indisunique = {unique} AND NOT x.indisprimary \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
         AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a \
              WHERE a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey)) = ARRAY[{}]::text[] \
         AND x.indnatts = {} \
         LOOP EXECUTE format('DROP INDEX %I', r.relname); END LOOP; END$$",
        literal(&quote(table)),
        sorted.join(", "),
        columns.len()
    )
}

/// The operations undoing `op` (of a migration of `app`), given the state before it.
pub(crate) fn inverse(op: &Operation, app: &str, before: &ProjectState) -> Result<Vec<Operation>> {
    let irreversible = || {
        Error::Migration(format!(
            "{app}: `{}` has no backward step, so the migration cannot be unapplied",
            op.describe()
        ))
    };
    Ok(match op {
        Operation::CreateModel(m) => vec![Operation::DeleteModel {
            name: m.name.clone(),
        }],
        Operation::DeleteModel { name } => {
            let m = model(before, app, name)?;
            let mut ops = vec![Operation::CreateModel(ModelState {
                many_to_many: Vec::new(),
                ..m.clone()
            })];
            ops.extend(m.many_to_many.iter().map(|r| Operation::AddManyToMany {
                model: m.name.clone(),
                relation: r.clone(),
            }));
            ops
        }
        Operation::RenameModel { old, new, .. } => vec![Operation::RenameModel {
            old: new.clone(),
            new: old.clone(),
            table: model(before, app, old)?.table.clone(),
        }],
        Operation::AddField { model: m, field } => vec![Operation::RemoveField {
            model: m.clone(),
            name: field.name.clone(),
        }],
        Operation::RemoveField { model: m, name } => vec![Operation::AddField {
            model: m.clone(),
            field: field(model(before, app, m)?, name)?.clone(),
        }],
        Operation::AlterField { model: m, field: f } => vec![Operation::AlterField {
            model: m.clone(),
            field: field(model(before, app, m)?, &f.name)?.clone(),
        }],
        Operation::RenameField {
            model: m, old, new, ..
        } => vec![Operation::RenameField {
            model: m.clone(),
            old: new.clone(),
            new: old.clone(),
            column: field(model(before, app, m)?, old)?.column.clone(),
        }],
        Operation::AddManyToMany { model: m, relation } => vec![Operation::RemoveManyToMany {
            model: m.clone(),
            name: relation.name.clone(),
        }],
        Operation::RemoveManyToMany { model: m, name } => {
            let owner = model(before, app, m)?;
            let relation = owner.many_to_many.iter().find(|r| r.name == *name);
            vec![Operation::AddManyToMany {
                model: m.clone(),
                relation: relation.cloned().ok_or_else(irreversible)?,
            }]
        }
        Operation::AddIndex { model: m, index } => vec![Operation::RemoveIndex {
            model: m.clone(),
            name: index.name.clone(),
        }],
        Operation::RemoveIndex { model: m, name } => {
            let owner = model(before, app, m)?;
            let index = owner.indexes.iter().find(|i| i.name == *name);
            vec![Operation::AddIndex {
                model: m.clone(),
                index: index.cloned().ok_or_else(irreversible)?,
            }]
        }
        Operation::AddConstraint { model: m, check } => vec![Operation::RemoveConstraint {
            model: m.clone(),
            name: check.name.clone(),
        }],
        Operation::RemoveConstraint { model: m, name } => {
            let owner = model(before, app, m)?;
            let check = owner.checks.iter().find(|c| c.name == *name);
            vec![Operation::AddConstraint {
                model: m.clone(),
                check: check.cloned().ok_or_else(irreversible)?,
            }]
        }
        Operation::AlterUniqueTogether { model: m, .. } => vec![Operation::AlterUniqueTogether {
            model: m.clone(),
            groups: model(before, app, m)?.unique_together.clone(),
        }],
        Operation::RunSql { forward, backward } => vec![Operation::RunSql {
            forward: backward.clone().ok_or_else(irreversible)?,
            backward: Some(forward.clone()),
        }],
        Operation::RunRust { forward, backward } => vec![Operation::RunRust {
            forward: backward.clone().ok_or_else(irreversible)?,
            backward: Some(forward.clone()),
        }],
    })
}
