//! Saving, deleting and reloading one model instance.

use sea_query::{Condition, Expr, ExprTrait, InsertStatement, Query, Value};

use crate::collector;
use crate::error::{Error, Result};
use crate::executor::{Executor, Statement, execute_for, fetch_for};
use crate::meta::{FieldKind, FieldMeta, ModelMeta};
use crate::model::Model;
use crate::signals::{self, Moment};
use crate::types::FieldType;

/// Inserts `obj` if it was never saved, else updates it (and inserts it when no row
/// has its key, as Django does for a key given by hand).
pub(crate) async fn save<M: Model, E: Executor>(obj: &mut M, db: &E) -> Result<()> {
    let meta = M::meta();
    let adding = obj.is_adding();
    obj.touch(adding, now());
    let on_commit = |callback| db.on_commit(callback);
    signals::send_pre_save(obj, adding, &on_commit);
    let values = obj.values();
    let pk = meta.pk();

    if !adding {
        let mut update = Query::update();
        update.table(meta.table);
        for (field, value) in meta.fields.iter().zip(&values) {
            if !field.primary_key {
                update.value(field.column, value.clone());
            }
        }
        update.and_where(Expr::col(pk.column).eq(obj.pk().to_value()));
        let changed = execute_for(db, meta, Statement::build(&update, db.backend())).await?;
        if changed > 0 || meta.fields.iter().all(|f| f.primary_key) {
            obj.bind_relations();
            signals::send(Moment::PostSave, obj, false, &on_commit);
            return Ok(());
        }
    }

    let auto_key = adding && pk.kind == FieldKind::AutoId;
    let insert = insert_statement(meta, [values], auto_key)?;
    let rows = fetch_for(db, meta, Statement::build(&insert, db.backend())).await?;
    if auto_key {
        let row = rows.first().ok_or_else(|| Error::Decode {
            model: meta.label(),
            field: pk.name.into(),
            detail: "the database returned no key for the new row".into(),
        })?;
        obj.set_pk_from(row, 0)?;
    }
    obj.bind_relations();
    signals::send(Moment::PostSave, obj, true, &on_commit);
    Ok(())
}

/// `INSERT` of `rows` (each every column's value, in field order), leaving the key to
/// the database (and returning it) when `database_key`. A model with nothing but its
/// key inserts `DEFAULT VALUES`.
pub(crate) fn insert_statement(
    meta: &'static ModelMeta,
    rows: impl IntoIterator<Item = Vec<Value>>,
    database_key: bool,
) -> Result<InsertStatement> {
    let skip = |field: &FieldMeta| database_key && field.primary_key;
    let columns: Vec<&str> = meta
        .fields
        .iter()
        .filter(|f| !skip(f))
        .map(|f| f.column)
        .collect();
    let mut insert = Query::insert();
    insert.into_table(meta.table);
    if columns.is_empty() {
        insert.or_default_values();
    } else {
        insert.columns(columns);
        for row in rows {
            let values = row.into_iter().zip(meta.fields).filter(|(_, f)| !skip(f));
            insert
                .values(values.map(|(v, _)| Expr::val(v)))
                .map_err(|e| Error::InvalidValue {
                    field: meta.label(),
                    detail: e.to_string(),
                })?;
        }
    }
    if database_key {
        insert.returning_col(meta.pk().column);
    }
    Ok(insert)
}

/// The current time, to the microsecond: both backends keep microseconds, so an
/// instance holds what its row will hold.
pub(crate) fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

/// Deletes `obj`'s row.
pub(crate) async fn delete<M: Model, E: Executor>(obj: &M, db: &E) -> Result<u64> {
    let meta = M::meta();
    if obj.is_adding() {
        return Err(Error::NotSaved {
            model: meta.label(),
            action: "deleted",
        });
    }
    let key = obj.pk().to_value();
    let on_commit = |callback| db.on_commit(callback);
    signals::send(Moment::PreDelete, obj, false, &on_commit);
    let by_key = Expr::col((meta.table, meta.pk().column)).eq(key);
    let deleted = collector::delete_where(db, meta, Condition::all().add(by_key)).await?;
    signals::send(Moment::PostDelete, obj, false, &on_commit);
    Ok(deleted)
}

/// Reloads `obj` from its row.
pub(crate) async fn refresh<M: Model, E: Executor>(obj: &mut M, db: &E) -> Result<()> {
    let meta = M::meta();
    if obj.is_adding() {
        return Err(Error::NotSaved {
            model: meta.label(),
            action: "refreshed",
        });
    }
    let pk = obj.pk();
    let mut select = Query::select();
    select.from(meta.table);
    for field in meta.fields {
        select.column((meta.table, field.column));
    }
    select.and_where(Expr::col((meta.table, meta.pk().column)).eq(pk.to_value()));
    let rows = db
        .fetch_all(Statement::build(&select, db.backend()))
        .await?;
    let row = rows.first().ok_or_else(|| Error::DoesNotExist {
        model: meta.label(),
    })?;
    *obj = M::from_row(row, 0)?;
    Ok(())
}
