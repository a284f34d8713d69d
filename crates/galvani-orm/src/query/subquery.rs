//! Conditions across relations that lead to many rows: the other side of a foreign
//! key (`categories with a product in stock`) and many-to-many relations (`products
//! with a green tag`). Each is `pk IN (SELECT ...)`: a row matches once however many
//! related rows match, so counts and slices stay right without `distinct()`, and
//! `exclude` means "no related row matches", as in Django.
//!
//! The subquery does not refer to the outer query, so it is the same text whatever
//! the outer table is called, and a model may relate to itself.

use sea_query::{Expr, ExprTrait, Query, SelectStatement, Value};

use super::filter::{Lookup, Q};
use super::path::Path;
use crate::db::Backend;
use crate::field::Field;
use crate::m2m::ManyToManyField;
use crate::meta::{FieldMeta, ManyToManyMeta, ModelMeta};
use crate::model::Model;
use crate::relation::Relation;
use crate::types::FieldType;

/// How the subquery reaches the rows that decide.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Via {
    /// Rows of `model` whose foreign key `fk` (of the model at `path` from it)
    /// refers to the outer row.
    Referrers {
        model: &'static ModelMeta,
        path: Path,
        fk: &'static FieldMeta,
    },
    /// Rows on the other side of a many-to-many relation: its targets seen from its
    /// owner, or (`reverse`) its owners seen from a target.
    ManyToMany {
        meta: &'static ManyToManyMeta,
        reverse: bool,
    },
}

/// `SELECT key FROM ... WHERE condition`: the keys of the outer rows that some related
/// row meeting `condition` belongs to.
#[derive(Debug, Clone)]
pub(crate) struct SubQuery {
    via: Via,
    condition: Q<()>,
}

impl SubQuery {
    pub(crate) fn new(via: Via, condition: Q<()>) -> SubQuery {
        SubQuery { via, condition }
    }

    /// The model whose rows the condition is about: the table the subquery reads.
    pub(crate) fn rows_model(&self) -> &'static ModelMeta {
        match self.via {
            Via::Referrers { model, .. } => model,
            Via::ManyToMany { meta, reverse } if reverse => (meta.owner)(),
            Via::ManyToMany { meta, .. } => (meta.to)(),
        }
    }

    pub(crate) fn select(&self, backend: Backend) -> SelectStatement {
        let (mut select, key) = self.build(backend, &[]);
        select.expr(key);
        select
    }

    /// `SELECT key AS k, aggregate AS v ... GROUP BY key`: one row per outer key with
    /// related rows. `aggregate` is over the related model's table (and `paths` from it).
    pub(crate) fn grouped(
        &self,
        backend: Backend,
        aggregate: Expr,
        paths: &[Path],
    ) -> SelectStatement {
        let (mut select, key) = self.build(backend, paths);
        select
            .expr_as(key.clone(), "k")
            .expr_as(aggregate, "v")
            .add_group_by([key]);
        select
    }

    /// The statement without its columns, and the column holding the outer key.
    fn build(&self, backend: Backend, extra: &[Path]) -> (SelectStatement, Expr) {
        let from = self.rows_model();
        let mut select = Query::select();
        select.from(from.table);
        let mut paths = extra.to_vec();
        let key = match self.via {
            Via::Referrers { path, fk, .. } => {
                let key = Expr::col((path.alias(from.table), fk.column));
                // `x NOT IN (..., NULL)` is never true: keep NULLs out, for `exclude`.
                if fk.null || !path.is_empty() {
                    select.and_where(key.clone().is_not_null());
                }
                paths.push(path);
                key
            }
            Via::ManyToMany { meta, reverse } => {
                let (table, source, target) = meta.join();
                let (key, from_column) = if reverse {
                    (target, source)
                } else {
                    (source, target)
                };
                select.inner_join(
                    table,
                    Expr::col((table, from_column)).equals((from.table, from.pk().column)),
                );
                Expr::col((table, key))
            }
        };
        self.condition.paths(&mut paths);
        let mut done = Vec::new();
        for path in &paths {
            path.add_joins(from.table, &mut select, &mut done);
        }
        if let Some(e) = self.condition.expr(backend) {
            select.and_where(e);
        }
        (select, key)
    }

    /// Adds what decides the SQL text.
    pub(crate) fn shape(&self, out: &mut Vec<u64>) {
        match self.via {
            Via::Referrers { model, path, fk } => {
                out.extend([
                    1,
                    std::ptr::from_ref(model) as u64,
                    std::ptr::from_ref(fk) as u64,
                ]);
                path.shape(out);
            }
            Via::ManyToMany { meta, reverse } => {
                out.extend([2, std::ptr::from_ref(meta) as u64, u64::from(reverse)])
            }
        }
        self.condition.shape(out);
    }

    /// The values the subquery binds, in order (only its condition binds any).
    pub(crate) fn values(&self, backend: Backend, out: &mut Vec<Value>) {
        self.condition.values(backend, out);
    }
}

impl Via {
    /// How a foreign key (at the end of `field`'s path) is crossed from its target.
    pub(crate) fn referrers<C: Model, R: Relation>(field: &Field<C, R>) -> Via {
        Via::Referrers {
            model: C::meta(),
            path: field.path_of(),
            fk: field.meta(),
        }
    }

    /// How a many-to-many relation is crossed: from its owner, or (`reverse`) from
    /// its target.
    pub(crate) fn many(meta: &'static ManyToManyMeta, reverse: bool) -> Via {
        Via::ManyToMany { meta, reverse }
    }
}

/// `outer.pk IN (subquery)`, as a condition on rows of `M`.
pub(crate) fn keys_in<M: Model>(via: Via, condition: Q<()>) -> Q<M> {
    let meta = M::meta();
    Q::lookup(
        meta,
        Path::EMPTY,
        meta.pk(),
        Lookup::InQuery(Box::new(SubQuery { via, condition })),
    )
}

impl<C: Model, R: Relation> Field<C, R> {
    /// The rows of the related model that at least one row of `C` meeting `q`
    /// refers to: `Product::category.referred_by(Product::stock.gt(0))` is the
    /// categories with a product in stock (Django's `products__stock__gt=0`).
    /// `exclude` with it keeps the rows no such row refers to. Through `then`, the
    /// relation may be another model's: `OrderItem::product.then(Product::category)`
    /// gives the categories of the products ordered.
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
    ///     stock: i32,
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
    /// # create_tables(&db, &[Category::meta(), Product::meta()]).await?;
    /// let mut tea = Category { id: 0, name: "Tea".into() };
    /// tea.save(&db).await?;
    /// let mut cups = Category { id: 0, name: "Cups".into() };
    /// cups.save(&db).await?;
    /// for stock in [0, 4, 2] {
    ///     Product { id: 0, category: ForeignKey::to(&tea), stock }.save(&db).await?;
    /// }
    /// let stocked = Category::objects().filter(Product::category.referred_by(Product::stock.gt(0)));
    /// assert_eq!(stocked.count(&db).await?, 1); // Tea once, not once per product
    /// let empty = Category::objects().exclude(Product::category.referred_by(Q::all()));
    /// assert_eq!(empty.get(&db).await?.name, "Cups");
    /// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
    /// ```
    pub fn referred_by(&self, q: Q<C>) -> Q<R::Target> {
        keys_in(Via::referrers(self), q.erase())
    }
}

impl<M: Model, T: Model> ManyToManyField<M, T> {
    /// The rows related to `target`: `Product::tags.eq(&green)` is the products
    /// tagged green (Django's `tags=green`).
    pub fn eq(&self, target: &T) -> Q<M> {
        let pk = T::meta().pk();
        self.any(Q::lookup(
            T::meta(),
            Path::EMPTY,
            pk,
            Lookup::Exact(target.pk().to_value()),
        ))
    }

    /// The rows related to at least one row of `T` meeting `q`:
    /// `Product::tags.any(Tag::name.eq("green"))` (Django's `tags__name="green"`).
    /// `!Product::tags.any(Q::all())` is the rows with no related row at all.
    ///
    /// ```
    /// use galvani_orm::prelude::*;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[model(app = "shop")]
    /// struct Tag {
    ///     id: i64,
    ///     #[field(max_length = 20)]
    ///     name: String,
    /// }
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[model(app = "shop")]
    /// struct Product {
    ///     id: i64,
    ///     #[field(max_length = 50)]
    ///     name: String,
    ///     tags: ManyToMany<Tag>,
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
    /// # create_tables(&db, &[Tag::meta(), Product::meta()]).await?;
    /// let mut green = Tag { id: 0, name: "green".into() };
    /// green.save(&db).await?;
    /// let mut loose = Tag { id: 0, name: "loose".into() };
    /// loose.save(&db).await?;
    /// let mut sencha = Product { id: 0, name: "Sencha".into(), tags: ManyToMany::default() };
    /// sencha.save(&db).await?;
    /// sencha.tags.add(&db, [&green, &loose]).await?;
    ///
    /// let tagged = Product::objects().filter(Product::tags.any(Tag::name.startswith("l")));
    /// assert_eq!(tagged.get(&db).await?.name, "Sencha");
    /// assert_eq!(Product::objects().filter(Product::tags.eq(&green)).count(&db).await?, 1);
    /// // The other way: tags of products named like a Japanese tea.
    /// let tags = Tag::objects().filter(Product::tags.referred_by(Product::name.endswith("cha")));
    /// assert_eq!(tags.count(&db).await?, 2);
    /// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
    /// ```
    pub fn any(&self, q: Q<T>) -> Q<M> {
        keys_in(Via::many(self.meta(), false), q.erase())
    }

    /// The rows of `T` related to at least one row of `M` meeting `q`: the other
    /// direction of [`any`](Self::any).
    pub fn referred_by(&self, q: Q<M>) -> Q<T> {
        keys_in(Via::many(self.meta(), true), q.erase())
    }
}
