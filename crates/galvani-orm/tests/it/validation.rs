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
