//! scenario.0009_remove_product_sku, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Remove field sku from Product

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0008_rename_category_section")
        .operation(remove_field("Product", "sku"))
}
