//! Signals around save and delete, and on_commit from a handler.

use std::sync::{Arc, Mutex};

use galvani_orm::prelude::*;
use galvani_orm::signals;

use crate::models::Note;

/// Events seen for notes whose text starts with `tag` (tests run in parallel, on both
/// backends, and handlers are process-wide).
fn record(tag: &'static str) -> (Arc<Mutex<Vec<String>>>, Vec<signals::Connection>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = |seen: &Arc<Mutex<Vec<String>>>| {
        let seen = seen.clone();
        move |what: String| seen.lock().unwrap().push(what)
    };
    let (a, b, c, d, e) = (log(&seen), log(&seen), log(&seen), log(&seen), log(&seen));
    let connections = vec![
        signals::pre_save::<Note>(move |n, ev| {
            if n.text.starts_with(tag) {
                n.text = n.text.to_uppercase();
                a(format!("pre_save created={}", ev.created));
            }
        }),
        signals::post_save::<Note>(move |n, ev| {
            if n.text.starts_with(&tag.to_uppercase()) {
                b(format!(
                    "post_save created={} id_set={}",
                    ev.created,
                    n.id > 0
                ));
                let e = e.clone();
                let text = n.text.clone();
                ev.on_commit(move || e(format!("committed {text}")));
            }
        }),
        signals::pre_delete::<Note>(move |n, _| {
            if n.text.starts_with(&tag.to_uppercase()) {
                c("pre_delete".into());
            }
        }),
        signals::post_delete::<Note>(move |n, _| {
            if n.text.starts_with(&tag.to_uppercase()) {
                d("post_delete".into());
            }
        }),
    ];
    (seen, connections)
}

async fn handlers_run_around_save_and_delete(db: Db) {
    let tag = if db.backend() == galvani_orm::Backend::Sqlite {
        "sq-a"
    } else {
        "pg-a"
    };
    let (seen, connections) = record(tag);
    let mut note = Note {
        id: 0,
        text: format!("{tag} hello"),
    };
    note.save(&db).await.unwrap();
    assert_eq!(
        note.text,
        format!("{} HELLO", tag.to_uppercase()),
        "pre_save changed it"
    );
    let stored = Note::objects()
        .filter(Note::id.eq(note.id))
        .get(&db)
        .await
        .unwrap();
    assert_eq!(stored.text, note.text, "before it was written");
    note.text = format!("{tag} again");
    note.save(&db).await.unwrap();
    note.delete(&db).await.unwrap();
    let up = tag.to_uppercase();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "pre_save created=true".to_string(),
            "post_save created=true id_set=true".into(),
            format!("committed {up} HELLO"),
            "pre_save created=false".into(),
            "post_save created=false id_set=true".into(),
            format!("committed {up} AGAIN"),
            "pre_delete".into(),
            "post_delete".into(),
        ]
    );
    for c in connections {
        c.disconnect();
    }
    let mut quiet = Note {
        id: 0,
        text: format!("{tag} quiet"),
    };
    quiet.save(&db).await.unwrap();
    assert_eq!(
        quiet.text,
        format!("{tag} quiet"),
        "disconnected handlers do not run"
    );
}

async fn on_commit_from_a_handler_waits_for_the_transaction(db: Db) {
    let tag = if db.backend() == galvani_orm::Backend::Sqlite {
        "sq-b"
    } else {
        "pg-b"
    };
    let (seen, connections) = record(tag);
    let up = tag.to_uppercase();
    let _: Result<(), DbError> = db
        .transaction(|tx| async move {
            Note {
                id: 0,
                text: format!("{tag} undone"),
            }
            .save(&tx)
            .await?;
            Err(DbError::TransactionDone)
        })
        .await;
    let seen_now = seen.lock().unwrap().clone();
    assert!(
        !seen_now.iter().any(|s| s.starts_with("committed")),
        "{seen_now:?}"
    );
    let seen2 = seen.clone();
    db.transaction(|tx| async move {
        Note {
            id: 0,
            text: format!("{tag} kept"),
        }
        .save(&tx)
        .await?;
        assert!(
            !seen2
                .lock()
                .unwrap()
                .iter()
                .any(|s| s.starts_with("committed")),
            "not before the commit"
        );
        Ok::<_, DbError>(())
    })
    .await
    .unwrap();
    assert!(
        seen.lock()
            .unwrap()
            .contains(&format!("committed {up} KEPT"))
    );
    for c in connections {
        c.disconnect();
    }
}

crate::backend_tests!(
    handlers_run_around_save_and_delete,
    on_commit_from_a_handler_waits_for_the_transaction,
);
