//! A small project that Galvani's own tests run as a process (`tests/cli.rs`): settings
//! errors and exit codes, `runserver`, graceful shutdown on SIGTERM, app commands.
//! It reads `galvani.toml` from the folder it is started in.

use std::io::Write;
use std::time::Duration;

use galvani::commands::{AppCommand, CommandContext};
use galvani::prelude::*;

struct Probe;

impl App for Probe {
    fn label(&self) -> &'static str {
        "probe"
    }

    fn routes(&self) -> Routes {
        Routes::new()
            .route("/", get(|| async { "ok" }))
            .name("index")
            .route("/slow/{ms}", get(slow))
            .name("slow")
    }

    fn commands(&self) -> Vec<AppCommand> {
        vec![
            AppCommand::new::<Greet, _, _>("greet", greet),
            AppCommand::new::<Fail, _, _>("fail", fail),
        ]
    }
}

async fn slow(Path(ms): Path<u64>) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}

/// Greet someone.
#[derive(clap::Args)]
struct Greet {
    /// Who to greet.
    name: String,
    /// Shout.
    #[arg(long)]
    loud: bool,
}

async fn greet(args: Greet, ctx: CommandContext) -> galvani::Result<()> {
    let text = format!("Hello, {}!", args.name);
    let text = if args.loud { text.to_uppercase() } else { text };
    writeln!(ctx.out(), "{text}").map_err(|e| galvani::Error::command(e.to_string()))
}

/// Always fails.
#[derive(clap::Args)]
struct Fail {}

async fn fail(_: Fail, _ctx: CommandContext) -> galvani::Result<()> {
    Err(galvani::Error::command("the fail command failed, as asked"))
}

fn main() -> std::process::ExitCode {
    Project::new(Settings::from_env()).app(Probe).run_cli()
}
