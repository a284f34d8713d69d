//! The shop's models: categories, products, orders with their lines, and what the shop
//! keeps about a customer beyond their account (a profile of the auth app's user).

use galvani::auth::{Profile, User};
use galvani::orm::{ForeignKey, OneToOne, Reverse};
use galvani::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use time::OffsetDateTime;

/// A product category, addressed by its slug in URLs (`?category=lamps`).
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "shop", ordering = ["name"], verbose_name_plural = "categories")]
pub struct Category {
    /// The key.
    pub id: i64,
    /// URL-safe identifier.
    #[field(max_length = 50, unique)]
    pub slug: String,
    /// Display name.
    #[field(max_length = 100)]
    pub name: String,
    /// The category's products, once prefetched; `category.products()` queries them.
    #[field(reverse = "category")]
    pub products: Reverse<Product>,
}

/// A product for sale.
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "shop", ordering = ["id"])]
pub struct Product {
    /// The key, used in URLs.
    pub id: i64,
    /// Display name.
    #[field(max_length = 200)]
    pub name: String,
    /// Where it is listed.
    #[field(on_delete = Protect)]
    pub category: ForeignKey<Category>,
    /// Price per unit.
    #[field(max_digits = 10, decimal_places = 2)]
    pub price: Decimal,
    /// Units in stock.
    #[field(default = 0, help_text = "Units in the warehouse.")]
    pub stock: i32,
    /// A short description.
    pub description: String,
    /// When it was added.
    #[field(auto_now_add)]
    pub created: OffsetDateTime,
}

/// A customer's order.
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "shop", ordering = ["-created"])]
pub struct Order {
    /// The key.
    pub id: i64,
    /// Where the confirmation goes.
    #[field(max_length = 254)]
    pub email: String,
    /// The customer's account, when they were logged in (guests have none).
    #[field(on_delete = SetNull)]
    pub customer: Option<ForeignKey<User>>,
    /// When it was placed.
    #[field(auto_now_add)]
    pub created: OffsetDateTime,
    /// The order's lines, once prefetched.
    #[field(reverse = "order")]
    pub lines: Reverse<OrderItem>,
}

/// One line of an order: a product, how many, and the price paid for each.
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "shop", unique_together = [["order", "product"]])]
pub struct OrderItem {
    /// The key.
    pub id: i64,
    /// The order the line belongs to.
    #[field(on_delete = Cascade)]
    pub order: ForeignKey<Order>,
    /// What was ordered.
    #[field(on_delete = Protect)]
    pub product: ForeignKey<Product>,
    /// How many.
    pub quantity: i32,
    /// The price per unit when ordered.
    #[field(max_digits = 10, decimal_places = 2)]
    pub price: Decimal,
}

/// What the shop keeps about a customer beyond their account: the user model is the
/// auth app's, and this profile extends it (made on first use, deleted with the user).
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "shop")]
pub struct Customer {
    /// The key.
    pub id: i64,
    /// Whose profile this is.
    #[field(on_delete = Cascade)]
    pub user: OneToOne<User>,
    /// Where orders are sent.
    #[field(max_length = 300, blank)]
    pub shipping_address: String,
    /// Whether they want the monthly newsletter.
    #[field(default = false)]
    pub newsletter: bool,
}

impl Profile for Customer {
    const USER: Field<Self, OneToOne<User>> = Customer::user;

    fn new_for(user: &User) -> Self {
        Customer {
            id: 0,
            user: OneToOne::to(user),
            shipping_address: String::new(),
            newsletter: false,
        }
    }
}
