//! Conditions: lookups on fields, combined with `&`, `|` and `!`. They stay abstract
//! until a query runs, because the SQL for a lookup depends on the backend (SQLite's
//! `LIKE` ignores case, so its case-sensitive lookups use `GLOB`).

use std::ops::{BitAnd, BitOr, Not};

use sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr, Value};

use super::path::Path;
use crate::db::Backend;
use crate::meta::{FieldKind, FieldMeta, ModelMeta};

/// One comparison, with its values.
#[derive(Debug, Clone)]
pub(crate) enum Lookup {
    Exact(Value),
    IExact(String),
    Contains(String),
    IContains(String),
    StartsWith(String),
    IStartsWith(String),
    EndsWith(String),
    IEndsWith(String),
    Gt(Value),
    Gte(Value),
    Lt(Value),
    Lte(Value),
    Range(Value, Value),
    In(Vec<Value>),
    InSelect(Box<sea_query::SelectStatement>),
    IsNull(bool),
    /// A comparison on a part of a date or instant (`year`, `month`, ...).
    Part(DatePart, Box<Lookup>),
}

/// A part of a date or an instant (instants in UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// The year.
    Year,
    /// The month, 1 to 12.
    Month,
    /// The day of the month.
    Day,
    /// The hour, 0 to 23.
    Hour,
}

impl DatePart {
    fn sqlite(self) -> &'static str {
        match self {
            DatePart::Year => "%Y",
            DatePart::Month => "%m",
            DatePart::Day => "%d",
            DatePart::Hour => "%H",
        }
    }

    fn postgres(self) -> &'static str {
        match self {
            DatePart::Year => "YEAR",
            DatePart::Month => "MONTH",
            DatePart::Day => "DAY",
            DatePart::Hour => "HOUR",
        }
    }
}

#[derive(Debug, Clone)]
struct LookupNode {
    table: &'static str,
    path: Path,
    field: &'static FieldMeta,
    lookup: Lookup,
}

#[derive(Debug, Clone)]
enum Node {
    Lookup(Box<LookupNode>),
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
}

/// A condition on rows, for [`crate::QuerySet::filter`] and `exclude`. Made by a
/// field's lookups, combined with `&` (and), `|` (or) and `!` (not).
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
/// let cheap_or_gone = Product::stock.eq(0) | !Product::name.startswith("Premium");
/// let everything = Q::all();
/// ```
#[derive(Debug, Clone)]
pub struct Q(Node);

impl Q {
    pub(crate) fn lookup(
        model: &'static ModelMeta,
        path: Path,
        field: &'static FieldMeta,
        lookup: Lookup,
    ) -> Q {
        Q(Node::Lookup(Box::new(LookupNode {
            table: model.table,
            path,
            field,
            lookup,
        })))
    }

    /// The relation paths the condition reaches through (each needs a join).
    pub(crate) fn paths(&self, out: &mut Vec<Path>) {
        fn walk(node: &Node, out: &mut Vec<Path>) {
            match node {
                Node::Lookup(l) if !l.path.is_empty() => out.push(l.path),
                Node::Lookup(_) => {}
                Node::All(nodes) | Node::Any(nodes) => nodes.iter().for_each(|n| walk(n, out)),
                Node::Not(inner) => walk(inner, out),
            }
        }
        walk(&self.0, out);
    }

    /// The condition every row meets.
    pub fn all() -> Q {
        Q(Node::All(Vec::new()))
    }

    /// The condition no row meets.
    pub fn none() -> Q {
        Q(Node::Any(Vec::new()))
    }

    /// The condition as one sea-query expression for `backend`; `None` when every
    /// row matches. (One expression, not nested `Condition`s: sea-query turns each
    /// nested condition into an expression by cloning it, which cost more than the
    /// rest of building a primary-key lookup.)
    pub(crate) fn expr(&self, backend: Backend) -> Option<Expr> {
        node_expr(&self.0, backend)
    }

    /// The condition as a sea-query `Condition` (for statements that take one).
    pub(crate) fn condition(&self, backend: Backend) -> Condition {
        match self.expr(backend) {
            Some(e) => Condition::all().add(e),
            None => Condition::all(),
        }
    }
}

fn node_expr(node: &Node, backend: Backend) -> Option<Expr> {
    match node {
        Node::Lookup(l) => Some(lookup_expr(
            l.path.alias(l.table),
            l.field,
            &l.lookup,
            backend,
        )),
        Node::All(nodes) => nodes
            .iter()
            .filter_map(|n| node_expr(n, backend))
            .reduce(|a, b| a.and(b)),
        Node::Any(nodes) => {
            let mut exprs = Vec::with_capacity(nodes.len());
            for n in nodes {
                match node_expr(n, backend) {
                    Some(e) => exprs.push(e),
                    // A member that matches every row makes the whole OR match.
                    None => return None,
                }
            }
            // An empty OR matches nothing.
            Some(
                exprs
                    .into_iter()
                    .reduce(|a, b| a.or(b))
                    .unwrap_or_else(|| Expr::cust("1 = 0")),
            )
        }
        Node::Not(inner) => Some(match node_expr(inner, backend) {
            Some(e) => e.not(),
            None => Expr::cust("1 = 0"),
        }),
    }
}

/// A column as comparisons and ordering see it. SQLite keeps decimals as text (its
/// numeric affinity would round them to 15 digits), so they are compared as numbers.
pub(crate) fn column_expr(table: String, field: &'static FieldMeta, backend: Backend) -> Expr {
    let col = Expr::col((table, field.column));
    match (backend, field.kind) {
        (Backend::Sqlite, FieldKind::Decimal { .. }) => {
            Expr::cust_with_exprs("CAST(? AS REAL)", [col])
        }
        _ => col,
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes `*`, `?` and `[` for a GLOB pattern (each in brackets).
fn glob_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

fn lookup_expr(
    table: String,
    field: &'static FieldMeta,
    lookup: &Lookup,
    backend: Backend,
) -> Expr {
    if let Lookup::Part(part, inner) = lookup {
        let column = column_expr(table, field, backend);
        return compare(part_expr(*part, column, field, backend), inner);
    }
    let col = || column_expr(table.clone(), field, backend);
    let upper = |e: Expr| Expr::from(Func::upper(e));
    // Case-sensitive matching: GLOB on SQLite (its LIKE ignores ASCII case), LIKE elsewhere.
    let matching = |before: &str, value: &str, after: &str| match backend {
        Backend::Sqlite => Expr::cust_with_exprs(
            // SQLite's builder fills `?` in custom expressions in order.
            "? GLOB ?",
            [
                col(),
                Expr::val(format!(
                    "{}{}{}",
                    before.replace('%', "*"),
                    glob_escaped(value),
                    after.replace('%', "*")
                )),
            ],
        ),
        _ => col()
            .like(LikeExpr::new(format!("{before}{}{after}", like_escaped(value))).escape('\\')),
    };
    let matching_ci = |before: &str, value: &str, after: &str| {
        upper(col()).like(
            LikeExpr::new(format!(
                "{before}{}{after}",
                like_escaped(&value.to_uppercase())
            ))
            .escape('\\'),
        )
    };
    match lookup {
        Lookup::Exact(v) => col().eq(v.clone()),
        Lookup::IExact(s) => upper(col()).eq(s.to_uppercase()),
        Lookup::Contains(s) => matching("%", s, "%"),
        Lookup::IContains(s) => matching_ci("%", s, "%"),
        Lookup::StartsWith(s) => matching("", s, "%"),
        Lookup::IStartsWith(s) => matching_ci("", s, "%"),
        Lookup::EndsWith(s) => matching("%", s, ""),
        Lookup::IEndsWith(s) => matching_ci("%", s, ""),
        Lookup::Gt(v) => col().gt(v.clone()),
        Lookup::Gte(v) => col().gte(v.clone()),
        Lookup::Lt(v) => col().lt(v.clone()),
        Lookup::Lte(v) => col().lte(v.clone()),
        Lookup::Range(low, high) => col().between(low.clone(), high.clone()),
        Lookup::In(values) if values.is_empty() => Expr::cust("1 = 0"),
        Lookup::In(values) => col().is_in(values.iter().cloned()),
        Lookup::InSelect(select) => col().in_subquery((**select).clone()),
        Lookup::IsNull(true) => col().is_null(),
        Lookup::IsNull(false) => col().is_not_null(),
        // Handled above.
        Lookup::Part(..) => Expr::cust("1 = 0"),
    }
}

/// The integer `part` of a date or instant column.
fn part_expr(part: DatePart, column: Expr, field: &FieldMeta, backend: Backend) -> Expr {
    match backend {
        Backend::Postgres => {
            // Instants are compared in UTC, whatever the session's time zone.
            let template = match field.kind {
                FieldKind::DateTime => format!(
                    "CAST(EXTRACT({} FROM $1 AT TIME ZONE 'UTC') AS INTEGER)",
                    part.postgres()
                ),
                _ => format!("CAST(EXTRACT({} FROM $1) AS INTEGER)", part.postgres()),
            };
            Expr::cust_with_exprs(template, [column])
        }
        _ => Expr::cust_with_exprs(
            format!("CAST(strftime('{}', ?) AS INTEGER)", part.sqlite()),
            [column],
        ),
    }
}

/// `expr` compared as `lookup` says (the comparisons that make sense on a number).
fn compare(expr: Expr, lookup: &Lookup) -> Expr {
    match lookup {
        Lookup::Exact(v) => expr.eq(v.clone()),
        Lookup::Gt(v) => expr.gt(v.clone()),
        Lookup::Gte(v) => expr.gte(v.clone()),
        Lookup::Lt(v) => expr.lt(v.clone()),
        Lookup::Lte(v) => expr.lte(v.clone()),
        Lookup::Range(low, high) => expr.between(low.clone(), high.clone()),
        Lookup::In(values) if values.is_empty() => Expr::cust("1 = 0"),
        Lookup::In(values) => expr.is_in(values.iter().cloned()),
        Lookup::IsNull(true) => expr.is_null(),
        Lookup::IsNull(false) => expr.is_not_null(),
        // Text and nested lookups are not made on parts.
        _ => Expr::cust("1 = 0"),
    }
}

impl BitAnd for Q {
    type Output = Q;
    fn bitand(self, rhs: Q) -> Q {
        match self.0 {
            Node::All(mut nodes) => {
                nodes.push(rhs.0);
                Q(Node::All(nodes))
            }
            node => Q(Node::All(vec![node, rhs.0])),
        }
    }
}

impl BitOr for Q {
    type Output = Q;
    fn bitor(self, rhs: Q) -> Q {
        match self.0 {
            Node::Any(mut nodes) if !nodes.is_empty() => {
                nodes.push(rhs.0);
                Q(Node::Any(nodes))
            }
            Node::Any(_) => rhs,
            node => Q(Node::Any(vec![node, rhs.0])),
        }
    }
}

impl Not for Q {
    type Output = Q;
    fn not(self) -> Q {
        Q(Node::Not(Box::new(self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_their_wildcards() {
        assert_eq!(like_escaped("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(glob_escaped("a*b?[c]"), "a[*]b[?][[]c]");
    }
}
