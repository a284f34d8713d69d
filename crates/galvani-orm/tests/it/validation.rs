//! Choices enums on both backends, and full_clean.

use galvani_orm::prelude::*;

use crate::models::{Parcel, Status};

fn parcel(status: Status, code: &str, note: &str, weight: &str) -> Parcel {
    Parcel {
        id: 0,
        status,
        code: code.into(),
        note: note.into(),
        weight: weight.parse().unwrap(),
    }
}

async fn choices_round_trip_and_filter(db: Db) {
    for (status, code) in [
        (Status::Pending, "A"),
        (Status::InTransit, "B"),
        (Status::InTransit, "C"),
    ] {
        parcel(status, code, "", "1.5").save(&db).await.unwrap();
    }
    let moving = Parcel::objects()
        .filter(Parcel::status.eq(Status::InTransit))
        .order_by([Parcel::code.asc()])
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        moving.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
        ["B", "C"]
    );
    assert_eq!(moving[0].status.label(), "On its way");
    // A value the enum does not know is a clear error naming the field.
    Parcel::objects()
        .filter(Parcel::code.eq("A"))
        .update([Parcel::code.set("Z")], &db)
        .await
        .unwrap();
    let stmt = galvani_orm::Statement {
        sql: "UPDATE kinds_parcel SET status = 'lost' WHERE code = 'Z'".into(),
        values: Vec::new(),
    };
    db.execute(stmt).await.unwrap();
    let err = Parcel::objects()
        .filter(Parcel::code.eq("Z"))
        .get(&db)
        .await
        .unwrap_err();
    match &err {
        DbError::Decode { field, detail, .. } => {
            assert_eq!(field, "status");
            assert!(detail.contains("`lost` is not a Status"), "{detail}");
        }
        other => panic!("expected a decode error, got {other}"),
    }
}

async fn full_clean_reports_every_problem(db: Db) {
    let good = parcel(Status::Delivered, "ABCDE", "", "999.9");
    assert!(good.full_clean().is_ok(), "{:?}", good.full_clean());
    let bad = parcel(Status::Pending, "", "much too long a note", "12.34");
    let err = bad.full_clean().unwrap_err();
    match &err {
        DbError::Validation { model, errors } => {
            assert_eq!(model, "kinds.Parcel");
            let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(fields, ["code", "note", "weight"]);
            assert!(errors[0].1.contains("blank"));
            assert!(errors[1].1.contains("at most 10 characters"));
            assert!(errors[2].1.contains("1 decimal places"));
        }
        other => panic!("expected a validation error, got {other}"),
    }
    assert!(
        err.to_string()
            .contains("code: This field cannot be blank."),
        "{err}"
    );
    // Checked before saving, nothing is written.
    assert_eq!(Parcel::objects().count(&db).await.unwrap(), 0);
}

crate::backend_tests!(
    choices_round_trip_and_filter,
    full_clean_reports_every_problem
);

async fn check_constraints_and_indexes_are_made(db: Db) {
    use crate::models::Product;
    let err = Product::new("Tea", "T-1", "1.00", -1)
        .save(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::CheckViolation { .. }), "{err}");
    assert_eq!(Product::objects().count(&db).await.unwrap(), 0);
    let sql = match db.backend() {
        galvani_orm::Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'shop_product_name_stock_idx'"
        }
        _ => "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'shop_product_name_stock_idx'",
    };
    let stmt = galvani_orm::Statement {
        sql: sql.into(),
        values: Vec::new(),
    };
    let rows = db.fetch_all(stmt).await.unwrap();
    assert_eq!(rows[0].get::<i64>(0).unwrap(), 1);
}

async fn date_parts_compare_as_numbers(db: Db) {
    use crate::models::Sample;
    use time::macros::{date, datetime, time};
    let mut sample = Sample {
        key: uuid::Uuid::new_v4(),
        small: 1,
        int: 1,
        big: 1,
        flag: false,
        ratio: 1.0,
        amount: "1".parse().unwrap(),
        text: "x".into(),
        day: date!(2024 - 02 - 29),
        at: time!(12:00),
        // 23:30 at +02:00 is 21:30 UTC, the same day.
        moment: datetime!(2026-11-22 23:30 +02:00),
        doc: serde_json::json!(null),
        blob: Vec::new(),
        maybe_day: None,
        maybe_amount: None,
    };
    sample.save(&db).await.unwrap();
    let count = |q: Q<Sample>| {
        let db = db.clone();
        async move { Sample::objects().filter(q).count(&db).await.unwrap() }
    };
    assert_eq!(count(Sample::day.year().eq(2024)).await, 1);
    assert_eq!(
        count(Sample::day.month().eq(2) & Sample::day.day().eq(29)).await,
        1
    );
    assert_eq!(count(Sample::day.year().gt(2024)).await, 0);
    assert_eq!(count(Sample::moment.hour().eq(21)).await, 1, "in UTC");
    assert_eq!(count(Sample::moment.day().eq(22)).await, 1);
    assert_eq!(count(Sample::moment.month().is_in([10, 11])).await, 1);
    assert_eq!(
        count(Sample::maybe_day.year().eq(2024)).await,
        0,
        "NULL matches nothing"
    );
}

mod more {
    use super::*;
    crate::backend_tests!(
        check_constraints_and_indexes_are_made,
        date_parts_compare_as_numbers
    );
}
