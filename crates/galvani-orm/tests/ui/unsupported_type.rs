use galvani_orm::prelude::*;

#[derive(Model)]
struct Product {
    id: i64,
    tags: std::collections::HashMap<String, String>,
}

fn main() {}
