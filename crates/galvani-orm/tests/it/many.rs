//! Many-to-many relations: the automatic join table and a `through` model.

use galvani_orm::prelude::*;
use galvani_orm::testing::assert_num_queries;

use crate::models::{Article, Kit, KitPart, Label};

async fn label(name: &str, db: &Db) -> Label {
    let mut l = Label {
        id: 0,
        name: name.into(),
        articles: Reverse::default(),
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

fn titles(articles: &[Article]) -> Vec<&str> {
    articles.iter().map(|a| a.title.as_str()).collect()
}

/// Three articles: "a" labelled rust and web, "b" rust, "c" nothing; "db" unused.
async fn labelled(db: &Db) -> (Label, Label, Label) {
    let (rust, web, unused) = (
        label("rust", db).await,
        label("web", db).await,
        label("db", db).await,
    );
    for (title, labels) in [("a", vec![&rust, &web]), ("b", vec![&rust]), ("c", vec![])] {
        article(title, db)
            .await
            .labels
            .add(db, labels)
            .await
            .unwrap();
    }
    (rust, web, unused)
}

async fn lookups_cross_many_to_many_both_ways(db: Db) {
    let (rust, web, _) = labelled(&db).await;
    let find = |q: Q<Article>| {
        let db = db.clone();
        async move { Article::objects().filter(q).all(&db).await.unwrap() }
    };
    // A row matches once however many related rows match: "a" has both labels.
    let either = Article::labels.any(Label::name.is_in(["rust", "web"]));
    assert_eq!(titles(&find(either.clone()).await), ["a", "b"]);
    assert_eq!(
        Article::objects().filter(either).count(&db).await.unwrap(),
        2
    );
    // The same shape with other values: the statement is reused, the rows differ.
    for (l, expected) in [(&web, vec!["a"]), (&rust, vec!["a", "b"])] {
        assert_eq!(titles(&find(Article::labels.eq(l)).await), expected);
    }
    // Two conditions, each met by some label.
    let both = Article::labels.eq(&rust) & Article::labels.eq(&web);
    assert_eq!(titles(&find(both).await), ["a"]);
    // Negated: no related row matches (the unlabelled row included).
    assert_eq!(titles(&find(!Article::labels.eq(&web)).await), ["b", "c"]);
    assert_eq!(titles(&find(!Article::labels.any(Q::all())).await), ["c"]);
    // Combined with lookups on the row itself, ordering and slicing.
    let q = Article::labels.any(Label::name.startswith("r")) & Article::title.ne("a");
    assert_eq!(titles(&find(q).await), ["b"]);
    let last = Article::objects()
        .filter(Article::labels.eq(&rust))
        .order_by([Article::title.desc()])
        .slice(..1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(titles(&last), ["b"]);

    // The other direction: labels of the articles meeting a condition.
    let of_b: Vec<Label> = Label::objects()
        .filter(Article::labels.referred_by(Article::title.eq("b")))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&of_b), ["rust"]);
    let unused = Label::objects()
        .exclude(Article::labels.referred_by(Q::all()))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&unused), ["db"]);
    // Each side's condition may itself cross the relation.
    let beside_web = Label::objects()
        .filter(Article::labels.referred_by(Article::labels.eq(&web)))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&beside_web), ["rust", "web"]);
}

async fn a_through_model_is_crossed_like_a_join_table(db: Db) {
    let (bolt, nut) = (article("bolt", &db).await, article("nut", &db).await);
    let mut kit = Kit {
        id: 0,
        name: "starter".into(),
        parts: ManyToMany::default(),
    };
    kit.save(&db).await.unwrap();
    KitPart {
        id: 0,
        kit: ForeignKey::to(&kit),
        article: ForeignKey::to(&bolt),
        quantity: 4,
    }
    .save(&db)
    .await
    .unwrap();
    let with_bolts = Kit::objects().filter(Kit::parts.any(Article::title.eq("bolt")));
    assert_eq!(with_bolts.count(&db).await.unwrap(), 1);
    let in_a_kit = Article::objects()
        .filter(Kit::parts.referred_by(Kit::name.eq("starter")))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(titles(&in_a_kit), ["bolt"]);
    assert_eq!(
        Kit::objects()
            .filter(Kit::parts.eq(&nut))
            .count(&db)
            .await
            .unwrap(),
        0
    );
}

async fn the_reverse_side_queries_and_prefetches(db: Db) {
    let (rust, web, unused) = labelled(&db).await;
    assert_eq!(titles(&rust.articles().all(&db).await.unwrap()), ["a", "b"]);
    assert_eq!(titles(&web.articles().all(&db).await.unwrap()), ["a"]);
    assert_eq!(unused.articles().count(&db).await.unwrap(), 0);
    let labels = assert_num_queries(
        &db,
        2,
        Label::objects()
            .prefetch_related([Article::labels.reverse()])
            .all(&db),
    )
    .await
    .unwrap();
    let loaded: Vec<(&str, Vec<&str>)> = labels
        .iter()
        .map(|l| (l.name.as_str(), titles(l.articles.cached().unwrap())))
        .collect();
    assert_eq!(
        loaded,
        [("db", vec![]), ("rust", vec!["a", "b"]), ("web", vec!["a"])]
    );
    // A model that does not declare the side says how to.
    let err = Article::objects()
        .prefetch_related([Kit::parts.reverse()])
        .all(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Reverse<Kit>"), "{err}");
}

crate::backend_tests!(
    lookups_cross_many_to_many_both_ways,
    a_through_model_is_crossed_like_a_join_table,
    the_reverse_side_queries_and_prefetches,
    add_remove_set_and_clear,
    prefetch_loads_every_row_in_one_query,
    deleting_either_side_removes_its_links,
    a_through_model_carries_its_own_fields,
);
