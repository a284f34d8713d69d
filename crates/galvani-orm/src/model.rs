//! The `Model` trait, implemented by `#[derive(Model)]`, and what every model instance
//! can do: save, delete, refresh.

use std::future::Future;

use sea_query::Value;

use crate::error::Result;
use crate::executor::{Executor, Row};
use crate::meta::ModelMeta;
use crate::query::QuerySet;
use crate::types::FieldType;

/// A database table mapped to a Rust struct. Derive it; do not implement it by hand.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Category {
///     id: i64,
///     #[field(max_length = 80, unique)]
///     name: String,
/// }
///
/// assert_eq!(Category::meta().table, "shop_category");
/// assert_eq!(Category::meta().pk().name, "id");
/// ```
pub trait Model: Sized + Send + Sync + Unpin + 'static {
    /// The primary key's type.
    type Pk: FieldType + Clone + PartialEq;

    /// The model's description.
    fn meta() -> &'static ModelMeta;

    /// Builds an instance from the row's columns `offset..offset + fields.len()`, in
    /// field order.
    #[doc(hidden)]
    fn from_row(row: &Row, offset: usize) -> Result<Self>;

    /// Every column's value, in field order.
    #[doc(hidden)]
    fn values(&self) -> Vec<Value>;

    /// The primary key.
    fn pk(&self) -> Self::Pk;

    /// Whether the row has never been saved (an automatic key still 0).
    #[doc(hidden)]
    fn is_adding(&self) -> bool;

    /// Stores the key the database gave a new row.
    #[doc(hidden)]
    fn set_pk_from(&mut self, row: &Row, idx: usize) -> Result<()>;

    /// The foreign key field number `index`, for `select_related` to fill.
    #[doc(hidden)]
    fn related_slot(&mut self, index: usize) -> Option<&mut dyn crate::relation::RelatedSlot> {
        let _ = index;
        None
    }

    /// The reverse side number `index` (a `Reverse<T>`), for `prefetch_related`.
    #[doc(hidden)]
    fn reverse_slot(&mut self, index: usize) -> Option<&mut dyn std::any::Any> {
        let _ = index;
        None
    }

    /// The many-to-many field number `index`, for `prefetch_related`.
    #[doc(hidden)]
    fn many_to_many_slot(&mut self, index: usize) -> Option<&mut dyn std::any::Any> {
        let _ = index;
        None
    }

    /// Binds the many-to-many managers to this row's key (after reading or saving).
    #[doc(hidden)]
    fn bind_relations(&mut self) {}

    /// Sets `auto_now` fields (and `auto_now_add` ones when `adding`) to `now`.
    #[doc(hidden)]
    fn touch(&mut self, adding: bool, now: time::OffsetDateTime);

    /// Checks every field's value against its options, as Django's `full_clean`: text
    /// within `max_length` and not empty unless `blank`, decimals within
    /// `max_digits`/`decimal_places`, values among `choices`. Call it before `save` where
    /// input is not trusted; [`crate::Error::Validation`] lists every problem.
    fn full_clean(&self) -> Result<()> {
        crate::validate::full_clean(Self::meta(), &self.values())
    }

    /// All rows of this model, as a lazy [`QuerySet`].
    fn objects() -> QuerySet<Self> {
        QuerySet::new()
    }

    /// Inserts the row if it was never saved, updates it otherwise.
    fn save<E: Executor>(&mut self, db: &E) -> impl Future<Output = Result<()>> + Send {
        crate::instance::save(self, db)
    }

    /// Deletes the row; returns how many rows went (0 if it was already gone).
    fn delete<E: Executor>(&self, db: &E) -> impl Future<Output = Result<u64>> + Send {
        crate::instance::delete(self, db)
    }

    /// Reloads every field from the database.
    fn refresh_from_db<E: Executor>(&mut self, db: &E) -> impl Future<Output = Result<()>> + Send {
        crate::instance::refresh(self, db)
    }
}
