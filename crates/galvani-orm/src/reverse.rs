//! The other side of a foreign key or many-to-many relation: rows that refer to this
//! one. Declared on the referred model as
//! `#[field(reverse = "category")] products: Reverse<Product>` (or `reverse = "tags"`
//! for `Product`'s many-to-many `tags`), it gives `category.products()` (a QuerySet)
//! and a place for `prefetch_related` to put them: one query per relation for all
//! parents, however many there are.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_query::Value;

use crate::error::{Error, Result};
use crate::executor::Scope;
use crate::field::Field;
use crate::meta::ModelMeta;
use crate::model::Model;
use crate::query::path::Path;
use crate::query::{Lookup, Q};
use crate::relation::Relation;
use crate::types::FieldType;

/// Rows of `T` referring to this one, once prefetched. Not a column.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Category {
///     id: i64,
///     #[field(reverse = "category")]
///     products: Reverse<Product>,
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
/// let tea = Category { id: 3, products: Reverse::default() };
/// let query = tea.products(); // Product::objects().filter(Product::category.eq(&tea))
/// assert!(tea.products.cached().is_none());
/// ```
pub struct Reverse<T> {
    cached: Option<Vec<T>>,
}

impl<T> Reverse<T> {
    /// The rows, if `prefetch_related` loaded them.
    pub fn cached(&self) -> Option<&[T]> {
        self.cached.as_deref()
    }

    pub(crate) fn set(&mut self, rows: Vec<T>) {
        self.cached = Some(rows);
    }
}

impl<T> Default for Reverse<T> {
    fn default() -> Self {
        Reverse { cached: None }
    }
}

impl<T: Clone> Clone for Reverse<T> {
    fn clone(&self) -> Self {
        Reverse {
            cached: self.cached.clone(),
        }
    }
}

impl<T> PartialEq for Reverse<T> {
    /// Always equal: what was loaded is a cache, not the row's data.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: serde::Serialize> serde::Serialize for Reverse<T> {
    /// The loaded rows, or nothing (`none` in templates) when they were not loaded.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.cached.serialize(s)
    }
}

impl<T> std::fmt::Debug for Reverse<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cached {
            Some(rows) => write!(f, "Reverse({} loaded)", rows.len()),
            None => f.write_str("Reverse(not loaded)"),
        }
    }
}

/// Related rows to load for every row of a QuerySet of `M`, in one query per relation:
/// made by a foreign key handle's [`Field::reverse`].
pub struct Prefetch<M> {
    op: Arc<dyn PrefetchOp<M>>,
}

impl<M> Clone for Prefetch<M> {
    fn clone(&self) -> Self {
        Prefetch {
            op: self.op.clone(),
        }
    }
}

impl<M: Model> Prefetch<M> {
    pub(crate) fn new(op: Arc<dyn PrefetchOp<M>>) -> Self {
        Prefetch { op }
    }

    pub(crate) async fn run(&self, parents: &mut [M], scope: Scope<'_>) -> Result<()> {
        if parents.is_empty() {
            return Ok(());
        }
        self.op.run(parents, scope).await
    }
}

pub(crate) trait PrefetchOp<M>: Send + Sync {
    fn run<'a>(&'a self, parents: &'a mut [M], scope: Scope<'a>) -> BoxFuture<'a, Result<()>>;
}

/// A key as a map key.
#[derive(PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Int(i64),
    Uuid(uuid::Uuid),
    Text(String),
}

pub(crate) fn key(value: &Value) -> Option<Key> {
    match value {
        Value::BigInt(Some(i)) => Some(Key::Int(*i)),
        Value::Int(Some(i)) => Some(Key::Int(i64::from(*i))),
        Value::SmallInt(Some(i)) => Some(Key::Int(i64::from(*i))),
        Value::Uuid(Some(u)) => Some(Key::Uuid(*u)),
        Value::String(Some(s)) => Some(Key::Text(s.clone())),
        _ => None,
    }
}

impl<C: Model, R: Relation> Field<C, R> {
    /// The rows of `C` referring to each row of the target model, to give to
    /// `prefetch_related` on a QuerySet of the target. The target must declare the
    /// reverse side (`#[field(reverse = "...")] name: Reverse<C>`) for them to land in.
    pub fn reverse(self) -> Prefetch<R::Target> {
        Prefetch {
            op: Arc::new(ReverseOp::<C, R> {
                field: self,
                _types: PhantomData,
            }),
        }
    }
}

struct ReverseOp<C, R> {
    field: Field<C, R>,
    _types: PhantomData<fn() -> (C, R)>,
}

impl<C: Model, R: Relation> PrefetchOp<R::Target> for ReverseOp<C, R> {
    fn run<'a>(
        &'a self,
        parents: &'a mut [R::Target],
        scope: Scope<'a>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let target = <R::Target as Model>::meta();
            let fk = self.field.meta();
            let slot = reverse_slot(
                target,
                C::meta(),
                fk.name,
                fk.relation.map_or("items", |r| r.related_name),
            )?;
            let keys: Vec<Value> = parents.iter().map(|p| p.pk().to_value()).collect();
            let mut children = Vec::new();
            for chunk in keys.chunks(crate::collector::CHUNK) {
                let q = Q::lookup(C::meta(), Path::EMPTY, fk, Lookup::In(chunk.to_vec()));
                let query = C::objects().filter(q);
                children.extend(match scope {
                    Scope::Db(db) => query.all(db).await?,
                    Scope::Tx(tx) => query.all(tx).await?,
                });
            }
            let fk_index = C::meta()
                .fields
                .iter()
                .position(|f| std::ptr::eq(f, fk))
                .unwrap_or(0);
            let mut groups: HashMap<Key, Vec<C>> = HashMap::new();
            for child in children {
                let value = child.values().swap_remove(fk_index);
                if let Some(k) = key(&value) {
                    groups.entry(k).or_default().push(child);
                }
            }
            for parent in parents.iter_mut() {
                let rows = key(&parent.pk().to_value())
                    .and_then(|k| groups.remove(&k))
                    .unwrap_or_default();
                if let Some(reverse) = parent
                    .reverse_slot(slot)
                    .and_then(|s| s.downcast_mut::<Reverse<C>>())
                {
                    reverse.set(rows);
                }
            }
            Ok(())
        })
    }
}

/// Where `target` keeps the rows of `model` that refer to it through `field` (a
/// foreign key or many-to-many field of `model`): its `Reverse` field's position.
pub(crate) fn reverse_slot(
    target: &'static ModelMeta,
    model: &'static ModelMeta,
    field: &str,
    suggested_name: &str,
) -> Result<usize> {
    target
        .reverse
        .iter()
        .position(|r| std::ptr::eq((r.model)(), model) && r.field == field)
        .ok_or_else(|| Error::InvalidValue {
            field: format!("{}.{}", model.label(), field),
            detail: format!(
                "{} declares no reverse side to prefetch into: add `#[field(reverse = \"{}\")] {}: Reverse<{}>`",
                target.label(),
                field,
                suggested_name,
                model.name
            ),
        })
}
