//! The shop's routes. Names are reversed as `shop:<name>`.

use galvani::prelude::*;

use super::views;

pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(views::home))
        .name("home")
        .route("/products/", get(views::product_list))
        .name("product-list")
        .route("/products/{id}/", get(views::product_detail))
        .name("product-detail")
}
