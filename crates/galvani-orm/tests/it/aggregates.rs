//! Values and aggregates (grouped by fields, also across relations), bulk writes,
//! get_or_create, chunked reading and raw SQL.

use galvani_orm::prelude::*;
use galvani_orm::testing::assert_num_queries;
use rust_decimal::Decimal;

use crate::models::{Brand, Item, Product, Section};

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn seed(db: &Db) {
    let mut rows = vec![
        Product::new("Assam", "T-1", "4.50", 10),
        Product::new("Green", "T-2", "5.25", 0),
        Product::new("Mocha", "C-1", "12.00", 3),
    ];
    Product::objects().bulk_create(&mut rows, db).await.unwrap();
}

async fn aggregates_compute_in_the_database(db: Db) {
    seed(&db).await;
    let (count, stock, total, avg, cheapest, priciest) = Product::objects()
        .aggregate(
            (
                Count::all(),
                Sum::of(Product::stock),
                Sum::of(Product::price),
                Avg::of(Product::stock),
                Min::of(Product::price),
                Max::of(Product::name),
            ),
            &db,
        )
        .await
        .unwrap();
    assert_eq!((count, stock), (3, Some(13)));
    assert_eq!(total, Some(dec("21.75")), "decimals add up exactly");
    assert!((avg.unwrap() - 13.0 / 3.0).abs() < 1e-9);
    assert_eq!(cheapest, Some(dec("4.50")));
    assert_eq!(priciest.as_deref(), Some("Mocha"));
    // Over nothing: counts are 0, the rest None.
    let (none, sum) = Product::objects()
        .filter(Q::none())
        .aggregate((Count::all(), Sum::of(Product::stock)), &db)
        .await
        .unwrap();
    assert_eq!((none, sum), (0, None));
    assert_eq!(
        Product::objects()
            .aggregate((Count::of(Product::description),), &db)
            .await
            .unwrap(),
        (0,),
        "NULLs are not counted"
    );
}

async fn fields_beside_aggregates_group_rows(db: Db) {
    let mut brand = Brand {
        id: 0,
        name: "Acme".into(),
    };
    brand.save(&db).await.unwrap();
    let mut sections = Vec::new();
    for name in ["Tea", "Coffee"] {
        let mut s = Section {
            id: 0,
            name: name.into(),
            parent: None,
            children: Reverse::default(),
            items: Reverse::default(),
        };
        s.save(&db).await.unwrap();
        sections.push(s);
    }
    let mut items: Vec<Item> = [("Assam", 0), ("Darjeeling", 0), ("Espresso", 1)]
        .into_iter()
        .map(|(name, s)| Item {
            id: 0,
            name: name.into(),
            section: ForeignKey::to(&sections[s]),
            supplier: None,
            brand: ForeignKey::to(&brand),
            reviews: Reverse::default(),
        })
        .collect();
    Item::objects().bulk_create(&mut items, &db).await.unwrap();
    let per_section = assert_num_queries(
        &db,
        1,
        Item::objects()
            .order_by([Item::section.then(Section::name).asc()])
            .values((Item::section.then(Section::name), Count::all()), &db),
    )
    .await
    .unwrap();
    assert_eq!(
        per_section,
        [("Coffee".to_string(), 1), ("Tea".to_string(), 2)]
    );
    // Plain values: typed tuples, in the model's ordering.
    let names = Item::objects().values((Item::name,), &db).await.unwrap();
    assert_eq!(
        names,
        [
            ("Assam".to_string(),),
            ("Darjeeling".to_string(),),
            ("Espresso".to_string(),)
        ]
    );
}

/// `n` products with stock 0..n, saved with `bulk_create`.
async fn many_products(n: i32, db: &Db) -> Vec<Product> {
    let mut rows: Vec<Product> = (0..n)
        .map(|i| Product::new("P", &format!("S-{i}"), "1.00", i))
        .collect();
    Product::objects().bulk_create(&mut rows, db).await.unwrap();
    rows
}

async fn bulk_create_and_update_in_chunks(db: Db) {
    // More rows than one statement's parameters allow.
    let mut rows = many_products(5_000, &db).await;
    assert_eq!(Product::objects().count(&db).await.unwrap(), 5_000);
    let keys: std::collections::HashSet<i64> = rows.iter().map(|p| p.id).collect();
    assert_eq!(keys.len(), 5_000, "every row got its own key");
    let back = Product::objects()
        .filter(Product::id.eq(rows[4_321].id))
        .get(&db)
        .await
        .unwrap();
    assert_eq!(back.sku, "S-4321", "keys match the rows they were given to");

    for row in rows.iter_mut() {
        row.stock += 1;
        row.price = dec("2.00");
    }
    let n = Product::objects()
        .bulk_update(&rows, &[Product::stock.meta(), Product::price.meta()], &db)
        .await
        .unwrap();
    assert_eq!(n, 5_000);
    let (sum, max_price) = Product::objects()
        .aggregate((Sum::of(Product::stock), Max::of(Product::price)), &db)
        .await
        .unwrap();
    assert_eq!(sum, Some((1..=5_000).sum::<i64>()));
    assert_eq!(max_price, Some(dec("2.00")));
}

async fn get_or_create_and_update_or_create(db: Db) {
    let tea = || Product::new("Tea", "T-1", "4.50", 1);
    let (first, created) = Product::objects()
        .filter(Product::sku.eq("T-1"))
        .get_or_create(&db, tea)
        .await
        .unwrap();
    assert!(created);
    let (again, created) = Product::objects()
        .filter(Product::sku.eq("T-1"))
        .get_or_create(&db, tea)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.id, first.id);
    let (updated, created) = Product::objects()
        .filter(Product::sku.eq("T-1"))
        .update_or_create(&db, |p| p.stock = 42, tea)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(updated.stock, 42);
    assert_eq!(Product::objects().count(&db).await.unwrap(), 1);
    // A create that collides with a unique value and still finds nothing is the
    // unique violation, not a silent success.
    let collided = Product::objects()
        .filter(Product::name.eq("not there"))
        .get_or_create(&db, || Product::new("Other", "T-1", "1.00", 1))
        .await;
    assert!(collided.is_err(), "{collided:?}");
}

async fn chunks_read_everything_once(db: Db) {
    many_products(23, &db).await;
    let mut chunks = Product::objects().filter(Product::stock.gte(3)).chunks(5);
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    while let Some(chunk) = chunks.next(&db).await.unwrap() {
        sizes.push(chunk.len());
        seen.extend(chunk.into_iter().map(|p| p.stock));
    }
    assert_eq!(sizes, [5, 5, 5, 5]);
    assert_eq!(seen, (3..23).collect::<Vec<_>>());
}

async fn raw_sql_binds_its_parameters(db: Db) {
    seed(&db).await;
    let found: Vec<Product> = galvani_orm::raw(
        &db,
        "SELECT id, name, sku, price, stock, reserved, description, created, updated FROM shop_product WHERE name = ? OR stock > ? ORDER BY id",
        &[&"Mocha' OR '1'='1".to_string(), &5i32],
    )
    .await
    .unwrap();
    assert_eq!(
        found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Assam"],
        "the quote is data, not SQL"
    );
}

crate::backend_tests!(
    aggregates_compute_in_the_database,
    fields_beside_aggregates_group_rows,
    bulk_create_and_update_in_chunks,
    get_or_create_and_update_or_create,
    chunks_read_everything_once,
    raw_sql_binds_its_parameters,
);
