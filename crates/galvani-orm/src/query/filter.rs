//! Conditions: lookups on fields, combined with `&`, `|` and `!`. They stay abstract
//! until a query runs, because the SQL for a lookup depends on the backend (SQLite's
//! `LIKE` ignores case, so its case-sensitive lookups use `GLOB`).

use std::marker::PhantomData;
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
    /// In the keys a subquery across a many-valued relation selects.
    InQuery(Box<super::subquery::SubQuery>),
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

/// A comparison of two F expressions (`stock < reserved`).
#[derive(Debug, Clone)]
struct CompareNode {
    lhs: crate::expr::Node,
    op: crate::expr::Op,
    rhs: crate::expr::Node,
}

#[derive(Debug, Clone)]
enum Node {
    Lookup(Box<LookupNode>),
    Compare(Box<CompareNode>),
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
}

/// A condition on rows of `M`, for [`crate::QuerySet::filter`] and `exclude`. Made by a
/// field's lookups, combined with `&` (and), `|` (or) and `!` (not). Its model is part
/// of its type: a condition on another model's rows does not compile.
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
/// let everything = Q::<Product>::all();
/// ```
///
/// ```compile_fail,E0308
/// use galvani_orm::prelude::*;
///
/// #[derive(Model)]
/// struct Product {
///     id: i64,
///     stock: i32,
/// }
///
/// #[derive(Model)]
/// struct Category {
///     id: i64,
///     #[field(max_length = 50)]
///     name: String,
/// }
///
/// // A Category condition on a Product query.
/// let wrong = Product::objects().filter(Category::name.eq("Tea"));
/// ```
pub struct Q<M>(Node, PhantomData<fn() -> M>);

impl<M> Clone for Q<M> {
    fn clone(&self) -> Self {
        Q(self.0.clone(), PhantomData)
    }
}

impl<M> std::fmt::Debug for Q<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<M> Q<M> {
    fn new(node: Node) -> Q<M> {
        Q(node, PhantomData)
    }

    pub(crate) fn lookup(
        model: &'static ModelMeta,
        path: Path,
        field: &'static FieldMeta,
        lookup: Lookup,
    ) -> Q<M> {
        Q::new(Node::Lookup(Box::new(LookupNode {
            table: model.table,
            path,
            field,
            lookup,
        })))
    }

    /// The same condition with its model forgotten (inside a subquery).
    pub(crate) fn erase(self) -> Q<()> {
        Q::new(self.0)
    }

    pub(crate) fn compare(
        lhs: crate::expr::Node,
        op: crate::expr::Op,
        rhs: crate::expr::Node,
    ) -> Q<M> {
        Q::new(Node::Compare(Box::new(CompareNode { lhs, op, rhs })))
    }

    /// The relation paths the condition reaches through (each needs a join).
    pub(crate) fn paths(&self, out: &mut Vec<Path>) {
        fn walk(node: &Node, out: &mut Vec<Path>) {
            match node {
                Node::Lookup(l) if !l.path.is_empty() => out.push(l.path),
                Node::Lookup(_) => {}
                Node::Compare(c) => {
                    c.lhs.paths(out);
                    c.rhs.paths(out);
                }
                Node::All(nodes) | Node::Any(nodes) => nodes.iter().for_each(|n| walk(n, out)),
                Node::Not(inner) => walk(inner, out),
            }
        }
        walk(&self.0, out);
    }

    /// The condition every row meets.
    pub fn all() -> Q<M> {
        Q::new(Node::All(Vec::new()))
    }

    /// The condition no row meets.
    pub fn none() -> Q<M> {
        Q::new(Node::Any(Vec::new()))
    }

    /// The condition as one sea-query expression for `backend`; `None` when every
    /// row matches. (One expression, not nested `Condition`s: sea-query turns each
    /// nested condition into an expression by cloning it, which cost more than the
    /// rest of building a primary-key lookup.)
    pub(crate) fn expr(&self, backend: Backend) -> Option<Expr> {
        node_expr(&self.0, backend)
    }

    /// Adds the condition's shape (everything that decides its SQL text, nothing
    /// that is bound) to `out`.
    pub(crate) fn shape(&self, out: &mut Vec<u64>) {
        node_shape(&self.0, out);
    }

    /// The condition's values, in the order its SQL binds them.
    pub(crate) fn values(&self, backend: Backend, out: &mut Vec<Value>) {
        node_values(&self.0, backend, out);
    }

    /// The condition as a sea-query `Condition` (for statements that take one).
    pub(crate) fn condition(&self, backend: Backend) -> Condition {
        match self.expr(backend) {
            Some(e) => Condition::all().add(e),
            None => Condition::all(),
        }
    }
}

fn node_shape(node: &Node, out: &mut Vec<u64>) {
    match node {
        Node::Lookup(l) => {
            out.extend([
                1,
                l.table.as_ptr() as u64,
                std::ptr::from_ref(l.field) as u64,
            ]);
            l.path.shape(out);
            lookup_shape(&l.lookup, out);
        }
        Node::Compare(c) => {
            out.extend([5, c.op as u64]);
            c.lhs.shape(out);
            c.rhs.shape(out);
        }
        Node::All(nodes) | Node::Any(nodes) => {
            out.extend([
                if matches!(node, Node::All(_)) { 2 } else { 3 },
                nodes.len() as u64,
            ]);
            nodes.iter().for_each(|n| node_shape(n, out));
        }
        Node::Not(inner) => {
            out.push(4);
            node_shape(inner, out);
        }
    }
}

fn lookup_shape(lookup: &Lookup, out: &mut Vec<u64>) {
    let (kind, extra) = match lookup {
        Lookup::Exact(_) => (10, 0),
        Lookup::IExact(_) => (11, 0),
        Lookup::Contains(_) => (12, 0),
        Lookup::IContains(_) => (13, 0),
        Lookup::StartsWith(_) => (14, 0),
        Lookup::IStartsWith(_) => (15, 0),
        Lookup::EndsWith(_) => (16, 0),
        Lookup::IEndsWith(_) => (17, 0),
        Lookup::Gt(_) => (18, 0),
        Lookup::Gte(_) => (19, 0),
        Lookup::Lt(_) => (20, 0),
        Lookup::Lte(_) => (21, 0),
        Lookup::Range(..) => (22, 0),
        Lookup::In(values) => (23, values.len() as u64),
        Lookup::IsNull(null) => (24, u64::from(*null)),
        Lookup::InQuery(sub) => {
            out.push(26);
            return sub.shape(out);
        }
        Lookup::Part(part, inner) => {
            out.extend([25, *part as u64]);
            return lookup_shape(inner, out);
        }
    };
    out.extend([kind, extra]);
}

/// Mirrors `node_expr`: what it leaves out binds nothing.
fn node_values(node: &Node, backend: Backend, out: &mut Vec<Value>) {
    match node {
        Node::Lookup(l) => lookup_values(&l.lookup, backend, out),
        Node::Compare(c) => {
            c.lhs.values(out);
            c.rhs.values(out);
        }
        Node::All(nodes) => nodes.iter().for_each(|n| node_values(n, backend, out)),
        // An OR with a member that matches every row is no condition at all.
        Node::Any(nodes) if nodes.iter().any(matches_all) => {}
        Node::Any(nodes) => nodes.iter().for_each(|n| node_values(n, backend, out)),
        // NOT of everything is a constant.
        Node::Not(inner) if matches_all(inner) => {}
        Node::Not(inner) => node_values(inner, backend, out),
    }
}

/// Whether `node_expr` gives no condition for `node` (every row matches).
fn matches_all(node: &Node) -> bool {
    match node {
        Node::Lookup(_) | Node::Compare(_) | Node::Not(_) => false,
        Node::All(nodes) => nodes.iter().all(matches_all),
        Node::Any(nodes) => nodes.iter().any(matches_all),
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
        Node::Compare(c) => Some(c.lhs.expr(backend).binary(c.op.sql(), c.rhs.expr(backend))),
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
    let matching = |pattern: String| match backend {
        // SQLite's builder fills `?` in custom expressions in order.
        Backend::Sqlite => Expr::cust_with_exprs("? GLOB ?", [col(), Expr::val(pattern)]),
        _ => col().like(LikeExpr::new(pattern).escape('\\')),
    };
    let matching_ci = |pattern: String| upper(col()).like(LikeExpr::new(pattern).escape('\\'));
    match lookup {
        Lookup::Exact(v) => col().eq(v.clone()),
        Lookup::IExact(s) => upper(col()).eq(s.to_uppercase()),
        Lookup::Contains(_) | Lookup::StartsWith(_) | Lookup::EndsWith(_) => {
            matching(pattern(lookup, backend).unwrap_or_default())
        }
        Lookup::IContains(_) | Lookup::IStartsWith(_) | Lookup::IEndsWith(_) => {
            matching_ci(pattern(lookup, backend).unwrap_or_default())
        }
        Lookup::Gt(v) => col().gt(v.clone()),
        Lookup::Gte(v) => col().gte(v.clone()),
        Lookup::Lt(v) => col().lt(v.clone()),
        Lookup::Lte(v) => col().lte(v.clone()),
        Lookup::Range(low, high) => col().between(low.clone(), high.clone()),
        Lookup::In(values) if values.is_empty() => Expr::cust("1 = 0"),
        Lookup::In(values) => col().is_in(values.iter().cloned()),
        Lookup::InQuery(sub) => col().in_subquery(sub.select(backend)),
        Lookup::IsNull(true) => col().is_null(),
        Lookup::IsNull(false) => col().is_not_null(),
        // Handled above.
        Lookup::Part(..) => Expr::cust("1 = 0"),
    }
}

/// The pattern a text lookup binds: a GLOB pattern for case-sensitive lookups on
/// SQLite, an escaped LIKE pattern otherwise (upper-cased for the `i` lookups).
fn pattern(lookup: &Lookup, backend: Backend) -> Option<String> {
    let (value, before, after, fold) = match lookup {
        Lookup::Contains(s) => (s, "%", "%", false),
        Lookup::StartsWith(s) => (s, "", "%", false),
        Lookup::EndsWith(s) => (s, "%", "", false),
        Lookup::IContains(s) => (s, "%", "%", true),
        Lookup::IStartsWith(s) => (s, "", "%", true),
        Lookup::IEndsWith(s) => (s, "%", "", true),
        _ => return None,
    };
    Some(match (fold, backend) {
        (false, Backend::Sqlite) => format!(
            "{}{}{}",
            before.replace('%', "*"),
            glob_escaped(value),
            after.replace('%', "*")
        ),
        (false, _) => format!("{before}{}{after}", like_escaped(value)),
        (true, _) => format!("{before}{}{after}", like_escaped(&value.to_uppercase())),
    })
}

/// The values a lookup binds, in the order its SQL binds them (see `lookup_expr`).
fn lookup_values(lookup: &Lookup, backend: Backend, out: &mut Vec<Value>) {
    match lookup {
        Lookup::Exact(v) | Lookup::Gt(v) | Lookup::Gte(v) | Lookup::Lt(v) | Lookup::Lte(v) => {
            out.push(v.clone())
        }
        Lookup::IExact(s) => out.push(Value::String(Some(s.to_uppercase()))),
        Lookup::Range(low, high) => {
            out.push(low.clone());
            out.push(high.clone());
        }
        Lookup::In(values) => out.extend(values.iter().cloned()),
        Lookup::Part(_, inner) => match **inner {
            // `compare` turns these into constant conditions.
            Lookup::IExact(_)
            | Lookup::Contains(_)
            | Lookup::IContains(_)
            | Lookup::StartsWith(_)
            | Lookup::IStartsWith(_)
            | Lookup::EndsWith(_)
            | Lookup::IEndsWith(_)
            | Lookup::InQuery(_)
            | Lookup::Part(..) => {}
            ref inner => lookup_values(inner, backend, out),
        },
        Lookup::IsNull(_) => {}
        Lookup::InQuery(sub) => sub.values(backend, out),
        text => out.extend(pattern(text, backend).map(|p| Value::String(Some(p)))),
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

impl<M> BitAnd for Q<M> {
    type Output = Q<M>;
    fn bitand(self, rhs: Q<M>) -> Q<M> {
        match self.0 {
            Node::All(mut nodes) => {
                nodes.push(rhs.0);
                Q::new(Node::All(nodes))
            }
            node => Q::new(Node::All(vec![node, rhs.0])),
        }
    }
}

impl<M> BitOr for Q<M> {
    type Output = Q<M>;
    fn bitor(self, rhs: Q<M>) -> Q<M> {
        match self.0 {
            Node::Any(mut nodes) if !nodes.is_empty() => {
                nodes.push(rhs.0);
                Q::new(Node::Any(nodes))
            }
            Node::Any(_) => rhs,
            node => Q::new(Node::Any(vec![node, rhs.0])),
        }
    }
}

impl<M> Not for Q<M> {
    type Output = Q<M>;
    fn not(self) -> Q<M> {
        Q::new(Node::Not(Box::new(self.0)))
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
