//! shop.0001_initial, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Create model Category
//! - Create model Order
//! - Create model Product
//! - Create model OrderItem

use galvani::orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .operation(create_model(
            "Category",
            "shop_category",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("slug", FieldKind::Char { max_length: 50 }).unique(),
                field("name", FieldKind::Char { max_length: 100 }),
            ],
        ))
        .operation(create_model(
            "Order",
            "shop_order",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("email", FieldKind::Char { max_length: 254 }),
                field("created", FieldKind::DateTime),
            ],
        ))
        .operation(create_model(
            "Product",
            "shop_product",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("name", FieldKind::Char { max_length: 200 }),
                field("category", FieldKind::BigInteger)
                    .column("category_id")
                    .references("shop.Category", OnDelete::Protect),
                field(
                    "price",
                    FieldKind::Decimal {
                        max_digits: 10,
                        decimal_places: 2,
                    },
                ),
                field("stock", FieldKind::Integer).default(0),
                field("description", FieldKind::Text),
                field("created", FieldKind::DateTime),
            ],
        ))
        .operation(
            create_model(
                "OrderItem",
                "shop_orderitem",
                [
                    field("id", FieldKind::AutoId).primary_key(),
                    field("order", FieldKind::BigInteger)
                        .column("order_id")
                        .references("shop.Order", OnDelete::Cascade),
                    field("product", FieldKind::BigInteger)
                        .column("product_id")
                        .references("shop.Product", OnDelete::Protect),
                    field("quantity", FieldKind::Integer),
                    field(
                        "price",
                        FieldKind::Decimal {
                            max_digits: 10,
                            decimal_places: 2,
                        },
                    ),
                ],
            )
            .unique_together(["order", "product"]),
        )
}
