//! A project that depends only on `galvani` derives models through the facade.

use galvani::prelude::*;

#[derive(Model, Debug, Clone)]
#[model(app = "shop", ordering = ["-stock"])]
struct Product {
    id: i64,
    #[field(max_length = 100, verbose_name = "product name")]
    name: String,
    stock: i32,
}

#[tokio::test]
async fn models_work_through_the_facade() {
    let meta = Product::meta();
    assert_eq!(meta.table, "shop_product");
    assert_eq!(meta.field("name").unwrap().verbose_name, "product name");

    let test = galvani::orm::testing::TestDb::sqlite().await.unwrap();
    create_tables(&test.db, &[meta]).await.unwrap();
    for (name, stock) in [("Tea", 1), ("Coffee", 5)] {
        Product {
            id: 0,
            name: name.into(),
            stock,
        }
        .save(&test.db)
        .await
        .unwrap();
    }
    let first = Product::objects().first(&test.db).await.unwrap().unwrap();
    assert_eq!(
        first.name, "Coffee",
        "the default ordering is by stock, descending"
    );
    test.finish().await.unwrap();
}
