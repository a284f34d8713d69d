use galvani_orm::prelude::*;

#[derive(Model)]
struct Product {
    id: i64,
    #[field(max_length = 10)]
    stock: i32,
}

fn main() {}
