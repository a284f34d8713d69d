use galvani_orm::prelude::*;

#[derive(Model)]
struct Product {
    name: String,
}

fn main() {}
