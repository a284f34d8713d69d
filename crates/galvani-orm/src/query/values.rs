//! Selecting columns instead of whole rows: fields and aggregates, as typed tuples.
//! Fields beside aggregates group the rows, like Django's `values(...).annotate(...)`.

use rust_decimal::Decimal;
use sea_query::{Expr, SelectStatement};

use super::filter::column_expr;
use super::path::Path;
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::executor::Row;
use crate::field::Field;
use crate::meta::FieldMeta;
use crate::model::Model;
use crate::types::FieldType;

/// One selected column of a query on `M`: a field (`Product::name`) or an aggregate
/// ([`Count`], [`Sum`], [`Avg`], [`Min`], [`Max`]).
pub trait Column<M>: Send + Sync {
    /// What reading the column gives.
    type Output: Send;
    /// The column's SQL expression; `idx` is its place among the selected columns.
    #[doc(hidden)]
    fn expr(&self, base: &'static str, idx: usize, backend: Backend) -> Expr;
    /// Adds what the column reads from beside the query's own table (a join on a
    /// grouped subquery, for aggregates over related rows).
    #[doc(hidden)]
    fn join(&self, base: &'static str, idx: usize, backend: Backend, select: &mut SelectStatement) {
        let _ = (base, idx, backend, select);
    }
    /// The relations the column reaches through (each needs a join).
    #[doc(hidden)]
    fn path(&self) -> Path {
        Path::EMPTY
    }
    /// Whether the column aggregates rows (the others then group them).
    #[doc(hidden)]
    fn aggregates(&self) -> bool;
    /// Reads the column at `idx`.
    #[doc(hidden)]
    fn read(&self, row: &Row, idx: usize) -> Result<Self::Output>;
}

fn decode(field: &str, detail: String) -> Error {
    Error::Decode {
        model: "(selected values)".into(),
        field: field.to_owned(),
        detail,
    }
}

impl<M: Model, T: FieldType> Column<M> for Field<M, T> {
    type Output = T;
    fn expr(&self, base: &'static str, _: usize, backend: Backend) -> Expr {
        column_expr(self.path_of().alias(base), self.meta(), backend)
    }
    fn path(&self) -> Path {
        self.path_of()
    }
    fn aggregates(&self) -> bool {
        false
    }
    fn read(&self, row: &Row, idx: usize) -> Result<T> {
        row.get::<T>(idx).map_err(|d| decode(self.meta().name, d))
    }
}

/// The number of rows (`Count::all()`) or of non-NULL values of a field
/// (`Count::of(Product::description)`), optionally distinct.
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
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// # let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
/// # create_tables(&db, &[Product::meta()]).await?;
/// for stock in [3, 0, 5] {
///     Product { id: 0, stock }.save(&db).await?;
/// }
/// let (count, total, most) = Product::objects()
///     .aggregate((Count::all(), Sum::of(Product::stock), Max::of(Product::stock)), &db)
///     .await?;
/// assert_eq!((count, total, most), (3, Some(8), Some(5)));
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub struct Count {
    target: Option<(Path, &'static FieldMeta)>,
    distinct: bool,
}

impl Count {
    /// Every row.
    pub fn all() -> Count {
        Count {
            target: None,
            distinct: false,
        }
    }

    /// The rows where `field` is not NULL.
    pub fn of<M: Model, T: FieldType>(field: Field<M, T>) -> Count {
        Count {
            target: Some((field.path_of(), field.meta())),
            distinct: false,
        }
    }

    /// Each distinct value once.
    pub fn distinct(mut self) -> Count {
        self.distinct = true;
        self
    }
}

impl<M: Model> Column<M> for Count {
    type Output = i64;
    fn expr(&self, base: &'static str, _: usize, backend: Backend) -> Expr {
        match (&self.target, self.distinct) {
            (None, _) => Expr::cust("COUNT(*)"),
            (Some((path, field)), distinct) => {
                let col = column_expr(path.alias(base), field, backend);
                let template = if distinct {
                    "COUNT(DISTINCT ?)"
                } else {
                    "COUNT(?)"
                };
                custom(template, col, backend)
            }
        }
    }
    fn path(&self) -> Path {
        self.target.map_or(Path::EMPTY, |(p, _)| p)
    }
    fn aggregates(&self) -> bool {
        true
    }
    fn read(&self, row: &Row, idx: usize) -> Result<i64> {
        row.get::<i64>(idx).map_err(|d| decode("COUNT", d))
    }
}

/// `template` with `?` replaced by `expr`, for either backend's placeholder style.
pub(crate) fn custom(template: &'static str, expr: Expr, backend: Backend) -> Expr {
    match backend {
        Backend::Postgres => Expr::cust_with_exprs(template.replacen('?', "$1", 1), [expr]),
        _ => Expr::cust_with_exprs(template, [expr]),
    }
}

/// A number type's sum: integers add up as `i64`, floats as `f64`, decimals exactly.
pub trait Summable: FieldType {
    /// The sum's type.
    type Sum: FieldType + Send;
    /// SQL around `SUM(?)` so every backend returns that type.
    #[doc(hidden)]
    const TEMPLATE: (&'static str, &'static str);
}

macro_rules! summable {
    ($($ty:ty => $sum:ty, $sqlite:literal, $pg:literal;)*) => {$(
        impl Summable for $ty {
            type Sum = $sum;
            const TEMPLATE: (&'static str, &'static str) = ($sqlite, $pg);
        }
    )*};
}

summable! {
    i16 => i64, "SUM(?)", "CAST(SUM(?) AS BIGINT)";
    i32 => i64, "SUM(?)", "CAST(SUM(?) AS BIGINT)";
    i64 => i64, "SUM(?)", "CAST(SUM(?) AS BIGINT)";
    f64 => f64, "SUM(?)", "SUM(?)";
    Decimal => Decimal, "SUM(?)", "SUM(?)";
}

macro_rules! aggregate {
    ($(#[$doc:meta])* $name:ident<$t:ident: $bound:path> => $out:ty, $label:literal, |$backend:ident| $template:expr;) => {
        $(#[$doc])*
        pub struct $name<$t> {
            path: Path,
            field: &'static FieldMeta,
            _type: std::marker::PhantomData<fn() -> $t>,
        }

        impl<$t: $bound> $name<$t> {
            /// Over `field`'s values (NULLs ignored); `None` when there are none.
            pub fn of<M: Model>(field: Field<M, $t>) -> Self {
                $name {
                    path: field.path_of(),
                    field: field.meta(),
                    _type: std::marker::PhantomData,
                }
            }
        }

        impl<M: Model, $t: $bound> Column<M> for $name<$t> {
            type Output = Option<$out>;
            fn expr(&self, base: &'static str, _: usize, $backend: Backend) -> Expr {
                let col = column_expr(self.path.alias(base), self.field, $backend);
                custom($template, col, $backend)
            }
            fn path(&self) -> Path {
                self.path
            }
            fn aggregates(&self) -> bool {
                true
            }
            fn read(&self, row: &Row, idx: usize) -> Result<Option<$out>> {
                row.get::<Option<$out>>(idx).map_err(|d| decode($label, d))
            }
        }
    };
}

aggregate! {
    /// The sum of a number field.
    Sum<T: Summable> => T::Sum, "SUM", |backend| match backend {
        Backend::Postgres => T::TEMPLATE.1,
        _ => T::TEMPLATE.0,
    };
}

aggregate! {
    /// The average of a number field, as `f64`.
    Avg<T: crate::expr::Numeric> => f64, "AVG", |backend| match backend {
        Backend::Postgres => "CAST(AVG(?) AS DOUBLE PRECISION)",
        _ => "AVG(?)",
    };
}

aggregate! {
    /// The smallest value of a field.
    Min<T: FieldType> => T, "MIN", |backend| { let _ = backend; "MIN(?)" };
}

aggregate! {
    /// The largest value of a field.
    Max<T: FieldType> => T, "MAX", |backend| { let _ = backend; "MAX(?)" };
}

/// Several columns, read as a tuple.
pub trait Columns<M>: Send + Sync {
    /// The tuple a row gives.
    type Output: Send;
    /// Whether any column aggregates.
    #[doc(hidden)]
    fn grouped(&self) -> bool;
    /// Adds the columns (and GROUP BY, when fields stand beside aggregates).
    #[doc(hidden)]
    fn select(&self, base: &'static str, backend: Backend, select: &mut SelectStatement);
    /// Every column's path.
    #[doc(hidden)]
    fn paths(&self) -> Vec<Path>;
    /// Reads the columns of a row, the first at `offset`.
    #[doc(hidden)]
    fn read(&self, row: &Row, offset: usize) -> Result<Self::Output>;
}

macro_rules! columns {
    ($($c:ident $i:tt),*) => {
        impl<M, $($c: Column<M>),*> Columns<M> for ($($c,)*) {
            type Output = ($($c::Output,)*);
            fn grouped(&self) -> bool {
                false $(|| self.$i.aggregates())*
            }
            fn select(&self, base: &'static str, backend: Backend, select: &mut SelectStatement) {
                let grouped = self.grouped();
                $(
                    self.$i.join(base, $i, backend, select);
                    select.expr(self.$i.expr(base, $i, backend));
                    if grouped && !self.$i.aggregates() {
                        select.add_group_by([self.$i.expr(base, $i, backend)]);
                    }
                )*
            }
            fn paths(&self) -> Vec<Path> {
                vec![$(self.$i.path()),*]
            }
            fn read(&self, row: &Row, offset: usize) -> Result<Self::Output> {
                Ok(($(self.$i.read(row, offset + $i)?,)*))
            }
        }
    };
}

columns!(A 0);
columns!(A 0, B 1);
columns!(A 0, B 1, C 2);
columns!(A 0, B 1, C 2, D 3);
columns!(A 0, B 1, C 2, D 3, E 4);
columns!(A 0, B 1, C 2, D 3, E 4, F 5);
