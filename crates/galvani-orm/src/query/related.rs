//! `select_related`: which relations to load in the same query, as a tree.

use std::marker::PhantomData;

use super::path::{Hop, Path};
use crate::meta::ModelMeta;
use crate::relation::SelectPlan;

/// A relation of model `M` to load with [`crate::QuerySet::select_related`], made by a
/// foreign key field's `related()` (through others with `then`).
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Category {
///     id: i64,
/// }
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Product {
///     id: i64,
///     #[field(on_delete = Cascade)]
///     category: ForeignKey<Category>,
/// }
///
/// // One query with a JOIN; `product.category.cached()` is then filled.
/// let products = Product::objects().select_related([Product::category.related()]);
/// ```
pub struct Related<M> {
    path: Path,
    _model: PhantomData<fn() -> M>,
}

impl<M> Related<M> {
    pub(crate) fn new(prefix: Path, hop: Hop) -> Self {
        let path = prefix.join(hop, &Path::EMPTY).unwrap_or(prefix);
        Related {
            path,
            _model: PhantomData,
        }
    }

    pub(crate) fn path(&self) -> Path {
        self.path
    }
}

fn same(a: &Hop, b: &Hop) -> bool {
    a.index == b.index && std::ptr::eq((a.model)(), (b.model)())
}

/// Adds `path` to the plan tree.
pub(crate) fn add_to_plan(plans: &mut Vec<SelectPlan>, path: &[Hop]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let position = plans.iter().position(|p| same(&p.hop, first));
    let index = match position {
        Some(i) => i,
        None => {
            plans.push(SelectPlan {
                hop: *first,
                children: Vec::new(),
            });
            plans.len() - 1
        }
    };
    add_to_plan(&mut plans[index].children, rest);
}

/// How many columns a model takes in a row, with the relations loaded below it.
pub(crate) fn select_width(meta: &ModelMeta, nested: &[SelectPlan]) -> usize {
    meta.fields.len()
        + nested
            .iter()
            .map(|p| select_width(p.hop.target(), &p.children))
            .sum::<usize>()
}

/// The paths of every plan in the tree, depth first (the order their columns come in).
pub(crate) fn plan_paths(plans: &[SelectPlan], prefix: Path, out: &mut Vec<Path>) {
    for plan in plans {
        let path = prefix.join(plan.hop, &Path::EMPTY).unwrap_or(prefix);
        out.push(path);
        plan_paths(&plan.children, path, out);
    }
}
