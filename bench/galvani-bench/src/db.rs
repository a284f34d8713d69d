//! The TechEmpower database tests, `/db` (one random row) and `/fortunes` (every row
//! and one more, sorted, rendered by an escaping template), twice: through the ORM,
//! and hand-written on the same sqlx pool (`BENCH_TWIN=sqlx`). `bench/run.py` runs
//! the two as separate peers on the same paths and reports their ratio.

use std::cell::Cell;

use galvani::orm::Db;
use galvani::orm::sqlx;
use galvani::prelude::*;
use serde::Serialize;

/// A row of the `world` table.
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "bench", table = "world")]
pub struct World {
    /// The key, 1 to 10,000.
    pub id: i64,
    /// A number from 1 to 10,000.
    pub randomnumber: i32,
}

/// A row of the `fortune` table.
#[derive(Model, Debug, Clone, Serialize)]
#[model(app = "bench", table = "fortune")]
pub struct Fortune {
    /// The key.
    pub id: i64,
    /// The fortune.
    pub message: String,
}

const ROWS: i64 = 10_000;

const FORTUNES: &[&str] = &[
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    "<script>alert(\"This should not be displayed in a browser alert box.\");</script>",
    "フレームワークのベンチマーク",
];

thread_local! {
    static SEED: Cell<u64> = Cell::new(0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64);
}

/// A key from 1 to 10,000 (xorshift: the benchmark measures the database layer, not
/// a random number generator).
fn random_id() -> i64 {
    SEED.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x % ROWS as u64) as i64 + 1
    })
}

fn internal(e: DbError) -> HttpError {
    HttpError::internal(e)
}

/// `/db` through the ORM.
pub async fn db_orm(db: Db) -> HttpResult<Json<World>> {
    let world = World::objects()
        .filter(World::id.eq(random_id()))
        .get(&db)
        .await
        .map_err(internal)?;
    Ok(Json(world))
}

/// `/fortunes` through the ORM.
pub async fn fortunes_orm(db: Db) -> HttpResult<Template> {
    let fortunes = Fortune::objects().all(&db).await.map_err(internal)?;
    Ok(render(fortunes))
}

fn render(mut fortunes: Vec<Fortune>) -> Template {
    fortunes.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".into(),
    });
    fortunes.sort_by(|a, b| a.message.cmp(&b.message));
    Template::new("fortunes.html", context! { fortunes })
}

/// `/db` hand-written on the same pool.
pub async fn db_sqlx(db: Db) -> HttpResult<Json<World>> {
    let id = random_id();
    let row: (i64, i32) = if let Some(pool) = db.sqlite_pool().await.map_err(internal)? {
        sqlx::query_as("SELECT id, randomnumber FROM world WHERE id = ?")
            .bind(id)
            .fetch_one(pool)
            .await
    } else if let Some(pool) = db.postgres_pool().await.map_err(internal)? {
        sqlx::query_as("SELECT id, randomnumber FROM world WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
    } else {
        unreachable!("a Db is SQLite or PostgreSQL")
    }
    .map_err(HttpError::internal)?;
    Ok(Json(World {
        id: row.0,
        randomnumber: row.1,
    }))
}

/// `/fortunes` hand-written on the same pool.
pub async fn fortunes_sqlx(db: Db) -> HttpResult<Template> {
    let rows: Vec<(i64, String)> = if let Some(pool) = db.sqlite_pool().await.map_err(internal)? {
        sqlx::query_as("SELECT id, message FROM fortune")
            .fetch_all(pool)
            .await
    } else if let Some(pool) = db.postgres_pool().await.map_err(internal)? {
        sqlx::query_as("SELECT id, message FROM fortune")
            .fetch_all(pool)
            .await
    } else {
        unreachable!("a Db is SQLite or PostgreSQL")
    }
    .map_err(HttpError::internal)?;
    Ok(render(
        rows.into_iter()
            .map(|(id, message)| Fortune { id, message })
            .collect(),
    ))
}

/// Makes the tables and their rows when they are missing (`galvani-bench prepare`).
pub async fn prepare(db: &Db) -> Result<(), DbError> {
    galvani::orm::create_tables_if_missing(db, &[World::meta(), Fortune::meta()]).await?;
    if World::objects().exists(db).await? {
        return Ok(());
    }
    let mut worlds: Vec<World> = (1..=ROWS)
        .map(|id| World {
            id: 0,
            randomnumber: ((id * 7_919) % ROWS) as i32 + 1,
        })
        .collect();
    World::objects().bulk_create(&mut worlds, db).await?;
    let mut fortunes: Vec<Fortune> = FORTUNES
        .iter()
        .map(|m| Fortune {
            id: 0,
            message: (*m).to_owned(),
        })
        .collect();
    Fortune::objects().bulk_create(&mut fortunes, db).await?;
    Ok(())
}
