//! Aggregates over each row's related rows, beside the row itself: Django's
//! `Category.objects.annotate(n=Count("products"))`. Each is a LEFT JOIN on a
//! grouped subquery (`SELECT key, COUNT(*) ... GROUP BY key`), not a join on the
//! related rows: several aggregates on one query do not multiply one another, and a
//! row without related rows still comes (with 0, or `None` for a sum).

use std::marker::PhantomData;

use sea_query::{Expr, ExprTrait, JoinType, SelectStatement};

use super::QuerySet;
use super::filter::Q;
use super::path::Path;
use super::subquery::{SubQuery, Via};
use super::values::{Avg, Column, Columns, Count, Max, Min, Sum, Summable, custom};
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::executor::{Executor, Row, Statement};
use crate::expr::private::Sealed;
use crate::field::Field;
use crate::m2m::ManyToManyField;
use crate::meta::FieldMeta;
use crate::model::Model;
use crate::relation::Relation;
use crate::types::FieldType;

/// How a relation is crossed (opaque).
#[doc(hidden)]
pub struct ViaSpec(Via);

/// A relation seen from the model `M` it leads to: the rows of `Self::Row` that refer
/// to each row of `M`. A foreign key (`Product::category`, seen from `Category`) or a
/// many-to-many field (`Product::tags`, seen from `Tag`).
pub trait RelatedRows<M>: Sealed {
    /// The model of the referring rows.
    type Row: Model;
    #[doc(hidden)]
    fn via(&self) -> ViaSpec;
}

impl<C: Model, R: Relation> RelatedRows<R::Target> for Field<C, R> {
    type Row = C;
    fn via(&self) -> ViaSpec {
        ViaSpec(Via::referrers(self))
    }
}

impl<M: Model, T: Model> Sealed for ManyToManyField<M, T> {}
impl<M: Model, T: Model> RelatedRows<T> for ManyToManyField<M, T> {
    type Row = M;
    fn via(&self) -> ViaSpec {
        ViaSpec(Via::many(self.meta(), true))
    }
}

#[derive(Clone, Copy)]
enum Aggregate {
    /// `COUNT(*)`, 0 for rows without related rows.
    Count,
    /// An aggregate of a field of the related rows (at `path` from them).
    Over {
        path: Path,
        field: &'static FieldMeta,
        template: (&'static str, &'static str),
    },
}

/// An aggregate over each row's related rows, as a column of a query on `M`: made by
/// [`Count::referring`], [`Count::related`] and [`Sum::referring`], narrowed by
/// [`filter`](Self::filter), read by [`QuerySet::annotate`] or
/// [`QuerySet::values`].
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop", ordering = ["name"])]
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
///     stock: i32,
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// # let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
/// # create_tables(&db, &[Category::meta(), Product::meta()]).await?;
/// let mut tea = Category { id: 0, name: "Tea".into() };
/// tea.save(&db).await?;
/// Category { id: 0, name: "Cups".into() }.save(&db).await?;
/// for stock in [0, 4, 2] {
///     Product { id: 0, category: ForeignKey::to(&tea), stock }.save(&db).await?;
/// }
/// let rows = Category::objects()
///     .annotate(
///         (
///             Count::referring(Product::category),
///             Count::referring(Product::category).filter(Product::stock.gt(0)),
///             Sum::referring(Product::category, Product::stock),
///         ),
///         &db,
///     )
///     .await?;
/// let summary: Vec<_> = rows.iter().map(|(c, n)| (c.name.as_str(), *n)).collect();
/// assert_eq!(summary, [("Cups", (0, 0, None)), ("Tea", (3, 2, Some(6)))]);
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub struct RelatedAggregate<M, C, O> {
    via: Via,
    condition: Q<C>,
    aggregate: Aggregate,
    _types: PhantomData<fn() -> (M, O)>,
}

impl<M, C, O> RelatedAggregate<M, C, O> {
    fn new(via: Via, aggregate: Aggregate) -> Self {
        RelatedAggregate {
            via,
            condition: Q::all(),
            aggregate,
            _types: PhantomData,
        }
    }

    /// Only the related rows meeting `q` (added to earlier filters with AND).
    pub fn filter(mut self, q: Q<C>) -> Self {
        self.condition = self.condition & q;
        self
    }
}

fn alias(idx: usize) -> String {
    format!("a:{idx}")
}

impl<M: Model, C: Model, O: FieldType> Column<M> for RelatedAggregate<M, C, O> {
    type Output = O;

    fn expr(&self, _: &'static str, idx: usize, backend: Backend) -> Expr {
        let value = Expr::col((alias(idx), "v"));
        match self.aggregate {
            Aggregate::Count => custom("COALESCE(?, 0)", value, backend),
            Aggregate::Over { .. } => value,
        }
    }

    fn join(&self, base: &'static str, idx: usize, backend: Backend, select: &mut SelectStatement) {
        let sub = SubQuery::new(self.via, self.condition.clone().erase());
        let (aggregate, paths) = match self.aggregate {
            Aggregate::Count => (Expr::cust("COUNT(*)"), Vec::new()),
            Aggregate::Over {
                path,
                field,
                template,
            } => {
                let table = sub.rows_model().table;
                let column = super::filter::column_expr(path.alias(table), field, backend);
                let template = match backend {
                    Backend::Postgres => template.1,
                    _ => template.0,
                };
                (custom(template, column, backend), vec![path])
            }
        };
        let alias = alias(idx);
        select.join_subquery(
            JoinType::LeftJoin,
            sub.grouped(backend, aggregate, &paths),
            alias.clone(),
            Expr::col((alias, "k")).equals((base, M::meta().pk().column)),
        );
    }

    fn aggregates(&self) -> bool {
        false
    }

    fn read(&self, row: &Row, idx: usize) -> Result<O> {
        row.get::<O>(idx).map_err(|detail| Error::Decode {
            model: M::meta().label(),
            field: alias(idx),
            detail,
        })
    }
}

impl Count {
    /// How many rows refer to each row through `relation`:
    /// `Count::referring(Product::category)` on categories,
    /// `Count::referring(Product::tags)` on tags.
    pub fn referring<M, R: RelatedRows<M>>(relation: R) -> RelatedAggregate<M, R::Row, i64> {
        RelatedAggregate::new(relation.via().0, Aggregate::Count)
    }

    /// How many rows each row is related to through its many-to-many field:
    /// `Count::related(Product::tags)` on products.
    pub fn related<M: Model, T: Model>(
        relation: ManyToManyField<M, T>,
    ) -> RelatedAggregate<M, T, i64> {
        RelatedAggregate::new(Via::many(relation.meta(), false), Aggregate::Count)
    }
}

fn over<M, R: RelatedRows<M>, T: FieldType, O>(
    relation: R,
    field: Field<R::Row, T>,
    template: (&'static str, &'static str),
) -> RelatedAggregate<M, R::Row, O> {
    RelatedAggregate::new(
        relation.via().0,
        Aggregate::Over {
            path: field.path_of(),
            field: field.meta(),
            template,
        },
    )
}

impl<T: Summable> Sum<T> {
    /// The sum of `field` over the rows referring to each row through `relation`
    /// (`None` when none does): `Sum::referring(Product::category, Product::stock)`.
    pub fn referring<M, R: RelatedRows<M>>(
        relation: R,
        field: Field<R::Row, T>,
    ) -> RelatedAggregate<M, R::Row, Option<T::Sum>> {
        over(relation, field, T::TEMPLATE)
    }
}

impl<T: crate::expr::Numeric> Avg<T> {
    /// The average of `field` over the rows referring to each row, as `f64`.
    pub fn referring<M, R: RelatedRows<M>>(
        relation: R,
        field: Field<R::Row, T>,
    ) -> RelatedAggregate<M, R::Row, Option<f64>> {
        over(
            relation,
            field,
            ("AVG(?)", "CAST(AVG(?) AS DOUBLE PRECISION)"),
        )
    }
}

impl<T: FieldType> Min<T> {
    /// The smallest value of `field` among the rows referring to each row.
    pub fn referring<M, R: RelatedRows<M>>(
        relation: R,
        field: Field<R::Row, T>,
    ) -> RelatedAggregate<M, R::Row, Option<T>> {
        over(relation, field, ("MIN(?)", "MIN(?)"))
    }
}

impl<T: FieldType> Max<T> {
    /// The largest value of `field` among the rows referring to each row.
    pub fn referring<M, R: RelatedRows<M>>(
        relation: R,
        field: Field<R::Row, T>,
    ) -> RelatedAggregate<M, R::Row, Option<T>> {
        over(relation, field, ("MAX(?)", "MAX(?)"))
    }
}

impl<M: Model> QuerySet<M> {
    /// Every matching row with the chosen columns beside it: fields and aggregates over
    /// related rows ([`Count::referring`], [`Sum::referring`], ...), like Django's
    /// `annotate`. Filters, ordering, slices, `select_related` and `prefetch_related`
    /// apply as for [`all`](Self::all). Aggregates over the rows themselves
    /// (`Count::all()`) group rows and belong in [`values`](Self::values).
    pub async fn annotate<A: Columns<M>, E: Executor>(
        &self,
        columns: A,
        db: &E,
    ) -> Result<Vec<(M, A::Output)>> {
        if columns.grouped() {
            return Err(Error::InvalidValue {
                field: M::meta().label(),
                detail: "annotate takes fields and aggregates over related rows \
                         (Count::referring, Sum::referring); aggregates over the rows \
                         themselves group them: use values() for those"
                    .into(),
            });
        }
        let backend = db.backend();
        let meta = M::meta();
        let mut select = self.select_joining(backend, &columns.paths());
        let offset = super::select_width(meta, &self.related);
        columns.select(meta.table, backend, &mut select);
        let mut stmt = Statement::build(&select, backend);
        self.append_slice(&mut stmt, None);
        let rows = db.fetch_all(stmt).await?;
        let mut models = Vec::with_capacity(rows.len());
        let mut extra = Vec::with_capacity(rows.len());
        for row in &rows {
            models.push(self.read(row)?);
            extra.push(columns.read(row, offset)?);
        }
        for prefetch in &self.prefetch {
            prefetch.run(&mut models, db.scope()).await?;
        }
        Ok(models.into_iter().zip(extra).collect())
    }
}
