//! The tutorial's project: one app, `pages`, serving a home page and an about page
//! rendered from templates, with a stylesheet.
//!
//! Run it from the repository root:
//!
//!     cargo run -p tutorial                # the development server, http://127.0.0.1:8001/
//!     cargo run -p tutorial -- routes      # list the routes
//!     cargo run -p tutorial -- --help      # every command
//!     cargo test -p tutorial               # the tests in tests/tutorial.rs
//!
//! The walk-through is docs/tutorial/01-first-page.md.

use galvani::prelude::*;
use mysite::pages;

fn main() -> std::process::ExitCode {
    Project::new(Settings::from_env_in(env!("CARGO_MANIFEST_DIR")))
        .app(pages::Pages)
        .run_cli()
}
