//! The Galvani shop, the framework's flagship example.
//!
//! Run it with `cargo run -p shop` and open http://127.0.0.1:8000. The binary is the
//! project's `manage.py`: try `cargo run -p shop -- routes` or `cargo run -p shop -- check --deploy`.

fn main() -> std::process::ExitCode {
    shop::project(galvani::Settings::from_env_in(env!("CARGO_MANIFEST_DIR"))).run_cli()
}
