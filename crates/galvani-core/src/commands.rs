//! Management commands that apps add to the project binary, like Django's
//! `management/commands/`. Arguments are a clap `Args` type.
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::commands::{AppCommand, CommandContext};
//! use std::io::Write;
//!
//! /// Say hello.
//! #[derive(clap::Args)]
//! struct Greet {
//!     /// Who to greet.
//!     name: String,
//! }
//!
//! async fn greet(args: Greet, ctx: CommandContext) -> galvani_core::Result<()> {
//!     writeln!(ctx.out(), "hello {}", args.name).ok();
//!     Ok(())
//! }
//!
//! struct Hello;
//! impl App for Hello {
//!     fn label(&self) -> &'static str { "hello" }
//!     fn commands(&self) -> Vec<AppCommand> { vec![AppCommand::new::<Greet, _, _>("greet", greet)] }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let out = Project::new(Settings::default()).app(Hello).call_command(["greet", "world"]).await.unwrap();
//! assert_eq!(out, "hello world\n");
//! # });
//! ```

use std::io::Write;
use std::sync::{Arc, Mutex};

use clap::{ArgMatches, Args, FromArgMatches};
use futures_util::future::BoxFuture;

use crate::error::Error;
use crate::site::Site;

type RunFn = Arc<
    dyn Fn(&ArgMatches, CommandContext) -> Result<BoxFuture<'static, Result<(), Error>>, Error>
        + Send
        + Sync,
>;

/// A management command contributed by an app.
#[derive(Clone)]
pub struct AppCommand {
    pub(crate) name: String,
    pub(crate) augment: fn(clap::Command) -> clap::Command,
    pub(crate) run: RunFn,
}

impl std::fmt::Debug for AppCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCommand")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl AppCommand {
    /// A command called `name` whose arguments parse into `A`; its doc comment is the help.
    pub fn new<A, F, Fut>(name: &str, run: F) -> Self
    where
        A: Args + FromArgMatches + Send + 'static,
        F: Fn(A, CommandContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        let run: RunFn = Arc::new(move |matches: &ArgMatches, ctx: CommandContext| {
            let args = A::from_arg_matches(matches).map_err(|e| Error::command(e.to_string()))?;
            Ok(Box::pin(run(args, ctx)) as BoxFuture<'static, Result<(), Error>>)
        });
        AppCommand {
            name: name.to_owned(),
            augment: A::augment_args,
            run,
        }
    }

    /// The command's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn clap_command(&self) -> clap::Command {
        (self.augment)(clap::Command::new(self.name.clone()))
    }
}

/// Where a command writes: standard output, or a buffer when called from code or tests.
#[derive(Clone, Default)]
pub struct Output(Option<Arc<Mutex<Vec<u8>>>>);

impl Output {
    /// Standard output.
    pub fn stdout() -> Self {
        Output(None)
    }

    /// A buffer to read back with [`Output::captured`].
    pub fn buffer() -> Self {
        Output(Some(Arc::default()))
    }

    /// What was written to a buffer (empty for standard output).
    pub fn captured(&self) -> String {
        match &self.0 {
            Some(buf) => {
                String::from_utf8_lossy(&buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
            }
            None => String::new(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        match &self.0 {
            Some(buf) => {
                buf.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(data);
                Ok(data.len())
            }
            None => std::io::stdout().write(data),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &self.0 {
            Some(_) => Ok(()),
            None => std::io::stdout().flush(),
        }
    }
}

/// What a command runs with: the built site and where to write.
#[derive(Clone)]
pub struct CommandContext {
    pub(crate) site: Site,
    pub(crate) out: Output,
}

impl CommandContext {
    /// The built site (settings, URLs, templates, data).
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Where to write output: `writeln!(ctx.out(), ...)`.
    pub fn out(&self) -> Output {
        self.out.clone()
    }
}

impl std::fmt::Debug for CommandContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandContext").finish_non_exhaustive()
    }
}
