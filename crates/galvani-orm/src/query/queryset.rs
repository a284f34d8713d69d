//! `QuerySet`: a lazy description of rows of one model. Chaining methods return a new
//! QuerySet; only the methods that take an executor touch the database.

use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};

use sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};

use super::path::{Hop, Path};
use super::related::{add_to_plan, plan_paths};
use super::{Columns, OrderBy, Q, Related, select_width};
use crate::error::{Error, Result};
use crate::executor::{Executor, Row, Statement, execute_for};
use crate::field::Assignment;
use crate::model::Model;
use crate::relation::SelectPlan;
use crate::reverse::Prefetch;

/// Rows of model `M`, filtered, ordered and sliced; nothing runs until a method that
/// takes an executor ([`all`](QuerySet::all), [`get`](QuerySet::get),
/// [`count`](QuerySet::count), ...).
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
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
/// create_tables(&db, &[Product::meta()]).await?;
/// for (name, stock) in [("Tea", 5), ("Coffee", 0), ("Green tea", 2)] {
///     Product { id: 0, name: name.into(), stock }.save(&db).await?;
/// }
/// let teas = Product::objects()
///     .filter(Product::name.icontains("tea") & Product::stock.gt(0))
///     .order_by([Product::stock.desc()])
///     .all(&db)
///     .await?;
/// assert_eq!(teas.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Tea", "Green tea"]);
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub struct QuerySet<M> {
    filter: Q<M>,
    order: Option<Vec<OrderBy<M>>>,
    offset: u64,
    limit: Option<u64>,
    distinct: bool,
    pub(super) related: Vec<SelectPlan>,
    pub(super) prefetch: Vec<Prefetch<M>>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for QuerySet<M> {
    fn clone(&self) -> Self {
        QuerySet {
            filter: self.filter.clone(),
            order: self.order.clone(),
            offset: self.offset,
            limit: self.limit,
            distinct: self.distinct,
            related: self.related.clone(),
            prefetch: self.prefetch.clone(),
            _model: PhantomData,
        }
    }
}

impl<M: Model> Default for QuerySet<M> {
    fn default() -> Self {
        QuerySet::new()
    }
}

impl<M: Model> QuerySet<M> {
    /// Every row (what `M::objects()` gives).
    pub fn new() -> Self {
        QuerySet {
            filter: Q::all(),
            order: None,
            offset: 0,
            limit: None,
            distinct: false,
            related: Vec::new(),
            prefetch: Vec::new(),
            _model: PhantomData,
        }
    }

    /// Only the rows meeting `q` (added to earlier filters with AND).
    pub fn filter(mut self, q: Q<M>) -> Self {
        self.filter = self.filter & q;
        self
    }

    /// Only the rows not meeting `q`.
    pub fn exclude(mut self, q: Q<M>) -> Self {
        self.filter = self.filter & !q;
        self
    }

    /// Orders by these terms instead of the model's default ordering.
    pub fn order_by(mut self, terms: impl IntoIterator<Item = OrderBy<M>>) -> Self {
        self.order = Some(terms.into_iter().collect());
        self
    }

    /// Rows `range` of the result, like slicing in Django: `slice(10..20)`, `slice(..5)`.
    pub fn slice(mut self, range: impl RangeBounds<u64>) -> Self {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s + 1,
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => Some(e + 1),
            Bound::Excluded(&e) => Some(e),
            Bound::Unbounded => None,
        };
        // Slicing a slice narrows it.
        let new_offset = self.offset + start;
        let new_limit = end.map(|e| e.saturating_sub(start));
        self.limit = match (self.limit, new_limit) {
            (Some(old), Some(new)) => Some(Ord::min(new, old.saturating_sub(start))),
            (Some(old), None) => Some(old.saturating_sub(start)),
            (None, new) => new,
        };
        self.offset = new_offset;
        self
    }

    /// Loads these relations in the same query (LEFT JOINs), so that reading
    /// `product.category.cached()` needs no query per row.
    pub fn select_related(mut self, relations: impl IntoIterator<Item = Related<M>>) -> Self {
        for relation in relations {
            add_to_plan(&mut self.related, relation.path().hops());
        }
        self
    }

    /// Loads rows referring to these (each a foreign key handle's `reverse()`) with one
    /// more query per relation, whatever the number of rows: no N+1.
    pub fn prefetch_related(mut self, prefetches: impl IntoIterator<Item = Prefetch<M>>) -> Self {
        self.prefetch.extend(prefetches);
        self
    }

    /// Each distinct row once.
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    fn ordering(&self) -> Vec<OrderBy<M>> {
        match &self.order {
            Some(terms) => terms.clone(),
            None => OrderBy::defaults(M::meta()),
        }
    }

    /// The relation paths the filter and the ordering reach through.
    fn joined_paths(&self) -> Vec<Path> {
        let mut paths = Vec::new();
        self.filter.paths(&mut paths);
        paths.extend(
            self.ordering()
                .iter()
                .map(OrderBy::path)
                .filter(|p| !p.is_empty()),
        );
        paths
    }

    fn add_joins(select: &mut SelectStatement, paths: &[Path]) {
        let mut done = Vec::new();
        for path in paths {
            path.add_joins(M::meta().table, select, &mut done);
        }
    }

    fn select(&self, backend: crate::Backend) -> SelectStatement {
        self.select_joining(backend, &[])
    }

    /// The SELECT of `all`, also joining `extra` paths (for annotations).
    pub(super) fn select_joining(
        &self,
        backend: crate::Backend,
        extra: &[Path],
    ) -> SelectStatement {
        let meta = M::meta();
        let mut select = Query::select();
        select.from(meta.table);
        for field in meta.fields {
            select.column((meta.table, field.column));
        }
        let mut loaded = Vec::new();
        plan_paths(&self.related, Path::EMPTY, &mut loaded);
        for path in &loaded {
            let alias = path.alias(meta.table);
            let target = path.hops().last().map_or(meta, Hop::target);
            for field in target.fields {
                select.column((alias.clone(), field.column));
            }
        }
        let mut paths = loaded;
        paths.extend(self.joined_paths());
        paths.extend(extra.iter().filter(|p| !p.is_empty()));
        Self::add_joins(&mut select, &paths);
        if let Some(e) = self.filter.expr(backend) {
            select.and_where(e);
        }
        if self.distinct {
            select.distinct();
        }
        for term in self.ordering() {
            term.apply(&mut select, backend);
        }
        select
    }

    /// The statement `all` runs: its text reused when a query of the same shape ran
    /// before, with this query's values.
    fn built(&self, backend: crate::Backend, at_most: Option<u64>) -> Statement {
        let shape = self.shape(backend, at_most);
        if let Some(sql) = super::shape::get(&shape) {
            let mut values = Vec::new();
            self.filter.values(backend, &mut values);
            return Statement {
                sql: sql.to_string(),
                values,
            };
        }
        let mut stmt = Statement::build(&self.select(backend), backend);
        self.append_slice(&mut stmt, at_most);
        // The values collected for a reused text must be the ones sea-query binds.
        debug_assert_eq!(
            {
                let mut values = Vec::new();
                self.filter.values(backend, &mut values);
                values
            },
            stmt.values,
            "the values of `{}`",
            stmt.sql
        );
        super::shape::put(shape, &stmt.sql);
        stmt
    }

    /// Everything that decides the text of `built`'s statement.
    fn shape(&self, backend: crate::Backend, at_most: Option<u64>) -> Vec<u64> {
        let mut out = Vec::with_capacity(32);
        out.extend([
            super::shape::backend(backend),
            std::ptr::from_ref(M::meta()) as u64,
        ]);
        self.filter.shape(&mut out);
        match &self.order {
            None => out.push(u64::MAX),
            Some(terms) => {
                out.push(terms.len() as u64);
                terms.iter().for_each(|t| t.shape(&mut out));
            }
        }
        super::shape::plans(&self.related, &mut out);
        out.extend([
            u64::from(self.distinct),
            self.limit.map_or(u64::MAX, |l| l),
            self.offset,
            at_most.map_or(u64::MAX, |l| l),
        ]);
        out
    }

    /// The slice as literal `LIMIT`/`OFFSET` at the end of a built statement. The
    /// numbers come from code, never from text; as bound parameters they would make
    /// SQLite prepare the statement again on every run (measured: ~30,000 instructions
    /// per query, half of a primary-key lookup).
    /// `at_most` narrows the slice further (`get` reads at most two rows).
    pub(super) fn append_slice(&self, stmt: &mut Statement, at_most: Option<u64>) {
        use std::fmt::Write as _;
        let limit = match (self.limit, at_most) {
            (Some(a), Some(b)) => Some(Ord::min(a, b)),
            (a, b) => a.or(b),
        };
        if let Some(limit) = limit {
            let _ = write!(stmt.sql, " LIMIT {limit}");
        }
        if self.offset > 0 {
            if limit.is_none() {
                let _ = write!(stmt.sql, " LIMIT {}", i64::MAX);
            }
            let _ = write!(stmt.sql, " OFFSET {}", self.offset);
        }
    }

    /// The slice as bound `LIMIT`/`OFFSET`, for a subquery inside a statement with
    /// values of its own (an UPDATE or DELETE of a slice), where literal text cannot be
    /// appended.
    fn apply_slice(&self, select: &mut SelectStatement) {
        if let Some(limit) = self.limit {
            select.limit(limit);
        }
        if self.offset > 0 {
            if self.limit.is_none() {
                // SQL needs a LIMIT before an OFFSET.
                select.limit(i64::MAX as u64);
            }
            select.offset(self.offset);
        }
    }

    /// The condition an UPDATE or DELETE of these rows needs: the filter, or, for a
    /// slice or a filter through relations, membership in the keys the query selects
    /// (SQL has no LIMIT or JOIN there).
    fn rows_condition(&self, backend: crate::Backend) -> Condition {
        let joins = self.joined_paths();
        if self.limit.is_none() && self.offset == 0 && joins.is_empty() {
            return self.filter.condition(backend);
        }
        let meta = M::meta();
        let mut keys = Query::select();
        keys.from(meta.table)
            .column((meta.table, meta.pk().column))
            .cond_where(self.filter.condition(backend));
        Self::add_joins(&mut keys, &joins);
        for term in self.ordering() {
            term.apply(&mut keys, backend);
        }
        self.apply_slice(&mut keys);
        // Wrapped once more: MySQL-style engines refuse a LIMIT directly inside IN.
        let mut wrapped = Query::select();
        wrapped
            .column(("sliced", meta.pk().column))
            .from_subquery(keys, "sliced");
        Condition::all().add(Expr::col(meta.pk().column).in_subquery(wrapped))
    }

    /// Every matching row.
    pub async fn all<E: Executor>(&self, db: &E) -> Result<Vec<M>> {
        self.fetch(db, None).await
    }

    async fn fetch<E: Executor>(&self, db: &E, at_most: Option<u64>) -> Result<Vec<M>> {
        let stmt = self.built(db.backend(), at_most);
        let rows = db.fetch_all(stmt).await?;
        let mut out = rows
            .iter()
            .map(|row| self.read(row))
            .collect::<Result<Vec<M>>>()?;
        for prefetch in &self.prefetch {
            prefetch.run(&mut out, db.scope()).await?;
        }
        Ok(out)
    }

    /// One row: the model's columns, then each loaded relation's.
    pub(super) fn read(&self, row: &Row) -> Result<M> {
        let mut value = M::from_row(row, 0)?;
        let mut offset = M::meta().fields.len();
        for plan in &self.related {
            match value.related_slot(usize::from(plan.hop.index)) {
                Some(slot) => offset += slot.fill(row, offset, &plan.children)?,
                None => offset += select_width(plan.hop.target(), &plan.children),
            }
        }
        Ok(value)
    }

    /// The chosen columns of every matching row, as tuples: fields
    /// (`Product::name`, also across relations) and aggregates. Fields beside
    /// aggregates group the rows by their values, like Django's
    /// `values("category").annotate(n=Count("id"))`; a grouped query is ordered only by
    /// an explicit `order_by`.
    ///
    /// ```
    /// use galvani_orm::prelude::*;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[model(app = "shop")]
    /// struct Product {
    ///     id: i64,
    ///     #[field(max_length = 20)]
    ///     kind: String,
    ///     stock: i32,
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
    /// # create_tables(&db, &[Product::meta()]).await?;
    /// for (kind, stock) in [("tea", 3), ("tea", 4), ("coffee", 1)] {
    ///     Product { id: 0, kind: kind.into(), stock }.save(&db).await?;
    /// }
    /// let per_kind = Product::objects()
    ///     .order_by([Product::kind.asc()])
    ///     .values((Product::kind, Count::all(), Sum::of(Product::stock)), &db)
    ///     .await?;
    /// assert_eq!(per_kind, [("coffee".to_string(), 1, Some(1)), ("tea".to_string(), 2, Some(7))]);
    /// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
    /// ```
    pub async fn values<C: Columns<M>, E: Executor>(
        &self,
        columns: C,
        db: &E,
    ) -> Result<Vec<C::Output>> {
        let meta = M::meta();
        let backend = db.backend();
        let mut select = Query::select();
        select.from(meta.table);
        columns.select(meta.table, backend, &mut select);
        let mut paths: Vec<Path> = columns
            .paths()
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        self.filter.paths(&mut paths);
        let ordering = match (&self.order, columns.grouped()) {
            (Some(terms), _) => terms.clone(),
            (None, true) => Vec::new(),
            (None, false) => OrderBy::defaults(meta),
        };
        paths.extend(ordering.iter().map(OrderBy::path).filter(|p| !p.is_empty()));
        Self::add_joins(&mut select, &paths);
        if let Some(e) = self.filter.expr(backend) {
            select.and_where(e);
        }
        if self.distinct {
            select.distinct();
        }
        for term in &ordering {
            term.apply(&mut select, backend);
        }
        let mut stmt = Statement::build(&select, backend);
        self.append_slice(&mut stmt, None);
        let rows = db.fetch_all(stmt).await?;
        rows.iter().map(|row| columns.read(row, 0)).collect()
    }

    /// Aggregates over every matching row, in one row: `(Count::all(), Max::of(..))`.
    pub async fn aggregate<C: Columns<M>, E: Executor>(
        &self,
        columns: C,
        db: &E,
    ) -> Result<C::Output> {
        let unordered = QuerySet::<M> {
            order: Some(Vec::new()),
            ..self.clone()
        };
        let mut rows = unordered.values(columns, db).await?;
        if rows.is_empty() {
            return Err(Error::Decode {
                model: M::meta().label(),
                field: "aggregate".into(),
                detail: "the database returned no row".into(),
            });
        }
        Ok(rows.swap_remove(0))
    }

    /// The one matching row: [`Error::DoesNotExist`] when there is none,
    /// [`Error::MultipleObjectsReturned`] when there are several.
    pub async fn get<E: Executor>(&self, db: &E) -> Result<M> {
        // Two rows are enough to know there is more than one.
        let mut rows = self.fetch(db, Some(2)).await?;
        match rows.len() {
            0 => Err(Error::DoesNotExist {
                model: M::meta().label(),
            }),
            1 => Ok(rows.remove(0)),
            _ => Err(Error::MultipleObjectsReturned {
                model: M::meta().label(),
                count: self.count(db).await?,
            }),
        }
    }

    /// The first row in the ordering (by primary key when there is none), if any.
    pub async fn first<E: Executor>(&self, db: &E) -> Result<Option<M>> {
        let mut qs = self.clone();
        if qs.ordering().is_empty() {
            qs = qs.order_by([OrderBy::new(M::meta(), Path::EMPTY, M::meta().pk(), false)]);
        }
        Ok(qs.slice(..1).all(db).await?.into_iter().next())
    }

    /// The last row in the ordering (by primary key when there is none), if any.
    pub async fn last<E: Executor>(&self, db: &E) -> Result<Option<M>> {
        let mut terms = self.ordering();
        if terms.is_empty() {
            terms.push(OrderBy::new(M::meta(), Path::EMPTY, M::meta().pk(), false));
        }
        let reversed = terms.into_iter().map(OrderBy::reversed);
        self.clone().order_by(reversed).first(db).await
    }

    /// How many rows match.
    pub async fn count<E: Executor>(&self, db: &E) -> Result<u64> {
        let meta = M::meta();
        let mut inner = Query::select();
        inner
            .from(meta.table)
            .column((meta.table, meta.pk().column))
            .cond_where(self.filter.condition(db.backend()));
        Self::add_joins(&mut inner, &self.joined_paths());
        if self.distinct {
            inner.distinct();
        }
        // The slice goes in as literal numbers (see `append_slice`); the outer query
        // binds nothing, so the inner one's placeholders keep their numbers.
        let mut stmt = Statement::build(&inner, db.backend());
        self.append_slice(&mut stmt, None);
        stmt.sql = format!("SELECT COUNT(*) FROM ({}) AS \"counted\"", stmt.sql);
        let rows = db.fetch_all(stmt).await?;
        let count: i64 = rows
            .first()
            .map(|r| r.get::<i64>(0))
            .transpose()
            .map_err(|detail| Error::Decode {
                model: meta.label(),
                field: "COUNT(*)".into(),
                detail,
            })?
            .unwrap_or(0);
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Whether any row matches.
    pub async fn exists<E: Executor>(&self, db: &E) -> Result<bool> {
        Ok(self.clone().slice(..1).count(db).await? > 0)
    }

    /// Sets fields on every matching row in one statement; returns how many rows
    /// matched. F expressions are computed by the database, so concurrent updates
    /// never lose one another.
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
    /// let mut tea = Product { id: 0, stock: 3 };
    /// tea.save(&db).await?;
    /// Product::objects()
    ///     .filter(Product::id.eq(tea.id) & Product::stock.gt(0))
    ///     .update([Product::stock.set_expr(Product::stock - 1)], &db)
    ///     .await?;
    /// tea.refresh_from_db(&db).await?;
    /// assert_eq!(tea.stock, 2);
    /// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
    /// ```
    pub async fn update<E: Executor>(
        &self,
        assignments: impl IntoIterator<Item = Assignment<M>>,
        db: &E,
    ) -> Result<u64> {
        let meta = M::meta();
        let backend = db.backend();
        let mut update = Query::update();
        update.table(meta.table);
        let mut any = false;
        for assignment in assignments {
            if assignment.through_relation {
                return Err(Error::InvalidValue {
                    field: format!("{}.{}", meta.label(), assignment.field.name),
                    detail: "an update sets the model's own fields from its own columns; update the related model's rows instead, or read the related values first".into(),
                });
            }
            update.value(assignment.field.column, assignment.expr(backend));
            any = true;
        }
        if !any {
            return Ok(0);
        }
        update.cond_where(self.rows_condition(backend));
        execute_for(db, meta, Statement::build(&update, backend)).await
    }

    /// Deletes every matching row, applying the `on_delete` rule of every relation to
    /// them (CASCADE, PROTECT, ...) on any backend; returns how many rows went. With
    /// relations to follow it runs in a transaction (a savepoint inside one).
    pub async fn delete<E: Executor>(&self, db: &E) -> Result<u64> {
        let condition = self.rows_condition(db.backend());
        crate::collector::delete_where(db, M::meta(), condition).await
    }
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::{Backend, Statement};

    #[derive(Model, Debug, Clone)]
    #[model(app = "unit")]
    struct Thing {
        id: i64,
        #[field(max_length = 20)]
        name: String,
        made: Option<time::Date>,
    }

    #[test]
    fn reused_statements_bind_what_sea_query_binds() {
        let d = time::macros::date!(2026 - 11 - 22);
        let conditions = [
            Thing::id.eq(1) & Thing::name.iexact("a") | !Thing::name.contains("b%_*"),
            Thing::name.icontains("x") & Thing::name.startswith("y") & Thing::name.iendswith("z"),
            Thing::name.istartswith("Q") | Thing::name.endswith("w") | Thing::id.range(1, 9),
            Thing::id.is_in([3, 4, 5])
                & Thing::id.is_in(Vec::<i64>::new())
                & Thing::made.is_null(true),
            Thing::id.gt(1)
                & Thing::id.gte(2)
                & Thing::id.lt(3)
                & Thing::id.lte(4)
                & Thing::id.ne(7),
            Thing::made.year().eq(2026) & Thing::made.month().is_in([1, 2]) & Thing::made.gt(d),
            Q::all() | Thing::id.eq(5),
            Q::none() & !Q::all(),
        ];
        for q in conditions {
            let qs = Thing::objects().filter(q.clone());
            for backend in [Backend::Sqlite, Backend::Postgres] {
                let built = Statement::build(&qs.select(backend), backend);
                let mut values = Vec::new();
                q.values(backend, &mut values);
                assert_eq!(values, built.values, "{backend:?}: {}", built.sql);
            }
        }
    }

    #[test]
    fn a_reused_statement_is_the_same_text_with_new_values() {
        let first = Thing::objects()
            .filter(Thing::id.eq(1))
            .built(Backend::Sqlite, Some(2));
        let second = Thing::objects()
            .filter(Thing::id.eq(2))
            .built(Backend::Sqlite, Some(2));
        assert_eq!(first.sql, second.sql);
        assert_ne!(first.values, second.values);
        let other = Thing::objects()
            .filter(Thing::id.gt(2))
            .built(Backend::Sqlite, Some(2));
        assert_ne!(other.sql, first.sql, "another shape, another text");
        let sliced = Thing::objects()
            .filter(Thing::id.eq(1))
            .built(Backend::Sqlite, Some(1));
        assert!(sliced.sql.ends_with("LIMIT 1"), "{}", sliced.sql);
    }

    #[test]
    fn slices_are_literal_so_statements_stay_prepared() {
        let qs = Thing::objects().filter(Thing::id.eq(7)).slice(10..12);
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let stmt = qs.built(backend, None);
            assert!(stmt.sql.ends_with(" LIMIT 2 OFFSET 10"), "{}", stmt.sql);
            assert_eq!(
                stmt.values.len(),
                1,
                "only the key is bound: {:?}",
                stmt.values
            );
        }
    }
}
