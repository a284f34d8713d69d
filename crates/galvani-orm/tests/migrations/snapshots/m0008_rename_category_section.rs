//! scenario.0008_rename_category_section, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Rename model Category to Section

use galvani_orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("scenario", "0007_tag_product_category_product_tags")
        .operation(rename_model("Category", "Section", "scenario_section"))
}
