//! The shop's views: each reads the catalogue and renders a template.

use galvani::prelude::*;
use serde::Deserialize;

use super::ShopSettings;
use super::catalogue::InMemoryCatalogue;

/// The home page: the featured products and the categories.
pub async fn home(catalogue: Data<InMemoryCatalogue>, settings: Data<ShopSettings>) -> Template {
    let featured: Vec<_> = catalogue
        .products()
        .iter()
        .take(settings.featured)
        .collect();
    Template::new(
        "shop/home.html",
        context! {
            featured,
            categories => catalogue.categories(),
            currency => &settings.currency,
        },
    )
}

/// `?category=lamps` narrows the list to one category.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    category: Option<String>,
}

/// All products, or those of one category.
pub async fn product_list(
    Query(query): Query<ListQuery>,
    catalogue: Data<InMemoryCatalogue>,
    settings: Data<ShopSettings>,
) -> HttpResult<Template> {
    let category = match query.category.as_deref() {
        Some(slug) => Some(
            catalogue
                .category(slug)
                .ok_or_else(|| HttpError::not_found(format!("There is no category `{slug}`.")))?,
        ),
        None => None,
    };
    let products: Vec<_> = catalogue
        .products()
        .iter()
        .filter(|p| category.is_none_or(|c| p.category == c.slug))
        .collect();
    Ok(Template::new(
        "shop/product_list.html",
        context! {
            products,
            category,
            categories => catalogue.categories(),
            currency => &settings.currency,
        },
    ))
}

/// One product.
pub async fn product_detail(
    Path(id): Path<u32>,
    catalogue: Data<InMemoryCatalogue>,
    settings: Data<ShopSettings>,
) -> HttpResult<Template> {
    let product = catalogue
        .product(id)
        .ok_or_else(|| HttpError::not_found(format!("There is no product {id}.")))?;
    let category = catalogue.category(product.category);
    Ok(Template::new(
        "shop/product_detail.html",
        context! { product, category, currency => &settings.currency },
    ))
}
