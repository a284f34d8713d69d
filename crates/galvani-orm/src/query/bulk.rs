//! Many rows at once: `bulk_create` and `bulk_update` in chunks that fit the backend's
//! parameter limit, `get_or_create` and `update_or_create`, and reading a large result
//! in chunks.

use sea_query::{Expr, ExprTrait, Query, Value};

use super::QuerySet;
use super::path::Path;
use super::{Lookup, OrderBy, Q};
use crate::error::{Error, Result};
use crate::executor::{Executor, Statement, atomic, fetch_for};
use crate::meta::{FieldKind, FieldMeta};
use crate::model::Model;
use crate::types::FieldType;

/// Parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMS: usize = 30_000;

impl<M: Model> QuerySet<M> {
    /// Inserts `rows` with as few statements as the parameter limit allows, in one
    /// transaction (a savepoint inside one); automatic keys are set on the rows.
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
    /// let mut rows: Vec<Product> = (0..5).map(|stock| Product { id: 0, stock }).collect();
    /// Product::objects().bulk_create(&mut rows, &db).await?;
    /// assert!(rows.iter().all(|p| p.id > 0));
    /// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
    /// ```
    pub async fn bulk_create<E: Executor>(&self, rows: &mut [M], db: &E) -> Result<()> {
        let meta = M::meta();
        let pk = meta.pk();
        let auto = pk.kind == FieldKind::AutoId;
        let columns: Vec<&'static FieldMeta> = meta
            .fields
            .iter()
            .filter(|f| !(auto && f.primary_key))
            .collect();
        if rows.is_empty() || columns.is_empty() {
            for row in rows.iter_mut() {
                row.save(db).await?;
            }
            return Ok(());
        }
        let per_chunk = (PARAMS / columns.len()).max(1);
        let now = crate::instance::now();
        for row in rows.iter_mut() {
            row.touch(true, now);
        }
        atomic(db, |tx| async move {
            for chunk in rows.chunks_mut(per_chunk) {
                let rows = chunk.iter().map(Model::values);
                let insert = crate::instance::insert_statement(meta, rows, auto)?;
                let keys = fetch_for(&tx, meta, Statement::build(&insert, tx.backend())).await?;
                if auto {
                    // Both backends return the new keys in the order of the VALUES.
                    for (row, key) in chunk.iter_mut().zip(&keys) {
                        row.set_pk_from(key, 0)?;
                    }
                }
                for row in chunk.iter_mut() {
                    row.bind_relations();
                }
            }
            Ok(())
        })
        .await
    }

    /// Writes `fields` of `rows` back, one `UPDATE ... SET col = CASE key WHEN ...`
    /// per chunk, in one transaction; returns how many rows were updated.
    pub async fn bulk_update<E: Executor>(
        &self,
        rows: &[M],
        fields: &[&'static FieldMeta],
        db: &E,
    ) -> Result<u64> {
        let meta = M::meta();
        let pk = meta.pk();
        if rows.is_empty() || fields.is_empty() {
            return Ok(0);
        }
        let indexes: Vec<usize> = fields
            .iter()
            .map(|f| {
                meta.fields
                    .iter()
                    .position(|m| std::ptr::eq(m, *f))
                    .ok_or_else(|| Error::InvalidValue {
                        field: f.name.into(),
                        detail: format!("not a field of {}", meta.label()),
                    })
            })
            .collect::<Result<_>>()?;
        let per_chunk = (PARAMS / (2 * fields.len() + 1)).max(1);
        atomic(db, |tx| async move {
            let mut updated = 0;
            for chunk in rows.chunks(per_chunk) {
                let keys: Vec<Value> = chunk.iter().map(|r| r.pk().to_value()).collect();
                let values: Vec<Vec<Value>> = chunk.iter().map(Model::values).collect();
                let mut update = Query::update();
                update.table(meta.table);
                for (field, index) in fields.iter().zip(&indexes) {
                    let mut case = Expr::case(
                        Expr::col(pk.column).eq(keys[0].clone()),
                        Expr::val(values[0][*index].clone()),
                    );
                    for (key, row) in keys.iter().zip(&values).skip(1) {
                        case = case.case(
                            Expr::col(pk.column).eq(key.clone()),
                            Expr::val(row[*index].clone()),
                        );
                    }
                    update.value(field.column, Expr::Case(Box::new(case)));
                }
                update.and_where(Expr::col(pk.column).is_in(keys));
                updated += tx.execute(Statement::build(&update, tx.backend())).await?;
            }
            Ok(updated)
        })
        .await
    }

    /// The one matching row, or the row `create` makes (saved), and whether it was
    /// created. Runs in a savepoint, and if a concurrent request created the row first
    /// (a unique violation), reads that one instead.
    pub async fn get_or_create<E: Executor>(
        &self,
        db: &E,
        create: impl FnOnce() -> M + Send,
    ) -> Result<(M, bool)> {
        match self.get(db).await {
            Ok(found) => return Ok((found, false)),
            Err(Error::DoesNotExist { .. }) => {}
            Err(e) => return Err(e),
        }
        let mut row = create();
        let saved = atomic(db, |tx| async move {
            row.save(&tx).await?;
            Ok(row)
        })
        .await;
        match saved {
            Ok(row) => Ok((row, true)),
            Err(Error::UniqueViolation { .. }) => Ok((self.get(db).await?, false)),
            Err(e) => Err(e),
        }
    }

    /// Updates the one matching row with `update` and saves it, or saves the row
    /// `create` makes; returns it and whether it was created.
    pub async fn update_or_create<E: Executor>(
        &self,
        db: &E,
        update: impl FnOnce(&mut M) + Send,
        create: impl FnOnce() -> M + Send,
    ) -> Result<(M, bool)> {
        let (mut row, created) = self.get_or_create(db, create).await?;
        if !created {
            update(&mut row);
            row.save(db).await?;
        }
        Ok((row, created))
    }

    /// Reads the matching rows `size` at a time, in primary key order, each chunk one
    /// query after the last key seen: memory stays bounded however large the result,
    /// and no connection is held between chunks.
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
    /// let mut rows: Vec<Product> = (0..25).map(|stock| Product { id: 0, stock }).collect();
    /// Product::objects().bulk_create(&mut rows, &db).await?;
    /// let mut chunks = Product::objects().chunks(10);
    /// let mut seen = 0;
    /// while let Some(chunk) = chunks.next(&db).await? {
    ///     seen += chunk.len();
    /// }
    /// assert_eq!(seen, 25);
    /// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
    /// ```
    pub fn chunks(&self, size: u64) -> Chunks<M> {
        Chunks {
            query: self.clone(),
            size: Ord::max(size, 1),
            after: None,
            done: false,
        }
    }
}

/// A QuerySet read in chunks (see [`QuerySet::chunks`]).
pub struct Chunks<M> {
    query: QuerySet<M>,
    size: u64,
    after: Option<Value>,
    done: bool,
}

impl<M: Model> Chunks<M> {
    /// The next chunk, or `None` after the last.
    pub async fn next<E: Executor>(&mut self, db: &E) -> Result<Option<Vec<M>>> {
        if self.done {
            return Ok(None);
        }
        let meta = M::meta();
        let pk = meta.pk();
        let mut query = self
            .query
            .clone()
            .order_by([OrderBy::new(meta, Path::EMPTY, pk, false)]);
        if let Some(after) = &self.after {
            query = query.filter(Q::lookup(meta, Path::EMPTY, pk, Lookup::Gt(after.clone())));
        }
        let rows = query.slice(..self.size).all(db).await?;
        if (rows.len() as u64) < self.size {
            self.done = true;
        }
        match rows.last() {
            Some(last) => {
                self.after = Some(last.pk().to_value());
                Ok(Some(rows))
            }
            None => Ok(None),
        }
    }
}
