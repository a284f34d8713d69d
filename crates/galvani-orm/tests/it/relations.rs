//! Foreign keys: lookups and ordering across them, select_related, loading, and the
//! on_delete rules, applied by Galvani on both backends.

use galvani_orm::prelude::*;
use galvani_orm::testing::assert_num_queries;

use crate::models::{Brand, Feature, Item, Review, Section, Supplier};

/// Sections Drinks > (Tea, Coffee); items Assam and Darjeeling (Tea), Espresso
/// (Coffee); one five-star review of Assam.
pub(crate) struct Shop {
    pub brand: Brand,
    pub supplier: Supplier,
    pub drinks: Section,
    pub tea: Section,
    pub coffee: Section,
    pub assam: Item,
    pub espresso: Item,
}

async fn saved<M: Model>(mut value: M, db: &Db) -> M {
    value.save(db).await.unwrap();
    value
}

pub(crate) async fn shop(db: &Db) -> Shop {
    let brand = saved(
        Brand {
            id: 0,
            name: "Acme".into(),
        },
        db,
    )
    .await;
    let supplier = saved(
        Supplier {
            id: 0,
            name: "Leaf & Bean".into(),
        },
        db,
    )
    .await;
    let drinks = saved(
        Section {
            id: 0,
            name: "Drinks".into(),
            parent: None,
            children: Reverse::default(),
            items: Reverse::default(),
        },
        db,
    )
    .await;
    let tea = saved(
        Section {
            id: 0,
            name: "Tea".into(),
            parent: Some(ForeignKey::to(&drinks)),
            children: Reverse::default(),
            items: Reverse::default(),
        },
        db,
    )
    .await;
    let coffee = saved(
        Section {
            id: 0,
            name: "Coffee".into(),
            parent: Some(ForeignKey::to(&drinks)),
            children: Reverse::default(),
            items: Reverse::default(),
        },
        db,
    )
    .await;
    let item = |name: &str, section: &Section| Item {
        id: 0,
        name: name.into(),
        section: ForeignKey::to(section),
        supplier: Some(ForeignKey::to(&supplier)),
        brand: ForeignKey::to(&brand),
        reviews: Reverse::default(),
    };
    let assam = saved(item("Assam", &tea), db).await;
    let espresso = saved(item("Espresso", &coffee), db).await;
    saved(item("Darjeeling", &tea), db).await;
    saved(
        Review {
            id: 0,
            item: ForeignKey::to(&assam),
            stars: 5,
        },
        db,
    )
    .await;
    Shop {
        brand,
        supplier,
        drinks,
        tea,
        coffee,
        assam,
        espresso,
    }
}

fn names(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.name.as_str()).collect()
}

async fn lookups_and_ordering_cross_relations(db: Db) {
    let s = shop(&db).await;
    let teas = Item::objects()
        .filter(Item::section.then(Section::name).eq("Tea"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&teas), ["Assam", "Darjeeling"]);
    // Two relations away: the section's parent.
    let drinks = Item::objects()
        .filter(
            Item::section
                .then(Section::parent)
                .then(Section::name)
                .eq("Drinks"),
        )
        .count(&db)
        .await
        .unwrap();
    assert_eq!(drinks, 3);
    // By key, or by the row itself.
    assert_eq!(
        Item::objects()
            .filter(Item::section.eq(&s.coffee))
            .count(&db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        Item::objects()
            .filter(Item::section.eq(s.tea.id))
            .count(&db)
            .await
            .unwrap(),
        2
    );
    let by_section = Item::objects()
        .order_by([Item::section.then(Section::name).asc(), Item::name.desc()])
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&by_section), ["Espresso", "Darjeeling", "Assam"]);
    // A nullable relation: rows without one match `is_null`.
    let roots = Section::objects()
        .filter(Section::parent.then(Section::name).is_null(true))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        roots.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Drinks"]
    );
    // Deleting and updating through a filter on a relation.
    let changed = Item::objects()
        .filter(Item::section.then(Section::name).eq("Coffee"))
        .update([Item::name.set("Ristretto")], &db)
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let through = Item::objects()
        .update([Item::section.then(Section::name).set("x")], &db)
        .await
        .unwrap_err();
    assert!(matches!(through, DbError::InvalidValue { .. }), "{through}");
}

async fn select_related_loads_in_one_query(db: Db) {
    shop(&db).await;
    let items = assert_num_queries(
        &db,
        1,
        Item::objects()
            .select_related([
                Item::section.related(),
                Item::section.then(Section::parent).related(),
                Item::brand.related(),
            ])
            .all(&db),
    )
    .await
    .unwrap();
    assert_eq!(items.len(), 3);
    for item in &items {
        let section = item.section.cached().expect("the section was loaded");
        assert!(["Tea", "Coffee"].contains(&section.name.as_str()));
        let parent = section
            .parent
            .as_ref()
            .and_then(|p| p.cached())
            .expect("and its parent");
        assert_eq!(parent.name, "Drinks");
        assert_eq!(item.brand.cached().unwrap().name, "Acme");
        assert!(
            item.supplier.as_ref().unwrap().cached().is_none(),
            "not asked for"
        );
    }
    // A missing row (NULL key) leaves nothing loaded.
    let sections = Section::objects()
        .select_related([Section::parent.related()])
        .all(&db)
        .await
        .unwrap();
    let drinks = sections.iter().find(|s| s.name == "Drinks").unwrap();
    assert!(drinks.parent.is_none());
}

async fn a_relation_loads_on_demand(db: Db) {
    let s = shop(&db).await;
    let mut item = Item::objects()
        .filter(Item::id.eq(s.espresso.id))
        .get(&db)
        .await
        .unwrap();
    assert!(item.section.cached().is_none());
    let section = assert_num_queries(&db, 1, item.section.load(&db))
        .await
        .unwrap();
    assert_eq!(section.name, "Coffee");
    // Loaded once, kept.
    assert_num_queries(&db, 0, item.section.load(&db))
        .await
        .unwrap();
    assert_eq!(item.section.fetch(&db).await.unwrap().name, "Coffee");
}

async fn cascade_follows_every_level(db: Db) {
    let s = shop(&db).await;
    // Deleting the root takes its sections, their items, and the items' reviews.
    let n = s.drinks.delete(&db).await.unwrap();
    assert_eq!(n, 3, "the root and the two sections inside it");
    assert_eq!(Section::objects().count(&db).await.unwrap(), 0);
    assert_eq!(Item::objects().count(&db).await.unwrap(), 0);
    assert_eq!(Review::objects().count(&db).await.unwrap(), 0);
    // What nothing referred to stays.
    assert_eq!(Brand::objects().count(&db).await.unwrap(), 1);
    assert_eq!(Supplier::objects().count(&db).await.unwrap(), 1);
}

async fn protect_refuses_and_changes_nothing(db: Db) {
    let s = shop(&db).await;
    let err = s.brand.delete(&db).await.unwrap_err();
    match &err {
        DbError::Protected {
            model,
            referrer,
            field,
            count,
        } => {
            assert_eq!(
                (model.as_str(), referrer.as_str(), field.as_str(), *count),
                ("shop.Brand", "shop.Item", "brand", 3)
            );
        }
        other => panic!("expected Protected, got {other}"),
    }
    assert_eq!(Brand::objects().count(&db).await.unwrap(), 1);
    // Also through a QuerySet, and nothing of a cascade half-done: deleting a section
    // whose items are protected by nothing else works, but the brand stays protected.
    assert!(Brand::objects().delete(&db).await.is_err());
    assert_eq!(Item::objects().count(&db).await.unwrap(), 3);
}

async fn set_null_rewrites_references(db: Db) {
    let s = shop(&db).await;
    s.supplier.delete(&db).await.unwrap();
    let items = Item::objects().all(&db).await.unwrap();
    assert_eq!(items.len(), 3, "the items stay");
    assert!(items.iter().all(|i| i.supplier.is_none()));
}

async fn restrict_allows_only_a_cascade_that_takes_the_referrer(db: Db) {
    let s = shop(&db).await;
    saved(
        Feature {
            id: 0,
            section: ForeignKey::to(&s.tea),
            item: ForeignKey::to(&s.assam),
        },
        &db,
    )
    .await;
    let err = s.assam.delete(&db).await.unwrap_err();
    assert!(matches!(err, DbError::Protected { .. }), "{err}");
    assert_eq!(Item::objects().count(&db).await.unwrap(), 3);
    // Deleting the section deletes the feature too, so the restriction is met.
    s.tea.delete(&db).await.unwrap();
    assert_eq!(Feature::objects().count(&db).await.unwrap(), 0);
    assert_eq!(
        names(&Item::objects().all(&db).await.unwrap()),
        ["Espresso"]
    );
}

async fn a_missing_referred_row_is_a_typed_error(db: Db) {
    let s = shop(&db).await;
    let mut orphan = Item {
        id: 0,
        name: "Orphan".into(),
        section: ForeignKey::new(999_999),
        supplier: None,
        brand: ForeignKey::to(&s.brand),
        reviews: Reverse::default(),
    };
    let err = orphan.save(&db).await.unwrap_err();
    assert!(matches!(err, DbError::ForeignKeyViolation { .. }), "{err}");
    assert_eq!(
        Item::objects().count(&db).await.unwrap(),
        3,
        "nothing half-written"
    );
}

async fn reverse_sides_query_and_prefetch(db: Db) {
    let s = shop(&db).await;
    assert_eq!(s.tea.items().count(&db).await.unwrap(), 2);
    assert_eq!(s.drinks.children().count(&db).await.unwrap(), 2);
    let sections = assert_num_queries(
        &db,
        3,
        Section::objects()
            .prefetch_related([Item::section.reverse(), Section::parent.reverse()])
            .all(&db),
    )
    .await
    .unwrap();
    let by_name = |name: &str| sections.iter().find(|s| s.name == name).unwrap();
    let tea_items: Vec<&str> = by_name("Tea")
        .items
        .cached()
        .unwrap()
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        tea_items,
        ["Assam", "Darjeeling"],
        "in the items' own ordering"
    );
    assert_eq!(by_name("Coffee").items.cached().unwrap().len(), 1);
    assert_eq!(
        by_name("Drinks").items.cached().unwrap().len(),
        0,
        "loaded, and empty"
    );
    assert_eq!(by_name("Drinks").children.cached().unwrap().len(), 2);
    // Only the parents of the QuerySet are looked up; an empty QuerySet asks nothing.
    let none = assert_num_queries(
        &db,
        1,
        Section::objects()
            .filter(Q::none())
            .prefetch_related([Item::section.reverse()])
            .all(&db),
    )
    .await
    .unwrap();
    assert!(none.is_empty());
    // A model that declares no reverse side says how to add one.
    let err = Brand::objects()
        .prefetch_related([Item::brand.reverse()])
        .all(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Reverse<Item>"), "{err}");
    let _ = s.coffee;
}

async fn lookups_cross_the_reverse_side_of_a_foreign_key(db: Db) {
    let s = shop(&db).await;
    let section_names =
        |sections: Vec<Section>| -> Vec<String> { sections.into_iter().map(|s| s.name).collect() };
    // Sections with an item named like a tea: Tea once, though two items match.
    let q = Item::section.referred_by(Item::name.is_in(["Assam", "Darjeeling"]));
    let found = Section::objects().filter(q.clone()).all(&db).await.unwrap();
    assert_eq!(section_names(found), ["Tea"]);
    assert_eq!(Section::objects().filter(q).count(&db).await.unwrap(), 1);
    // The inner condition may cross relations of its own (a join inside).
    let reviewed = Section::objects()
        .filter(
            Item::section
                .referred_by(Item::brand.then(Brand::name).eq("Acme") & Item::name.endswith("o")),
        )
        .all(&db)
        .await
        .unwrap();
    assert_eq!(section_names(reviewed), ["Coffee"]);
    // Sections with no item at all, and a relation to itself.
    let empty = Section::objects()
        .exclude(Item::section.referred_by(Q::all()))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(section_names(empty), ["Drinks"]);
    let parents = Section::objects()
        .filter(Section::parent.referred_by(Section::name.eq("Tea")))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(section_names(parents), ["Drinks"]);
    // Through `then`: the sections of the items with a five-star review.
    let starred = Section::objects()
        .filter(
            Review::item
                .then(Item::section)
                .referred_by(Review::stars.eq(5_i16)),
        )
        .all(&db)
        .await
        .unwrap();
    assert_eq!(section_names(starred), ["Tea"]);

    // A nullable foreign key: a NULL among the references must not make `exclude`
    // drop every row (`NOT IN (..., NULL)` is never true in SQL).
    let mut loose = s.espresso.clone();
    loose.supplier = None;
    loose.save(&db).await.unwrap();
    let mut idle = Supplier {
        id: 0,
        name: "Idle".into(),
    };
    idle.save(&db).await.unwrap();
    let unused: Vec<String> = Supplier::objects()
        .exclude(Item::supplier.referred_by(Q::all()))
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(unused, ["Idle"]);
}

async fn f_expressions_compare_columns_across_relations(db: Db) {
    let _ = shop(&db).await;
    // Items whose key is above their section's (Darjeeling: 3 > 2), a join for the
    // right-hand side.
    let later = Item::objects()
        .filter(Item::id.f().gt(Item::section.then(Section::id)))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&later), ["Darjeeling"]);
    // An UPDATE sees only its own table: setting from a related column is refused.
    let err = Item::objects()
        .update(
            [Item::id.set_expr(Item::section.then(Section::id).f())],
            &db,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::InvalidValue { .. }), "{err}");
    let again = Item::objects()
        .filter(Item::id.f().gt(Item::section.then(Section::id)))
        .get(&db)
        .await
        .unwrap();
    assert_eq!(again.id, later[0].id, "nothing was written");
}

crate::backend_tests!(
    lookups_cross_the_reverse_side_of_a_foreign_key,
    f_expressions_compare_columns_across_relations,
    reverse_sides_query_and_prefetch,
    lookups_and_ordering_cross_relations,
    select_related_loads_in_one_query,
    a_relation_loads_on_demand,
    cascade_follows_every_level,
    protect_refuses_and_changes_nothing,
    set_null_rewrites_references,
    restrict_allows_only_a_cascade_that_takes_the_referrer,
    a_missing_referred_row_is_a_typed_error,
);
