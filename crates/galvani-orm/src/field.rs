//! Typed field handles (`Product::price`), and the lookups they make: each a [`Q`] to
//! give to `filter` or `exclude`. The value's type is checked at compile time.

use std::marker::PhantomData;

use sea_query::Value;

use crate::db::Backend;
use crate::expr::F;
use crate::meta::{FieldMeta, ModelMeta};
use crate::model::Model;
use crate::query::path::{Hop, MAX_HOPS, Path};
use crate::query::{DatePart, Lookup, OrderBy, Q};
use crate::relation::Relation;
use crate::types::FieldType;

/// A field of model `M` holding a `T`: what lookups, ordering and updates name.
/// `#[derive(Model)]` makes one per field, as an associated constant of the model.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Product {
///     id: i64,
///     #[field(max_length = 100)]
///     name: String,
///     stock: i32,
/// }
///
/// // Built lazily: nothing runs until a QuerySet method that takes the database.
/// let in_stock = Product::objects()
///     .filter(Product::stock.gt(0) & Product::name.icontains("tea"))
///     .order_by([Product::name.asc()]);
/// ```
///
/// A lookup value of the wrong type does not compile:
///
/// ```compile_fail,E0277
/// use galvani_orm::prelude::*;
///
/// #[derive(Model)]
/// struct Product {
///     id: i64,
///     name: String,
/// }
///
/// let q = Product::name.eq(10_i64);
/// ```
pub struct Field<M, T> {
    /// The model the field belongs to (`M`, unless the field was reached through
    /// relations with [`Field::then`]).
    owner: fn() -> &'static ModelMeta,
    index: usize,
    /// The relations from `M` to `owner`.
    path: Path,
    _types: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Field<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Field<M, T> {}

impl<M: Model, T: FieldType> Field<M, T> {
    /// The handle for `M`'s field number `index` (in declaration order).
    #[doc(hidden)]
    pub const fn new(index: usize) -> Self {
        Field {
            owner: M::meta,
            index,
            path: Path::EMPTY,
            _types: PhantomData,
        }
    }

    /// The field's description.
    pub fn meta(&self) -> &'static FieldMeta {
        &(self.owner)().fields[self.index]
    }

    /// The relations from `M` to the field's model.
    pub(crate) fn path_of(&self) -> Path {
        self.path
    }

    fn lookup(&self, lookup: Lookup) -> Q<M> {
        Q::lookup(M::meta(), self.path, self.meta(), lookup)
    }

    /// Equal to `value` (`exact`).
    pub fn eq(&self, value: impl Into<T::Base>) -> Q<M> {
        self.lookup(Lookup::Exact(value.into().to_value()))
    }

    /// Not equal to `value` (NULL rows excluded, as in SQL).
    pub fn ne(&self, value: impl Into<T::Base>) -> Q<M> {
        !self.eq(value) & self.is_null(false)
    }

    /// Greater than `value`.
    pub fn gt(&self, value: impl Into<T::Base>) -> Q<M> {
        self.lookup(Lookup::Gt(value.into().to_value()))
    }

    /// Greater than or equal to `value`.
    pub fn gte(&self, value: impl Into<T::Base>) -> Q<M> {
        self.lookup(Lookup::Gte(value.into().to_value()))
    }

    /// Less than `value`.
    pub fn lt(&self, value: impl Into<T::Base>) -> Q<M> {
        self.lookup(Lookup::Lt(value.into().to_value()))
    }

    /// Less than or equal to `value`.
    pub fn lte(&self, value: impl Into<T::Base>) -> Q<M> {
        self.lookup(Lookup::Lte(value.into().to_value()))
    }

    /// Between `low` and `high`, both included.
    pub fn range(&self, low: impl Into<T::Base>, high: impl Into<T::Base>) -> Q<M> {
        self.lookup(Lookup::Range(low.into().to_value(), high.into().to_value()))
    }

    /// One of `values` (an empty list matches nothing).
    pub fn is_in<V: Into<T::Base>>(&self, values: impl IntoIterator<Item = V>) -> Q<M> {
        let values: Vec<Value> = values.into_iter().map(|v| v.into().to_value()).collect();
        self.lookup(Lookup::In(values))
    }

    /// NULL (`true`) or not NULL (`false`).
    pub fn is_null(&self, null: bool) -> Q<M> {
        self.lookup(Lookup::IsNull(null))
    }

    /// An assignment of `value` to this field, for [`crate::QuerySet::update`].
    pub fn set(&self, value: impl Into<T>) -> Assignment<M> {
        Assignment {
            field: self.meta(),
            through_relation: !self.path.is_empty(),
            value: AssignedValue::Value(value.into().to_value()),
            _model: PhantomData,
        }
    }

    /// An assignment of an F expression to this field, computed by the database:
    /// `Product::stock.set_expr(Product::stock - 1)`.
    pub fn set_expr(&self, expr: F<M, T>) -> Assignment<M> {
        Assignment {
            field: self.meta(),
            through_relation: !self.path.is_empty() || expr.node.crosses_relations(),
            value: AssignedValue::Expr(expr.node),
            _model: PhantomData,
        }
    }

    /// Ascending order by this field.
    pub fn asc(&self) -> OrderBy<M> {
        OrderBy::new(M::meta(), self.path, self.meta(), false)
    }

    /// Descending order by this field.
    pub fn desc(&self) -> OrderBy<M> {
        OrderBy::new(M::meta(), self.path, self.meta(), true)
    }
}

/// Lookups through a relation, for foreign key fields.
impl<M: Model, R: Relation> Field<M, R> {
    /// A field of the related model, seen from `M`: filters and ordering on it join
    /// the related table. `Product::category.then(Category::name).eq("Tea")`.
    ///
    /// # Panics
    ///
    /// When the path would cross more than four relations.
    pub fn then<U>(self, next: Field<R::Target, U>) -> Field<M, U> {
        let hop = Hop {
            model: self.owner,
            index: u16::try_from(self.index).unwrap_or(u16::MAX),
        };
        let path = self
            .path
            .join(hop, &next.path)
            .unwrap_or_else(|| panic!("a lookup may cross at most {MAX_HOPS} relations"));
        Field {
            owner: next.owner,
            index: next.index,
            path,
            _types: PhantomData,
        }
    }

    /// This relation, for `select_related`.
    pub fn related(self) -> crate::query::Related<M> {
        crate::query::Related::new(
            self.path,
            Hop {
                model: self.owner,
                index: u16::try_from(self.index).unwrap_or(u16::MAX),
            },
        )
    }
}

/// A part of a date or instant field (in UTC), compared as a number: made by
/// `Field::year()`, `month()`, `day()` and `hour()`.
///
/// ```
/// use galvani_orm::prelude::*;
/// use time::OffsetDateTime;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Order {
///     id: i64,
///     placed: OffsetDateTime,
/// }
///
/// let this_year = Order::objects().filter(Order::placed.year().eq(2026));
/// let winter = Order::objects().filter(Order::placed.month().is_in([12, 1, 2]));
/// ```
pub struct Part<M> {
    path: Path,
    field: &'static FieldMeta,
    part: DatePart,
    _model: PhantomData<fn() -> M>,
}

impl<M: Model> Part<M> {
    fn lookup(&self, inner: Lookup) -> Q<M> {
        Q::lookup(
            M::meta(),
            self.path,
            self.field,
            Lookup::Part(self.part, Box::new(inner)),
        )
    }

    /// Equal to `n`.
    pub fn eq(&self, n: i32) -> Q<M> {
        self.lookup(Lookup::Exact(n.to_value()))
    }

    /// Greater than `n`.
    pub fn gt(&self, n: i32) -> Q<M> {
        self.lookup(Lookup::Gt(n.to_value()))
    }

    /// Greater than or equal to `n`.
    pub fn gte(&self, n: i32) -> Q<M> {
        self.lookup(Lookup::Gte(n.to_value()))
    }

    /// Less than `n`.
    pub fn lt(&self, n: i32) -> Q<M> {
        self.lookup(Lookup::Lt(n.to_value()))
    }

    /// Less than or equal to `n`.
    pub fn lte(&self, n: i32) -> Q<M> {
        self.lookup(Lookup::Lte(n.to_value()))
    }

    /// Between `low` and `high`, both included.
    pub fn range(&self, low: i32, high: i32) -> Q<M> {
        self.lookup(Lookup::Range(low.to_value(), high.to_value()))
    }

    /// One of `values`.
    pub fn is_in(&self, values: impl IntoIterator<Item = i32>) -> Q<M> {
        self.lookup(Lookup::In(
            values.into_iter().map(|v| v.to_value()).collect(),
        ))
    }
}

/// Date and instant fields (`Date`, `OffsetDateTime`, and their `Option`s).
pub trait Dated: FieldType {}
impl Dated for time::Date {}
impl Dated for time::OffsetDateTime {}

impl<M: Model, T: FieldType> Field<M, T>
where
    T::Base: Dated,
{
    fn part(&self, part: DatePart) -> Part<M> {
        Part {
            path: self.path,
            field: self.meta(),
            part,
            _model: PhantomData,
        }
    }

    /// The year.
    pub fn year(&self) -> Part<M> {
        self.part(DatePart::Year)
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> Part<M> {
        self.part(DatePart::Month)
    }

    /// The day of the month.
    pub fn day(&self) -> Part<M> {
        self.part(DatePart::Day)
    }

    /// The hour, 0 to 23 (instants, in UTC).
    pub fn hour(&self) -> Part<M> {
        self.part(DatePart::Hour)
    }
}

/// The text lookups, for `String` and `Option<String>` fields.
impl<M: Model, T: FieldType<Base = String>> Field<M, T> {
    /// Equal, ignoring case.
    pub fn iexact(&self, value: impl Into<String>) -> Q<M> {
        self.lookup(Lookup::IExact(value.into()))
    }

    /// Contains `value`, case-sensitively on every backend.
    pub fn contains(&self, value: impl Into<String>) -> Q<M> {
        self.lookup(Lookup::Contains(value.into()))
    }

    /// Contains `value`, ignoring case.
    pub fn icontains(&self, value: impl Into<String>) -> Q<M> {
        self.lookup(Lookup::IContains(value.into()))
    }

    /// Starts with `value`, case-sensitively.
    pub fn startswith(&self, value: impl Into<String>) -> Q<M> {
        self.lookup(Lookup::StartsWith(value.into()))
    }

    /// Starts with `value`, ignoring case.
    pub fn istartswith(&self, value: impl Into<String>) -> Q<M> {
        self.lookup(Lookup::IStartsWith(value.into()))
    }

    /// Ends with `value`, case-sensitively.
    pub fn endswith(&self, value: impl Into<String>) -> Q<M> {
        self.lookup(Lookup::EndsWith(value.into()))
    }

    /// Ends with `value`, ignoring case.
    pub fn iendswith(&self, value: impl Into<String>) -> Q<M> {
        self.lookup(Lookup::IEndsWith(value.into()))
    }
}

/// One `column = value` of an UPDATE of rows of `M`, made by [`Field::set`] or
/// [`Field::set_expr`].
pub struct Assignment<M> {
    pub(crate) field: &'static FieldMeta,
    /// Set through a relation, or from one: an UPDATE sees only its own table.
    pub(crate) through_relation: bool,
    pub(crate) value: AssignedValue,
    _model: PhantomData<fn() -> M>,
}

pub(crate) enum AssignedValue {
    Value(Value),
    Expr(crate::expr::Node),
}

impl<M> Assignment<M> {
    pub(crate) fn expr(&self, backend: Backend) -> sea_query::Expr {
        match &self.value {
            AssignedValue::Value(v) => sea_query::Expr::val(v.clone()),
            AssignedValue::Expr(node) => node.expr(backend),
        }
    }
}

impl<M> std::fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assignment")
            .field("field", &self.field.name)
            .finish_non_exhaustive()
    }
}
