//! One migration: its place in the history (app, name, dependencies, what it
//! replaces) and its operations. Migration files build one with [`Migration::new`]
//! and the functions of [`super::dsl`], from literal data only.

use super::operation::Operation;

/// A migration's key: `(app, name)`, as `("shop", "0002_product_stock")`.
pub type Key = (String, String);

/// One step of an app's schema history.
///
/// ```
/// use galvani_orm::migrations::dsl::*;
///
/// let m = Migration::new()
///     .depends_on("shop", "0001_initial")
///     .operation(add_field("Product", field("stock", FieldKind::Integer).default(0)));
/// assert_eq!(m.dependencies, [("shop".to_string(), "0001_initial".to_string())]);
/// assert_eq!(m.operations[0].describe(), "Add field stock to Product");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Migration {
    /// The app (set from the migrations module it is listed in).
    pub app: String,
    /// The name (set from its file: `m0002_product_stock.rs` is `0002_product_stock`).
    pub name: String,
    /// The migrations that must run first, in this app or others.
    pub dependencies: Vec<Key>,
    /// The migrations this one squashes.
    pub replaces: Vec<Key>,
    /// What it does, in order.
    pub operations: Vec<Operation>,
}

impl Migration {
    /// An empty migration; the app and name come from where it is listed.
    pub fn new() -> Migration {
        Migration::default()
    }

    /// Runs after `app`'s migration `name`.
    pub fn depends_on(mut self, app: &str, name: &str) -> Migration {
        self.dependencies.push((app.to_owned(), name.to_owned()));
        self
    }

    /// Stands for `app`'s migration `name` (a squashed migration lists each one).
    pub fn replaces(mut self, app: &str, name: &str) -> Migration {
        self.replaces.push((app.to_owned(), name.to_owned()));
        self
    }

    /// Adds an operation.
    pub fn operation(mut self, operation: impl Into<Operation>) -> Migration {
        self.operations.push(operation.into());
        self
    }

    /// Sets the app and name (done by the migrations module listing it).
    pub fn named(mut self, app: &str, name: &str) -> Migration {
        self.app = app.to_owned();
        self.name = name.to_owned();
        self
    }

    /// `(app, name)`.
    pub fn key(&self) -> Key {
        (self.app.clone(), self.name.clone())
    }

    /// Whether every operation can be undone.
    pub fn reversible(&self) -> bool {
        self.operations.iter().all(Operation::reversible)
    }

    /// `app.name`, for messages.
    pub fn label(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

impl From<super::state::ModelState> for Operation {
    fn from(model: super::state::ModelState) -> Operation {
        Operation::CreateModel(model)
    }
}
