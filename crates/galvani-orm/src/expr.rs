//! F expressions: arithmetic on columns, computed by the database in the statement
//! itself (`stock = stock - 1`), so concurrent updates never lose one another.

use std::marker::PhantomData;
use std::ops::{Add, Div, Mul, Sub};

use rust_decimal::Decimal;
use sea_query::{BinOper, Expr, ExprTrait, Value};

use crate::db::Backend;
use crate::field::Field;
use crate::meta::FieldMeta;
use crate::model::Model;
use crate::query::Q;
use crate::query::filter::column_expr;
use crate::query::path::Path;
use crate::types::FieldType;

/// Number types, for which fields and F expressions have arithmetic.
pub trait Numeric: FieldType + private::Sealed {}

pub(crate) mod private {
    pub trait Sealed {}
}

macro_rules! numeric {
    ($($ty:ty),*) => {$(
        impl private::Sealed for $ty {}
        impl Numeric for $ty {}
    )*};
}
numeric!(i16, i32, i64, f64, Decimal);

/// The operators of F expressions and their comparisons (field-less, so a query's
/// shape can record them as numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub(crate) fn sql(self) -> BinOper {
        match self {
            Op::Add => BinOper::Add,
            Op::Sub => BinOper::Sub,
            Op::Mul => BinOper::Mul,
            Op::Div => BinOper::Div,
            Op::Eq => BinOper::Equal,
            Op::Ne => BinOper::NotEqual,
            Op::Gt => BinOper::GreaterThan,
            Op::Gte => BinOper::GreaterThanOrEqual,
            Op::Lt => BinOper::SmallerThan,
            Op::Lte => BinOper::SmallerThanOrEqual,
        }
    }
}

/// An F expression's tree: columns (possibly through relations), values, arithmetic.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Column {
        table: &'static str,
        path: Path,
        field: &'static FieldMeta,
    },
    Value(Value),
    Binary(Box<Node>, Op, Box<Node>),
}

impl Node {
    pub(crate) fn expr(&self, backend: Backend) -> Expr {
        match self {
            Node::Column { table, path, field } => column_expr(path.alias(table), field, backend),
            Node::Value(v) => Expr::val(v.clone()),
            Node::Binary(l, op, r) => l.expr(backend).binary(op.sql(), r.expr(backend)),
        }
    }

    /// The relation paths the expression reaches through (each needs a join).
    pub(crate) fn paths(&self, out: &mut Vec<Path>) {
        match self {
            Node::Column { path, .. } if !path.is_empty() => out.push(*path),
            Node::Column { .. } | Node::Value(_) => {}
            Node::Binary(l, _, r) => {
                l.paths(out);
                r.paths(out);
            }
        }
    }

    /// Whether a column of the expression is reached through a relation.
    pub(crate) fn crosses_relations(&self) -> bool {
        match self {
            Node::Column { path, .. } => !path.is_empty(),
            Node::Value(_) => false,
            Node::Binary(l, _, r) => l.crosses_relations() || r.crosses_relations(),
        }
    }

    /// Everything that decides the SQL text, nothing that is bound.
    pub(crate) fn shape(&self, out: &mut Vec<u64>) {
        match self {
            Node::Column { table, path, field } => {
                out.extend([1, table.as_ptr() as u64, std::ptr::from_ref(*field) as u64]);
                path.shape(out);
            }
            Node::Value(_) => out.push(2),
            Node::Binary(l, op, r) => {
                out.extend([3, *op as u64]);
                l.shape(out);
                r.shape(out);
            }
        }
    }

    /// The values, in the order the SQL binds them (left to right).
    pub(crate) fn values(&self, out: &mut Vec<Value>) {
        match self {
            Node::Column { .. } => {}
            Node::Value(v) => out.push(v.clone()),
            Node::Binary(l, _, r) => {
                l.values(out);
                r.values(out);
            }
        }
    }
}

/// An expression the database computes from the columns of a row of `M` (and of rows
/// it refers to): what [`Field::set_expr`] writes, what the arithmetic on fields
/// builds, and what a lookup can compare a column with (Django's `F()`).
///
/// ```
/// use galvani_orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(app = "shop")]
/// struct Product {
///     id: i64,
///     stock: i32,
///     reserved: i32,
/// }
///
/// // `UPDATE ... SET stock = stock - 1`, whatever other processes did meanwhile.
/// let sell_one = Product::stock.set_expr(Product::stock - 1);
/// // `WHERE stock - reserved < 2`: computed in the database, row by row.
/// let running_low = (Product::stock.f() - Product::reserved.f()).lt(2);
/// // `WHERE reserved > stock`.
/// let oversold = Product::reserved.f().gt(Product::stock);
/// ```
pub struct F<M, T> {
    pub(crate) node: Node,
    _type: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for F<M, T> {
    fn clone(&self) -> Self {
        F::new(self.node.clone())
    }
}

impl<M, T> std::fmt::Debug for F<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<M, T> F<M, T> {
    fn new(node: Node) -> Self {
        F {
            node,
            _type: PhantomData,
        }
    }

    fn binary(self, op: Op, rhs: Node) -> Self {
        F::new(Node::Binary(Box::new(self.node), op, Box::new(rhs)))
    }
}

/// What an F expression can be compared with: another field or F expression of the
/// same model and type, or a number.
pub trait Operand<M, B>: private::Sealed {
    #[doc(hidden)]
    fn into_node(self) -> OperandNode;
}

/// An operand's expression (opaque).
#[doc(hidden)]
pub struct OperandNode(pub(crate) Node);

impl<M: Model, T: FieldType> private::Sealed for Field<M, T> {}
impl<M: Model, T: FieldType> Operand<M, T::Base> for Field<M, T> {
    fn into_node(self) -> OperandNode {
        OperandNode(self.f().node)
    }
}

impl<M, T> private::Sealed for F<M, T> {}
impl<M, T: FieldType> Operand<M, T::Base> for F<M, T> {
    fn into_node(self) -> OperandNode {
        OperandNode(self.node)
    }
}

impl<M, T: Numeric> Operand<M, T> for T {
    fn into_node(self) -> OperandNode {
        OperandNode(Node::Value(self.to_value()))
    }
}

impl<M: Model, T: FieldType> F<M, T> {
    fn compare(self, op: Op, rhs: impl Operand<M, T::Base>) -> Q<M> {
        Q::compare(self.node, op, rhs.into_node().0)
    }

    /// Equal to `rhs` (a field, an F expression or a number).
    pub fn eq(self, rhs: impl Operand<M, T::Base>) -> Q<M> {
        self.compare(Op::Eq, rhs)
    }

    /// Not equal to `rhs` (rows where either side is NULL do not match, as in SQL).
    pub fn ne(self, rhs: impl Operand<M, T::Base>) -> Q<M> {
        self.compare(Op::Ne, rhs)
    }

    /// Greater than `rhs`.
    pub fn gt(self, rhs: impl Operand<M, T::Base>) -> Q<M> {
        self.compare(Op::Gt, rhs)
    }

    /// Greater than or equal to `rhs`.
    pub fn gte(self, rhs: impl Operand<M, T::Base>) -> Q<M> {
        self.compare(Op::Gte, rhs)
    }

    /// Less than `rhs`.
    pub fn lt(self, rhs: impl Operand<M, T::Base>) -> Q<M> {
        self.compare(Op::Lt, rhs)
    }

    /// Less than or equal to `rhs`.
    pub fn lte(self, rhs: impl Operand<M, T::Base>) -> Q<M> {
        self.compare(Op::Lte, rhs)
    }
}

impl<M: Model, T: FieldType> Field<M, T> {
    /// This field as an F expression: for arithmetic, for comparing with other
    /// columns, and for [`Field::set_expr`].
    pub fn f(&self) -> F<M, T> {
        F::new(Node::Column {
            table: M::meta().table,
            path: self.path_of(),
            field: self.meta(),
        })
    }
}

macro_rules! arithmetic {
    ($($trait:ident $method:ident $op:ident;)*) => {$(
        impl<M: Model, T: Numeric> $trait<T> for Field<M, T> {
            type Output = F<M, T>;
            fn $method(self, rhs: T) -> F<M, T> {
                self.f().binary(Op::$op, Node::Value(rhs.to_value()))
            }
        }
        impl<M: Model, T: Numeric> $trait<F<M, T>> for Field<M, T> {
            type Output = F<M, T>;
            fn $method(self, rhs: F<M, T>) -> F<M, T> {
                self.f().binary(Op::$op, rhs.node)
            }
        }
        impl<M, T: Numeric> $trait<T> for F<M, T> {
            type Output = F<M, T>;
            fn $method(self, rhs: T) -> F<M, T> {
                self.binary(Op::$op, Node::Value(rhs.to_value()))
            }
        }
        impl<M, T: Numeric> $trait<F<M, T>> for F<M, T> {
            type Output = F<M, T>;
            fn $method(self, rhs: F<M, T>) -> F<M, T> {
                self.binary(Op::$op, rhs.node)
            }
        }
        impl<M: Model, T: Numeric> $trait<Field<M, T>> for F<M, T> {
            type Output = F<M, T>;
            fn $method(self, rhs: Field<M, T>) -> F<M, T> {
                self.binary(Op::$op, rhs.f().node)
            }
        }
    )*};
}

arithmetic! {
    Add add Add;
    Sub sub Sub;
    Mul mul Mul;
    Div div Div;
}
