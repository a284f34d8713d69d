//! Every model in the program, registered by `#[derive(Model)]`: how a delete finds
//! the relations that point at the rows it removes, wherever they are declared.

use crate::meta::{FieldMeta, ModelMeta};

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
pub fn models() -> Vec<&'static ModelMeta> {
    let mut all: Vec<&'static ModelMeta> = inventory::iter::<crate::__private::ModelEntry>
        .into_iter()
        .map(|entry| (entry.0)())
        .collect();
    all.sort_by_key(|m| (m.app, m.name));
    all.dedup_by(|a, b| std::ptr::eq(*a, *b));
    all
}

/// Every foreign key (and one-to-one) field that refers to `target`, with its model.
pub(crate) fn referrers(
    target: &'static ModelMeta,
) -> Vec<(&'static ModelMeta, &'static FieldMeta)> {
    let mut out = Vec::new();
    for model in models() {
        for field in model.fields {
            if let Some(relation) = &field.relation
                && std::ptr::eq((relation.to)(), target)
            {
                out.push((model, field));
            }
        }
    }
    out
}
