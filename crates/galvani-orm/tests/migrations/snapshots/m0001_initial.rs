//! scenario.0001_initial, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Create model Category
//! - Create model Product

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .operation(create_model("Category", "scenario_category", [
            field("id", FieldKind::AutoId).primary_key(),
            field("name", FieldKind::Char { max_length: 50 }),
        ]))
        .operation(create_model("Product", "scenario_product", [
            field("id", FieldKind::AutoId).primary_key(),
            field("title", FieldKind::Char { max_length: 100 }),
            field("price", FieldKind::Integer),
        ]))
}
