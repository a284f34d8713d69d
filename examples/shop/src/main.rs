//! The Galvani shop, the framework's flagship example.
//!
//! Run it with `cargo run -p shop` and open http://127.0.0.1:8000. The binary is the
//! project's `manage.py`: try `cargo run -p shop -- routes` or `cargo run -p shop -- check --deploy`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let settings = match galvani::Settings::from_env_in(env!("CARGO_MANIFEST_DIR")) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // Serving (the default command) migrates the database and makes the demo data on
    // the first run (db.sqlite3 by default); other commands find it as it is.
    let command = std::env::args().nth(1);
    if command.as_deref().is_none_or(|c| c == "runserver")
        && let Err(e) = shop::prepare_database(&settings)
    {
        eprintln!("the database is not ready: {e}");
        return ExitCode::FAILURE;
    }
    shop::project(settings).run_cli()
}
