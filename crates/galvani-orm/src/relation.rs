//! Foreign keys: a column holding another row's key, and that row once loaded
//! (by `select_related`, or on demand with [`ForeignKey::load`]).

use std::sync::Arc;

use sea_query::Value;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::error::{Error, Result};
use crate::executor::{Executor, Row};
use crate::meta::FieldKind;
use crate::model::Model;
use crate::query::path::{Hop, Path};
use crate::query::{Lookup, Q};
use crate::types::FieldType;

/// A reference to a row of `T`: declare `category: ForeignKey<Category>` (or
/// `Option<ForeignKey<Category>>` for a nullable one) and the column `category_id` holds
/// the key. The referred row is loaded by `select_related` in the same query, or on
/// demand.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Category {
///     id: i64,
///     #[field(max_length = 50)]
///     name: String,
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
/// let tea = Category { id: 7, name: "Tea".into() };
/// let p = Product { id: 0, category: ForeignKey::to(&tea) };
/// assert_eq!(*p.category.id(), 7);
/// assert_eq!(Product::meta().field("category").unwrap().column, "category_id");
/// ```
pub struct ForeignKey<T: Model> {
    id: T::Pk,
    cached: Option<Arc<T>>,
}

/// A one-to-one relation: a foreign key whose column is unique.
pub type OneToOne<T> = ForeignKey<T>;

impl<T: Model> ForeignKey<T> {
    /// A reference to the row with key `id`.
    pub fn new(id: T::Pk) -> Self {
        ForeignKey { id, cached: None }
    }

    /// A reference to `target` (its key; the row is not kept).
    pub fn to(target: &T) -> Self {
        ForeignKey::new(target.pk())
    }

    /// The referred row's key.
    pub fn id(&self) -> &T::Pk {
        &self.id
    }

    /// The referred row, if it was loaded.
    pub fn cached(&self) -> Option<&T> {
        self.cached.as_deref()
    }

    /// The referred row, queried now (also when it was loaded before).
    pub async fn fetch<E: Executor>(&self, db: &E) -> Result<T> {
        let by_key = Q::lookup(
            T::meta(),
            Path::EMPTY,
            T::meta().pk(),
            Lookup::Exact(self.id.to_value()),
        );
        T::objects().filter(by_key).get(db).await
    }

    /// The referred row: the loaded one, or queried once and kept.
    pub async fn load<E: Executor>(&mut self, db: &E) -> Result<&T> {
        if self.cached.is_none() {
            self.cached = Some(Arc::new(self.fetch(db).await?));
        }
        Ok(self.cached.as_deref().expect("just loaded"))
    }

    pub(crate) fn set_cached(&mut self, row: T) {
        self.cached = Some(Arc::new(row));
    }
}

impl<T: Model> Clone for ForeignKey<T> {
    fn clone(&self) -> Self {
        ForeignKey {
            id: self.id.clone(),
            cached: self.cached.clone(),
        }
    }
}

impl<T: Model> PartialEq for ForeignKey<T> {
    /// Two references are equal when they refer to the same row.
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T: Model> std::fmt::Debug for ForeignKey<T>
where
    T::Pk: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ForeignKey<{}>({:?})", T::meta().name, self.id)
    }
}

impl<T: Model> serde::Serialize for ForeignKey<T>
where
    T: serde::Serialize,
    T::Pk: serde::Serialize,
{
    /// The referred row when it was loaded, else its key: templates can write
    /// `product.category.name` after `select_related`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.cached() {
            Some(row) => row.serialize(s),
            None => self.id.serialize(s),
        }
    }
}

impl<T: Model> From<&T> for ForeignKey<T> {
    fn from(target: &T) -> Self {
        ForeignKey::to(target)
    }
}

impl<T: Model<Pk = i64>> From<i64> for ForeignKey<T> {
    fn from(id: i64) -> Self {
        ForeignKey::new(id)
    }
}

impl<T: Model> FieldType for ForeignKey<T> {
    const KIND: FieldKind = match <T::Pk as FieldType>::KIND {
        FieldKind::AutoId => FieldKind::BigInteger,
        kind => kind,
    };
    type Base = ForeignKey<T>;

    fn to_value(&self) -> Value {
        self.id.to_value()
    }
    fn null() -> Value {
        <T::Pk as FieldType>::null()
    }
    fn from_sqlite(row: &SqliteRow, idx: usize) -> Result<Self, String> {
        T::Pk::from_sqlite(row, idx).map(ForeignKey::new)
    }
    fn from_postgres(row: &PgRow, idx: usize) -> Result<Self, String> {
        T::Pk::from_postgres(row, idx).map(ForeignKey::new)
    }
}

/// A relation field's type (`ForeignKey<T>` or `Option<ForeignKey<T>>`): lookups can
/// go through it ([`crate::Field::then`]) and `select_related` can fill it.
pub trait Relation: FieldType {
    /// The model referred to.
    type Target: Model;
}

impl<T: Model> Relation for ForeignKey<T> {
    type Target = T;
}

impl<T: Model> Relation for Option<ForeignKey<T>> {
    type Target = T;
}

/// A foreign key field that `select_related` can fill from a joined row.
#[doc(hidden)]
pub trait RelatedSlot {
    /// Reads the referred model's columns from `row` at `offset` (all NULL: nothing
    /// referred to), fills in its own selected relations (`nested`), and keeps it.
    /// Returns how many columns were read.
    fn fill(&mut self, row: &Row, offset: usize, nested: &[SelectPlan]) -> Result<usize>;
}

/// One relation to load with `select_related`, and those to load below it.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct SelectPlan {
    pub(crate) hop: Hop,
    pub(crate) children: Vec<SelectPlan>,
}

impl std::fmt::Debug for Hop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", (self.model)().name, self.field().name)
    }
}

/// Reads a `T` at `offset` and then its nested relations; `Ok(None)` when the joined
/// row is missing (a NULL key).
fn read_related<T: Model>(
    row: &Row,
    offset: usize,
    nested: &[SelectPlan],
) -> Result<(Option<T>, usize)> {
    let meta = T::meta();
    let width = crate::query::select_width(meta, nested);
    let missing = row
        .is_null(offset + meta.pk_index())
        .map_err(|detail| Error::Decode {
            model: meta.label(),
            field: meta.pk().name.into(),
            detail,
        })?;
    if missing {
        return Ok((None, width));
    }
    let mut value = T::from_row(row, offset)?;
    let mut next = offset + meta.fields.len();
    for plan in nested {
        let slot = value.related_slot(usize::from(plan.hop.index));
        match slot {
            Some(slot) => next += slot.fill(row, next, &plan.children)?,
            None => next += crate::query::select_width(plan.hop.target(), &plan.children),
        }
    }
    Ok((Some(value), width))
}

impl<T: Model> RelatedSlot for ForeignKey<T> {
    fn fill(&mut self, row: &Row, offset: usize, nested: &[SelectPlan]) -> Result<usize> {
        let (value, width) = read_related::<T>(row, offset, nested)?;
        if let Some(value) = value {
            self.set_cached(value);
        }
        Ok(width)
    }
}

impl<T: Model> RelatedSlot for Option<ForeignKey<T>> {
    fn fill(&mut self, row: &Row, offset: usize, nested: &[SelectPlan]) -> Result<usize> {
        let (value, width) = read_related::<T>(row, offset, nested)?;
        if let (Some(fk), Some(value)) = (self.as_mut(), value) {
            fk.set_cached(value);
        }
        Ok(width)
    }
}
