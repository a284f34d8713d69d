//! Saving, updating, reloading and deleting instances; every field type round trips;
//! constraint failures are typed.

use galvani_orm::prelude::*;
use time::macros::{date, datetime, time};

use crate::models::{Product, Sample};

async fn save_inserts_then_updates(db: Db) {
    let mut tea = Product::new("Tea", "T-1", "4.50", 3);
    tea.save(&db).await.unwrap();
    assert!(tea.id > 0, "the new row's key is set");
    let created = tea.created;
    assert!(
        created > time::OffsetDateTime::UNIX_EPOCH,
        "auto_now_add was set"
    );
    tea.stock = 2;
    tea.save(&db).await.unwrap();
    assert_eq!(
        Product::objects().count(&db).await.unwrap(),
        1,
        "updated, not inserted again"
    );
    let mut again = Product::objects()
        .filter(Product::id.eq(tea.id))
        .get(&db)
        .await
        .unwrap();
    assert_eq!(again.stock, 2);
    assert_eq!(again.created, created, "auto_now_add kept on update");
    assert!(again.updated >= created);

    // Another handle's change shows after a refresh.
    tea.name = "Black tea".into();
    tea.save(&db).await.unwrap();
    again.refresh_from_db(&db).await.unwrap();
    assert_eq!(again.name, "Black tea");

    assert_eq!(tea.delete(&db).await.unwrap(), 1);
    assert_eq!(tea.delete(&db).await.unwrap(), 0, "already gone");
    assert!(
        again
            .refresh_from_db(&db)
            .await
            .unwrap_err()
            .is_does_not_exist()
    );
    let unsaved = Product::new("X", "X", "1", 0);
    assert!(matches!(
        unsaved.delete(&db).await,
        Err(DbError::NotSaved { .. })
    ));
}

async fn every_field_type_round_trips(db: Db) {
    let mut sample = Sample {
        key: uuid::Uuid::new_v4(),
        small: -12,
        int: 123_456,
        big: 9_007_199_254_740_993,
        flag: true,
        ratio: 0.125,
        amount: "12345678901234.123456".parse().unwrap(),
        text: "naïve \u{1F600} 'quoted' \"double\"".into(),
        day: date!(2024 - 02 - 29),
        at: time!(23:59:58.25),
        moment: datetime!(2026-11-22 14:05:09.123456 +02:00),
        doc: serde_json::json!({"tags": ["a", "b"], "n": 1}),
        blob: vec![0, 159, 146, 150, 255],
        maybe_day: None,
        maybe_amount: Some("-0.50".parse().unwrap()),
    };
    sample.save(&db).await.unwrap();
    let back = Sample::objects().get(&db).await.unwrap();
    assert_eq!(back, sample);
    // A hand-given key: saving again updates the row.
    sample.maybe_day = Some(date!(2000 - 01 - 01));
    sample.maybe_amount = None;
    sample.save(&db).await.unwrap();
    assert_eq!(Sample::objects().count(&db).await.unwrap(), 1);
    assert_eq!(Sample::objects().get(&db).await.unwrap(), sample);
    // Dates and instants compare as values on both backends.
    let later = Sample::objects()
        .filter(Sample::moment.gt(datetime!(2026-11-22 12:05:09 UTC)))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(later, 1);
    let earlier = Sample::objects()
        .filter(Sample::moment.lt(datetime!(2026-11-22 12:05:09 UTC)))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(earlier, 0);
}

async fn constraint_failures_are_typed(db: Db) {
    Product::new("Tea", "T-1", "4.50", 3)
        .save(&db)
        .await
        .unwrap();
    let err = Product::new("Other", "T-1", "1.00", 1)
        .save(&db)
        .await
        .unwrap_err();
    match &err {
        DbError::UniqueViolation { model, fields } => {
            assert_eq!(model, "shop.Product");
            assert_eq!(fields, "sku");
        }
        other => panic!("expected a unique violation, got {other}"),
    }
    assert_eq!(
        Product::objects().count(&db).await.unwrap(),
        1,
        "nothing half-written"
    );
    assert!(err.to_string().contains("already exists"), "{err}");
}

async fn a_model_with_only_a_key_saves(db: Db) {
    let mut first = crate::models::Marker { id: 0 };
    first.save(&db).await.unwrap();
    let mut second = crate::models::Marker { id: 0 };
    second.save(&db).await.unwrap();
    assert!(second.id > first.id && first.id > 0);
    assert_eq!(
        crate::models::Marker::objects().count(&db).await.unwrap(),
        2
    );
}

crate::backend_tests!(
    a_model_with_only_a_key_saves,
    save_inserts_then_updates,
    every_field_type_round_trips,
    constraint_failures_are_typed,
);
