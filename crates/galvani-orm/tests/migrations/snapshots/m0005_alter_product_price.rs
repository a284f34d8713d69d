//! scenario.0005_alter_product_price, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Alter field price on Product

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0004_rename_title_product_name")
        .operation(alter_field("Product", field("price", FieldKind::BigInteger)))
}
