//! `InMemoryCatalogue`: the shop's products, held in memory until the ORM lands
//! (issue 3 replaces this module with models, migrations and seed data).

use serde::Serialize;

/// A product category.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    /// URL-safe identifier.
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
}

/// A product for sale.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    /// Identifier used in URLs.
    pub id: u32,
    /// Display name.
    pub name: &'static str,
    /// The category's slug.
    pub category: &'static str,
    /// Price as a decimal string, such as `"49.00"`.
    pub price: &'static str,
    /// Units in stock.
    pub stock: u32,
    /// A short description.
    pub description: &'static str,
}

/// The catalogue, in memory. A clearly temporary stand-in for the database.
#[derive(Debug, Clone)]
pub struct InMemoryCatalogue {
    categories: Vec<Category>,
    products: Vec<Product>,
}

impl InMemoryCatalogue {
    /// The demo catalogue.
    pub fn demo() -> Self {
        let categories = vec![
            Category {
                slug: "lamps",
                name: "Lamps",
            },
            Category {
                slug: "desks",
                name: "Desks",
            },
            Category {
                slug: "chairs",
                name: "Chairs",
            },
        ];
        let p = |id, name, category, price, stock, description| Product {
            id,
            name,
            category,
            price,
            stock,
            description,
        };
        let products = vec![
            p(
                1,
                "Galvani desk lamp",
                "lamps",
                "49.00",
                12,
                "A brass lamp with a warm 2700 K bulb.",
            ),
            p(
                2,
                "Volta floor lamp",
                "lamps",
                "129.00",
                4,
                "Tall, dimmable, and quiet.",
            ),
            p(
                3,
                "Crème reading lamp",
                "lamps",
                "59.50",
                0,
                "Soft light for long evenings.",
            ),
            p(
                4,
                "Oak standing desk",
                "desks",
                "649.00",
                3,
                "Solid oak top, electric lift.",
            ),
            p(
                5,
                "Desk & drawer set",
                "desks",
                "289.00",
                7,
                "A compact desk with <two> drawers.",
            ),
            p(
                6,
                "Ampère task chair",
                "chairs",
                "219.00",
                9,
                "Breathable mesh, adjustable arms.",
            ),
            p(
                7,
                "Ohm stool",
                "chairs",
                "79.00",
                15,
                "A stool that holds its ground.",
            ),
        ];
        InMemoryCatalogue {
            categories,
            products,
        }
    }

    /// Every product, in catalogue order.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// One product by id.
    pub fn product(&self, id: u32) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// Every category.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// One category by slug.
    pub fn category(&self, slug: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.slug == slug)
    }
}
