//! The migrations of the `scenario` app, kept up to date by `makemigrations`.

mod m0001_initial;
mod m0002_product_sku;
mod m0003_product_stock;
mod m0004_rename_title_product_name;
mod m0005_alter_product_price;
mod m0006_alter_product_sku;
mod m0007_tag_product_category_product_tags;
mod m0008_rename_category_section;
mod m0009_remove_product_sku;

galvani_orm::migrations!("scenario", [
    m0001_initial,
    m0002_product_sku,
    m0003_product_stock,
    m0004_rename_title_product_name,
    m0005_alter_product_price,
    m0006_alter_product_sku,
    m0007_tag_product_category_product_tags,
    m0008_rename_category_section,
    m0009_remove_product_sku
]);
