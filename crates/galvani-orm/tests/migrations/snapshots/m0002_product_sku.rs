//! scenario.0002_product_sku, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Add field sku to Product

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0001_initial")
        .operation(add_field("Product", field("sku", FieldKind::Char { max_length: 20 }).null()))
}
