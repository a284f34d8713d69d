//! Ordering: `Product::price.desc()`.

use std::marker::PhantomData;

use sea_query::{Order, SelectStatement};

use super::path::Path;
use crate::db::Backend;

use crate::meta::{FieldMeta, ModelMeta};

/// One ordering term for rows of `M`, made by a field's `asc()` or `desc()`.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Product {
///     id: i64,
///     stock: i32,
/// }
///
/// let most_first = Product::objects().order_by([Product::stock.desc(), Product::id.asc()]);
/// ```
pub struct OrderBy<M> {
    table: &'static str,
    path: Path,
    field: &'static FieldMeta,
    descending: bool,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for OrderBy<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for OrderBy<M> {}

impl<M> std::fmt::Debug for OrderBy<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderBy")
            .field("path", &self.path)
            .field("field", &self.field.name)
            .field("descending", &self.descending)
            .finish()
    }
}

impl<M> OrderBy<M> {
    pub(crate) fn new(
        model: &'static ModelMeta,
        path: Path,
        field: &'static FieldMeta,
        descending: bool,
    ) -> Self {
        OrderBy {
            table: model.table,
            path,
            field,
            descending,
            _model: PhantomData,
        }
    }

    /// The model's default ordering (`ordering = ["-price", "name"]`).
    pub(crate) fn defaults(model: &'static ModelMeta) -> Vec<OrderBy<M>> {
        model
            .ordering
            .iter()
            .filter_map(|term| {
                let (name, descending) = match term.strip_prefix('-') {
                    Some(name) => (name, true),
                    None => (*term, false),
                };
                model
                    .field(name)
                    .map(|field| OrderBy::new(model, Path::EMPTY, field, descending))
            })
            .collect()
    }

    /// Adds the term to a query's shape.
    pub(crate) fn shape(&self, out: &mut Vec<u64>) {
        out.extend([
            self.table.as_ptr() as u64,
            std::ptr::from_ref(self.field) as u64,
            u64::from(self.descending),
        ]);
        self.path.shape(out);
    }

    /// The relation path the term reaches through.
    pub(crate) fn path(&self) -> Path {
        self.path
    }

    /// The same term, the other way round (for `last()`).
    pub(crate) fn reversed(self) -> OrderBy<M> {
        OrderBy {
            descending: !self.descending,
            ..self
        }
    }

    pub(crate) fn apply(&self, select: &mut SelectStatement, backend: Backend) {
        let order = if self.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        select.order_by_expr(
            super::filter::column_expr(self.path.alias(self.table), self.field, backend),
            order,
        );
    }
}
