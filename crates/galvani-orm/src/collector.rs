//! Deleting rows with their relations' `on_delete` rules applied by Galvani itself, so
//! the rules hold on every backend whatever its constraints do: CASCADE deletes the
//! referring rows (and theirs), PROTECT and RESTRICT refuse, SET_NULL and SET_DEFAULT
//! rewrite the references. All of it in one transaction (a savepoint inside one).

use sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement, Value};

use crate::db::Backend;
use crate::error::{Error, Result};
use crate::executor::{Executor, Row, Statement, atomic, execute_for};
use crate::meta::{DefaultValue, FieldKind, FieldMeta, ModelMeta, OnDelete};
use crate::registry::{join_columns, referrers};

/// Keys per `IN (...)` list: well under SQLite's 32,766 parameters and PostgreSQL's
/// 65,535, leaving room for the rest of the statement.
pub(crate) const CHUNK: usize = 900;

/// Whether deleting rows of `model` needs the collector (something refers to it).
fn needed(model: &'static ModelMeta) -> bool {
    !referrers(model).is_empty() || !join_columns(model).is_empty()
}

/// Deletes the rows of `model` that `condition` selects: through the collector, in a
/// transaction, when anything refers to the model; with one `DELETE` otherwise.
/// Returns how many rows of `model` went.
pub(crate) async fn delete_where<E: Executor>(
    db: &E,
    model: &'static ModelMeta,
    condition: Condition,
) -> Result<u64> {
    if needed(model) {
        let mut keys = Query::select();
        keys.from(model.table)
            .column((model.table, model.pk().column))
            .cond_where(condition);
        return atomic(db, |tx| async move { delete(&tx, model, keys).await }).await;
    }
    let mut delete = Query::delete();
    delete.from_table(model.table).cond_where(condition);
    execute_for(db, model, Statement::build(&delete, db.backend())).await
}

/// What a delete will do, gathered before anything changes.
#[derive(Default)]
struct Plan {
    /// Rows to delete, per model, in the order they were found (parents first).
    deletes: Vec<(&'static ModelMeta, Vec<Value>)>,
    /// References to rewrite: (model, field, new value, keys of the rows).
    updates: Vec<(&'static ModelMeta, &'static FieldMeta, Value, Vec<Value>)>,
    /// RESTRICT references, allowed only if their rows are deleted too.
    restricted: Vec<(
        &'static ModelMeta,
        &'static FieldMeta,
        &'static ModelMeta,
        Vec<Value>,
    )>,
}

impl Plan {
    fn deleted(&self, model: &'static ModelMeta) -> impl Iterator<Item = &Value> {
        self.deletes
            .iter()
            .filter(move |(m, _)| std::ptr::eq(*m, model))
            .flat_map(|(_, keys)| keys)
    }
}

/// Deletes the rows of `model` whose keys `keys_query` selects, applying every
/// relation's `on_delete`. Returns how many rows of `model` were deleted.
async fn delete<E: Executor>(
    db: &E,
    model: &'static ModelMeta,
    keys_query: SelectStatement,
) -> Result<u64> {
    let backend = db.backend();
    let rows = db.fetch_all(Statement::build(&keys_query, backend)).await?;
    let keys = rows
        .iter()
        .map(|row| key_of(row, 0, model))
        .collect::<Result<Vec<_>>>()?;
    if keys.is_empty() {
        return Ok(0);
    }
    let plan = collect(db, model, keys).await?;
    for (referrer, field, value, keys) in &plan.updates {
        for chunk in keys.chunks(CHUNK) {
            let mut update = Query::update();
            update
                .table(referrer.table)
                .value(field.column, Expr::val(value.clone()))
                .and_where(Expr::col(referrer.pk().column).is_in(chunk.iter().cloned()));
            db.execute(Statement::build(&update, backend)).await?;
        }
    }
    // Join table rows go with either side of the relation.
    for (target, keys) in &plan.deletes {
        for &(table, column) in join_columns(target) {
            for chunk in keys.chunks(CHUNK) {
                let mut delete = Query::delete();
                delete
                    .from_table(table)
                    .and_where(Expr::col(column).is_in(chunk.iter().cloned()));
                db.execute(Statement::build(&delete, backend)).await?;
            }
        }
    }
    let mut deleted = 0;
    // Children first: SQLite checks foreign keys at the end of each statement.
    for (target, keys) in plan.deletes.iter().rev() {
        for chunk in keys.chunks(CHUNK) {
            let mut delete = Query::delete();
            delete
                .from_table(target.table)
                .and_where(Expr::col(target.pk().column).is_in(chunk.iter().cloned()));
            let n = db.execute(Statement::build(&delete, backend)).await?;
            if std::ptr::eq(*target, model) {
                deleted += n;
            }
        }
    }
    Ok(deleted)
}

/// Follows every relation to the rows being deleted, breadth first.
async fn collect<E: Executor>(db: &E, model: &'static ModelMeta, keys: Vec<Value>) -> Result<Plan> {
    let backend = db.backend();
    let mut plan = Plan::default();
    let mut queue = vec![(model, keys)];
    while let Some((target, keys)) = queue.pop() {
        // Rows met before (a cycle, or two paths to one row) are not followed again.
        let seen: Vec<&Value> = plan.deleted(target).collect();
        let keys: Vec<Value> = keys.into_iter().filter(|k| !seen.contains(&k)).collect();
        if keys.is_empty() {
            continue;
        }
        plan.deletes.push((target, keys.clone()));
        for &(referrer, field) in referrers(target) {
            let Some(relation) = &field.relation else {
                continue;
            };
            if relation.on_delete == OnDelete::DoNothing {
                continue;
            }
            let refs = referring_keys(db, backend, referrer, field, &keys).await?;
            if refs.is_empty() {
                continue;
            }
            match relation.on_delete {
                OnDelete::Cascade => queue.push((referrer, refs)),
                OnDelete::Protect => {
                    return Err(Error::Protected {
                        model: target.label(),
                        referrer: referrer.label(),
                        field: field.name.into(),
                        count: refs.len() as u64,
                    });
                }
                OnDelete::Restrict => plan.restricted.push((referrer, field, target, refs)),
                OnDelete::SetNull => plan.updates.push((referrer, field, null_of(field), refs)),
                OnDelete::SetDefault => {
                    let value = field
                        .default
                        .map(|d| default_value(d, field.kind))
                        .unwrap_or_else(|| null_of(field));
                    plan.updates.push((referrer, field, value, refs));
                }
                // Matched above; new rules must be added here.
                _ => {}
            }
        }
    }
    for (referrer, field, target, refs) in &plan.restricted {
        let deleted: Vec<&Value> = plan.deleted(referrer).collect();
        let kept = refs.iter().filter(|r| !deleted.contains(r)).count();
        if kept > 0 {
            return Err(Error::Protected {
                model: target.label(),
                referrer: referrer.label(),
                field: field.name.into(),
                count: kept as u64,
            });
        }
    }
    Ok(plan)
}

/// The keys of `referrer`'s rows whose `field` holds one of `keys`.
async fn referring_keys<E: Executor>(
    db: &E,
    backend: Backend,
    referrer: &'static ModelMeta,
    field: &'static FieldMeta,
    keys: &[Value],
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let mut select = Query::select();
        select
            .column(referrer.pk().column)
            .from(referrer.table)
            .and_where(Expr::col(field.column).is_in(chunk.iter().cloned()));
        let rows = db.fetch_all(Statement::build(&select, backend)).await?;
        for row in &rows {
            out.push(key_of(row, 0, referrer)?);
        }
    }
    Ok(out)
}

/// Reads a primary key as a statement value, by its kind.
pub(crate) fn key_of(row: &Row, idx: usize, model: &'static ModelMeta) -> Result<Value> {
    let pk = model.pk();
    let decode = |detail: String| Error::Decode {
        model: model.label(),
        field: pk.name.into(),
        detail,
    };
    Ok(match pk.kind {
        FieldKind::AutoId | FieldKind::BigInteger => {
            Value::BigInt(Some(row.get::<i64>(idx).map_err(decode)?))
        }
        FieldKind::Integer => Value::Int(Some(row.get::<i32>(idx).map_err(decode)?)),
        FieldKind::SmallInteger => Value::SmallInt(Some(row.get::<i16>(idx).map_err(decode)?)),
        FieldKind::Uuid => Value::Uuid(Some(row.get::<uuid::Uuid>(idx).map_err(decode)?)),
        _ => Value::String(Some(row.get::<String>(idx).map_err(decode)?)),
    })
}

fn null_of(field: &FieldMeta) -> Value {
    match field.kind {
        FieldKind::Uuid => Value::Uuid(None),
        FieldKind::Char { .. } | FieldKind::Text => Value::String(None),
        FieldKind::Integer => Value::Int(None),
        FieldKind::SmallInteger => Value::SmallInt(None),
        _ => Value::BigInt(None),
    }
}

fn default_value(default: DefaultValue, kind: FieldKind) -> Value {
    match (default, kind) {
        (DefaultValue::Int(i), FieldKind::Integer) => Value::Int(i32::try_from(i).ok()),
        (DefaultValue::Int(i), FieldKind::SmallInteger) => Value::SmallInt(i16::try_from(i).ok()),
        (DefaultValue::Int(i), _) => Value::BigInt(Some(i)),
        (DefaultValue::Str(s), FieldKind::Uuid) => Value::Uuid(uuid::Uuid::parse_str(s).ok()),
        (DefaultValue::Str(s), _) => Value::String(Some(s.to_owned())),
        (DefaultValue::Bool(b), _) => Value::Bool(Some(b)),
        (DefaultValue::Float(f), _) => Value::Double(Some(f)),
        (DefaultValue::Null, _) => Value::BigInt(None),
        // DefaultValue is non-exhaustive within the crate too.
        #[allow(unreachable_patterns)]
        _ => Value::BigInt(None),
    }
}
