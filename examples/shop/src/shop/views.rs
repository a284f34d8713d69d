//! The shop's views: each queries the database and renders a template. Every page
//! makes a fixed number of queries, whatever the number of products (no N+1).

use galvani::orm::Db;
use galvani::prelude::*;
use serde::Deserialize;

use super::ShopSettings;
use super::models::{Category, Product};

/// A database failure as a 500 (its cause shows on the debug page and in the log).
fn internal(e: DbError) -> HttpError {
    HttpError::internal(e)
}

/// A category in the menu, with how many products it has.
#[derive(serde::Serialize)]
struct CategoryLink {
    #[serde(flatten)]
    category: Category,
    products: i64,
}

/// The home page: the featured products, and the categories with their product
/// counts. Two queries.
pub async fn home(db: Db, settings: Data<ShopSettings>) -> HttpResult<Template> {
    let featured = Product::objects()
        .select_related([Product::category.related()])
        .slice(..settings.featured as u64)
        .all(&db)
        .await
        .map_err(internal)?;
    let categories: Vec<CategoryLink> = Category::objects()
        .annotate((Count::referring(Product::category),), &db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(category, (products,))| CategoryLink { category, products })
        .collect();
    Ok(Template::new(
        "shop/home.html",
        context! { featured, categories, currency => &settings.currency },
    ))
}

/// `?category=lamps` narrows the list to one category.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    category: Option<String>,
}

/// All products, or those of one category. Two or three queries.
pub async fn product_list(
    Query(query): Query<ListQuery>,
    db: Db,
    settings: Data<ShopSettings>,
) -> HttpResult<Template> {
    let category = match query.category.as_deref() {
        Some(slug) => match Category::objects()
            .filter(Category::slug.eq(slug))
            .get(&db)
            .await
        {
            Ok(c) => Some(c),
            Err(DbError::DoesNotExist { .. }) => {
                return Err(HttpError::not_found(format!(
                    "There is no category `{slug}`."
                )));
            }
            Err(e) => return Err(internal(e)),
        },
        None => None,
    };
    let mut products = Product::objects().select_related([Product::category.related()]);
    if let Some(c) = &category {
        products = products.filter(Product::category.eq(c));
    }
    let products = products.all(&db).await.map_err(internal)?;
    let categories = Category::objects().all(&db).await.map_err(internal)?;
    Ok(Template::new(
        "shop/product_list.html",
        context! { products, category, categories, currency => &settings.currency },
    ))
}

/// One product, with its category. One query.
pub async fn product_detail(
    Path(id): Path<i64>,
    db: Db,
    settings: Data<ShopSettings>,
) -> HttpResult<Template> {
    let product = match Product::objects()
        .select_related([Product::category.related()])
        .filter(Product::id.eq(id))
        .get(&db)
        .await
    {
        Ok(p) => p,
        Err(DbError::DoesNotExist { .. }) => {
            return Err(HttpError::not_found(format!("There is no product {id}.")));
        }
        Err(e) => return Err(internal(e)),
    };
    let category = product.category.cached().cloned();
    Ok(Template::new(
        "shop/product_detail.html",
        context! { product, category, currency => &settings.currency },
    ))
}
