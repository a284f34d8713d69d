//! Every model in the program, registered by `#[derive(Model)]`: how a delete finds
//! the relations that point at the rows it removes, wherever they are declared. The
//! index is built once, on first use.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::meta::{FieldMeta, ModelMeta};

struct Registry {
    models: Vec<&'static ModelMeta>,
    /// By the address of the referred model.
    referrers: HashMap<usize, Vec<(&'static ModelMeta, &'static FieldMeta)>>,
    /// By the address of the model a column refers to: (table, column).
    join_columns: HashMap<usize, Vec<(&'static str, &'static str)>>,
}

fn key(model: &'static ModelMeta) -> usize {
    std::ptr::from_ref(model) as usize
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut models: Vec<&'static ModelMeta> = inventory::iter::<crate::__private::ModelEntry>
        .into_iter()
        .map(|entry| (entry.meta)())
        .collect();
    models.sort_by_key(|m| (m.app, m.name));
    models.dedup_by(|a, b| std::ptr::eq(*a, *b));
    let mut referrers: HashMap<usize, Vec<_>> = HashMap::new();
    let mut join_columns: HashMap<usize, Vec<_>> = HashMap::new();
    for &model in &models {
        for field in model.fields {
            if let Some(relation) = &field.relation {
                referrers
                    .entry(key((relation.to)()))
                    .or_default()
                    .push((model, field));
            }
        }
        for relation in model.many_to_many.iter().filter(|r| r.through.is_none()) {
            join_columns
                .entry(key(model))
                .or_default()
                .push((relation.table, relation.source_column));
            join_columns
                .entry(key((relation.to)()))
                .or_default()
                .push((relation.table, relation.target_column));
        }
    }
    Registry {
        models,
        referrers,
        join_columns,
    }
});

/// Every model compiled into the program, ordered by app and name.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model)]
/// #[model(app = "registry_doc")]
/// struct Note {
///     id: i64,
/// }
///
/// assert!(galvani_orm::models().iter().any(|m| m.table == "registry_doc_note"));
/// ```
pub fn models() -> &'static [&'static ModelMeta] {
    &REGISTRY.models
}

/// Every foreign key (and one-to-one) field that refers to `target`, with its model.
pub(crate) fn referrers(
    target: &'static ModelMeta,
) -> &'static [(&'static ModelMeta, &'static FieldMeta)] {
    REGISTRY
        .referrers
        .get(&key(target))
        .map_or(&[], Vec::as_slice)
}

/// The automatic join tables' columns that refer to `target`: (table, column).
pub(crate) fn join_columns(target: &'static ModelMeta) -> &'static [(&'static str, &'static str)] {
    REGISTRY
        .join_columns
        .get(&key(target))
        .map_or(&[], Vec::as_slice)
}
