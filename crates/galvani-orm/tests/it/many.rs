//! Many-to-many relations: the automatic join table and a `through` model.

use galvani_orm::prelude::*;
use galvani_orm::testing::assert_num_queries;

use crate::models::{Article, Kit, KitPart, Label};

async fn label(name: &str, db: &Db) -> Label {
    let mut l = Label {
        id: 0,
        name: name.into(),
    };
    l.save(db).await.unwrap();
    l
}

async fn article(title: &str, db: &Db) -> Article {
    let mut a = Article {
        id: 0,
        title: title.into(),
        labels: ManyToMany::default(),
    };
    a.save(db).await.unwrap();
    a
}

fn names(labels: &[Label]) -> Vec<&str> {
    labels.iter().map(|l| l.name.as_str()).collect()
}

async fn add_remove_set_and_clear(db: Db) {
    let (rust, web, db_label) = (
        label("rust", &db).await,
        label("web", &db).await,
        label("db", &db).await,
    );
    let post = article("Galvani", &db).await;
    post.labels.add(&db, [&rust, &web]).await.unwrap();
    post.labels.add(&db, [&rust]).await.unwrap(); // already there: nothing happens
    assert_eq!(names(&post.labels.all(&db).await.unwrap()), ["rust", "web"]);
    post.labels.remove(&db, [&web]).await.unwrap();
    assert_eq!(names(&post.labels.all(&db).await.unwrap()), ["rust"]);
    post.labels.set(&db, [&web, &db_label]).await.unwrap();
    assert_eq!(names(&post.labels.all(&db).await.unwrap()), ["db", "web"]);
    // A row read back is bound too; the relation is a QuerySet.
    let again = Article::objects().get(&db).await.unwrap();
    let w = again
        .labels
        .query()
        .unwrap()
        .filter(Label::name.startswith("w"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(w, 1);
    again.labels.clear(&db).await.unwrap();
    assert!(post.labels.all(&db).await.unwrap().is_empty());
    // Not saved yet: nothing to relate to.
    let draft = Article {
        id: 0,
        title: "draft".into(),
        labels: ManyToMany::default(),
    };
    assert!(matches!(
        draft.labels.add(&db, [&rust]).await,
        Err(DbError::NotSaved { .. })
    ));
}

async fn prefetch_loads_every_row_in_one_query(db: Db) {
    let (rust, web) = (label("rust", &db).await, label("web", &db).await);
    for (title, labels) in [("a", vec![&rust, &web]), ("b", vec![&web]), ("c", vec![])] {
        let post = article(title, &db).await;
        post.labels.add(&db, labels).await.unwrap();
    }
    let posts = assert_num_queries(
        &db,
        2,
        Article::objects()
            .prefetch_related([Article::labels.prefetch()])
            .all(&db),
    )
    .await
    .unwrap();
    let loaded: Vec<Vec<&str>> = posts
        .iter()
        .map(|p| names(p.labels.cached().unwrap()))
        .collect();
    assert_eq!(loaded, [vec!["rust", "web"], vec!["web"], vec![]]);
}

async fn deleting_either_side_removes_its_links(db: Db) {
    let (rust, web) = (label("rust", &db).await, label("web", &db).await);
    let post = article("a", &db).await;
    post.labels.add(&db, [&rust, &web]).await.unwrap();
    rust.delete(&db).await.unwrap();
    assert_eq!(names(&post.labels.all(&db).await.unwrap()), ["web"]);
    post.delete(&db).await.unwrap();
    assert_eq!(
        Label::objects().count(&db).await.unwrap(),
        1,
        "the other side stays"
    );
}

async fn a_through_model_carries_its_own_fields(db: Db) {
    let (a, b) = (article("bolt", &db).await, article("nut", &db).await);
    let mut kit = Kit {
        id: 0,
        name: "starter".into(),
        parts: ManyToMany::default(),
    };
    kit.save(&db).await.unwrap();
    for (part, quantity) in [(&a, 4), (&b, 8)] {
        let mut row = KitPart {
            id: 0,
            kit: ForeignKey::to(&kit),
            article: ForeignKey::to(part),
            quantity,
        };
        row.save(&db).await.unwrap();
    }
    let parts: Vec<String> = kit
        .parts
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert_eq!(parts, ["bolt", "nut"]);
    // Rows of the through model are made directly; `add` says so.
    let err = kit.parts.add(&db, [&a]).await.unwrap_err();
    assert!(err.to_string().contains("blog.KitPart"), "{err}");
    let kits = Kit::objects()
        .prefetch_related([Kit::parts.prefetch()])
        .all(&db)
        .await
        .unwrap();
    assert_eq!(kits[0].parts.cached().unwrap().len(), 2);
    kit.delete(&db).await.unwrap();
    assert_eq!(KitPart::objects().count(&db).await.unwrap(), 0, "cascaded");
    assert_eq!(Article::objects().count(&db).await.unwrap(), 2);
}

crate::backend_tests!(
    add_remove_set_and_clear,
    prefetch_loads_every_row_in_one_query,
    deleting_either_side_removes_its_links,
    a_through_model_carries_its_own_fields,
);
