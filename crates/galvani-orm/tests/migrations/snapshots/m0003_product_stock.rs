//! scenario.0003_product_stock, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Add field stock to Product

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0002_product_sku")
        .operation(add_field("Product", field("stock", FieldKind::Integer).default(0)))
}
