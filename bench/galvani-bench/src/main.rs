//! The TechEmpower `/json` and `/plaintext` tests on Galvani, as a user would write them.
//!
//! `bench/run.py` builds it in release mode and runs `galvani-bench runserver ADDR` with
//! `GALVANI_PROFILE=prod` beside the raw-axum twin (`bench/axum-twin`).

use galvani::prelude::*;
use serde::Serialize;

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

fn main() -> std::process::ExitCode {
    Project::new(Settings::from_env_in(env!("CARGO_MANIFEST_DIR")))
        .routes(
            Routes::new()
                .route("/json", get(json))
                .route("/plaintext", get(plaintext)),
        )
        .run_cli()
}
