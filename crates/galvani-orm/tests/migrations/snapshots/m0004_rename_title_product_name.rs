//! scenario.0004_rename_title_product_name, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Rename field title on Product to name

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0003_product_stock")
        .operation(rename_field("Product", "title", "name", "name"))
}
