//! What changed between two states, as operations: the heart of `makemigrations`.
//! Renames cannot be told from a removal and an addition by looking, so the
//! [`Questioner`] is asked; a new NOT NULL column needs a value for the rows already
//! there, so it is asked for one too.

use std::collections::BTreeMap;

use super::operation::Operation;
use super::state::{ColumnDefault, FieldState, ModelState, ProjectState};
use crate::error::{Error, Result};

/// The questions `makemigrations` asks (on the terminal, or answered by flags).
pub trait Questioner {
    /// Whether `old` was renamed to `new` (same fields, another name).
    fn rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool;
    /// Whether field `old` of `model` was renamed to `new` (same definition).
    fn rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool;
    /// A value for the existing rows of `model` in a new NOT NULL `field` without a
    /// default; `None` gives up (makemigrations then fails, saying why).
    fn one_off_default(&mut self, model: &ModelState, field: &FieldState) -> Option<ColumnDefault>;
}

/// The answers of `--noinput`: nothing is a rename, and no default is made up.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInput;

impl Questioner for NoInput {
    fn rename_model(&mut self, _: &ModelState, _: &ModelState) -> bool {
        false
    }
    fn rename_field(&mut self, _: &ModelState, _: &FieldState, _: &FieldState) -> bool {
        false
    }
    fn one_off_default(&mut self, _: &ModelState, _: &FieldState) -> Option<ColumnDefault> {
        None
    }
}

/// The operations that take `from` to `to`, per app (apps without changes left out).
pub fn changes(
    from: &ProjectState,
    to: &ProjectState,
    questioner: &mut dyn Questioner,
) -> Result<BTreeMap<String, Vec<Operation>>> {
    let mut apps: Vec<String> = from.apps();
    apps.extend(to.apps());
    apps.sort();
    apps.dedup();
    let mut out = BTreeMap::new();
    for app in apps {
        let ops = app_changes(&app, from, to, questioner)?;
        if !ops.is_empty() {
            out.insert(app, ops);
        }
    }
    Ok(out)
}

fn same_fields(a: &ModelState, b: &ModelState) -> bool {
    a.fields.len() == b.fields.len()
        && a.fields
            .iter()
            .zip(&b.fields)
            .all(|(x, y)| x.name == y.name && x.same_definition(y))
}

fn app_changes(
    app: &str,
    from: &ProjectState,
    to: &ProjectState,
    q: &mut dyn Questioner,
) -> Result<Vec<Operation>> {
    let mut ops = Vec::new();
    // The old models, renamed as answered, so that what follows compares like with like.
    let mut old: Vec<ModelState> = from.app_models(app).cloned().collect();
    let new: Vec<&ModelState> = to.app_models(app).collect();
    let is_new =
        |name: &str, old: &[ModelState]| !old.iter().any(|m| m.name.eq_ignore_ascii_case(name));
    let added: Vec<&ModelState> = new
        .iter()
        .copied()
        .filter(|m| is_new(&m.name, &old))
        .collect();
    let mut renamed_away = Vec::new();
    for model in added {
        let candidate = old.iter_mut().find(|o| {
            to.model(app, &o.name).is_none()
                && !renamed_away.iter().any(|(from, _)| *from == o.label())
                && same_fields(o, model)
        });
        if let Some(o) = candidate
            && q.rename_model(o, model)
        {
            ops.push(Operation::RenameModel {
                old: o.name.clone(),
                new: model.name.clone(),
                table: model.table.clone(),
            });
            renamed_away.push((o.label(), model.label()));
            o.name = model.name.clone();
            o.table = model.table.clone();
        }
    }
    // Relations to a renamed model now name it as it is called.
    for (from, to) in &renamed_away {
        for o in &mut old {
            o.retarget(from, to);
        }
    }

    // New models, by name, each moved after the models of this app it refers to.
    let mut waiting: Vec<&ModelState> = new
        .iter()
        .copied()
        .filter(|m| is_new(&m.name, &old))
        .collect();
    waiting.sort_by(|a, b| a.name.cmp(&b.name));
    let mut created: Vec<&ModelState> = Vec::new();
    while !waiting.is_empty() {
        let ready = |m: &&ModelState| {
            m.fields.iter().all(|f| {
                f.relation
                    .as_ref()
                    .is_none_or(|r| r.to == m.label() || !waiting.iter().any(|w| w.label() == r.to))
            })
        };
        // Models referring to each other in a cycle: take the first; PostgreSQL
        // checks references at commit, SQLite when the migration ends.
        let next = waiting.iter().position(ready).unwrap_or(0);
        let model = waiting.remove(next);
        if model.pk().is_none() {
            return Err(Error::Migration(format!(
                "{}: the model has no primary key",
                model.label()
            )));
        }
        // The app is the migration's; join tables come once every table exists.
        ops.push(Operation::CreateModel(ModelState {
            app: String::new(),
            many_to_many: Vec::new(),
            ..model.clone()
        }));
        created.push(model);
    }

    // Models in both: fields, relations, indexes, constraints.
    for model in &new {
        let Some(before) = old
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(&model.name))
        else {
            continue;
        };
        if before.table != model.table {
            ops.push(Operation::RenameModel {
                old: before.name.clone(),
                new: model.name.clone(),
                table: model.table.clone(),
            });
        }
        field_changes(before, model, q, &mut ops)?;
        option_changes(before, model, &mut ops);
    }
    // Many-to-many relations of new models, once every table exists.
    for model in created {
        for relation in &model.many_to_many {
            ops.push(Operation::AddManyToMany {
                model: model.name.clone(),
                relation: relation.clone(),
            });
        }
    }
    // Removed models last (their join tables with them).
    for gone in old.iter().filter(|o| to.model(app, &o.name).is_none()) {
        ops.push(Operation::DeleteModel {
            name: gone.name.clone(),
        });
    }
    Ok(ops)
}

fn field_changes(
    before: &ModelState,
    after: &ModelState,
    q: &mut dyn Questioner,
    ops: &mut Vec<Operation>,
) -> Result<()> {
    let model = after.name.clone();
    let mut removed: Vec<&FieldState> = before
        .fields
        .iter()
        .filter(|f| after.field(&f.name).is_none())
        .collect();
    for field in after
        .fields
        .iter()
        .filter(|f| before.field(&f.name).is_none())
    {
        if let Some(i) = removed
            .iter()
            .position(|old| old.same_definition(field) && q.rename_field(after, old, field))
        {
            let old = removed.remove(i);
            ops.push(Operation::RenameField {
                model: model.clone(),
                old: old.name.clone(),
                new: field.name.clone(),
                column: field.column.clone(),
            });
            continue;
        }
        if field.primary_key {
            return Err(Error::Migration(format!(
                "{}.{}: a new primary key cannot be added to a table with rows; \
                 make a new model and copy the rows with a RunRust migration",
                after.label(),
                field.name
            )));
        }
        if !field.null && field.default.is_none() {
            let Some(value) = q.one_off_default(after, field) else {
                return Err(Error::Migration(format!(
                    "{}.{}: a NOT NULL field is added without a default, and the rows \
                     already there need a value: give the field a default, make it an \
                     Option, or run makemigrations on a terminal to type a one-off value",
                    after.label(),
                    field.name
                )));
            };
            // Added with the value for the existing rows, then the default dropped.
            ops.push(Operation::AddField {
                model: model.clone(),
                field: FieldState {
                    default: Some(value),
                    ..field.clone()
                },
            });
            ops.push(Operation::AlterField {
                model: model.clone(),
                field: field.clone(),
            });
            continue;
        }
        ops.push(Operation::AddField {
            model: model.clone(),
            field: field.clone(),
        });
    }
    for field in removed {
        ops.push(Operation::RemoveField {
            model: model.clone(),
            name: field.name.clone(),
        });
    }
    for field in &after.fields {
        if let Some(old) = before.field(&field.name)
            && old != field
        {
            ops.push(Operation::AlterField {
                model: model.clone(),
                field: field.clone(),
            });
        }
    }
    Ok(())
}

/// The items of `before` not in `after` (removed, or changed), then the items of
/// `after` not in `before` (added, or changed): a changed item is removed and added.
fn diff<'a, T: PartialEq>(before: &'a [T], after: &'a [T]) -> (Vec<&'a T>, Vec<&'a T>) {
    let gone = before.iter().filter(|b| !after.contains(b)).collect();
    let new = after.iter().filter(|a| !before.contains(a)).collect();
    (gone, new)
}

fn option_changes(before: &ModelState, after: &ModelState, ops: &mut Vec<Operation>) {
    let model = || after.name.clone();
    let (gone, new) = diff(&before.many_to_many, &after.many_to_many);
    ops.extend(gone.into_iter().map(|r| Operation::RemoveManyToMany {
        model: model(),
        name: r.name.clone(),
    }));
    ops.extend(new.into_iter().map(|r| Operation::AddManyToMany {
        model: model(),
        relation: r.clone(),
    }));
    let (gone, new) = diff(&before.indexes, &after.indexes);
    ops.extend(gone.into_iter().map(|i| Operation::RemoveIndex {
        model: model(),
        name: i.name.clone(),
    }));
    ops.extend(new.into_iter().map(|i| Operation::AddIndex {
        model: model(),
        index: i.clone(),
    }));
    let (gone, new) = diff(&before.checks, &after.checks);
    ops.extend(gone.into_iter().map(|c| Operation::RemoveConstraint {
        model: model(),
        name: c.name.clone(),
    }));
    ops.extend(new.into_iter().map(|c| Operation::AddConstraint {
        model: model(),
        check: c.clone(),
    }));
    if before.unique_together != after.unique_together {
        ops.push(Operation::AlterUniqueTogether {
            model: model(),
            groups: after.unique_together.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{FieldKind, OnDelete, RelationKind};
    use crate::migrations::state::RelationState;

    /// Says yes to every rename, and gives `default` when asked for one.
    struct Yes(Option<ColumnDefault>);

    impl Questioner for Yes {
        fn rename_model(&mut self, _: &ModelState, _: &ModelState) -> bool {
            true
        }
        fn rename_field(&mut self, _: &ModelState, _: &FieldState, _: &FieldState) -> bool {
            true
        }
        fn one_off_default(&mut self, _: &ModelState, _: &FieldState) -> Option<ColumnDefault> {
            self.0.clone()
        }
    }

    fn model(name: &str, fields: Vec<FieldState>) -> ModelState {
        let mut all = vec![FieldState {
            primary_key: true,
            ..FieldState::new("id", FieldKind::AutoId)
        }];
        all.extend(fields);
        ModelState {
            app: "shop".into(),
            name: name.into(),
            table: format!("shop_{}", name.to_lowercase()),
            fields: all,
            many_to_many: vec![],
            unique_together: vec![],
            indexes: vec![],
            checks: vec![],
        }
    }

    fn text(name: &str) -> FieldState {
        FieldState::new(name, FieldKind::Char { max_length: 50 })
    }

    fn fk(name: &str, to: &str) -> FieldState {
        FieldState {
            relation: Some(RelationState {
                kind: RelationKind::ForeignKey,
                to: to.into(),
                on_delete: OnDelete::Cascade,
            }),
            ..FieldState::new(name, FieldKind::BigInteger)
        }
    }

    fn state(models: Vec<ModelState>) -> ProjectState {
        let mut s = ProjectState::new();
        for m in models {
            s.insert(m);
        }
        s
    }

    fn described(ops: &BTreeMap<String, Vec<Operation>>) -> Vec<String> {
        ops.values().flatten().map(Operation::describe).collect()
    }

    #[test]
    fn new_models_come_after_the_models_they_refer_to() {
        let to = state(vec![
            model(
                "Product",
                vec![text("name"), fk("category", "shop.Category")],
            ),
            model("Category", vec![text("name")]),
        ]);
        let ops = changes(&ProjectState::new(), &to, &mut NoInput).unwrap();
        assert_eq!(
            described(&ops),
            ["Create model Category", "Create model Product"]
        );
    }

    #[test]
    fn nothing_changed_makes_nothing() {
        let s = state(vec![model("Product", vec![text("name")])]);
        assert!(changes(&s, &s.clone(), &mut NoInput).unwrap().is_empty());
    }

    #[test]
    fn field_changes_become_operations() {
        let from = state(vec![model("Product", vec![text("name"), text("sku")])]);
        let mut after = model("Product", vec![text("name")]);
        after.fields[1].null = true;
        after.fields.push(FieldState {
            null: true,
            ..FieldState::new("stock", FieldKind::Integer)
        });
        let ops = changes(&from, &state(vec![after]), &mut NoInput).unwrap();
        assert_eq!(
            described(&ops),
            [
                "Add field stock to Product",
                "Remove field sku from Product",
                "Alter field name on Product"
            ]
        );
    }

    #[test]
    fn renames_are_asked_about() {
        let from = state(vec![model("Product", vec![text("title")])]);
        let to = state(vec![model("Item", vec![text("title")])]);
        assert_eq!(
            described(&changes(&from, &to, &mut Yes(None)).unwrap()),
            ["Rename model Product to Item"]
        );
        assert_eq!(
            described(&changes(&from, &to, &mut NoInput).unwrap()),
            ["Create model Item", "Delete model Product"]
        );
        let to = state(vec![model("Product", vec![text("name")])]);
        let ops = changes(&from, &to, &mut Yes(None)).unwrap();
        assert_eq!(described(&ops), ["Rename field title on Product to name"]);
    }

    #[test]
    fn a_not_null_field_needs_a_value_for_existing_rows() {
        let from = state(vec![model("Product", vec![])]);
        let to = state(vec![model(
            "Product",
            vec![FieldState::new("stock", FieldKind::Integer)],
        )]);
        let err = changes(&from, &to, &mut NoInput).unwrap_err();
        assert!(err.to_string().contains("shop.Product.stock"), "{err}");
        let ops = changes(&from, &to, &mut Yes(Some(ColumnDefault::Int(0)))).unwrap();
        let ops = &ops["shop"];
        assert!(
            matches!(&ops[0], Operation::AddField { field, .. } if field.default == Some(ColumnDefault::Int(0)))
        );
        assert!(matches!(&ops[1], Operation::AlterField { field, .. } if field.default.is_none()));
    }
}
