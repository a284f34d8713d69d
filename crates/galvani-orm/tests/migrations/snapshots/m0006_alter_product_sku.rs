//! scenario.0006_alter_product_sku, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Alter field sku on Product

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0005_alter_product_price")
        .operation(alter_field("Product", field("sku", FieldKind::Char { max_length: 20 }).null().unique()))
}
