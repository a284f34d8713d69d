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
use crate::query::filter::column_expr;
use crate::types::FieldType;

/// Number types, for which fields and F expressions have arithmetic.
pub trait Numeric: FieldType + private::Sealed {}

mod private {
    pub trait Sealed {}
}

macro_rules! numeric {
    ($($ty:ty),*) => {$(
        impl private::Sealed for $ty {}
        impl Numeric for $ty {}
    )*};
}
numeric!(i16, i32, i64, f64, Decimal);

#[derive(Debug, Clone)]
enum Node {
    Column {
        table: &'static str,
        field: &'static FieldMeta,
    },
    Value(Value),
    Binary(Box<Node>, BinOper, Box<Node>),
}

/// An expression the database computes from a row's columns: what
/// [`Field::set_expr`] writes and the arithmetic on fields builds.
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
/// let free = Product::stock.f() - Product::reserved.f();
/// ```
#[derive(Debug, Clone)]
pub struct F<T> {
    node: Node,
    _type: PhantomData<fn() -> T>,
}

impl<T> F<T> {
    fn new(node: Node) -> Self {
        F {
            node,
            _type: PhantomData,
        }
    }

    fn binary(self, op: BinOper, rhs: Node) -> Self {
        F::new(Node::Binary(Box::new(self.node), op, Box::new(rhs)))
    }

    /// The expression for `backend`.
    pub(crate) fn expr(&self, backend: Backend) -> Expr {
        node_expr(&self.node, backend)
    }
}

fn node_expr(node: &Node, backend: Backend) -> Expr {
    match node {
        Node::Column { table, field } => column_expr((*table).to_owned(), field, backend),
        Node::Value(v) => Expr::val(v.clone()),
        Node::Binary(l, op, r) => node_expr(l, backend).binary(*op, node_expr(r, backend)),
    }
}

impl<M: Model, T: FieldType> Field<M, T> {
    /// This field as an F expression.
    pub fn f(&self) -> F<T> {
        F::new(Node::Column {
            table: M::meta().table,
            field: self.meta(),
        })
    }
}

macro_rules! arithmetic {
    ($($trait:ident $method:ident $op:ident;)*) => {$(
        impl<M: Model, T: Numeric> $trait<T> for Field<M, T> {
            type Output = F<T>;
            fn $method(self, rhs: T) -> F<T> {
                self.f().binary(BinOper::$op, Node::Value(rhs.to_value()))
            }
        }
        impl<T: Numeric> $trait<T> for F<T> {
            type Output = F<T>;
            fn $method(self, rhs: T) -> F<T> {
                self.binary(BinOper::$op, Node::Value(rhs.to_value()))
            }
        }
        impl<T: Numeric> $trait<F<T>> for F<T> {
            type Output = F<T>;
            fn $method(self, rhs: F<T>) -> F<T> {
                self.binary(BinOper::$op, rhs.node)
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
