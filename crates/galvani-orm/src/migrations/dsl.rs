//! What migration files are written in: short constructors for operations and
//! builders for fields, models and indexes, over literal data only (a migration
//! never names a model type, so the history does not change when the code does).
//!
//! ```
//! use galvani_orm::migrations::dsl::*;
//!
//! pub fn migration() -> Migration {
//!     Migration::new()
//!         .operation(create_model("Category", "shop_category", [
//!             field("id", FieldKind::AutoId).primary_key(),
//!             field("slug", FieldKind::Char { max_length: 50 }).unique(),
//!         ]))
//!         .operation(create_model("Product", "shop_product", [
//!             field("id", FieldKind::AutoId).primary_key(),
//!             field("category", FieldKind::BigInteger)
//!                 .column("category_id")
//!                 .references("shop.Category", OnDelete::Protect),
//!             field("stock", FieldKind::Integer).default(0),
//!         ]))
//! }
//! assert_eq!(migration().operations.len(), 2);
//! ```

pub use super::migration::Migration;
pub use super::operation::Operation;
pub use super::state::{
    CheckState, ColumnDefault, FieldState, IndexState, ManyToManyState, ModelState, RelationState,
};
pub use crate::meta::{FieldKind, OnDelete, RelationKind};

impl From<i64> for ColumnDefault {
    fn from(value: i64) -> Self {
        ColumnDefault::Int(value)
    }
}

impl From<f64> for ColumnDefault {
    fn from(value: f64) -> Self {
        ColumnDefault::Float(value)
    }
}

impl From<bool> for ColumnDefault {
    fn from(value: bool) -> Self {
        ColumnDefault::Bool(value)
    }
}

impl From<&str> for ColumnDefault {
    fn from(value: &str) -> Self {
        ColumnDefault::Str(value.to_owned())
    }
}

/// A NOT NULL column named like the field; chain the options.
pub fn field(name: &str, kind: FieldKind) -> FieldState {
    FieldState::new(name, kind)
}

impl FieldState {
    /// The primary key.
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    /// NULL allowed.
    pub fn null(mut self) -> Self {
        self.null = true;
        self
    }

    /// Values unique.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// An index of its own.
    pub fn index(mut self) -> Self {
        self.index = true;
        self
    }

    /// A column named otherwise than the field.
    pub fn column(mut self, column: &str) -> Self {
        self.column = column.to_owned();
        self
    }

    /// A database default (`5`, `1.5`, `true`, `"text"`, `ColumnDefault::Null`).
    pub fn default(mut self, value: impl Into<ColumnDefault>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// A foreign key to the model `to` (`app.Name`).
    pub fn references(mut self, to: &str, on_delete: OnDelete) -> Self {
        self.relation = Some(RelationState {
            kind: RelationKind::ForeignKey,
            to: to.to_owned(),
            on_delete,
        });
        self
    }

    /// A one-to-one relation to the model `to` (`app.Name`).
    pub fn one_to_one(mut self, to: &str, on_delete: OnDelete) -> Self {
        self.relation = Some(RelationState {
            kind: RelationKind::OneToOne,
            to: to.to_owned(),
            on_delete,
        });
        self
    }
}

/// A new model with its table and fields.
pub fn create_model(
    name: &str,
    table: &str,
    fields: impl IntoIterator<Item = FieldState>,
) -> ModelState {
    ModelState {
        app: String::new(),
        name: name.to_owned(),
        table: table.to_owned(),
        fields: fields.into_iter().collect(),
        many_to_many: Vec::new(),
        unique_together: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
    }
}

fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    items.into_iter().map(|s| s.as_ref().to_owned()).collect()
}

impl ModelState {
    /// Fields whose values are unique together (one group per call).
    pub fn unique_together<S: AsRef<str>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.unique_together.push(strings(fields));
        self
    }

    /// An index over several fields.
    pub fn with_index(mut self, index: IndexState) -> Self {
        self.indexes.push(index);
        self
    }

    /// A CHECK constraint.
    pub fn with_check(mut self, check: CheckState) -> Self {
        self.checks.push(check);
        self
    }
}

/// An index called `name` over `fields`.
pub fn index<S: AsRef<str>>(name: &str, fields: impl IntoIterator<Item = S>) -> IndexState {
    IndexState {
        name: name.to_owned(),
        fields: strings(fields),
        unique: false,
    }
}

impl IndexState {
    /// A unique index.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
}

/// A CHECK constraint called `name`: `sql` over the columns.
pub fn check(name: &str, sql: &str) -> CheckState {
    CheckState {
        name: name.to_owned(),
        sql: sql.to_owned(),
    }
}

/// A many-to-many relation `name` to `to` (`app.Name`), through the join table
/// `table` with its two columns.
pub fn many_to_many(
    name: &str,
    to: &str,
    table: &str,
    source_column: &str,
    target_column: &str,
) -> ManyToManyState {
    ManyToManyState {
        name: name.to_owned(),
        to: to.to_owned(),
        through: None,
        table: table.to_owned(),
        source_column: source_column.to_owned(),
        target_column: target_column.to_owned(),
    }
}

impl ManyToManyState {
    /// Through a model of the user's (`app.Name`) instead of an automatic table.
    pub fn through(mut self, model: &str) -> Self {
        self.through = Some(model.to_owned());
        self
    }
}

/// Removes a model and its table.
pub fn delete_model(name: &str) -> Operation {
    Operation::DeleteModel {
        name: name.to_owned(),
    }
}

/// Renames a model; its table becomes `table`.
pub fn rename_model(old: &str, new: &str, table: &str) -> Operation {
    Operation::RenameModel {
        old: old.to_owned(),
        new: new.to_owned(),
        table: table.to_owned(),
    }
}

/// Adds a column.
pub fn add_field(model: &str, field: FieldState) -> Operation {
    Operation::AddField {
        model: model.to_owned(),
        field,
    }
}

/// Removes a column.
pub fn remove_field(model: &str, name: &str) -> Operation {
    Operation::RemoveField {
        model: model.to_owned(),
        name: name.to_owned(),
    }
}

/// Changes a column to `field` (same name).
pub fn alter_field(model: &str, field: FieldState) -> Operation {
    Operation::AlterField {
        model: model.to_owned(),
        field,
    }
}

/// Renames a field; its column becomes `column`.
pub fn rename_field(model: &str, old: &str, new: &str, column: &str) -> Operation {
    Operation::RenameField {
        model: model.to_owned(),
        old: old.to_owned(),
        new: new.to_owned(),
        column: column.to_owned(),
    }
}

/// Adds a many-to-many relation (and its join table).
pub fn add_many_to_many(model: &str, relation: ManyToManyState) -> Operation {
    Operation::AddManyToMany {
        model: model.to_owned(),
        relation,
    }
}

/// Removes a many-to-many relation (and its join table).
pub fn remove_many_to_many(model: &str, name: &str) -> Operation {
    Operation::RemoveManyToMany {
        model: model.to_owned(),
        name: name.to_owned(),
    }
}

/// Adds an index over several fields.
pub fn add_index(model: &str, index: IndexState) -> Operation {
    Operation::AddIndex {
        model: model.to_owned(),
        index,
    }
}

/// Removes an index.
pub fn remove_index(model: &str, name: &str) -> Operation {
    Operation::RemoveIndex {
        model: model.to_owned(),
        name: name.to_owned(),
    }
}

/// Adds a CHECK constraint.
pub fn add_constraint(model: &str, check: CheckState) -> Operation {
    Operation::AddConstraint {
        model: model.to_owned(),
        check,
    }
}

/// Removes a CHECK constraint.
pub fn remove_constraint(model: &str, name: &str) -> Operation {
    Operation::RemoveConstraint {
        model: model.to_owned(),
        name: name.to_owned(),
    }
}

/// Replaces the groups of fields unique together.
pub fn alter_unique_together<G, S>(model: &str, groups: G) -> Operation
where
    G: IntoIterator,
    G::Item: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    Operation::AlterUniqueTogether {
        model: model.to_owned(),
        groups: groups.into_iter().map(strings).collect(),
    }
}

/// SQL of your own; `backward` undoes it (`None`: the migration cannot be unapplied).
pub fn run_sql(forward: &str, backward: Option<&str>) -> Operation {
    Operation::RunSql {
        forward: forward.to_owned(),
        backward: backward.map(str::to_owned),
    }
}

/// A function registered with [`crate::migration_fn!`], given the migration's
/// transaction; `backward` names the one undoing it.
pub fn run_rust(forward: &str, backward: Option<&str>) -> Operation {
    Operation::RunRust {
        forward: forward.to_owned(),
        backward: backward.map(str::to_owned),
    }
}
