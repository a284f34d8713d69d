//! scenario.0007_tag_product_category_product_tags, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Create model Tag
//! - Add field category to Product
//! - Add many-to-many tags to Product

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0006_alter_product_sku")
        .operation(create_model("Tag", "scenario_tag", [
            field("id", FieldKind::AutoId).primary_key(),
            field("name", FieldKind::Char { max_length: 30 }),
        ]))
        .operation(add_field("Product", field("category", FieldKind::BigInteger).column("category_id").null().references("scenario.Category", OnDelete::SetNull)))
        .operation(add_many_to_many("Product", many_to_many("tags", "scenario.Tag", "scenario_product_tags", "product_id", "tag_id")))
}
