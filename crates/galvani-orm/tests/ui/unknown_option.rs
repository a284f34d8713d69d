use galvani_orm::prelude::*;

#[derive(Model)]
struct Product {
    id: i64,
    #[field(max_lenght = 100)]
    name: String,
}

fn main() {}
