//! Galvani's ORM: models declared as plain structs with `#[derive(Model)]`, lazy and
//! chainable [`QuerySet`]s with typed lookups, on SQLite (the embedded default) and
//! PostgreSQL, chosen by the database URL.
//!
//! Built on sea-query (the SQL for each backend) and sqlx (the drivers, runtime API
//! only). Every value reaches the database as a bound parameter.
//!
//! ```
//! use galvani_orm::prelude::*;
//!
//! #[derive(Model, Debug, Clone)]
//! #[model(app = "shop", ordering = ["name"])]
//! struct Product {
//!     id: i64,
//!     #[field(max_length = 100, unique)]
//!     name: String,
//!     stock: i32,
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! # let dir = tempfile::tempdir().unwrap();
//! let db = Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
//! create_tables(&db, &[Product::meta()]).await?;
//!
//! let mut tea = Product { id: 0, name: "Tea".into(), stock: 3 };
//! tea.save(&db).await?; // INSERT; `tea.id` is now set
//! tea.stock -= 1;
//! tea.save(&db).await?; // UPDATE
//!
//! let found = Product::objects().filter(Product::name.eq("Tea")).get(&db).await?;
//! assert_eq!((found.id, found.stock), (tea.id, 2));
//! # Ok::<_, galvani_orm::Error>(()) }).unwrap();
//! ```

// The derive names this crate `galvani_orm` also inside its own tests and doc tests.
#[allow(unused_extern_crates)]
extern crate self as galvani_orm;

mod app;
mod bind;
mod choices;
mod collector;
mod db;
mod error;
mod executor;
mod expr;
mod field;
mod instance;
mod m2m;
pub mod meta;
pub mod migrations;
mod model;
#[doc(hidden)]
pub mod query;
mod registry;
mod relation;
mod reverse;
pub mod schema;
pub mod signals;
pub mod testing;
mod transaction;
mod types;
mod validate;

pub use app::Orm;
pub use choices::Choices;
pub use db::{Backend, Db, DbOptions};
pub use error::{Error, Result};
pub use executor::{Executor, Row, Scope, Statement};
pub use expr::{F, Numeric, Operand};
pub use field::{Assignment, Dated, Field, Part};
pub use galvani_macros::{Choices, Model};
pub use m2m::{ManyToMany, ManyToManyField};
pub use model::Model;
pub use query::{
    Avg, Chunks, Column, Columns, Count, DatePart, Max, Min, OrderBy, Param, Q, QuerySet, Related,
    RelatedAggregate, RelatedRows, Sum, Summable, raw,
};
pub use registry::models;
pub use relation::{ForeignKey, OneToOne, Relation};
#[doc(hidden)]
pub use relation::{RelatedSlot, SelectPlan};
pub use reverse::{Prefetch, Reverse};
pub use schema::{create_tables, create_tables_if_missing};
/// The sqlx version Galvani uses, for hand-written queries on [`Db::sqlite_pool`] and
/// [`Db::postgres_pool`].
pub use sqlx;
pub use transaction::Tx;

pub use types::{FieldType, text};

/// The topic guide `docs/topics/models.md`, whose examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/topics/models.md")]
pub struct ModelsGuide;

/// Everything a models module usually imports.
pub mod prelude {
    pub use crate::{
        Avg, Choices, Count, Db, Error as DbError, Executor, F, Field, FieldType, ForeignKey,
        ManyToMany, Max, Min, Model, OneToOne, OrderBy, Q, QuerySet, Reverse, Sum, Tx,
        create_tables,
    };
}

/// What `#[derive(Model)]` expands to refers to these; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use futures_util::future::BoxFuture;
    pub use inventory;
    pub use sea_query::Value;
    pub use sqlx::postgres::PgRow;
    pub use sqlx::sqlite::SqliteRow;
    pub use time::OffsetDateTime;

    /// A model, registered by its derive so deletes can find every relation to it,
    /// and `makemigrations` the app folder its migrations go in.
    pub struct ModelEntry {
        /// The model.
        pub meta: fn() -> &'static ModelMeta,
        /// `file!()` where the model is declared.
        pub file: &'static str,
        /// `CARGO_MANIFEST_DIR` of its crate.
        pub manifest_dir: &'static str,
        /// How its crate reaches the ORM (`:: galvani :: orm`).
        pub orm: &'static str,
    }

    inventory::collect!(ModelEntry);

    use crate::error::{Error, Result};
    use crate::executor::Row;
    use crate::meta::ModelMeta;
    use crate::types::FieldType;

    /// Reads one field of a model from a row, naming it if it does not fit.
    pub fn read<T: FieldType>(row: &Row, idx: usize, model: &ModelMeta, field: &str) -> Result<T> {
        row.get::<T>(idx).map_err(|detail| Error::Decode {
            model: model.label(),
            field: field.to_owned(),
            detail,
        })
    }

    /// The value `auto_now` fields take.
    pub trait Now {
        /// `now`, in this field's type.
        fn now(now: OffsetDateTime) -> Self;
    }

    impl Now for OffsetDateTime {
        fn now(now: OffsetDateTime) -> Self {
            now
        }
    }

    impl Now for Option<OffsetDateTime> {
        fn now(now: OffsetDateTime) -> Self {
            Some(now)
        }
    }

    impl Now for time::Date {
        fn now(now: OffsetDateTime) -> Self {
            now.date()
        }
    }
}
