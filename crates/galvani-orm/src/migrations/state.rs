//! The schema as migrations see it: models, fields and options as owned data. Two
//! states are compared to find what changed: the one rebuilt by replaying an app's
//! migrations, and the one the models compiled into the binary describe
//! ([`ProjectState::from_models`]).
//!
//! Only what reaches the database is kept: verbose names, help texts, choices and
//! orderings change no table, so changing them makes no migration.

use std::collections::BTreeMap;

use crate::meta::{DefaultValue, FieldKind, FieldMeta, ModelMeta, OnDelete, RelationKind};

/// A literal default, owned.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ColumnDefault {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Text (also decimals, dates and UUIDs in their text form).
    Str(String),
    /// SQL NULL.
    Null,
}

impl From<DefaultValue> for ColumnDefault {
    fn from(value: DefaultValue) -> Self {
        match value {
            DefaultValue::Int(i) => ColumnDefault::Int(i),
            DefaultValue::Float(f) => ColumnDefault::Float(f),
            DefaultValue::Bool(b) => ColumnDefault::Bool(b),
            DefaultValue::Str(s) => ColumnDefault::Str(s.to_owned()),
            DefaultValue::Null => ColumnDefault::Null,
        }
    }
}

/// A foreign key's or one-to-one field's target, by label (`shop.Category`).
#[derive(Debug, Clone, PartialEq)]
pub struct RelationState {
    /// Foreign key or one-to-one.
    pub kind: RelationKind,
    /// The target model as `app.Name`.
    pub to: String,
    /// What deleting the target does.
    pub on_delete: OnDelete,
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldState {
    /// The Rust field name.
    pub name: String,
    /// The column.
    pub column: String,
    /// How it is stored.
    pub kind: FieldKind,
    /// NULL allowed.
    pub null: bool,
    /// The primary key.
    pub primary_key: bool,
    /// Values unique.
    pub unique: bool,
    /// An index of its own.
    pub index: bool,
    /// The database default.
    pub default: Option<ColumnDefault>,
    /// The target, for relations.
    pub relation: Option<RelationState>,
}

impl FieldState {
    /// A NOT NULL column of `kind`, with no options: `FieldState::new("stock", FieldKind::Integer)`.
    pub fn new(name: &str, kind: FieldKind) -> FieldState {
        FieldState {
            name: name.to_owned(),
            column: name.to_owned(),
            kind,
            null: false,
            primary_key: false,
            unique: false,
            index: false,
            default: None,
            relation: None,
        }
    }

    /// The field as the model declares it.
    pub fn from_meta(field: &FieldMeta) -> FieldState {
        FieldState {
            name: field.name.to_owned(),
            column: field.column.to_owned(),
            kind: field.kind,
            null: field.null,
            primary_key: field.primary_key,
            unique: field.unique,
            index: field.index,
            default: field.default.map(ColumnDefault::from),
            relation: field.relation.map(|r| RelationState {
                kind: r.kind,
                to: (r.to)().label(),
                on_delete: r.on_delete,
            }),
        }
    }

    /// Everything but the name and column: what makes two fields the same column
    /// under another name (for rename detection).
    pub(crate) fn same_definition(&self, other: &FieldState) -> bool {
        FieldState {
            name: String::new(),
            column: String::new(),
            ..self.clone()
        } == FieldState {
            name: String::new(),
            column: String::new(),
            ..other.clone()
        }
    }
}

/// A many-to-many relation: a join table.
#[derive(Debug, Clone, PartialEq)]
pub struct ManyToManyState {
    /// The Rust field name.
    pub name: String,
    /// The other model as `app.Name`.
    pub to: String,
    /// A model of the join table, as `app.Name`, if given.
    pub through: Option<String>,
    /// The automatic join table (unused with `through`).
    pub table: String,
    /// Its column referring to the owner.
    pub source_column: String,
    /// Its column referring to the other model.
    pub target_column: String,
}

/// An index over several fields.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexState {
    /// The index name.
    pub name: String,
    /// The fields (Rust names), in order.
    pub fields: Vec<String>,
    /// Unique.
    pub unique: bool,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckState {
    /// The constraint name.
    pub name: String,
    /// The condition, in SQL over columns.
    pub sql: String,
}

/// One model: its table and what is in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState {
    /// The app label.
    pub app: String,
    /// The Rust type name.
    pub name: String,
    /// The table.
    pub table: String,
    /// The columns, in order.
    pub fields: Vec<FieldState>,
    /// The join tables.
    pub many_to_many: Vec<ManyToManyState>,
    /// Groups of fields unique together.
    pub unique_together: Vec<Vec<String>>,
    /// Indexes over several fields.
    pub indexes: Vec<IndexState>,
    /// CHECK constraints.
    pub checks: Vec<CheckState>,
}

impl ModelState {
    /// The model as compiled into the binary.
    pub fn from_meta(meta: &ModelMeta) -> ModelState {
        ModelState {
            app: meta.app.to_owned(),
            name: meta.name.to_owned(),
            table: meta.table.to_owned(),
            fields: meta.fields.iter().map(FieldState::from_meta).collect(),
            many_to_many: meta
                .many_to_many
                .iter()
                .map(|m| ManyToManyState {
                    name: m.name.to_owned(),
                    to: (m.to)().label(),
                    through: m.through.map(|t| t().label()),
                    table: m.table.to_owned(),
                    source_column: m.source_column.to_owned(),
                    target_column: m.target_column.to_owned(),
                })
                .collect(),
            unique_together: meta
                .unique_together
                .iter()
                .map(|group| group.iter().map(|f| (*f).to_owned()).collect())
                .collect(),
            indexes: meta
                .indexes
                .iter()
                .map(|i| IndexState {
                    name: i.name.to_owned(),
                    fields: i.fields.iter().map(|f| (*f).to_owned()).collect(),
                    unique: i.unique,
                })
                .collect(),
            checks: meta
                .checks
                .iter()
                .map(|c| CheckState {
                    name: c.name.to_owned(),
                    sql: c.sql.to_owned(),
                })
                .collect(),
        }
    }

    /// `app.Name`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Rewrites this model's relations to `from` (a label) to point at `to`.
    pub(crate) fn retarget(&mut self, from: &str, to: &str) {
        for field in &mut self.fields {
            if let Some(r) = &mut field.relation
                && r.to == from
            {
                r.to = to.to_owned();
            }
        }
        for m in &mut self.many_to_many {
            if m.to == from {
                m.to = to.to_owned();
            }
            if m.through.as_deref() == Some(from) {
                m.through = Some(to.to_owned());
            }
        }
    }

    /// The primary key (the first field marked so).
    pub fn pk(&self) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.primary_key)
    }
}

/// Every model of every app, keyed by app and model name (case-insensitive, as
/// Django: a model renamed only in case is the same model).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectState {
    models: BTreeMap<(String, String), ModelState>,
}

fn key(app: &str, name: &str) -> (String, String) {
    (app.to_owned(), name.to_lowercase())
}

impl ProjectState {
    /// An empty project.
    pub fn new() -> ProjectState {
        ProjectState::default()
    }

    /// The state the given models describe.
    pub fn from_models(models: &[&ModelMeta]) -> ProjectState {
        let mut state = ProjectState::new();
        for meta in models {
            state.insert(ModelState::from_meta(meta));
        }
        state
    }

    /// Adds or replaces a model.
    pub fn insert(&mut self, model: ModelState) {
        self.models.insert(key(&model.app, &model.name), model);
    }

    /// Removes a model.
    pub fn remove(&mut self, app: &str, name: &str) -> Option<ModelState> {
        self.models.remove(&key(app, name))
    }

    /// The model `app.name`.
    pub fn model(&self, app: &str, name: &str) -> Option<&ModelState> {
        self.models.get(&key(app, name))
    }

    /// The model `app.name`, to change.
    pub fn model_mut(&mut self, app: &str, name: &str) -> Option<&mut ModelState> {
        self.models.get_mut(&key(app, name))
    }

    /// The model a label (`app.Name`) names.
    pub fn by_label(&self, label: &str) -> Option<&ModelState> {
        let (app, name) = label.split_once('.')?;
        self.model(app, name)
    }

    /// Every model, by app then name.
    pub fn models(&self) -> impl Iterator<Item = &ModelState> {
        self.models.values()
    }

    /// The models of one app.
    pub fn app_models<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a ModelState> {
        self.models.values().filter(move |m| m.app == app)
    }

    /// Every app with at least one model.
    pub fn apps(&self) -> Vec<String> {
        let mut apps: Vec<String> = self.models.keys().map(|(a, _)| a.clone()).collect();
        apps.dedup();
        apps
    }

    /// Rewrites every relation to `from` (a label) to point at `to`, after a rename.
    pub(crate) fn retarget(&mut self, from: &str, to: &str) {
        for model in self.models.values_mut() {
            model.retarget(from, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_is_found_whatever_the_case_of_its_name() {
        let mut state = ProjectState::new();
        state.insert(ModelState {
            app: "shop".into(),
            name: "Product".into(),
            table: "shop_product".into(),
            fields: vec![FieldState::new("id", FieldKind::AutoId)],
            many_to_many: vec![],
            unique_together: vec![],
            indexes: vec![],
            checks: vec![],
        });
        assert!(state.model("shop", "product").is_some());
        assert!(state.by_label("shop.PRODUCT").is_some());
        assert!(state.model("blog", "Product").is_none());
        assert_eq!(state.apps(), ["shop"]);
    }

    #[test]
    fn a_rename_keeps_the_definition() {
        let a = FieldState::new("title", FieldKind::Char { max_length: 50 });
        let mut b = a.clone();
        b.name = "name".into();
        b.column = "name".into();
        assert!(a.same_definition(&b));
        b.null = true;
        assert!(!a.same_definition(&b));
    }
}
