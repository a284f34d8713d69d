use galvani_orm::prelude::*;

#[derive(Model)]
struct Product {
    id: i64,
    name: String,
}

fn main() {
    // A lookup value of the wrong type does not compile.
    let _ = Product::name.eq(10_i64);
}
