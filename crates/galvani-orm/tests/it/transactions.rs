//! Transactions, savepoints, on_commit, and F expressions under concurrency.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use galvani_orm::prelude::*;

use crate::models::Product;

fn invalid(detail: &str) -> DbError {
    DbError::InvalidValue {
        field: "test".into(),
        detail: detail.into(),
    }
}

async fn commit_keeps_and_error_rolls_back(db: Db) {
    let saved: Result<i64, DbError> = db
        .transaction(|tx| async move {
            let mut p = Product::new("Tea", "T-1", "1.00", 1);
            p.save(&tx).await?;
            // Inside, the transaction sees its own write.
            assert_eq!(Product::objects().count(&tx).await?, 1);
            Ok(p.id)
        })
        .await;
    let id = saved.unwrap();
    assert_eq!(
        Product::objects()
            .filter(Product::id.eq(id))
            .count(&db)
            .await
            .unwrap(),
        1
    );

    let failed: Result<(), DbError> = db
        .transaction(|tx| async move {
            Product::new("Coffee", "C-1", "2.00", 1).save(&tx).await?;
            Product::objects()
                .update([Product::stock.set(99)], &tx)
                .await?;
            Err(invalid("changed my mind"))
        })
        .await;
    assert!(matches!(failed, Err(DbError::InvalidValue { .. })));
    let all = Product::objects().all(&db).await.unwrap();
    assert_eq!(all.len(), 1, "the insert was rolled back");
    assert_eq!(all[0].stock, 1, "the update was rolled back");
}

async fn a_panic_rolls_back_and_the_pool_stays_usable(db: Db) {
    let handle = tokio::spawn({
        let db = db.clone();
        async move {
            let _: Result<(), DbError> = db
                .transaction(|tx| async move {
                    Product::new("Tea", "T-1", "1.00", 1).save(&tx).await?;
                    panic!("a bug in the middle of a transaction");
                })
                .await;
        }
    });
    assert!(handle.await.unwrap_err().is_panic());
    assert_eq!(
        Product::objects().count(&db).await.unwrap(),
        0,
        "rolled back"
    );
    // Every pooled connection still works (none was left inside a transaction).
    for i in 0..12 {
        Product::new("P", &format!("S-{i}"), "1.00", 1)
            .save(&db)
            .await
            .unwrap();
    }
    assert_eq!(Product::objects().count(&db).await.unwrap(), 12);
}

async fn savepoints_undo_only_their_part(db: Db) {
    let outcome: Result<(), DbError> = db
        .transaction(|tx| async move {
            Product::new("Outer", "O-1", "1.00", 1).save(&tx).await?;
            let inner: Result<(), DbError> = tx
                .transaction(|tx| async move {
                    Product::new("Inner", "I-1", "1.00", 1).save(&tx).await?;
                    Err(invalid("undo the inner part"))
                })
                .await;
            assert!(inner.is_err());
            let kept: Result<(), DbError> = tx
                .transaction(|tx| async move {
                    Product::new("Kept", "K-1", "1.00", 1).save(&tx).await?;
                    Ok(())
                })
                .await;
            kept?;
            Ok(())
        })
        .await;
    outcome.unwrap();
    let names: Vec<String> = Product::objects()
        .order_by([Product::name.asc()])
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Kept", "Outer"]);
}

async fn on_commit_runs_only_after_a_commit(db: Db) {
    let ran = Arc::new(AtomicUsize::new(0));
    let count = |ran: &Arc<AtomicUsize>| {
        let ran = ran.clone();
        move || {
            ran.fetch_add(1, Ordering::SeqCst);
        }
    };

    // Outside a transaction: at once.
    db.on_commit(count(&ran));
    assert_eq!(ran.load(Ordering::SeqCst), 1);

    let r = ran.clone();
    let committed: Result<(), DbError> = db
        .transaction(|tx| async move {
            tx.on_commit(count(&r));
            assert_eq!(r.load(Ordering::SeqCst), 1, "not before the commit");
            let _: Result<(), DbError> = tx
                .transaction(|inner| async move {
                    inner.on_commit(|| panic!("registered in an undone savepoint: never runs"));
                    Err(invalid("undo"))
                })
                .await;
            Ok(())
        })
        .await;
    committed.unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 2, "ran after the commit");

    let r = ran.clone();
    let _: Result<(), DbError> = db
        .transaction(|tx| async move {
            tx.on_commit(count(&r));
            Err(invalid("roll back"))
        })
        .await;
    assert_eq!(ran.load(Ordering::SeqCst), 2, "never after a rollback");
}

async fn a_transaction_handle_kept_too_long_is_an_error(db: Db) {
    let kept = db
        .transaction(|tx| async move { Ok::<_, DbError>(tx.clone()) })
        .await
        .unwrap();
    let err = Product::objects().count(&kept).await.unwrap_err();
    assert!(matches!(err, DbError::TransactionDone), "{err}");
}

async fn f_expressions_never_lose_concurrent_updates(db: Db) {
    let mut tea = Product::new("Tea", "T-1", "1.00", 8_000);
    tea.save(&db).await.unwrap();
    let id = tea.id;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                for _ in 0..1_000 {
                    let changed = Product::objects()
                        .filter(Product::id.eq(id))
                        .update([Product::stock.set_expr(Product::stock - 1)], &db)
                        .await
                        .unwrap();
                    assert_eq!(changed, 1);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    tea.refresh_from_db(&db).await.unwrap();
    assert_eq!(tea.stock, 0, "8 tasks x 1,000 decrements from 8,000");
}

async fn concurrent_write_transactions_all_succeed(db: Db) {
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    // Read, then write, in one transaction: with a plain BEGIN, SQLite
                    // fails such transactions with "database is locked".
                    let r: Result<(), DbError> = db
                        .transaction(|tx| async move {
                            let before = Product::objects().count(&tx).await?;
                            let sku = format!("S-{t}-{i}");
                            Product::new("P", &sku, "1.00", before as i32)
                                .save(&tx)
                                .await?;
                            Ok(())
                        })
                        .await;
                    r.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(Product::objects().count(&db).await.unwrap(), 200);
}

async fn arithmetic_updates_compute_in_the_database(db: Db) {
    let mut a = Product::new("A", "A", "10.00", 5);
    a.save(&db).await.unwrap();
    Product::objects()
        .update(
            [
                Product::stock.set_expr((Product::stock * 3 + 1) / 2),
                Product::price
                    .set_expr(Product::price.f() * "1.5".parse::<rust_decimal::Decimal>().unwrap()),
            ],
            &db,
        )
        .await
        .unwrap();
    a.refresh_from_db(&db).await.unwrap();
    assert_eq!(a.stock, 8);
    assert_eq!(a.price, "15.00".parse::<rust_decimal::Decimal>().unwrap());
}

crate::backend_tests!(
    commit_keeps_and_error_rolls_back,
    a_panic_rolls_back_and_the_pool_stays_usable,
    savepoints_undo_only_their_part,
    on_commit_runs_only_after_a_commit,
    a_transaction_handle_kept_too_long_is_an_error,
    f_expressions_never_lose_concurrent_updates,
    concurrent_write_transactions_all_succeed,
    arithmetic_updates_compute_in_the_database,
);
