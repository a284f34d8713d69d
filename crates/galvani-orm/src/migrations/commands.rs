//! The migration commands of the project binary: `makemigrations`, `migrate`,
//! `showmigrations`, `sqlmigrate` and `squashmigrations`, added by the `Orm` app.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};

use galvani_core::commands::{AppCommand, CommandContext, Output};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::autodetector::{NoInput, Questioner};
use super::files::{app_folder, names_in, write_migration};
use super::graph::Graph;
use super::make::{MakeOptions, make_migrations};
use super::migration::Migration;
use super::registry::registered;
use super::runner::{Event, Migrator, Step, Target};
use super::squash::squash;
use super::state::{ColumnDefault, FieldState, ModelState, ProjectState};
use crate::db::Db;
use crate::meta::FieldKind;

type CmdResult = Result<(), galvani_core::Error>;

fn fail(e: impl std::fmt::Display) -> galvani_core::Error {
    galvani_core::Error::command(e.to_string())
}

/// The commands, for [`crate::Orm`].
pub(crate) fn commands() -> Vec<AppCommand> {
    vec![
        AppCommand::new::<MakeMigrations, _, _>("makemigrations", make),
        AppCommand::new::<Migrate, _, _>("migrate", migrate),
        AppCommand::new::<ShowMigrations, _, _>("showmigrations", show),
        AppCommand::new::<SqlMigrate, _, _>("sqlmigrate", sql),
        AppCommand::new::<SquashMigrations, _, _>("squashmigrations", squash_command),
    ]
}

/// Writes new migrations for the changes made to the models.
#[derive(clap::Args, Debug)]
struct MakeMigrations {
    /// Only this app.
    app: Option<String>,
    /// The migration's name (after its number).
    #[arg(long)]
    name: Option<String>,
    /// An empty migration, to write a data migration in.
    #[arg(long)]
    empty: bool,
    /// Show what would be written, and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write nothing; fail if the models have changes without a migration (for CI).
    #[arg(long)]
    check: bool,
    /// Join the two branches of an app's history with a merge migration.
    #[arg(long)]
    merge: bool,
    /// Ask nothing: no change is a rename, and no one-off default is made up.
    #[arg(long)]
    noinput: bool,
}

/// Asks on the terminal.
struct Terminal;

fn ask(question: &str) -> String {
    eprint!("{question} ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim().to_owned()
}

impl Questioner for Terminal {
    fn rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        ask(&format!(
            "Was the model {} renamed to {}? [y/N]",
            old.label(),
            new.name
        ))
        .eq_ignore_ascii_case("y")
    }

    fn rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        ask(&format!(
            "Was {}.{} renamed to {}.{} ({:?})? [y/N]",
            model.name, old.name, model.name, new.name, new.kind
        ))
        .eq_ignore_ascii_case("y")
    }

    fn one_off_default(&mut self, model: &ModelState, field: &FieldState) -> Option<ColumnDefault> {
        eprintln!(
            "The new field {}.{} is NOT NULL and has no default; the rows already in the \
             table need a value.",
            model.label(),
            field.name
        );
        loop {
            let answer = ask("A one-off value for them (empty to stop):");
            if answer.is_empty() {
                return None;
            }
            match parse_default(&answer, field.kind) {
                Some(value) => return Some(value),
                None => eprintln!("`{answer}` is not a {:?} value", field.kind),
            }
        }
    }
}

/// A typed answer as a default of `kind`.
fn parse_default(text: &str, kind: FieldKind) -> Option<ColumnDefault> {
    match kind {
        FieldKind::SmallInteger | FieldKind::Integer | FieldKind::BigInteger => {
            text.parse().ok().map(ColumnDefault::Int)
        }
        FieldKind::Float => text.parse().ok().map(ColumnDefault::Float),
        FieldKind::Boolean => text.parse().ok().map(ColumnDefault::Bool),
        _ => Some(ColumnDefault::Str(text.trim_matches('"').to_owned())),
    }
}

/// Fails if a migration file is on disk that this binary does not have: it was
/// written since the last build, and numbering after it needs it compiled in.
fn check_compiled(graph: &Graph, apps: &BTreeSet<String>) -> CmdResult {
    for app in apps {
        let Ok(folder) = app_folder(app) else {
            continue;
        };
        for name in names_in(&folder.dir).map_err(fail)? {
            let key = (app.clone(), name.clone());
            let known =
                graph.get(&key).is_some() || graph.migrations().any(|m| m.replaces.contains(&key));
            if !known {
                return Err(fail(format!(
                    "{app}/migrations/m{name}.rs is not compiled into this binary: rebuild \
                     (cargo run -- makemigrations) so the new migrations are included"
                )));
            }
        }
    }
    Ok(())
}

async fn make(args: MakeMigrations, ctx: CommandContext) -> CmdResult {
    let mut out = ctx.out();
    let graph = Graph::new(registered(), &BTreeSet::new()).map_err(fail)?;
    let to = ProjectState::from_models(crate::registry::models());
    let mut apps: BTreeSet<String> = to.apps().into_iter().collect();
    apps.extend(graph.migrations().map(|m| m.app.clone()));
    if let Some(app) = &args.app
        && !apps.contains(app)
    {
        return Err(fail(format!("no app `{app}` has models or migrations")));
    }
    check_compiled(&graph, &apps)?;
    let options = MakeOptions {
        app: args.app.clone(),
        name: args.name.clone(),
        empty: args.empty,
        merge: args.merge,
    };
    let interactive = !args.noinput && !args.check && std::io::stdin().is_terminal();
    let mut terminal = Terminal;
    let mut no_input = NoInput;
    let questioner: &mut dyn Questioner = if interactive {
        &mut terminal
    } else {
        &mut no_input
    };
    let made = make_migrations(&graph, &to, questioner, &options).map_err(fail)?;
    if made.is_empty() {
        let what = if args.merge {
            "No conflicts to merge"
        } else {
            "No changes detected"
        };
        match &args.app {
            Some(app) => writeln!(out, "{what} in app '{app}'").ok(),
            None => writeln!(out, "{what}").ok(),
        };
        return Ok(());
    }
    for m in &made {
        let folder = app_folder(&m.app).map_err(fail)?;
        writeln!(out, "Migrations for '{}':", m.app).ok();
        let path = if args.dry_run || args.check {
            folder.dir.join(format!("m{}.rs", m.name))
        } else {
            write_migration(&folder, m).map_err(fail)?
        };
        writeln!(out, "  {}", path.display()).ok();
        for op in &m.operations {
            writeln!(out, "    - {}", op.describe()).ok();
        }
    }
    if args.check {
        return Err(fail(
            "the models have changes that no migration holds: run makemigrations",
        ));
    }
    if !args.dry_run {
        writeln!(
            out,
            "Rebuild and run `migrate` to apply them (they are compiled into the binary)."
        )
        .ok();
    }
    Ok(())
}

/// Applies or unapplies migrations.
#[derive(clap::Args, Debug)]
struct Migrate {
    /// Only this app (and what it needs).
    app: Option<String>,
    /// The migration to go to (forwards or backwards); `zero` unapplies them all.
    target: Option<String>,
    /// Show the plan and change nothing.
    #[arg(long)]
    plan: bool,
}

fn db(ctx: &CommandContext) -> Result<Db, galvani_core::Error> {
    ctx.site()
        .state()
        .data::<Db>()
        .map(|db| (*db).clone())
        .ok_or_else(|| fail("there is no database: add galvani::orm::Orm to the project's apps"))
}

/// A progress bar on the terminal; nothing off it.
fn progress(total: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}

async fn migrate(args: Migrate, ctx: CommandContext) -> CmdResult {
    let db = db(&ctx)?;
    let migrator = Migrator::registered(&db);
    let target = match (args.app, args.target) {
        (None, _) => Target::Latest,
        (Some(app), None) => Target::App(app),
        (Some(app), Some(t)) if t == "zero" => Target::Zero(app),
        (Some(app), Some(t)) => Target::To(app, t),
    };
    let mut out: Output = ctx.out();
    if args.plan {
        let steps = migrator.plan(&target).await.map_err(fail)?;
        writeln!(out, "Planned operations:").ok();
        if steps.is_empty() {
            writeln!(out, "  No planned migration operations.").ok();
        }
        for step in steps {
            writeln!(out, "  {}", step.describe()).ok();
        }
        return Ok(());
    }
    let mut bar: Option<ProgressBar> = None;
    let mut line = out.clone();
    let ran = migrator
        .migrate(&target, &mut |event| match event {
            Event::Planned(n) => bar = Some(progress(n)),
            Event::Started(step) => {
                if let Some(b) = &bar {
                    b.set_message(step.describe());
                }
            }
            Event::Finished(step, did) => {
                let note = if did { "OK" } else { "done by another process" };
                writeln!(line, "  {}... {note}", step.describe()).ok();
                if let Some(b) = &bar {
                    b.inc(1);
                }
            }
        })
        .await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let ran = ran.map_err(fail)?;
    if ran.is_empty() {
        writeln!(out, "No migrations to apply.").ok();
    }
    super::run_post_migrate(&db).await.map_err(fail)
}

/// Lists every migration, applied or not.
#[derive(clap::Args, Debug)]
struct ShowMigrations {
    /// Only this app.
    app: Option<String>,
}

async fn show(args: ShowMigrations, ctx: CommandContext) -> CmdResult {
    let db = db(&ctx)?;
    let (graph, applied) = Migrator::registered(&db).graph().await.map_err(fail)?;
    let mut out = ctx.out();
    let order = graph.order().map_err(fail)?;
    let mut apps: Vec<&String> = order.iter().map(|k| &k.0).collect();
    apps.sort();
    apps.dedup();
    for app in apps {
        if args.app.as_ref().is_some_and(|a| a != app) {
            continue;
        }
        writeln!(out, "{app}").ok();
        for key in order.iter().filter(|k| k.0 == *app) {
            let mark = if applied.contains(key) { 'X' } else { ' ' };
            let m: Option<&Migration> = graph.get(key);
            let squashed = m
                .filter(|m| !m.replaces.is_empty())
                .map(|m| format!(" ({} squashed migrations)", m.replaces.len()))
                .unwrap_or_default();
            writeln!(out, " [{mark}] {}{squashed}", key.1).ok();
        }
    }
    Ok(())
}

/// Prints the SQL of a migration for the connected database.
#[derive(clap::Args, Debug)]
struct SqlMigrate {
    /// The app.
    app: String,
    /// The migration's name (or the start of it: `0002`).
    name: String,
    /// The SQL that unapplies it.
    #[arg(long)]
    backwards: bool,
}

async fn sql(args: SqlMigrate, ctx: CommandContext) -> CmdResult {
    let db = db(&ctx)?;
    let migrator = Migrator::registered(&db);
    let (graph, _) = migrator.graph().await.map_err(fail)?;
    let step = Step {
        key: graph.find(&args.app, &args.name).map_err(fail)?,
        backwards: args.backwards,
    };
    let mut out = ctx.out();
    for statement in migrator.sql(&graph, &step).map_err(fail)? {
        writeln!(out, "{statement};").ok();
    }
    Ok(())
}

/// Squashes an app's migrations up to one into a single migration.
#[derive(clap::Args, Debug)]
struct SquashMigrations {
    /// The app.
    app: String,
    /// The last migration squashed (or the start of its name).
    upto: String,
}

async fn squash_command(args: SquashMigrations, ctx: CommandContext) -> CmdResult {
    let graph = Graph::new(registered(), &BTreeSet::new()).map_err(fail)?;
    let squashed = squash(&graph, &args.app, &args.upto).map_err(fail)?;
    let folder = app_folder(&args.app).map_err(fail)?;
    let path = write_migration(&folder, &squashed).map_err(fail)?;
    let mut out = ctx.out();
    writeln!(
        out,
        "Squashed {} migrations into {} ({} operations):\n  {}\nIt works whether or not they \
         were applied. Once every database has it applied, delete the old files and the \
         `replaces` lines.",
        squashed.replaces.len(),
        squashed.name,
        squashed.operations.len(),
        path.display()
    )
    .ok();
    Ok(())
}
