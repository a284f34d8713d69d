use galvani_orm::prelude::*;

#[derive(Model)]
struct Product {
    id: i64,
    stock: i32,
}

fn main() {
    // A lookup value of the wrong type does not compile.
    let _ = Product::stock.eq("ten");
}
