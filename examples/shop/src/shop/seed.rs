//! The demo data: made on the first run, when the shop has no categories yet.

use galvani::orm::migrations::{Migrator, Target};
use galvani::orm::{Db, ForeignKey, Reverse};
use galvani::prelude::*;

use super::models::{Category, Product};

const CATEGORIES: &[(&str, &str)] = &[("lamps", "Lamps"), ("desks", "Desks"), ("chairs", "Chairs")];

const PRODUCTS: &[(&str, &str, &str, i32, &str)] = &[
    (
        "Galvani desk lamp",
        "lamps",
        "49.00",
        12,
        "A brass lamp with a warm 2700 K bulb.",
    ),
    (
        "Volta floor lamp",
        "lamps",
        "129.00",
        4,
        "Tall, dimmable, and quiet.",
    ),
    (
        "Crème reading lamp",
        "lamps",
        "59.50",
        0,
        "Soft light for long evenings.",
    ),
    (
        "Oak standing desk",
        "desks",
        "649.00",
        3,
        "Solid oak top, electric lift.",
    ),
    (
        "Desk & drawer set",
        "desks",
        "289.00",
        7,
        "A compact desk with <two> drawers.",
    ),
    (
        "Ampère task chair",
        "chairs",
        "219.00",
        9,
        "Breathable mesh, adjustable arms.",
    ),
    (
        "Ohm stool",
        "chairs",
        "79.00",
        15,
        "A stool that holds its ground.",
    ),
];

/// Applies the migrations not applied yet and, if the shop is empty, makes the demo
/// catalogue: what the first run of `cargo run -p shop` needs.
pub async fn prepare(db: &Db) -> Result<(), DbError> {
    Migrator::registered(db)
        .migrate(&Target::Latest, &mut |_| {})
        .await?;
    galvani::orm::migrations::run_post_migrate(db).await?;
    if Category::objects().exists(db).await? {
        return Ok(());
    }
    db.transaction(|tx| async move {
        let mut categories = Vec::new();
        for (slug, name) in CATEGORIES {
            let mut c = Category {
                id: 0,
                slug: (*slug).into(),
                name: (*name).into(),
                products: Reverse::default(),
            };
            c.save(&tx).await?;
            categories.push(c);
        }
        let mut products: Vec<Product> = PRODUCTS
            .iter()
            .map(|(name, slug, price, stock, description)| {
                let category = categories
                    .iter()
                    .find(|c| c.slug == *slug)
                    .expect("a seeded category");
                Product {
                    id: 0,
                    name: (*name).into(),
                    category: ForeignKey::to(category),
                    price: price.parse().expect("a seeded price"),
                    stock: *stock,
                    description: (*description).into(),
                    created: time::OffsetDateTime::UNIX_EPOCH,
                }
            })
            .collect();
        Product::objects().bulk_create(&mut products, &tx).await?;
        Ok(())
    })
    .await
}
