use galvani_orm::prelude::*;

#[derive(Model)]
struct Category {
    id: i64,
}

#[derive(Model)]
struct Product {
    id: i64,
    category: ForeignKey<Category>,
}

fn main() {}
