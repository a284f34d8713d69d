//! shop.0003_customer, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Create model Customer

use galvani::orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("shop", "0002_order_customer")
        .depends_on("auth", "0001_initial")
        .operation(create_model(
            "Customer",
            "shop_customer",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("user", FieldKind::BigInteger)
                    .column("user_id")
                    .unique()
                    .one_to_one("auth.User", OnDelete::Cascade),
                field("shipping_address", FieldKind::Char { max_length: 300 }),
                field("newsletter", FieldKind::Boolean).default(false),
            ],
        ))
}
