//! Saving, deleting and reloading one model instance.

use sea_query::{Expr, ExprTrait, Query};

use crate::error::{Error, Result};
use crate::executor::{Executor, Statement, database_error};
use crate::meta::FieldKind;
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
        let stmt = Statement::build(&update, db.backend());
        let sql = stmt.sql.clone();
        let changed = db
            .execute(stmt)
            .await
            .map_err(|e| with_model(e, &sql, meta))?;
        if changed > 0 || meta.fields.iter().all(|f| f.primary_key) {
            obj.bind_relations();
            signals::send(Moment::PostSave, obj, false, &on_commit);
            return Ok(());
        }
    }

    let auto_key = adding && pk.kind == FieldKind::AutoId;
    let (columns, row): (Vec<_>, Vec<_>) = meta
        .fields
        .iter()
        .zip(values)
        .filter(|(field, _)| !(auto_key && field.primary_key))
        .map(|(field, value)| (field.column, value))
        .unzip();
    let mut insert = Query::insert();
    // A model with nothing but its key inserts `DEFAULT VALUES`.
    let empty = columns.is_empty();
    insert
        .into_table(meta.table)
        .columns(columns)
        .or_default_values();
    if !empty {
        insert
            .values(row.into_iter().map(Expr::val))
            .map_err(|e| Error::InvalidValue {
                field: meta.label(),
                detail: e.to_string(),
            })?;
    }
    if auto_key {
        insert.returning_col(pk.column);
    }
    let stmt = Statement::build(&insert, db.backend());
    let sql = stmt.sql.clone();
    let rows = db
        .fetch_all(stmt)
        .await
        .map_err(|e| with_model(e, &sql, meta))?;
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
    let deleted = delete_row(obj, db, key).await?;
    signals::send(Moment::PostDelete, obj, false, &on_commit);
    Ok(deleted)
}

async fn delete_row<M: Model, E: Executor>(obj: &M, db: &E, key: sea_query::Value) -> Result<u64> {
    let meta = M::meta();
    let _ = obj;
    if crate::collector::needed(meta) {
        let mut keys = Query::select();
        keys.from(meta.table)
            .column(meta.pk().column)
            .and_where(Expr::col(meta.pk().column).eq(key));
        return crate::executor::atomic(db, |tx| async move {
            crate::collector::delete(&tx, meta, keys).await
        })
        .await;
    }
    let mut delete = Query::delete();
    delete
        .from_table(meta.table)
        .and_where(Expr::col(meta.pk().column).eq(key));
    let stmt = Statement::build(&delete, db.backend());
    let sql = stmt.sql.clone();
    db.execute(stmt)
        .await
        .map_err(|e| with_model(e, &sql, meta))
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

/// Names the model in a constraint error the executor could only attribute to a table.
pub(crate) fn with_model(e: Error, sql: &str, meta: &'static crate::meta::ModelMeta) -> Error {
    match e {
        Error::UniqueViolation { fields, .. } => Error::UniqueViolation {
            model: meta.label(),
            fields,
        },
        Error::NotNullViolation { field, .. } => Error::NotNullViolation {
            model: meta.label(),
            field,
        },
        Error::ForeignKeyViolation { detail, .. } => Error::ForeignKeyViolation {
            model: meta.label(),
            detail,
        },
        Error::CheckViolation { detail, .. } => Error::CheckViolation {
            model: meta.label(),
            detail,
        },
        Error::Database { source, .. } => database_error(source, sql, Some(meta)),
        other => other,
    }
}
