//! QuerySets: lookups, combinations, ordering, slicing, counting, get's typed errors.

use galvani_orm::prelude::*;
use galvani_orm::testing::assert_num_queries;

use crate::models::Product;

async fn seed(db: &Db) {
    for (name, sku, price, stock) in [
        ("Assam tea", "T-1", "4.50", 10),
        ("Green tea", "T-2", "5.00", 0),
        ("Coffee 100% arabica", "C-1", "12.00", 3),
        ("coffee_beans", "C-2", "9.99", 7),
    ] {
        Product::new(name, sku, price, stock)
            .save(db)
            .await
            .unwrap();
    }
}

fn names(products: &[Product]) -> Vec<&str> {
    products.iter().map(|p| p.name.as_str()).collect()
}

async fn lookups_filter_rows(db: Db) {
    seed(&db).await;
    let all = Product::objects();
    let run = |q: Q<Product>| {
        let db = db.clone();
        let qs = all.clone().filter(q);
        async move { qs.all(&db).await.unwrap() }
    };
    assert_eq!(
        names(&run(Product::stock.gt(3)).await),
        ["Assam tea", "coffee_beans"]
    );
    assert_eq!(
        names(&run(Product::stock.gte(3)).await),
        ["Assam tea", "Coffee 100% arabica", "coffee_beans"]
    );
    assert_eq!(names(&run(Product::stock.lt(3)).await), ["Green tea"]);
    assert_eq!(names(&run(Product::stock.lte(0)).await), ["Green tea"]);
    assert_eq!(
        names(&run(Product::stock.range(1, 7)).await),
        ["Coffee 100% arabica", "coffee_beans"]
    );
    assert_eq!(
        names(&run(Product::sku.is_in(["T-2", "C-2", "nope"])).await),
        ["Green tea", "coffee_beans"]
    );
    assert!(
        run(Product::sku.is_in(Vec::<String>::new()))
            .await
            .is_empty()
    );
    assert_eq!(
        names(&run(Product::sku.eq("C-1")).await),
        ["Coffee 100% arabica"]
    );
    assert_eq!(
        names(&run(Product::price.gt("9.99".parse::<rust_decimal::Decimal>().unwrap())).await),
        ["Coffee 100% arabica"]
    );
    assert_eq!(
        names(&run(Product::description.is_null(true)).await).len(),
        4
    );
    assert!(run(Product::description.is_null(false)).await.is_empty());
}

async fn text_lookups_are_exact_about_case_and_wildcards(db: Db) {
    seed(&db).await;
    let run = |q: Q<Product>| {
        let db = db.clone();
        async move { Product::objects().filter(q).all(&db).await.unwrap() }
    };
    // Case-sensitive, also on SQLite (whose LIKE ignores case).
    assert_eq!(
        names(&run(Product::name.contains("Coffee")).await),
        ["Coffee 100% arabica"]
    );
    assert_eq!(
        names(&run(Product::name.icontains("COFFEE")).await),
        ["Coffee 100% arabica", "coffee_beans"]
    );
    assert_eq!(
        names(&run(Product::name.startswith("coffee")).await),
        ["coffee_beans"]
    );
    assert_eq!(
        names(&run(Product::name.istartswith("coffee")).await),
        ["Coffee 100% arabica", "coffee_beans"]
    );
    assert_eq!(
        names(&run(Product::name.endswith("Tea")).await),
        Vec::<&str>::new()
    );
    assert_eq!(
        names(&run(Product::name.iendswith("TEA")).await),
        ["Assam tea", "Green tea"]
    );
    assert_eq!(
        names(&run(Product::name.iexact("green TEA")).await),
        ["Green tea"]
    );
    // Wildcards in the value are plain characters.
    assert_eq!(
        names(&run(Product::name.contains("100%")).await),
        ["Coffee 100% arabica"]
    );
    assert_eq!(
        names(&run(Product::name.icontains("_")).await),
        ["coffee_beans"]
    );
    assert!(run(Product::name.contains("%")).await.len() == 1);
    assert!(run(Product::name.contains("*")).await.is_empty());
    assert!(run(Product::name.icontains("e_b%")).await.is_empty());
}

async fn conditions_combine(db: Db) {
    seed(&db).await;
    let teas_in_stock = Product::objects()
        .filter(Product::name.icontains("tea") & Product::stock.gt(0))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&teas_in_stock), ["Assam tea"]);
    let either = Product::objects()
        .filter(Product::sku.eq("T-2") | Product::stock.gte(10))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&either), ["Assam tea", "Green tea"]);
    let not_tea = Product::objects()
        .exclude(Product::name.icontains("tea"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&not_tea), ["Coffee 100% arabica", "coffee_beans"]);
    assert_eq!(
        Product::objects()
            .filter(Q::none())
            .count(&db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        Product::objects()
            .filter(Q::all())
            .count(&db)
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        Product::objects()
            .filter(!(Product::stock.eq(0) | Product::stock.eq(3)))
            .count(&db)
            .await
            .unwrap(),
        2
    );
}

async fn ordering_and_slicing(db: Db) {
    seed(&db).await;
    // The model's default ordering is by name.
    let default = Product::objects().all(&db).await.unwrap();
    assert_eq!(
        names(&default),
        [
            "Assam tea",
            "Coffee 100% arabica",
            "Green tea",
            "coffee_beans"
        ]
    );
    let by_stock = Product::objects().order_by([Product::stock.desc(), Product::name.asc()]);
    assert_eq!(
        names(&by_stock.all(&db).await.unwrap()),
        [
            "Assam tea",
            "coffee_beans",
            "Coffee 100% arabica",
            "Green tea"
        ]
    );
    assert_eq!(
        names(&by_stock.clone().slice(1..3).all(&db).await.unwrap()),
        ["coffee_beans", "Coffee 100% arabica"]
    );
    assert_eq!(
        names(&by_stock.clone().slice(2..).all(&db).await.unwrap()),
        ["Coffee 100% arabica", "Green tea"]
    );
    assert_eq!(
        names(
            &by_stock
                .clone()
                .slice(1..3)
                .slice(1..)
                .all(&db)
                .await
                .unwrap()
        ),
        ["Coffee 100% arabica"]
    );
    assert_eq!(by_stock.clone().slice(1..3).count(&db).await.unwrap(), 2);
    assert_eq!(
        by_stock.first(&db).await.unwrap().unwrap().name,
        "Assam tea"
    );
    assert_eq!(by_stock.last(&db).await.unwrap().unwrap().name, "Green tea");
    assert!(
        Product::objects()
            .filter(Q::none())
            .first(&db)
            .await
            .unwrap()
            .is_none()
    );
}

async fn get_says_what_went_wrong(db: Db) {
    seed(&db).await;
    let one = Product::objects()
        .filter(Product::sku.eq("T-1"))
        .get(&db)
        .await
        .unwrap();
    assert_eq!(one.name, "Assam tea");
    let none = Product::objects()
        .filter(Product::sku.eq("X"))
        .get(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&none, DbError::DoesNotExist { model } if model == "shop.Product"),
        "{none}"
    );
    let many = Product::objects()
        .filter(Product::name.icontains("tea"))
        .get(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(many, DbError::MultipleObjectsReturned { count: 2, .. }),
        "{many}"
    );
}

async fn count_exists_and_delete(db: Db) {
    seed(&db).await;
    let coffee = Product::objects().filter(Product::name.icontains("coffee"));
    assert_eq!(coffee.count(&db).await.unwrap(), 2);
    assert!(coffee.exists(&db).await.unwrap());
    let n = assert_num_queries(&db, 1, coffee.delete(&db))
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert!(!coffee.exists(&db).await.unwrap());
    assert_eq!(Product::objects().count(&db).await.unwrap(), 2);
    // Deleting a slice deletes only its rows.
    let gone = Product::objects()
        .order_by([Product::name.asc()])
        .slice(..1)
        .delete(&db)
        .await
        .unwrap();
    assert_eq!(gone, 1);
    assert_eq!(
        names(&Product::objects().all(&db).await.unwrap()),
        ["Green tea"]
    );
}

async fn lookups_compare_with_other_columns(db: Db) {
    seed(&db).await;
    // Reserve some: Assam 10 in stock / 10 reserved, Coffee 3 / 5, beans 7 / 1.
    for (sku, reserved) in [("T-1", 10), ("C-1", 5), ("C-2", 1)] {
        Product::objects()
            .filter(Product::sku.eq(sku))
            .update([Product::reserved.set(reserved)], &db)
            .await
            .unwrap();
    }
    let find = |q: Q<Product>| {
        let db = db.clone();
        async move { Product::objects().filter(q).all(&db).await.unwrap() }
    };
    assert_eq!(
        names(&find(Product::reserved.f().gt(Product::stock)).await),
        ["Coffee 100% arabica"]
    );
    assert_eq!(
        names(&find(Product::reserved.f().eq(Product::stock)).await),
        ["Assam tea", "Green tea"]
    );
    assert_eq!(
        names(&find(Product::reserved.f().lte(Product::stock.f() - 6)).await),
        ["coffee_beans"]
    );
    // What is free to sell: stock - reserved, computed per row in the database.
    let free = Product::stock.f() - Product::reserved.f();
    assert_eq!(names(&find(free.clone().gte(1)).await), ["coffee_beans"]);
    assert_eq!(
        names(&find(free.lt(0) | Product::stock.f().ne(Product::stock)).await),
        ["Coffee 100% arabica"]
    );
    // Decimals compare as numbers on both backends.
    let dearer = Product::price
        .f()
        .gt(Product::price.f() * rust_decimal::Decimal::new(2, 0)
            - rust_decimal::Decimal::new(5, 0));
    assert_eq!(names(&find(dearer).await), ["Assam tea"]);
    // Negated and combined with a value lookup; the same shape with other values
    // reuses the statement and still finds the right rows.
    for (limit, expected) in [
        (0, vec!["Green tea"]),
        (4, vec!["Assam tea", "Green tea", "coffee_beans"]),
    ] {
        let q = !Product::reserved.f().gt(Product::stock)
            & (Product::stock.f() - Product::reserved.f()).lte(limit + 2)
            & Product::stock.lt(limit + 8);
        let found = find(q).await;
        let mut found = names(&found);
        found.sort_unstable();
        assert_eq!(found, expected, "limit {limit}");
    }
}

crate::backend_tests!(
    lookups_compare_with_other_columns,
    lookups_filter_rows,
    text_lookups_are_exact_about_case_and_wildcards,
    conditions_combine,
    ordering_and_slicing,
    get_says_what_went_wrong,
    count_exists_and_delete,
);
