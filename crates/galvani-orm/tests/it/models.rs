//! The models the tests use.

use galvani_orm::Choices;
use galvani_orm::meta::ModelMeta;
use galvani_orm::prelude::*;
use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(
    app = "shop",
    ordering = ["name"],
    indexes = [["name", "stock"]],
    checks = [("shop_product_stock_not_negative", "stock >= 0")]
)]
pub struct Product {
    pub id: i64,
    #[field(max_length = 100)]
    pub name: String,
    #[field(max_length = 40, unique)]
    pub sku: String,
    #[field(max_digits = 10, decimal_places = 2)]
    pub price: Decimal,
    #[field(default = 0)]
    pub stock: i32,
    #[field(default = 0)]
    pub reserved: i32,
    pub description: Option<String>,
    #[field(auto_now_add)]
    pub created: OffsetDateTime,
    #[field(auto_now)]
    pub updated: OffsetDateTime,
}

impl Product {
    pub fn new(name: &str, sku: &str, price: &str, stock: i32) -> Product {
        Product {
            id: 0,
            name: name.into(),
            sku: sku.into(),
            price: price.parse().unwrap(),
            stock,
            reserved: 0,
            description: None,
            created: OffsetDateTime::UNIX_EPOCH,
            updated: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

/// Every type a field may have, keyed by hand.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(app = "kinds", table = "kinds_sample")]
pub struct Sample {
    #[field(primary_key)]
    pub key: Uuid,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub flag: bool,
    pub ratio: f64,
    #[field(max_digits = 20, decimal_places = 6)]
    pub amount: Decimal,
    pub text: String,
    pub day: Date,
    pub at: time::Time,
    pub moment: OffsetDateTime,
    pub doc: serde_json::Value,
    pub blob: Vec<u8>,
    pub maybe_day: Option<Date>,
    #[field(db_column = "maybe_amount_col", max_digits = 8, decimal_places = 2)]
    pub maybe_amount: Option<Decimal>,
}

#[derive(Model, Debug, Clone)]
#[model(app = "shop")]
pub struct Brand {
    pub id: i64,
    #[field(max_length = 50)]
    pub name: String,
}

#[derive(Model, Debug, Clone)]
#[model(app = "shop")]
pub struct Supplier {
    pub id: i64,
    #[field(max_length = 50)]
    pub name: String,
}

/// A tree: sections inside sections.
#[derive(Model, Debug, Clone)]
#[model(app = "shop", ordering = ["name"])]
pub struct Section {
    pub id: i64,
    #[field(max_length = 50)]
    pub name: String,
    #[field(on_delete = Cascade, related_name = "children")]
    pub parent: Option<ForeignKey<Section>>,
    #[field(reverse = "parent")]
    pub children: Reverse<Section>,
    #[field(reverse = "section")]
    pub items: Reverse<Item>,
}

#[derive(Model, Debug, Clone)]
#[model(app = "shop", ordering = ["name"])]
pub struct Item {
    pub id: i64,
    #[field(max_length = 50)]
    pub name: String,
    #[field(on_delete = Cascade, related_name = "items")]
    pub section: ForeignKey<Section>,
    #[field(on_delete = SetNull)]
    pub supplier: Option<ForeignKey<Supplier>>,
    #[field(on_delete = Protect)]
    pub brand: ForeignKey<Brand>,
    #[field(reverse = "item")]
    pub reviews: Reverse<Review>,
}

#[derive(Model, Debug, Clone)]
#[model(app = "shop")]
pub struct Review {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub item: ForeignKey<Item>,
    pub stars: i16,
}

/// Deleting its item directly is refused; deleting the section takes both.
#[derive(Model, Debug, Clone)]
#[model(app = "shop")]
pub struct Feature {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub section: ForeignKey<Section>,
    #[field(on_delete = Restrict)]
    pub item: OneToOne<Item>,
}

#[derive(Model, Debug, Clone)]
#[model(app = "blog", ordering = ["name"])]
pub struct Label {
    pub id: i64,
    #[field(max_length = 30, unique)]
    pub name: String,
    #[field(reverse = "labels")]
    pub articles: Reverse<Article>,
}

#[derive(Model, Debug, Clone)]
#[model(app = "blog", ordering = ["title"])]
pub struct Article {
    pub id: i64,
    #[field(max_length = 80)]
    pub title: String,
    pub labels: ManyToMany<Label>,
}

#[derive(Model, Debug, Clone)]
#[model(app = "blog")]
pub struct Kit {
    pub id: i64,
    #[field(max_length = 80)]
    pub name: String,
    #[field(through = KitPart)]
    pub parts: ManyToMany<Article>,
}

/// A join table with a field of its own.
#[derive(Model, Debug, Clone)]
#[model(app = "blog")]
pub struct KitPart {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub kit: ForeignKey<Kit>,
    #[field(on_delete = Cascade)]
    pub article: ForeignKey<Article>,
    pub quantity: i32,
}

/// Only the signal tests use it (handlers are registered per model, process-wide).
#[derive(Model, Debug, Clone)]
#[model(app = "kinds")]
pub struct Note {
    pub id: i64,
    #[field(max_length = 100)]
    pub text: String,
}

/// A parcel's state, stored as text.
#[derive(Choices, Debug, Clone, Copy, PartialEq)]
pub enum Status {
    Pending,
    #[choice(label = "On its way")]
    InTransit,
    Delivered,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(app = "kinds")]
pub struct Parcel {
    pub id: i64,
    #[field(choices)]
    pub status: Status,
    #[field(max_length = 5)]
    pub code: String,
    #[field(max_length = 10, blank)]
    pub note: String,
    #[field(max_digits = 4, decimal_places = 1)]
    pub weight: Decimal,
}

/// Nothing but a key.
#[derive(Model, Debug, Clone)]
#[model(app = "kinds")]
pub struct Marker {
    pub id: i64,
}

/// Every test model, in creation order (a model after those it refers to).
pub fn all() -> Vec<&'static ModelMeta> {
    vec![
        Product::meta(),
        Sample::meta(),
        Brand::meta(),
        Supplier::meta(),
        Section::meta(),
        Item::meta(),
        Review::meta(),
        Feature::meta(),
        Label::meta(),
        Article::meta(),
        Kit::meta(),
        KitPart::meta(),
        Marker::meta(),
        Note::meta(),
        Parcel::meta(),
    ]
}
