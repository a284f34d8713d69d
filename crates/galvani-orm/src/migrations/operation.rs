//! The operations a migration is made of, as literal data, and what each does to the
//! schema state. (What each does to a database is the schema editor's part.)

use super::state::{CheckState, FieldState, IndexState, ManyToManyState, ModelState, ProjectState};
use crate::error::Error;

/// One change to the schema, within the migration's app.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// A new model and its table.
    CreateModel(ModelState),
    /// A model and its table removed.
    DeleteModel {
        /// The model.
        name: String,
    },
    /// A model renamed, its table with it.
    RenameModel {
        /// The name before.
        old: String,
        /// The name after.
        new: String,
        /// The table after.
        table: String,
    },
    /// A column added.
    AddField {
        /// The model.
        model: String,
        /// The new field.
        field: FieldState,
    },
    /// A column removed.
    RemoveField {
        /// The model.
        model: String,
        /// The field.
        name: String,
    },
    /// A column's definition changed (type, null, default, unique, index, relation).
    AlterField {
        /// The model.
        model: String,
        /// The field's new definition (same name).
        field: FieldState,
    },
    /// A field renamed, its column with it.
    RenameField {
        /// The model.
        model: String,
        /// The name before.
        old: String,
        /// The name after.
        new: String,
        /// The column after.
        column: String,
    },
    /// A many-to-many relation (and its automatic join table) added.
    AddManyToMany {
        /// The model declaring it.
        model: String,
        /// The relation.
        relation: ManyToManyState,
    },
    /// A many-to-many relation (and its automatic join table) removed.
    RemoveManyToMany {
        /// The model declaring it.
        model: String,
        /// The relation's field name.
        name: String,
    },
    /// An index over several fields added.
    AddIndex {
        /// The model.
        model: String,
        /// The index.
        index: IndexState,
    },
    /// An index removed.
    RemoveIndex {
        /// The model.
        model: String,
        /// The index's name.
        name: String,
    },
    /// A CHECK constraint added.
    AddConstraint {
        /// The model.
        model: String,
        /// The constraint.
        check: CheckState,
    },
    /// A CHECK constraint removed.
    RemoveConstraint {
        /// The model.
        model: String,
        /// The constraint's name.
        name: String,
    },
    /// The groups of fields unique together, replaced.
    AlterUniqueTogether {
        /// The model.
        model: String,
        /// The groups after.
        groups: Vec<Vec<String>>,
    },
    /// SQL of the user's, run as written; `backward` undoes it (without one, the
    /// migration cannot be unapplied).
    RunSql {
        /// Run when applying.
        forward: String,
        /// Run when unapplying.
        backward: Option<String>,
    },
    /// A registered async function of the user's, given the database.
    RunRust {
        /// The name it was registered under, run when applying.
        forward: String,
        /// The name of the function undoing it.
        backward: Option<String>,
    },
}

fn missing(app: &str, what: &str) -> Error {
    Error::Migration(format!(
        "{app}: {what} does not exist in the state the earlier migrations build; \
         was a migration edited or removed?"
    ))
}

fn model_mut<'a>(
    state: &'a mut ProjectState,
    app: &str,
    name: &str,
) -> Result<&'a mut ModelState, Error> {
    state
        .model_mut(app, name)
        .ok_or_else(|| missing(app, &format!("model `{name}`")))
}

fn position(model: &ModelState, name: &str, app: &str) -> Result<usize, Error> {
    model
        .fields
        .iter()
        .position(|f| f.name == name)
        .ok_or_else(|| missing(app, &format!("field `{}.{name}`", model.name)))
}

/// Removes the item of `items` that `name_of` calls `name`; says so when none is.
fn remove_named<T>(
    items: &mut Vec<T>,
    name: &str,
    name_of: fn(&T) -> &str,
    app: &str,
    what: &str,
) -> Result<(), Error> {
    let i = items
        .iter()
        .position(|item| name_of(item) == name)
        .ok_or_else(|| missing(app, &format!("{what} `{name}`")))?;
    items.remove(i);
    Ok(())
}

impl Operation {
    /// A sentence for `showmigrations`, `--dry-run` and errors.
    pub fn describe(&self) -> String {
        match self {
            Operation::CreateModel(m) => format!("Create model {}", m.name),
            Operation::DeleteModel { name } => format!("Delete model {name}"),
            Operation::RenameModel { old, new, .. } => format!("Rename model {old} to {new}"),
            Operation::AddField { model, field } => {
                format!("Add field {} to {model}", field.name)
            }
            Operation::RemoveField { model, name } => format!("Remove field {name} from {model}"),
            Operation::AlterField { model, field } => {
                format!("Alter field {} on {model}", field.name)
            }
            Operation::RenameField {
                model, old, new, ..
            } => format!("Rename field {old} on {model} to {new}"),
            Operation::AddManyToMany { model, relation } => {
                format!("Add many-to-many {} to {model}", relation.name)
            }
            Operation::RemoveManyToMany { model, name } => {
                format!("Remove many-to-many {name} from {model}")
            }
            Operation::AddIndex { model, index } => {
                format!("Create index {} on {model}", index.name)
            }
            Operation::RemoveIndex { model, name } => format!("Remove index {name} from {model}"),
            Operation::AddConstraint { model, check } => {
                format!("Create constraint {} on {model}", check.name)
            }
            Operation::RemoveConstraint { model, name } => {
                format!("Remove constraint {name} from {model}")
            }
            Operation::AlterUniqueTogether { model, .. } => {
                format!("Alter unique_together for {model}")
            }
            Operation::RunSql { .. } => "Raw SQL operation".to_owned(),
            Operation::RunRust { forward, .. } => format!("Run Rust function {forward}"),
        }
    }

    /// The model the operation is on (the old name, for a rename); `None` for
    /// `RunSql` and `RunRust`, which may touch anything.
    pub fn model(&self) -> Option<&str> {
        Some(match self {
            Operation::CreateModel(m) => &m.name,
            Operation::DeleteModel { name } => name,
            Operation::RenameModel { old, .. } => old,
            Operation::AddField { model, .. }
            | Operation::RemoveField { model, .. }
            | Operation::AlterField { model, .. }
            | Operation::RenameField { model, .. }
            | Operation::AddManyToMany { model, .. }
            | Operation::RemoveManyToMany { model, .. }
            | Operation::AddIndex { model, .. }
            | Operation::RemoveIndex { model, .. }
            | Operation::AddConstraint { model, .. }
            | Operation::RemoveConstraint { model, .. }
            | Operation::AlterUniqueTogether { model, .. } => model,
            Operation::RunSql { .. } | Operation::RunRust { .. } => return None,
        })
    }

    /// The models (as labels, `app.Name`) the relations it makes refer to.
    pub fn references(&self) -> Vec<&str> {
        let fields: Vec<&FieldState> = match self {
            Operation::CreateModel(m) => m.fields.iter().collect(),
            Operation::AddField { field, .. } | Operation::AlterField { field, .. } => vec![field],
            _ => Vec::new(),
        };
        let mut out: Vec<&str> = fields
            .iter()
            .filter_map(|f| f.relation.as_ref().map(|r| r.to.as_str()))
            .collect();
        if let Operation::AddManyToMany { relation, .. } = self {
            out.push(&relation.to);
            out.extend(relation.through.as_deref());
        }
        out
    }

    /// Whether the operation can be undone.
    pub fn reversible(&self) -> bool {
        match self {
            Operation::RunSql { backward, .. } | Operation::RunRust { backward, .. } => {
                backward.is_some()
            }
            _ => true,
        }
    }

    /// Applies the operation to `state`, for a migration of `app`.
    pub fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), Error> {
        match self {
            Operation::CreateModel(model) => {
                if state.model(app, &model.name).is_some() {
                    return Err(Error::Migration(format!(
                        "{app}: model `{}` is created twice",
                        model.name
                    )));
                }
                let mut model = model.clone();
                model.app = app.to_owned();
                state.insert(model);
            }
            Operation::DeleteModel { name } => {
                state
                    .remove(app, name)
                    .ok_or_else(|| missing(app, &format!("model `{name}`")))?;
            }
            Operation::RenameModel { old, new, table } => {
                let mut model = state
                    .remove(app, old)
                    .ok_or_else(|| missing(app, &format!("model `{old}`")))?;
                model.name = new.clone();
                model.table = table.clone();
                state.insert(model);
                state.retarget(&format!("{app}.{old}"), &format!("{app}.{new}"));
            }
            Operation::AddField { model, field } => {
                let m = model_mut(state, app, model)?;
                if m.field(&field.name).is_some() {
                    return Err(Error::Migration(format!(
                        "{app}: field `{model}.{}` is added twice",
                        field.name
                    )));
                }
                m.fields.push(field.clone());
            }
            Operation::RemoveField { model, name } => {
                let m = model_mut(state, app, model)?;
                let i = position(m, name, app)?;
                m.fields.remove(i);
            }
            Operation::AlterField { model, field } => {
                let m = model_mut(state, app, model)?;
                let i = position(m, &field.name, app)?;
                m.fields[i] = field.clone();
            }
            Operation::RenameField {
                model,
                old,
                new,
                column,
            } => {
                let m = model_mut(state, app, model)?;
                let i = position(m, old, app)?;
                m.fields[i].name = new.clone();
                m.fields[i].column = column.clone();
                for group in m
                    .unique_together
                    .iter_mut()
                    .chain(m.indexes.iter_mut().map(|i| &mut i.fields))
                {
                    for f in group.iter_mut().filter(|f| *f == old) {
                        *f = new.clone();
                    }
                }
            }
            Operation::AddManyToMany { model, relation } => {
                model_mut(state, app, model)?
                    .many_to_many
                    .push(relation.clone());
            }
            Operation::RemoveManyToMany { model, name } => {
                let m = model_mut(state, app, model)?;
                remove_named(&mut m.many_to_many, name, |r| &r.name, app, "many-to-many")?;
            }
            Operation::AddIndex { model, index } => {
                model_mut(state, app, model)?.indexes.push(index.clone());
            }
            Operation::RemoveIndex { model, name } => {
                let m = model_mut(state, app, model)?;
                remove_named(&mut m.indexes, name, |i| &i.name, app, "index")?;
            }
            Operation::AddConstraint { model, check } => {
                model_mut(state, app, model)?.checks.push(check.clone());
            }
            Operation::RemoveConstraint { model, name } => {
                let m = model_mut(state, app, model)?;
                remove_named(&mut m.checks, name, |c| &c.name, app, "constraint")?;
            }
            Operation::AlterUniqueTogether { model, groups } => {
                model_mut(state, app, model)?.unique_together = groups.clone();
            }
            Operation::RunSql { .. } | Operation::RunRust { .. } => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::FieldKind;

    fn product() -> ModelState {
        ModelState {
            app: String::new(),
            name: "Product".into(),
            table: "shop_product".into(),
            fields: vec![
                FieldState {
                    primary_key: true,
                    ..FieldState::new("id", FieldKind::AutoId)
                },
                FieldState::new("title", FieldKind::Char { max_length: 50 }),
            ],
            many_to_many: vec![],
            unique_together: vec![vec!["title".into()]],
            indexes: vec![],
            checks: vec![],
        }
    }

    #[test]
    fn replaying_operations_builds_the_state() {
        let mut state = ProjectState::new();
        let ops = [
            Operation::CreateModel(product()),
            Operation::AddField {
                model: "Product".into(),
                field: FieldState {
                    null: true,
                    ..FieldState::new("stock", FieldKind::Integer)
                },
            },
            Operation::RenameField {
                model: "Product".into(),
                old: "title".into(),
                new: "name".into(),
                column: "name".into(),
            },
            Operation::RenameModel {
                old: "Product".into(),
                new: "Item".into(),
                table: "shop_item".into(),
            },
        ];
        for op in &ops {
            op.state_forwards("shop", &mut state).unwrap();
        }
        let item = state.model("shop", "Item").unwrap();
        assert_eq!(item.app, "shop");
        assert_eq!(item.table, "shop_item");
        let names: Vec<&str> = item.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "stock"]);
        assert_eq!(item.unique_together, [vec!["name".to_string()]]);
        assert!(state.model("shop", "Product").is_none());
    }

    #[test]
    fn an_operation_on_what_is_not_there_says_so() {
        let mut state = ProjectState::new();
        let err = Operation::RemoveField {
            model: "Product".into(),
            name: "stock".into(),
        }
        .state_forwards("shop", &mut state)
        .unwrap_err();
        assert!(err.to_string().contains("model `Product`"), "{err}");
        Operation::CreateModel(product())
            .state_forwards("shop", &mut state)
            .unwrap();
        let twice = Operation::CreateModel(product()).state_forwards("shop", &mut state);
        assert!(twice.unwrap_err().to_string().contains("created twice"));
    }
}
