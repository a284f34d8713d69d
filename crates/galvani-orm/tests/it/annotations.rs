//! Aggregates over related rows beside each row (`annotate`), on both backends.

use galvani_orm::prelude::*;
use galvani_orm::testing::assert_num_queries;

use crate::models::{Article, Item, Label, Review, Section};
use crate::relations::shop;

async fn counts_and_sums_of_referring_rows(db: Db) {
    let s = shop(&db).await;
    Review {
        id: 0,
        item: ForeignKey::to(&s.assam),
        stars: 3,
    }
    .save(&db)
    .await
    .unwrap();
    // Sections ordered by name: Coffee, Drinks, Tea. Two aggregates in one query do
    // not multiply each other (Drinks: no items, two children).
    let rows = assert_num_queries(
        &db,
        1,
        Section::objects().annotate(
            (
                Count::referring(Item::section),
                Count::referring(Section::parent),
                Count::referring(Item::section).filter(Item::name.startswith("D")),
                Count::referring(Review::item.then(Item::section)),
                Sum::referring(Review::item.then(Item::section), Review::stars),
                Max::referring(Review::item.then(Item::section), Review::stars),
            ),
            &db,
        ),
    )
    .await
    .unwrap();
    let got: Vec<_> = rows.iter().map(|(s, a)| (s.name.as_str(), *a)).collect();
    assert_eq!(
        got,
        [
            ("Coffee", (1, 0, 0, 0, None, None)),
            ("Drinks", (0, 2, 0, 0, None, None)),
            ("Tea", (2, 0, 1, 2, Some(8), Some(5))),
        ]
    );
    let averages = Item::objects()
        .filter(Item::name.eq("Assam"))
        .annotate(
            (
                Avg::referring(Review::item, Review::stars),
                Min::referring(Review::item, Review::stars),
            ),
            &db,
        )
        .await
        .unwrap();
    assert_eq!(averages[0].1, (Some(4.0), Some(3)));

    // Filters, ordering, slices and select_related apply as for all(); the annotated
    // columns come after the related ones.
    let items = Item::objects()
        .filter(Item::section.then(Section::name).eq("Tea"))
        .select_related([Item::section.related()])
        .order_by([Item::name.desc()])
        .slice(..1)
        .annotate(
            (
                Count::referring(Review::item),
                Item::brand.then(crate::models::Brand::name),
            ),
            &db,
        )
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    let (darjeeling, (reviews, brand)) = &items[0];
    assert_eq!(darjeeling.name, "Darjeeling");
    assert_eq!(darjeeling.section.cached().unwrap().name, "Tea");
    assert_eq!((*reviews, brand.as_str()), (0, "Acme"));

    // The same columns in values(): no grouping of the rows themselves.
    let per_section = Section::objects()
        .values((Section::name, Count::referring(Item::section)), &db)
        .await
        .unwrap();
    assert_eq!(
        per_section,
        [
            ("Coffee".into(), 1),
            ("Drinks".into(), 0),
            ("Tea".into(), 2)
        ]
    );

    // An aggregate over the rows themselves is a grouping: values() says so.
    let err = Section::objects()
        .annotate((Count::all(),), &db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("values()"), "{err}");
}

async fn counts_across_many_to_many_both_ways(db: Db) {
    let mut labels = Vec::new();
    for name in ["db", "rust", "web"] {
        let mut l = Label {
            id: 0,
            name: name.into(),
            articles: Reverse::default(),
        };
        l.save(&db).await.unwrap();
        labels.push(l);
    }
    for (title, which) in [("a", vec![1, 2]), ("b", vec![1]), ("c", vec![])] {
        let mut a = Article {
            id: 0,
            title: title.into(),
            labels: ManyToMany::default(),
        };
        a.save(&db).await.unwrap();
        a.labels
            .add(&db, which.iter().map(|&i| &labels[i]))
            .await
            .unwrap();
    }
    let per_article: Vec<(String, i64)> = Article::objects()
        .annotate((Count::related(Article::labels),), &db)
        .await
        .unwrap()
        .into_iter()
        .map(|(a, (n,))| (a.title, n))
        .collect();
    assert_eq!(
        per_article,
        [("a".into(), 2), ("b".into(), 1), ("c".into(), 0)]
    );
    let per_label = Label::objects()
        .values(
            (
                Label::name,
                Count::referring(Article::labels),
                Count::referring(Article::labels).filter(Article::title.ne("a")),
            ),
            &db,
        )
        .await
        .unwrap();
    assert_eq!(
        per_label,
        [
            ("db".into(), 0, 0),
            ("rust".into(), 2, 1),
            ("web".into(), 1, 0)
        ]
    );
    // Filtering on the relation and counting it in one query.
    let labelled = Article::objects()
        .filter(Article::labels.any(Q::all()))
        .annotate(
            (Count::related(Article::labels).filter(Label::name.eq("web")),),
            &db,
        )
        .await
        .unwrap();
    let got: Vec<(&str, i64)> = labelled
        .iter()
        .map(|(a, (n,))| (a.title.as_str(), *n))
        .collect();
    assert_eq!(got, [("a", 1), ("b", 0)]);
}

crate::backend_tests!(
    counts_and_sums_of_referring_rows,
    counts_across_many_to_many_both_ways,
);
