//! The constant description of a model: what `#[derive(Model)]` emits, and what
//! migrations, the admin and the API read. Plain data, no behaviour.

/// How a field is stored: the column type, independent of the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// An auto-incrementing 64-bit integer primary key (the default `id`).
    AutoId,
    /// A 16-bit integer.
    SmallInteger,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    BigInteger,
    /// `true` or `false`.
    Boolean,
    /// A 64-bit float.
    Float,
    /// An exact decimal number (`rust_decimal::Decimal`).
    Decimal {
        /// Digits in all.
        max_digits: u32,
        /// Digits after the point.
        decimal_places: u32,
    },
    /// Text with a maximum length in characters (`VARCHAR`).
    Char {
        /// The longest value allowed, in characters.
        max_length: u32,
    },
    /// Text of any length.
    Text,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// An instant with its time zone (stored in UTC).
    DateTime,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// Raw bytes.
    Bytes,
}

impl FieldKind {
    /// Whether values of this kind are text (the string lookups apply).
    pub fn is_text(&self) -> bool {
        matches!(self, FieldKind::Char { .. } | FieldKind::Text)
    }
}

/// What happens to rows that refer to a deleted row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnDelete {
    /// Delete the referring rows too.
    Cascade,
    /// Refuse the delete ([`crate::Error::Protected`]), checked by Galvani.
    Protect,
    /// Refuse the delete, unless the referring rows are deleted by the same cascade.
    Restrict,
    /// Set the reference to NULL (the field must be nullable).
    SetNull,
    /// Set the reference to the field's default.
    SetDefault,
    /// Do nothing; the database's own constraint decides.
    DoNothing,
}

/// The kind of a single-valued relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelationKind {
    /// Many rows may refer to one.
    ForeignKey,
    /// At most one row refers to each (a unique foreign key).
    OneToOne,
}

/// A foreign key or one-to-one field's target.
#[derive(Debug, Clone, Copy)]
pub struct RelationMeta {
    /// Foreign key or one-to-one.
    pub kind: RelationKind,
    /// The model referred to (a function, so models may refer to each other).
    pub to: fn() -> &'static ModelMeta,
    /// What deleting the target does to this row.
    pub on_delete: OnDelete,
    /// The name of the reverse accessor on the target (`products` for
    /// `category.products()`).
    pub related_name: &'static str,
}

/// A literal default value, as migrations and the admin see it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum DefaultValue {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Text (also decimals, dates and UUIDs, in their text form).
    Str(&'static str),
    /// SQL NULL.
    Null,
}

/// One column of a model.
#[derive(Debug, Clone, Copy)]
pub struct FieldMeta {
    /// The Rust field name.
    pub name: &'static str,
    /// The database column.
    pub column: &'static str,
    /// How it is stored.
    pub kind: FieldKind,
    /// Whether NULL is allowed (the Rust type is an `Option`).
    pub null: bool,
    /// Whether this is the primary key.
    pub primary_key: bool,
    /// Whether values must be unique.
    pub unique: bool,
    /// Whether the column has an index of its own.
    pub index: bool,
    /// Whether an empty string passes `full_clean` (text fields).
    pub blank: bool,
    /// The default, if any.
    pub default: Option<DefaultValue>,
    /// Allowed values and their labels (from a `Choices` enum).
    pub choices: &'static [(&'static str, &'static str)],
    /// Set to the current time on every save.
    pub auto_now: bool,
    /// Set to the current time when the row is created.
    pub auto_now_add: bool,
    /// The name shown to people (the admin's column headers and form labels).
    pub verbose_name: &'static str,
    /// A sentence of help shown beside the field in forms.
    pub help_text: &'static str,
    /// The target, for a foreign key or one-to-one field.
    pub relation: Option<RelationMeta>,
}

/// A many-to-many relation: a join table, not a column.
#[derive(Debug, Clone, Copy)]
pub struct ManyToManyMeta {
    /// The Rust field name.
    pub name: &'static str,
    /// The model declaring the relation.
    pub owner: fn() -> &'static ModelMeta,
    /// The model on the other side.
    pub to: fn() -> &'static ModelMeta,
    /// A model of the join table given by the user, if any.
    pub through: Option<fn() -> &'static ModelMeta>,
    /// The automatic join table (unused with a `through` model).
    pub table: &'static str,
    /// The automatic join table's column referring to the owner.
    pub source_column: &'static str,
    /// The automatic join table's column referring to the other model.
    pub target_column: &'static str,
    /// The reverse accessor on the other model.
    pub related_name: &'static str,
}

/// The other side of a foreign key, declared on the referred model
/// (`#[field(reverse = "category")] products: Reverse<Product>`): not a column.
#[derive(Debug, Clone, Copy)]
pub struct ReverseMeta {
    /// The Rust field name on this model.
    pub name: &'static str,
    /// The referring model.
    pub model: fn() -> &'static ModelMeta,
    /// The referring model's foreign key field (its Rust name).
    pub field: &'static str,
}

impl ManyToManyMeta {
    /// The join table and its columns referring to the owner and to the other model:
    /// the automatic table's, or the `through` model's table and foreign keys (the first
    /// two, in order, when the model relates to itself).
    pub fn join(&self) -> (&'static str, &'static str, &'static str) {
        let Some(through) = self.through else {
            return (self.table, self.source_column, self.target_column);
        };
        let through = through();
        let owner = (self.owner)();
        let target = (self.to)();
        let mut refs = through.fields.iter().filter_map(|f| {
            let to = (f.relation?.to)();
            Some((f.column, std::ptr::eq(to, owner), std::ptr::eq(to, target)))
        });
        let source = refs.clone().find(|r| r.1).map_or("", |r| r.0);
        let other = refs.find(|r| r.2 && r.0 != source).map_or("", |r| r.0);
        (through.table, source, other)
    }
}

/// An index over one or more columns.
#[derive(Debug, Clone, Copy)]
pub struct IndexMeta {
    /// The index name.
    pub name: &'static str,
    /// The fields, in order (Rust names).
    pub fields: &'static [&'static str],
    /// Whether the index enforces uniqueness.
    pub unique: bool,
}

/// A CHECK constraint.
#[derive(Debug, Clone, Copy)]
pub struct CheckMeta {
    /// The constraint name.
    pub name: &'static str,
    /// The SQL condition, in terms of columns.
    pub sql: &'static str,
}

/// Everything known about a model at compile time.
#[derive(Debug, Clone, Copy)]
pub struct ModelMeta {
    /// The app the model belongs to (its crate name unless given).
    pub app: &'static str,
    /// The Rust type name.
    pub name: &'static str,
    /// The table (`{app}_{name in lower case}` unless given).
    pub table: &'static str,
    /// The columns, in declaration order.
    pub fields: &'static [FieldMeta],
    /// Many-to-many relations.
    pub many_to_many: &'static [ManyToManyMeta],
    /// Reverse sides of foreign keys that the model declares.
    pub reverse: &'static [ReverseMeta],
    /// Default ordering: field names, `-` first for descending.
    pub ordering: &'static [&'static str],
    /// Groups of fields unique together.
    pub unique_together: &'static [&'static [&'static str]],
    /// Indexes over several fields.
    pub indexes: &'static [IndexMeta],
    /// CHECK constraints.
    pub checks: &'static [CheckMeta],
    /// The name shown to people.
    pub verbose_name: &'static str,
    /// The plural shown to people.
    pub verbose_name_plural: &'static str,
}

impl ModelMeta {
    /// The primary key field.
    pub fn pk(&self) -> &'static FieldMeta {
        &self.fields[self.pk_index()]
    }

    /// The primary key's position among the fields (its column in a row).
    pub fn pk_index(&self) -> usize {
        // The derive guarantees exactly one primary key.
        self.fields.iter().position(|f| f.primary_key).unwrap_or(0)
    }

    /// The field called `name` (its Rust name), if there is one.
    pub fn field(&self, name: &str) -> Option<&'static FieldMeta> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// `app.Name`, as messages show a model.
    pub fn label(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}
