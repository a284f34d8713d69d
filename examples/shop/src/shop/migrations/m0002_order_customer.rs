//! shop.0002_order_customer, written by `makemigrations`. Migrations are the schema's
//! history: edit one only before it is applied anywhere.

//! - Add field customer to Order

use galvani::orm::migrations::dsl::*;

/// The migration, as data.
pub fn migration() -> Migration {
    Migration::new()
        .depends_on("shop", "0001_initial")
        .depends_on("auth", "0001_initial")
        .operation(add_field(
            "Order",
            field("customer", FieldKind::BigInteger)
                .column("customer_id")
                .null()
                .references("auth.User", OnDelete::SetNull),
        ))
}
