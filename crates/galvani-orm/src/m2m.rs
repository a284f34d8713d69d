//! Many-to-many relations: a join table (made automatically, or a `through` model)
//! between two models. The field is a manager bound to its row:
//! `product.tags.add(&db, [&tea]).await?`, `product.tags.all(&db).await?`.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement, Value};

use crate::error::{Error, Result};
use crate::executor::{Executor, Scope, Statement, atomic};
use crate::meta::{ManyToManyMeta, ModelMeta};
use crate::model::Model;
use crate::query::path::Path;
use crate::query::subquery::{Via, keys_in};
use crate::query::{Lookup, Q, QuerySet};
use crate::reverse::{Key, Prefetch, PrefetchOp, key};
use crate::types::FieldType;

/// The rows of `T` related to this one through a join table. Declare
/// `tags: ManyToMany<Tag>` (and `#[field(through = ProductTag)]` for a join table
/// with fields of its own); the derive creates the join table's description and binds
/// the manager to each row read or saved.
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Tag {
///     id: i64,
///     #[field(max_length = 30)]
///     name: String,
/// }
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Product {
///     id: i64,
///     tags: ManyToMany<Tag>,
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
/// create_tables(&db, &[Tag::meta(), Product::meta()]).await?;
/// let mut green = Tag { id: 0, name: "green".into() };
/// green.save(&db).await?;
/// let mut tea = Product { id: 0, tags: ManyToMany::default() };
/// tea.save(&db).await?;
/// tea.tags.add(&db, [&green]).await?;
/// assert_eq!(tea.tags.all(&db).await?.len(), 1);
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub struct ManyToMany<T> {
    bound: Option<(&'static ManyToManyMeta, Value)>,
    cached: Option<Vec<T>>,
}

impl<T> Default for ManyToMany<T> {
    fn default() -> Self {
        ManyToMany {
            bound: None,
            cached: None,
        }
    }
}

impl<T: Clone> Clone for ManyToMany<T> {
    fn clone(&self) -> Self {
        ManyToMany {
            bound: self.bound.clone(),
            cached: self.cached.clone(),
        }
    }
}

impl<T> PartialEq for ManyToMany<T> {
    /// Always equal: the relation lives in its own table, not in the row.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: serde::Serialize> serde::Serialize for ManyToMany<T> {
    /// The loaded rows, or nothing when they were not loaded.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.cached.serialize(s)
    }
}

impl<T> std::fmt::Debug for ManyToMany<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cached {
            Some(rows) => write!(f, "ManyToMany({} loaded)", rows.len()),
            None => f.write_str("ManyToMany"),
        }
    }
}

impl<T: Model> ManyToMany<T> {
    /// Binds the manager to its row (done by the derive).
    #[doc(hidden)]
    pub fn bind(&mut self, meta: &'static ManyToManyMeta, owner: Value) {
        self.bound = Some((meta, owner));
    }

    /// The related rows, if `prefetch_related` loaded them.
    pub fn cached(&self) -> Option<&[T]> {
        self.cached.as_deref()
    }

    fn owner(&self, action: &'static str) -> Result<(&'static ManyToManyMeta, &Value)> {
        match &self.bound {
            Some((meta, owner)) => Ok((*meta, owner)),
            None => Err(Error::NotSaved {
                model: T::meta().label(),
                action,
            }),
        }
    }

    /// The related rows, as a QuerySet.
    pub fn query(&self) -> Result<QuerySet<T>> {
        let (meta, owner) = self.owner("queried through a many-to-many relation")?;
        let owner_meta = (meta.owner)();
        let this_row = Q::<()>::lookup(
            owner_meta,
            Path::EMPTY,
            owner_meta.pk(),
            Lookup::Exact(owner.clone()),
        );
        Ok(T::objects().filter(keys_in(Via::many(meta, true), this_row)))
    }

    /// Every related row.
    pub async fn all<E: Executor>(&self, db: &E) -> Result<Vec<T>> {
        self.query()?.all(db).await
    }

    fn writable(&self) -> Result<(&'static ManyToManyMeta, &Value)> {
        let (meta, owner) = self.owner("changed through a many-to-many relation")?;
        if let Some(through) = meta.through {
            return Err(Error::InvalidValue {
                field: meta.name.into(),
                detail: format!(
                    "the relation goes through {}: create and delete its rows instead",
                    through().label()
                ),
            });
        }
        Ok((meta, owner))
    }

    /// Relates `rows` to this one (rows already related are left as they are).
    pub async fn add<'a, E: Executor>(
        &self,
        db: &E,
        rows: impl IntoIterator<Item = &'a T>,
    ) -> Result<()> {
        let (meta, owner) = self.writable()?;
        let keys: Vec<Value> = rows.into_iter().map(|r| r.pk().to_value()).collect();
        for chunk in keys.chunks(crate::collector::CHUNK / 2) {
            let mut insert = Query::insert();
            insert
                .into_table(meta.table)
                .columns([meta.source_column, meta.target_column])
                .on_conflict(
                    OnConflict::columns([meta.source_column, meta.target_column])
                        .do_nothing()
                        .to_owned(),
                );
            for k in chunk {
                insert
                    .values([Expr::val(owner.clone()), Expr::val(k.clone())])
                    .map_err(|e| Error::InvalidValue {
                        field: meta.name.into(),
                        detail: e.to_string(),
                    })?;
            }
            db.execute(Statement::build(&insert, db.backend())).await?;
        }
        Ok(())
    }

    /// Unrelates `rows` from this one.
    pub async fn remove<'a, E: Executor>(
        &self,
        db: &E,
        rows: impl IntoIterator<Item = &'a T>,
    ) -> Result<()> {
        let keys: Vec<Value> = rows.into_iter().map(|r| r.pk().to_value()).collect();
        for chunk in keys.chunks(crate::collector::CHUNK) {
            self.unlink(db, Some(chunk)).await?;
        }
        Ok(())
    }

    /// Unrelates every row.
    pub async fn clear<E: Executor>(&self, db: &E) -> Result<()> {
        self.unlink(db, None).await
    }

    /// Deletes this row's links to `targets`, or all of them.
    async fn unlink<E: Executor>(&self, db: &E, targets: Option<&[Value]>) -> Result<()> {
        let (meta, owner) = self.writable()?;
        let mut delete = Query::delete();
        delete
            .from_table(meta.table)
            .and_where(Expr::col(meta.source_column).eq(owner.clone()));
        if let Some(targets) = targets {
            delete.and_where(Expr::col(meta.target_column).is_in(targets.iter().cloned()));
        }
        db.execute(Statement::build(&delete, db.backend())).await?;
        Ok(())
    }

    /// Makes `rows` exactly the related rows, atomically.
    pub async fn set<'a, E: Executor>(
        &self,
        db: &E,
        rows: impl IntoIterator<Item = &'a T>,
    ) -> Result<()> {
        self.writable()?;
        let rows: Vec<&T> = rows.into_iter().collect();
        atomic(db, |tx| async move {
            self.clear(&tx).await?;
            self.add(&tx, rows).await
        })
        .await
    }
}

/// A many-to-many field of `M` relating it to `T`: `Product::tags`, for
/// `prefetch_related`.
pub struct ManyToManyField<M, T> {
    index: usize,
    _types: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for ManyToManyField<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for ManyToManyField<M, T> {}

impl<M: Model, T: Model> ManyToManyField<M, T> {
    /// The handle for `M`'s many-to-many relation number `index`.
    #[doc(hidden)]
    pub const fn new(index: usize) -> Self {
        ManyToManyField {
            index,
            _types: PhantomData,
        }
    }

    /// The relation's description.
    pub fn meta(&self) -> &'static ManyToManyMeta {
        &M::meta().many_to_many[self.index]
    }

    /// The related rows of every row of a QuerySet of `M`, in one query.
    pub fn prefetch(self) -> Prefetch<M> {
        Prefetch::new(Arc::new(self))
    }

    /// The rows of `M` related to each row of a QuerySet of `T`, in one query: the
    /// other direction, for `prefetch_related` on `T`. `T` must declare the side they
    /// land in: `#[field(reverse = "tags")] products: Reverse<M>`.
    pub fn reverse(self) -> Prefetch<T> {
        Prefetch::new(Arc::new(ReverseMany(self)))
    }
}

impl<M: Model, T: Model> PrefetchOp<M> for ManyToManyField<M, T> {
    fn run<'a>(&'a self, parents: &'a mut [M], scope: Scope<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut groups =
                related_rows::<T>(self.meta(), false, parents_keys(parents), scope).await?;
            for parent in parents.iter_mut() {
                let rows = take_group(&mut groups, parent);
                if let Some(slot) = parent
                    .many_to_many_slot(self.index)
                    .and_then(|s| s.downcast_mut::<ManyToMany<T>>())
                {
                    slot.cached = Some(rows);
                }
            }
            Ok(())
        })
    }
}

/// A many-to-many relation prefetched from its target's side.
struct ReverseMany<M, T>(ManyToManyField<M, T>);

impl<M: Model, T: Model> PrefetchOp<T> for ReverseMany<M, T> {
    fn run<'a>(&'a self, parents: &'a mut [T], scope: Scope<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let meta = self.0.meta();
            let slot =
                crate::reverse::reverse_slot(T::meta(), M::meta(), meta.name, meta.related_name)?;
            let mut groups = related_rows::<M>(meta, true, parents_keys(parents), scope).await?;
            for parent in parents.iter_mut() {
                let rows = take_group(&mut groups, parent);
                if let Some(reverse) = parent
                    .reverse_slot(slot)
                    .and_then(|s| s.downcast_mut::<crate::reverse::Reverse<M>>())
                {
                    reverse.set(rows);
                }
            }
            Ok(())
        })
    }
}

fn parents_keys<P: Model>(parents: &[P]) -> Vec<Value> {
    parents.iter().map(|p| p.pk().to_value()).collect()
}

fn take_group<L, P: Model>(groups: &mut HashMap<Key, Vec<L>>, parent: &P) -> Vec<L> {
    key(&parent.pk().to_value())
        .and_then(|k| groups.remove(&k))
        .unwrap_or_default()
}

/// The rows of `L` across the relation from each of `keys` (owners' keys, or the
/// targets' when `reverse`), grouped by that key: one query per chunk of keys.
async fn related_rows<L: Model>(
    meta: &'static ManyToManyMeta,
    reverse: bool,
    keys: Vec<Value>,
    scope: Scope<'_>,
) -> Result<HashMap<Key, Vec<L>>> {
    let loaded: &'static ModelMeta = L::meta();
    let parent = if reverse { (meta.to)() } else { (meta.owner)() };
    let mut groups: HashMap<Key, Vec<L>> = HashMap::new();
    for chunk in keys.chunks(crate::collector::CHUNK) {
        let backend = scope_backend(&scope);
        let stmt = Statement::build(&joined(meta, loaded, reverse, chunk, backend), backend);
        let rows = match scope {
            Scope::Db(db) => db.fetch_all(stmt).await?,
            Scope::Tx(tx) => tx.fetch_all(stmt).await?,
        };
        for row in &rows {
            let value = L::from_row(row, 0)?;
            let owner = crate::collector::key_of(row, loaded.fields.len(), parent)?;
            if let Some(k) = key(&owner) {
                groups.entry(k).or_default().push(value);
            }
        }
    }
    Ok(groups)
}

fn scope_backend(scope: &Scope<'_>) -> crate::Backend {
    match scope {
        Scope::Db(db) => db.backend(),
        Scope::Tx(tx) => tx.backend(),
    }
}

/// `SELECT loaded.*, join.key FROM loaded JOIN join ON ... WHERE join.key IN keys`,
/// in the loaded model's default ordering. The key is the owner's column, or the
/// target's when `reverse` (the loaded rows are then the owners).
fn joined(
    meta: &ManyToManyMeta,
    target: &'static ModelMeta,
    reverse: bool,
    keys: &[Value],
    backend: crate::Backend,
) -> SelectStatement {
    let (table, owner_column, target_column) = meta.join();
    let (source, other) = if reverse {
        (target_column, owner_column)
    } else {
        (owner_column, target_column)
    };
    let mut select = Query::select();
    select.from(target.table);
    for field in target.fields {
        select.column((target.table, field.column));
    }
    select
        .column((table, source))
        .inner_join(
            table,
            Expr::col((table, other)).equals((target.table, target.pk().column)),
        )
        .and_where(Expr::col((table, source)).is_in(keys.iter().cloned()));
    for term in crate::query::OrderBy::<()>::defaults(target) {
        term.apply(&mut select, backend);
    }
    select
}
