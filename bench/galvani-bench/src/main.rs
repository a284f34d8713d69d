//! The TechEmpower tests on Galvani, as a user would write them: `/json` and
//! `/plaintext`, and the database tests `/db` and `/fortunes` through the ORM (or,
//! with `BENCH_TWIN=sqlx`, hand-written on the same pool, for comparison).
//!
//! `bench/run.py` builds it in release mode and runs `galvani-bench runserver ADDR` with
//! `GALVANI_PROFILE=prod` beside the raw-axum twin (`bench/axum-twin`);
//! `galvani-bench prepare` makes the database tables and rows first.

use std::process::ExitCode;

use galvani::prelude::*;
use serde::Serialize;

mod db;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

async fn plaintext() -> &'static str {
    "Hello, World!"
}

fn main() -> ExitCode {
    let settings = match Settings::from_env_in(env!("CARGO_MANIFEST_DIR")) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if std::env::args().nth(1).as_deref() == Some("prepare") {
        return prepare(&settings);
    }
    let twin = std::env::var("BENCH_TWIN").as_deref() == Ok("sqlx");
    let routes = Routes::new()
        .route("/json", get(json))
        .route("/plaintext", get(plaintext));
    let routes = if twin {
        routes
            .route("/db", get(db::db_sqlx))
            .route("/fortunes", get(db::fortunes_sqlx))
    } else {
        routes
            .route("/db", get(db::db_orm))
            .route("/fortunes", get(db::fortunes_orm))
    };
    Project::new(settings)
        .app(galvani::orm::Orm)
        .routes(routes)
        .run_cli()
}

/// `galvani-bench prepare`: the tables and rows of the database tests.
fn prepare(settings: &Settings) -> ExitCode {
    let url = settings.database_url();
    match galvani::orm::Db::run_blocking(&url, async |db| db::prepare(db).await) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("could not prepare the database: {e}");
            ExitCode::FAILURE
        }
    }
}
