//! Raw SQL, with bound parameters only: the statement is a `&'static str` (so it cannot
//! be assembled from input at run time) and every value is a parameter.

use crate::db::Backend;
use crate::error::Result;
use crate::executor::{Executor, Statement};
use crate::model::Model;
use crate::types::FieldType;

/// A value for a raw statement's `?`.
pub trait Param: Sync {
    /// The value, as bound.
    fn value(&self) -> sea_query::Value;
}

impl<T: FieldType> Param for T {
    fn value(&self) -> sea_query::Value {
        self.to_value()
    }
}

/// Runs `sql` and reads each row as an `M`: select the model's columns in field order.
/// Write `?` for each parameter on every backend (PostgreSQL's `$1, $2, ...` are made
/// from them; a `?` inside quotes is left alone).
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
/// Product { id: 0, stock: 9 }.save(&db).await?;
/// let low: Vec<Product> = galvani_orm::raw(
///     &db,
///     "SELECT id, stock FROM shop_product WHERE stock > ? ORDER BY id",
///     &[&5i32],
/// )
/// .await?;
/// assert_eq!(low.len(), 1);
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub async fn raw<M: Model, E: Executor>(
    db: &E,
    sql: &'static str,
    params: &[&dyn Param],
) -> Result<Vec<M>> {
    let stmt = Statement {
        sql: placeholders(sql, db.backend()),
        values: params.iter().map(|p| p.value()).collect(),
    };
    let rows = db.fetch_all(stmt).await?;
    rows.iter().map(|row| M::from_row(row, 0)).collect()
}

/// `?` as the backend writes parameters.
fn placeholders(sql: &str, backend: Backend) -> String {
    if backend != Backend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_gets_numbered_parameters_outside_quotes() {
        assert_eq!(
            placeholders(
                "SELECT '?', \"a?\" FROM t WHERE x = ? AND y = ?",
                Backend::Postgres
            ),
            "SELECT '?', \"a?\" FROM t WHERE x = $1 AND y = $2"
        );
        assert_eq!(placeholders("x = ?", Backend::Sqlite), "x = ?");
    }
}
