//! `squashmigrations`: an app's first migrations as one, their operations optimised
//! (a field added to a model created in the same run goes into its CreateModel; a
//! model created and deleted leaves nothing), replacing the originals.
//!
//! An operation is folded into an earlier one only when nothing between them
//! touches the models either refers to, and never across `RunSql` or `RunRust`
//! (which may read anything).

use std::collections::BTreeSet;

use super::graph::Graph;
use super::migration::{Key, Migration};
use super::operation::Operation;
use super::state::ProjectState;
use crate::error::{Error, Result};

/// The models (lowercase names; other apps' too, without the app) `op` is on or
/// refers to; `None` for operations that may touch anything.
fn touched(op: &Operation) -> Option<BTreeSet<String>> {
    let mut out: BTreeSet<String> = std::iter::once(op.model()?)
        .chain(
            op.references()
                .into_iter()
                .map(|l| l.rsplit('.').next().unwrap_or(l)),
        )
        .map(str::to_lowercase)
        .collect();
    if let Operation::RenameModel { new, .. } = op {
        out.insert(new.to_lowercase());
    }
    Some(out)
}

/// `a` and then `b` as fewer operations, if they combine.
fn combine(a: &Operation, b: &Operation) -> Option<Vec<Operation>> {
    match (a, b) {
        (Operation::CreateModel(m), Operation::DeleteModel { name })
            if m.name.eq_ignore_ascii_case(name) =>
        {
            Some(Vec::new())
        }
        // Anything else on the new model changes what it is created as.
        (Operation::CreateModel(m), op) => {
            let target = op.model()?;
            if !target.eq_ignore_ascii_case(&m.name) {
                return None;
            }
            let mut state = ProjectState::new();
            a.state_forwards("", &mut state).ok()?;
            op.state_forwards("", &mut state).ok()?;
            let model = state.models().next()?.clone();
            Some(vec![Operation::CreateModel(model)])
        }
        (Operation::AddField { model, field }, Operation::RemoveField { model: m2, name })
            if model == m2 && field.name == *name =>
        {
            Some(Vec::new())
        }
        (
            Operation::AddField { model, field },
            Operation::RenameField {
                model: m2,
                old,
                new,
                column,
            },
        ) if model == m2 && field.name == *old => {
            let mut field = field.clone();
            field.name.clone_from(new);
            field.column.clone_from(column);
            Some(vec![Operation::AddField {
                model: model.clone(),
                field,
            }])
        }
        (
            Operation::AlterField { model, field },
            Operation::AlterField {
                model: m2,
                field: f2,
            },
        ) if model == m2 && field.name == f2.name => Some(vec![b.clone()]),
        _ => None,
    }
}

/// `ops` with every pair that combines combined.
pub fn optimize(mut ops: Vec<Operation>) -> Vec<Operation> {
    'again: loop {
        for i in 0..ops.len() {
            let Some(first) = touched(&ops[i]) else {
                continue;
            };
            for j in i + 1..ops.len() {
                let Some(second) = touched(&ops[j]) else {
                    break;
                };
                if let Some(combined) = combine(&ops[i], &ops[j]) {
                    let between_ok = ops[i + 1..j].iter().all(|op| {
                        touched(op).is_some_and(|t| t.is_disjoint(&first) && t.is_disjoint(&second))
                    });
                    if between_ok {
                        ops.remove(j);
                        ops.splice(i..=i, combined);
                        continue 'again;
                    }
                }
            }
        }
        return ops;
    }
}

/// `app`'s migrations up to the one whose name begins with `upto`, squashed into one
/// that replaces them.
pub fn squash(graph: &Graph, app: &str, upto: &str) -> Result<Migration> {
    let last = graph.find(app, upto)?;
    let order: Vec<Key> = graph.order()?.into_iter().filter(|k| k.0 == app).collect();
    let end = order.iter().position(|k| *k == last).unwrap_or(0);
    let keys = &order[..=end];
    if keys.len() < 2 {
        return Err(Error::Migration(format!(
            "there is nothing to squash: {app}.{} is its first migration",
            keys[0].1
        )));
    }
    let mut ops = Vec::new();
    let mut deps = Vec::new();
    let mut replaces = Vec::new();
    for key in keys {
        let m = graph
            .get(key)
            .ok_or_else(|| Error::Migration(format!("no migration {}.{}", key.0, key.1)))?;
        ops.extend(m.operations.iter().cloned());
        for d in &m.dependencies {
            if !keys.contains(d) && !deps.contains(d) {
                deps.push(d.clone());
            }
        }
        // A squashed migration replaced again stands for what it replaced.
        if m.replaces.is_empty() {
            replaces.push(m.key());
        } else {
            replaces.extend(m.replaces.iter().cloned());
        }
    }
    let number = keys[0].1.split('_').next().unwrap_or("0001");
    let mut squashed = Migration::new().named(app, &format!("{number}_squashed_{}", keys[end].1));
    squashed.dependencies = deps;
    squashed.replaces = replaces;
    squashed.operations = optimize(ops);
    Ok(squashed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::dsl::*;

    fn id() -> FieldState {
        field("id", FieldKind::AutoId).primary_key()
    }

    #[test]
    fn fields_fold_into_the_model_that_is_created() {
        let ops = optimize(vec![
            create_model("Product", "shop_product", [id()]).into(),
            add_field("Product", field("stock", FieldKind::Integer).default(0)),
            rename_field("Product", "stock", "units", "units"),
            create_model("Tmp", "shop_tmp", [id()]).into(),
            delete_model("Tmp"),
        ]);
        assert_eq!(ops.len(), 1, "{ops:?}");
        let Operation::CreateModel(m) = &ops[0] else {
            panic!("{ops:?}")
        };
        assert!(m.field("units").is_some());
    }

    #[test]
    fn nothing_folds_across_what_may_touch_anything() {
        let ops = optimize(vec![
            create_model("Product", "shop_product", [id()]).into(),
            run_sql("INSERT INTO shop_product DEFAULT VALUES", None),
            add_field("Product", field("stock", FieldKind::Integer).default(0)),
        ]);
        assert_eq!(ops.len(), 3);
    }

    #[test]
    fn a_relation_to_a_later_model_is_not_moved_before_it() {
        let ops = optimize(vec![
            create_model("Product", "shop_product", [id()]).into(),
            create_model("Category", "shop_category", [id()]).into(),
            add_field(
                "Product",
                field("category", FieldKind::BigInteger)
                    .references("shop.Category", OnDelete::Cascade),
            ),
        ]);
        assert_eq!(ops.len(), 3, "{ops:?}");
    }
}
