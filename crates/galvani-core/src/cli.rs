//! The project binary is `manage.py`: `runserver [ADDR]`, `check [--deploy]`, `routes`,
//! `collectstatic`, and every command the apps add. With no command it runs the server.
//!
//! ```no_run
//! use galvani_core::prelude::*;
//! fn main() -> std::process::ExitCode {
//!     Project::new(Settings::from_env_in(env!("CARGO_MANIFEST_DIR"))).run_cli()
//! }
//! ```

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::checks::{CheckMessage, Level};
use crate::commands::{AppCommand, CommandContext, Output};
use crate::error::Error;
use crate::project::Project;
use crate::site::Site;
use crate::staticfiles::{CollectOptions, collect};

/// The built-in commands; apps cannot reuse these names.
pub(crate) const BUILTIN: &[&str] = &["runserver", "check", "routes", "collectstatic"];

impl Project {
    /// Runs the command named on the command line, prints errors, and returns the exit
    /// code: 0 on success, 1 when a command fails, 2 for bad settings, routes or usage.
    pub fn run_cli(self) -> ExitCode {
        self.run_cli_from(std::env::args_os())
    }

    /// Like [`Project::run_cli`] with explicit arguments (the first is the program name).
    pub fn run_cli_from<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("error: could not start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        runtime.block_on(async move {
            match self.dispatch(args, Output::stdout(), true).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(Failure::Usage(e)) => {
                    let _ = e.print();
                    ExitCode::from(if e.use_stderr() { 2 } else { 0 })
                }
                Err(Failure::Error(e) | Failure::Ran(e)) => {
                    eprintln!("error: {e}");
                    ExitCode::from(exit_code(&e))
                }
            }
        })
    }

    /// Runs a command in-process and returns what it printed, like Django's
    /// `call_command`: `project.call_command(["routes"]).await`. When the command runs
    /// and fails, the error is [`Error::CommandFailed`], which keeps what it printed
    /// before failing (`check` lists its problems there).
    pub async fn call_command<I, T>(self, args: I) -> Result<String, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let mut argv: Vec<OsString> = vec!["manage".into()];
        argv.extend(args.into_iter().map(Into::into));
        let out = Output::buffer();
        match self.dispatch(argv, out.clone(), false).await {
            Ok(()) => Ok(out.captured()),
            Err(Failure::Usage(e)) => Err(Error::command(e.to_string())),
            Err(Failure::Error(e)) => Err(e),
            Err(Failure::Ran(e)) => Err(Error::CommandFailed {
                error: Box::new(e),
                output: out.captured(),
            }),
        }
    }

    async fn dispatch(self, args: Vec<OsString>, out: Output, log: bool) -> Result<(), Failure> {
        let app_commands = self.app_commands();
        let program = args
            .first()
            .and_then(|a| std::path::Path::new(a).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "manage".to_owned());
        let matches = cli(&program, &app_commands)
            .try_get_matches_from(args)
            .map_err(Failure::Usage)?;
        let _guard = match self.settings_ref() {
            Ok(settings) if log => crate::log::init(settings),
            _ => None,
        };
        let site = self.build().map_err(Failure::Error)?;
        let mut out = out;
        let result = match matches.subcommand() {
            None => runserver(&site, None, &mut out).await,
            Some(("runserver", m)) => {
                runserver(&site, m.get_one::<String>("addr").cloned(), &mut out).await
            }
            Some(("check", m)) => check(&site, m, &mut out),
            Some(("routes", _)) => routes(&site, &mut out),
            Some(("collectstatic", m)) => collectstatic(&site, m, &mut out),
            Some((name, m)) => match app_commands.iter().find(|c| c.name() == name) {
                Some(command) => {
                    let ctx = CommandContext {
                        site: site.clone(),
                        out: out.clone(),
                    };
                    match (command.run)(m, ctx) {
                        Ok(fut) => fut.await,
                        Err(e) => Err(e),
                    }
                }
                None => Err(Error::command(format!("unknown command `{name}`"))),
            },
        };
        let _ = out.flush();
        result.map_err(Failure::Ran)
    }
}

enum Failure {
    /// The command line was not understood (or asked for help).
    Usage(clap::Error),
    /// The project could not be built, so no command ran.
    Error(Error),
    /// The command ran and failed.
    Ran(Error),
}

fn exit_code(e: &Error) -> u8 {
    match e {
        Error::CommandFailed { error, .. } => exit_code(error),
        Error::Settings { .. }
        | Error::Routes { .. }
        | Error::App { .. }
        | Error::Checks { .. } => 2,
        _ => 1,
    }
}

fn cli(program: &str, app_commands: &[AppCommand]) -> Command {
    let mut cmd = Command::new(program.to_owned())
        .about("Manage this Galvani project. With no command, runs the development server.")
        .after_help(
            "Settings come from galvani.toml (or GALVANI_SETTINGS), the profile from GALVANI_PROFILE \
             (default dev), and GALVANI_* variables override single keys.",
        )
        .subcommand(
            Command::new("runserver")
                .about("Serve the site (default address from server.addr)")
                .arg(Arg::new("addr").help("Address to listen on, such as 127.0.0.1:8000 or 0.0.0.0:80")),
        )
        .subcommand(
            Command::new("check")
                .about("Look for configuration problems")
                .arg(
                    Arg::new("deploy")
                        .long("deploy")
                        .action(ArgAction::SetTrue)
                        .help("Also list settings that are unsafe in production; any finding then fails the check unless --fail-level error"),
                )
                .arg(
                    Arg::new("fail-level")
                        .long("fail-level")
                        .value_parser(["error", "warning"])
                        .help("Exit non-zero for messages at this level or above (default: error; warning with --deploy)"),
                ),
        )
        .subcommand(Command::new("routes").about("List every route: name, methods, path and handler"))
        .subcommand(
            Command::new("collectstatic")
                .about("Copy static files into static.root with content-hashed names and a manifest")
                .arg(
                    Arg::new("clear")
                        .long("clear")
                        .action(ArgAction::SetTrue)
                        .help("Empty static.root first"),
                ),
        );
    for command in app_commands.iter().filter(|c| !BUILTIN.contains(&c.name())) {
        cmd = cmd.subcommand(command.clap_command());
    }
    cmd
}

async fn runserver(site: &Site, addr: Option<String>, out: &mut Output) -> Result<(), Error> {
    let messages = site.check_or_fail()?;
    print_messages(out, &messages);
    let settings = site.settings();
    let addr = addr.unwrap_or_else(|| settings.server.addr.clone());
    let listener = crate::server::bind(&addr).await?;
    // Installed before the server says it is ready, so an early Ctrl-C is handled.
    let shutdown = crate::server::shutdown_signal();
    let shown = crate::server::local_addr(&listener)
        .map(|a| a.to_string())
        .unwrap_or(addr);
    let _ = writeln!(
        out,
        "Galvani {}: profile `{}`, debug {}, settings {}\nServing at http://{shown}/\nQuit with CONTROL-C.",
        env!("CARGO_PKG_VERSION"),
        settings.profile(),
        if settings.debug { "on" } else { "off" },
        settings
            .file()
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| "(defaults)".to_owned()),
    );
    let _ = out.flush();
    crate::server::serve(site, listener, shutdown).await
}

fn print_messages(out: &mut Output, messages: &[CheckMessage]) {
    for m in messages {
        let _ = writeln!(out, "{m}");
    }
}

fn check(site: &Site, m: &ArgMatches, out: &mut Output) -> Result<(), Error> {
    let deploy = m.get_flag("deploy");
    // `check --deploy` answers "may this be deployed?": any finding means no.
    let fail_level = match m.get_one::<String>("fail-level").map(String::as_str) {
        Some("warning") => Level::Warning,
        Some(_) => Level::Error,
        None if deploy => Level::Warning,
        None => Level::Error,
    };
    let messages = site.check(deploy);
    print_messages(out, &messages);
    let _ = match messages.len() {
        0 => writeln!(out, "System check identified no issues."),
        n => writeln!(out, "System check identified {n} issue(s)."),
    };
    let failing = messages.iter().filter(|m| m.level >= fail_level).count();
    if failing == 0 {
        return Ok(());
    }
    let level = if fail_level == Level::Warning {
        "warning"
    } else {
        "error"
    };
    Err(Error::command(format!(
        "{failing} issue(s) at or above the fail level ({level}); see above"
    )))
}

fn routes(site: &Site, out: &mut Output) -> Result<(), Error> {
    let rows: Vec<[String; 4]> = site
        .routes()
        .iter()
        .flat_map(|r| {
            r.handlers.iter().map(move |(method, handler)| {
                [
                    r.name.clone().unwrap_or_else(|| "-".to_owned()),
                    (*method).to_owned(),
                    r.path.clone(),
                    (*handler).to_owned(),
                ]
            })
        })
        .collect();
    let header = ["NAME", "METHOD", "PATH", "HANDLER"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    Ok(())
}

fn collectstatic(site: &Site, m: &ArgMatches, out: &mut Output) -> Result<(), Error> {
    let report = collect(
        site.static_files(),
        CollectOptions {
            clear: m.get_flag("clear"),
        },
    )?;
    for (path, used, hidden) in &report.overridden {
        let _ = writeln!(
            out,
            "Found `{path}` in `{used}` and `{hidden}`; using `{used}`'s."
        );
    }
    let _ = writeln!(
        out,
        "{} static file(s) copied to '{}', {} hashed, {} stylesheet(s) rewritten.",
        report.copied,
        report.root.display(),
        report.hashed,
        report.rewritten
    );
    Ok(())
}
