//! Migrations end to end, on SQLite and PostgreSQL: a developer's series of model
//! changes, each turned into a migration by `make_migrations` (compared with the
//! snapshot files, which are also compiled in here and must load back as the same
//! migrations), applied with data surviving every step, then unapplied to zero and
//! applied again. Also: a migration that fails halfway leaves nothing behind.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p galvani-orm --test migrations` rewrites the
//! snapshots after an intended change to the writer.

// The writer's output exactly as written (so not reformatted).
#[rustfmt::skip]
mod snapshots;
mod versions;

use std::collections::BTreeSet;
use std::path::Path;

use galvani_orm::meta::ModelMeta;
use galvani_orm::migrations::dsl::*;
use galvani_orm::migrations::{
    Graph, MakeOptions, Migrator, ProjectState, Questioner, Target, make_migrations,
    migration_source, module_list, registered,
};
use galvani_orm::prelude::*;
use galvani_orm::testing::TestDb;
use galvani_orm::{Backend, Executor, Statement};

use versions::*;

/// Says yes to every rename (the scenario's renames are meant).
struct Renames;

impl Questioner for Renames {
    fn rename_model(&mut self, _: &ModelState, _: &ModelState) -> bool {
        true
    }
    fn rename_field(&mut self, _: &ModelState, _: &FieldState, _: &FieldState) -> bool {
        true
    }
    fn one_off_default(&mut self, _: &ModelState, _: &FieldState) -> Option<ColumnDefault> {
        None
    }
}

const SNAPSHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/migrations/snapshots");

/// The steps: the models after each change, and the migration's expected name.
fn steps() -> Vec<(Vec<&'static ModelMeta>, &'static str)> {
    vec![
        (v1::all(), "0001_initial"),
        (v2::all(), "0002_product_sku"),
        (v3::all(), "0003_product_stock"),
        (v4::all(), "0004_rename_title_product_name"),
        (v5::all(), "0005_alter_product_price"),
        (v6::all(), "0006_alter_product_sku"),
        (v7::all(), "0007_tag_product_category_product_tags"),
        (v8::all(), "0008_rename_category_section"),
        (v9::all(), "0009_remove_product_sku"),
    ]
}

/// Compares `source` with the snapshot file (or writes it, when asked to).
fn snapshot(name: &str, source: &str) {
    let path = Path::new(SNAPSHOTS).join(format!("m{name}.rs"));
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, source).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(source, expected, "{name} differs from its snapshot");
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    let rows = db
        .fetch_all(Statement {
            sql: sql.to_owned(),
            values: Vec::new(),
        })
        .await
        .unwrap();
    rows[0].get::<i64>(0).unwrap()
}

/// After step `i` (from 1): the data written so far is there, read through that
/// step's models, and more is written.
async fn check_step(i: usize, db: &Db) {
    match i {
        1 => {
            for (title, price) in [("Lamp", 40), ("Desk", 300)] {
                let mut p = v1::Product {
                    id: 0,
                    title: title.into(),
                    price,
                };
                p.save(db).await.unwrap();
            }
            v1::Category {
                id: 0,
                name: "Lights".into(),
            }
            .save(db)
            .await
            .unwrap();
        }
        2 => {
            let mut lamp = v2::Product::objects()
                .filter(v2::Product::title.eq("Lamp"))
                .get(db)
                .await
                .unwrap();
            assert_eq!((lamp.price, lamp.sku.as_deref()), (40, None));
            lamp.sku = Some("L-1".into());
            lamp.save(db).await.unwrap();
        }
        3 => {
            let all = v3::Product::objects()
                .order_by([v3::Product::id.asc()])
                .all(db)
                .await
                .unwrap();
            let stock: Vec<i32> = all.iter().map(|p| p.stock).collect();
            assert_eq!(stock, [0, 0], "existing rows take the default");
            assert_eq!(all[0].sku.as_deref(), Some("L-1"));
        }
        4 => {
            let names: Vec<String> = v4::Product::objects()
                .order_by([v4::Product::id.asc()])
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|p| p.name)
                .collect();
            assert_eq!(
                names,
                ["Lamp", "Desk"],
                "the renamed column keeps its values"
            );
        }
        5 => {
            let mut desk = v5::Product::objects()
                .filter(v5::Product::name.eq("Desk"))
                .get(db)
                .await
                .unwrap();
            assert_eq!(desk.price, 300);
            desk.price = 5_000_000_000;
            desk.save(db).await.unwrap();
        }
        6 => {
            let desk = v6::Product::objects()
                .filter(v6::Product::name.eq("Desk"))
                .get(db)
                .await
                .unwrap();
            assert_eq!(desk.price, 5_000_000_000);
            let mut copy = v6::Product {
                id: 0,
                name: "Copy".into(),
                price: 1,
                sku: Some("L-1".into()),
                stock: 0,
            };
            let err = copy.save(db).await.unwrap_err();
            assert!(matches!(err, DbError::UniqueViolation { .. }), "{err}");
        }
        7 => {
            let lights = v7::Category::objects().get(db).await.unwrap();
            let mut lamp = v7::Product::objects()
                .filter(v7::Product::name.eq("Lamp"))
                .get(db)
                .await
                .unwrap();
            assert!(lamp.category.is_none());
            lamp.category = Some(ForeignKey::to(&lights));
            lamp.save(db).await.unwrap();
            let mut tag = v7::Tag {
                id: 0,
                name: "warm".into(),
            };
            tag.save(db).await.unwrap();
            lamp.tags.add(db, [&tag]).await.unwrap();
        }
        8 => {
            let lamp = v8::Product::objects()
                .filter(v8::Product::name.eq("Lamp"))
                .get(db)
                .await
                .unwrap();
            let section = lamp.category.as_ref().unwrap().fetch(db).await.unwrap();
            assert_eq!(
                section.name, "Lights",
                "the renamed table keeps its rows and references"
            );
            assert_eq!(lamp.tags.all(db).await.unwrap().len(), 1);
        }
        9 => {
            let all = v9::Product::objects()
                .order_by([v9::Product::id.asc()])
                .all(db)
                .await
                .unwrap();
            let summary: Vec<(&str, i64, i32)> = all
                .iter()
                .map(|p| (p.name.as_str(), p.price, p.stock))
                .collect();
            assert_eq!(summary, [("Lamp", 40, 0), ("Desk", 5_000_000_000, 0)]);
            assert!(all[0].category.is_some());
            assert_eq!(all[0].tags.all(db).await.unwrap().len(), 1);
        }
        _ => unreachable!(),
    }
}

async fn tables(db: &Db) -> BTreeSet<String> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'scenario%'"
        }
        _ => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'scenario%'"
        }
    };
    let rows = db
        .fetch_all(Statement {
            sql: sql.to_owned(),
            values: Vec::new(),
        })
        .await
        .unwrap();
    rows.iter().map(|r| r.get::<String>(0).unwrap()).collect()
}

async fn scenario(db: Db) {
    let mut history: Vec<Migration> = Vec::new();
    for (i, (models, name)) in steps().into_iter().enumerate() {
        let graph = Graph::new(history.clone(), &BTreeSet::new()).unwrap();
        let to = ProjectState::from_models(&models);
        let made = make_migrations(&graph, &to, &mut Renames, &MakeOptions::default()).unwrap();
        assert_eq!(made.len(), 1, "step {}: {made:?}", i + 1);
        let migration = made.into_iter().next().unwrap();
        assert_eq!(migration.name, name);
        snapshot(name, &migration_source(&migration, "galvani_orm"));
        history.push(migration);
        let ran = Migrator::new(&db, history.clone())
            .migrate(&Target::Latest, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(ran.len(), 1);
        check_step(i + 1, &db).await;
        // Nothing more to make: the history now describes the models.
        let graph = Graph::new(history.clone(), &BTreeSet::new()).unwrap();
        assert!(
            make_migrations(&graph, &to, &mut Renames, &MakeOptions::default())
                .unwrap()
                .is_empty()
        );
    }
    let names: Vec<String> = history.iter().map(|m| m.name.clone()).collect();
    snapshot_list(&names);
    // The files compiled into this test load back as the same migrations.
    let mut compiled = registered();
    compiled.sort_by(|a, b| a.name.cmp(&b.name));
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() != Ok("1") {
        assert_eq!(
            compiled, history,
            "the snapshot files load back as what was written"
        );
    }

    let migrator = Migrator::new(&db, history.clone());
    // Going back narrows `price` to 32 bits again: PostgreSQL refuses a value that
    // does not fit (and the migration changes nothing), so bring it back in range.
    let mut desk = v9::Product::objects()
        .filter(v9::Product::name.eq("Desk"))
        .get(&db)
        .await
        .unwrap();
    if db.backend() == Backend::Postgres {
        let err = migrator
            .migrate(&Target::Zero("scenario".into()), &mut |_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(&err, DbError::MigrationFailed { migration, .. } if migration.ends_with("0005_alter_product_price")),
            "{err}"
        );
        assert_eq!(
            migrator.recorded().await.unwrap().len(),
            5,
            "the later ones were unapplied, 0005 was not"
        );
        migrator
            .migrate(&Target::Latest, &mut |_| {})
            .await
            .unwrap();
    }
    desk.price = 300;
    desk.save(&db).await.unwrap();
    let back = migrator
        .migrate(&Target::Zero("scenario".into()), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(back.len(), 9);
    assert!(back.iter().all(|s| s.backwards));
    assert!(tables(&db).await.is_empty(), "{:?}", tables(&db).await);
    assert!(migrator.recorded().await.unwrap().is_empty());
    let again = migrator
        .migrate(&Target::Latest, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(again.len(), 9);
    let mut p = v9::Product {
        id: 0,
        name: "New".into(),
        price: 1,
        stock: 2,
        category: None,
        tags: ManyToMany::default(),
    };
    p.save(&db).await.unwrap();
    assert_eq!(v9::Product::objects().count(&db).await.unwrap(), 1);
    // Back to a named migration, then forwards to it again.
    let back = migrator
        .migrate(&Target::To("scenario".into(), "0006".into()), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(back.len(), 3);
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM scenario_product").await,
        1,
        "rows survive going back"
    );
    assert_eq!(
        migrator
            .migrate(&Target::Latest, &mut |_| {})
            .await
            .unwrap()
            .len(),
        3
    );
}

fn snapshot_list(names: &[String]) {
    snapshot_file("mod.rs", &module_list("scenario", names, "galvani_orm"));
}

fn snapshot_file(file: &str, source: &str) {
    let path = Path::new(SNAPSHOTS).join(file);
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, source).unwrap();
        return;
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), source);
}

/// What the schema and data are: tables with their columns, and every row of the
/// scenario's product table.
async fn dump(db: &Db) -> Vec<String> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT name || ': ' || sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%' ORDER BY name"
        }
        _ => {
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
              FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1"
        }
    };
    let mut out: Vec<String> = db
        .fetch_all(Statement {
            sql: sql.to_owned(),
            values: Vec::new(),
        })
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String>(0).unwrap())
        .collect();
    let rows = db
        .fetch_all(Statement {
            sql: "SELECT id, title, price FROM scenario_product ORDER BY id".into(),
            values: Vec::new(),
        })
        .await
        .unwrap();
    out.extend(rows.iter().map(|r| {
        format!(
            "{:?} {:?} {:?}",
            r.get::<i64>(0),
            r.get::<String>(1),
            r.get::<i32>(2)
        )
    }));
    out
}

async fn failed_migration_leaves_nothing(db: Db) {
    let initial = Migration::new()
        .named("scenario", "0001_initial")
        .operation(create_model(
            "Product",
            "scenario_product",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("title", FieldKind::Char { max_length: 100 }),
                field("price", FieldKind::Integer),
            ],
        ));
    let broken = Migration::new()
        .named("scenario", "0002_broken")
        .depends_on("scenario", "0001_initial")
        .operation(add_field(
            "Product",
            field("sku", FieldKind::Char { max_length: 20 }).null(),
        ))
        .operation(alter_field(
            "Product",
            field("price", FieldKind::BigInteger),
        ))
        .operation(run_sql(
            "UPDATE scenario_product SET price = price + 1",
            None,
        ))
        .operation(run_sql("INSERT INTO no_such_table VALUES (1)", None));
    let migrator = Migrator::new(&db, vec![initial, broken]);
    migrator
        .migrate(&Target::To("scenario".into(), "0001".into()), &mut |_| {})
        .await
        .unwrap();
    for (title, price) in [("Lamp", 40), ("Desk", 300)] {
        db.execute(Statement {
            sql: format!("INSERT INTO scenario_product (title, price) VALUES ('{title}', {price})"),
            values: Vec::new(),
        })
        .await
        .unwrap();
    }
    let before = dump(&db).await;
    let err = migrator
        .migrate(&Target::Latest, &mut |_| {})
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(&err, DbError::MigrationFailed { index: 4, migration, .. } if migration == "scenario.0002_broken"),
        "{message}"
    );
    assert!(
        message.contains("Raw SQL operation") && message.contains("no_such_table"),
        "{message}"
    );
    assert_eq!(
        dump(&db).await,
        before,
        "the schema and the data are as before the migration"
    );
    let recorded = migrator.recorded().await.unwrap();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    // The lock and the connection were given back: the database still migrates.
    migrator
        .migrate(&Target::Zero("scenario".into()), &mut |_| {})
        .await
        .unwrap();
}

/// A migration that cannot be undone says so, and changes nothing.
async fn irreversible_migrations_refuse_to_go_back(db: Db) {
    let m = Migration::new()
        .named("scenario", "0001_sql")
        .operation(run_sql("CREATE TABLE scenario_x (id integer)", None));
    let migrator = Migrator::new(&db, vec![m]);
    migrator
        .migrate(&Target::Latest, &mut |_| {})
        .await
        .unwrap();
    let err = migrator
        .migrate(&Target::Zero("scenario".into()), &mut |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot be unapplied"), "{err}");
    assert_eq!(tables(&db).await.len(), 1);
}

async fn add_notes(tx: Tx) -> Result<(), DbError> {
    tx.execute(Statement {
        sql: "INSERT INTO scenario_note (text) VALUES ('a'), ('b')".into(),
        values: Vec::new(),
    })
    .await?;
    Ok(())
}
galvani_orm::migration_fn!("scenario.add_notes", add_notes);

async fn remove_notes(tx: Tx) -> Result<(), DbError> {
    tx.execute(Statement {
        sql: "DELETE FROM scenario_note".into(),
        values: Vec::new(),
    })
    .await?;
    Ok(())
}
galvani_orm::migration_fn!("scenario.remove_notes", remove_notes);

/// A data migration runs its registered function forwards and its backward one
/// backwards, inside the migration's transaction; an unknown name is a clear error.
async fn data_migrations_run_registered_functions(db: Db) {
    let initial = Migration::new()
        .named("scenario", "0001_initial")
        .operation(create_model(
            "Note",
            "scenario_note",
            [
                field("id", FieldKind::AutoId).primary_key(),
                field("text", FieldKind::Text),
            ],
        ));
    let data = Migration::new()
        .named("scenario", "0002_notes")
        .depends_on("scenario", "0001_initial")
        .operation(run_rust(
            "scenario.add_notes",
            Some("scenario.remove_notes"),
        ));
    let migrator = Migrator::new(&db, vec![initial.clone(), data]);
    migrator
        .migrate(&Target::Latest, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(scalar(&db, "SELECT count(*) FROM scenario_note").await, 2);
    migrator
        .migrate(&Target::To("scenario".into(), "0001".into()), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(scalar(&db, "SELECT count(*) FROM scenario_note").await, 0);
    let unknown = Migration::new()
        .named("scenario", "0002_unknown")
        .depends_on("scenario", "0001_initial")
        .operation(run_rust("scenario.nowhere", None));
    let err = Migrator::new(&db, vec![initial, unknown])
        .migrate(&Target::Latest, &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no function is registered as `scenario.nowhere`"),
        "{err}"
    );
}

/// The scenario's first four migrations squashed: a fresh database runs the squashed
/// one; a database that ran the originals counts it as applied and goes on.
async fn squashed_migrations_work_whether_or_not_the_originals_ran(db: Db) {
    let mut history = registered();
    history.sort_by(|a, b| a.name.cmp(&b.name));
    let graph = Graph::new(history.clone(), &BTreeSet::new()).unwrap();
    let squashed = galvani_orm::migrations::squash(&graph, "scenario", "0004").unwrap();
    assert_eq!(
        squashed.name,
        "0001_squashed_0004_rename_title_product_name"
    );
    assert_eq!(squashed.replaces.len(), 4);
    assert_eq!(
        squashed.operations.len(),
        2,
        "folded into the two CreateModels: {squashed:?}"
    );
    let mut with_squash = history.clone();
    with_squash.push(squashed.clone());
    // A database that ran the four originals before the squash existed.
    let originals = Migrator::new(&db, history.clone());
    originals
        .migrate(&Target::To("scenario".into(), "0004".into()), &mut |_| {})
        .await
        .unwrap();
    let migrator = Migrator::new(&db, with_squash.clone());
    let ran = migrator
        .migrate(&Target::Latest, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        ran.len(),
        5,
        "0005 to 0009; the squashed one counts as applied"
    );
    let (_, applied) = migrator.graph().await.unwrap();
    assert!(applied.contains(&squashed.key()));
    migrator
        .migrate(&Target::Zero("scenario".into()), &mut |_| {})
        .await
        .unwrap();
    assert!(migrator.recorded().await.unwrap().is_empty());
    let ran = migrator
        .migrate(&Target::Latest, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        ran.len(),
        6,
        "a fresh database runs the squashed one, then 0005 to 0009"
    );
    assert_eq!(
        migrator.recorded().await.unwrap().len(),
        10,
        "the replaced ones are recorded too"
    );
    let mut p = v9::Product {
        id: 0,
        name: "Sq".into(),
        price: 1,
        stock: 0,
        category: None,
        tags: ManyToMany::default(),
    };
    p.save(&db).await.unwrap();
}

macro_rules! on_both {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                let test = super::TestDb::sqlite().await.unwrap();
                super::$name(test.db.clone()).await;
                test.finish().await.unwrap();
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                let Some(test) = super::TestDb::postgres().await.unwrap() else { return };
                super::$name(test.db.clone()).await;
                test.finish().await.unwrap();
            })*
        }
    };
}

on_both!(
    scenario,
    failed_migration_leaves_nothing,
    irreversible_migrations_refuse_to_go_back,
    data_migrations_run_registered_functions,
    squashed_migrations_work_whether_or_not_the_originals_ran
);
