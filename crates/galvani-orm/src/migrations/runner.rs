//! Running migrations against a database: the record of what is applied (the
//! `galvani_migrations` table), plans forwards and backwards, and each migration in a
//! transaction of its own that holds the migration lock (a PostgreSQL advisory lock;
//! SQLite's write lock). Inside it the record is read again, so two processes that
//! migrate at once apply each migration exactly once; a failed operation rolls the
//! whole migration back.

use std::collections::BTreeSet;

use sea_query::{Alias, Expr, ExprTrait, Query};

use super::editor::{inverse, operation_sql};
use super::graph::Graph;
use super::migration::{Key, Migration};
use super::operation::Operation;
use super::registry;
use super::state::ProjectState;
use crate::db::{Backend, Db};
use crate::error::{Error, Result};
use crate::executor::{Executor, Statement};
use crate::meta::FieldKind;
use crate::schema::column_type;
use crate::transaction::{Begin, Tx};

/// The table that records applied migrations.
pub const RECORDER_TABLE: &str = "galvani_migrations";

/// Where `migrate` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every app to its latest migration.
    Latest,
    /// One app (and what it needs) to its latest migration.
    App(String),
    /// One app to the migration named: forwards if it is not applied, else backwards
    /// to just after it.
    To(String, String),
    /// One app back to before its first migration.
    Zero(String),
}

/// One step of a plan: a migration, and whether it is undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The migration.
    pub key: Key,
    /// Unapplied rather than applied.
    pub backwards: bool,
}

impl Step {
    /// `Apply shop.0001_initial` or `Unapply ...`.
    pub fn describe(&self) -> String {
        let verb = if self.backwards { "Unapply" } else { "Apply" };
        format!("{verb} {}.{}", self.key.0, self.key.1)
    }
}

/// Runs migrations on one database.
///
/// ```
/// use galvani_orm::migrations::{Migrator, Target, dsl::*};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// let db = galvani_orm::Db::connect(&format!("sqlite://{}/db.sqlite3", dir.path().display())).await?;
/// let initial = Migration::new()
///     .named("notes", "0001_initial")
///     .operation(create_model("Note", "notes_note", [
///         field("id", FieldKind::AutoId).primary_key(),
///         field("text", FieldKind::Text),
///     ]));
/// let migrator = Migrator::new(&db, vec![initial]);
/// let done = migrator.migrate(&Target::Latest, &mut |_| {}).await?;
/// assert_eq!(done.len(), 1);
/// assert!(migrator.migrate(&Target::Latest, &mut |_| {}).await?.is_empty());
/// # Ok::<_, galvani_orm::Error>(()) }).unwrap();
/// ```
pub struct Migrator {
    db: Db,
    migrations: Vec<Migration>,
}

/// What happens while migrating, for progress reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The plan is made: this many steps.
    Planned(usize),
    /// A step begins.
    Started(&'a Step),
    /// A step ended; `false` when another process had done it meanwhile.
    Finished(&'a Step, bool),
}

impl Migrator {
    /// A migrator of `migrations` (usually [`registry::registered`]) on `db`.
    pub fn new(db: &Db, migrations: Vec<Migration>) -> Migrator {
        Migrator {
            db: db.clone(),
            migrations,
        }
    }

    /// A migrator of every migration compiled into the program.
    pub fn registered(db: &Db) -> Migrator {
        Migrator::new(db, registry::registered())
    }

    /// The migrations recorded as applied (the record table is made if missing).
    pub async fn recorded(&self) -> Result<BTreeSet<Key>> {
        self.db
            .transaction_with(Begin::Migration, |tx| async move {
                ensure_recorder(&tx).await?;
                recorded(&tx).await
            })
            .await
    }

    /// The graph, given what is applied, with the applied set it sees.
    pub async fn graph(&self) -> Result<(Graph, BTreeSet<Key>)> {
        let recorded = self.recorded().await?;
        let graph = Graph::new(self.migrations.clone(), &recorded)?;
        let applied = graph.effective_applied(&recorded);
        Ok((graph, applied))
    }

    /// The steps that would take the database to `target`.
    pub async fn plan(&self, target: &Target) -> Result<Vec<Step>> {
        let (graph, applied) = self.graph().await?;
        plan(&graph, &applied, target)
    }

    /// Takes the database to `target`, reporting each step to `on`; returns the steps
    /// this process ran.
    pub async fn migrate(
        &self,
        target: &Target,
        on: &mut (dyn FnMut(Event<'_>) + Send),
    ) -> Result<Vec<Step>> {
        let (graph, applied) = self.graph().await?;
        graph.check_conflicts()?;
        graph.check_history(&applied)?;
        let steps = plan(&graph, &applied, target)?;
        on(Event::Planned(steps.len()));
        let mut ran = Vec::new();
        for step in steps {
            on(Event::Started(&step));
            let did = self.run_step(&graph, &step).await?;
            on(Event::Finished(&step, did));
            if did {
                ran.push(step);
            }
        }
        Ok(ran)
    }

    /// The SQL a step of `graph` runs on this database's backend (`sqlmigrate`).
    pub fn sql(&self, graph: &Graph, step: &Step) -> Result<Vec<String>> {
        let m = graph.get(&step.key).ok_or_else(|| unknown(&step.key))?;
        let mut out = Vec::new();
        for (op, before, after) in steps_of(graph, m, step.backwards)? {
            match &op {
                Operation::RunRust { forward, .. } => {
                    out.push(format!("-- Rust function {forward}"));
                }
                _ => out.extend(operation_sql(
                    &op,
                    &m.app,
                    &before,
                    &after,
                    self.db.backend(),
                )?),
            }
        }
        Ok(out)
    }

    async fn run_step(&self, graph: &Graph, step: &Step) -> Result<bool> {
        let m = graph.get(&step.key).ok_or_else(|| unknown(&step.key))?;
        let ops = steps_of(graph, m, step.backwards)?;
        let backend = self.db.backend();
        let backwards = step.backwards;
        self.db
            .transaction_with(Begin::Migration, |tx| async move {
                ensure_recorder(&tx).await?;
                let applied = graph.effective_applied(&recorded(&tx).await?);
                if applied.contains(&m.key()) != backwards {
                    return Ok(false); // another process did it meanwhile
                }
                for (index, (op, before, after)) in ops.iter().enumerate() {
                    run_operation(&tx, op, &m.app, before, after, backend)
                        .await
                        .map_err(|source| Error::MigrationFailed {
                            migration: m.label(),
                            index: index + 1,
                            operation: op.describe(),
                            source: Box::new(source),
                        })?;
                }
                if backend == Backend::Sqlite {
                    check_foreign_keys(&tx, m).await?;
                }
                let mut keys = vec![m.key()];
                keys.extend(m.replaces.iter().cloned());
                for key in keys {
                    if backwards {
                        unrecord(&tx, &key).await?;
                    } else if !applied.contains(&key) {
                        record(&tx, &key).await?;
                    }
                }
                Ok(true)
            })
            .await
    }
}

fn unknown(key: &Key) -> Error {
    Error::Migration(format!("there is no migration {}.{}", key.0, key.1))
}

/// The steps to `target`.
fn plan(graph: &Graph, applied: &BTreeSet<Key>, target: &Target) -> Result<Vec<Step>> {
    let forward = |targets: Vec<Key>| -> Result<Vec<Step>> {
        Ok(graph
            .forward_plan(&targets, applied)?
            .into_iter()
            .map(|key| Step {
                key,
                backwards: false,
            })
            .collect())
    };
    let backward = |app: &str, name: Option<&str>| -> Result<Vec<Step>> {
        Ok(graph
            .backward_plan(app, name, applied)?
            .into_iter()
            .map(|key| Step {
                key,
                backwards: true,
            })
            .collect())
    };
    let leaves = |app: &str| -> Vec<Key> {
        graph
            .leaves(app)
            .into_iter()
            .map(|n| (app.to_owned(), n))
            .collect()
    };
    let has_app = |app: &str| graph.migrations().any(|m| m.app == app);
    match target {
        Target::Latest => forward(graph.migrations().map(Migration::key).collect()),
        Target::App(app) | Target::Zero(app) if !has_app(app) => Err(Error::Migration(format!(
            "app `{app}` has no migrations (run makemigrations {app} first)"
        ))),
        Target::App(app) => forward(leaves(app)),
        Target::Zero(app) => backward(app, None),
        Target::To(app, name) => {
            let key = graph.find(app, name)?;
            if applied.contains(&key) {
                backward(app, Some(&key.1))
            } else {
                forward(vec![key])
            }
        }
    }
}

/// The operations of a step with the states around each: `m`'s own, or (backwards)
/// the inverses of its operations, last first.
fn steps_of(
    graph: &Graph,
    m: &Migration,
    backwards: bool,
) -> Result<Vec<(Operation, ProjectState, ProjectState)>> {
    let mut states = vec![graph.state_before(&m.key())?];
    for op in &m.operations {
        let mut next = states[states.len() - 1].clone();
        op.state_forwards(&m.app, &mut next)
            .map_err(|e| Error::Migration(format!("{}: {e}", m.label())))?;
        states.push(next);
    }
    let mut out = Vec::new();
    if !backwards {
        for (i, op) in m.operations.iter().enumerate() {
            out.push((op.clone(), states[i].clone(), states[i + 1].clone()));
        }
        return Ok(out);
    }
    for (i, op) in m.operations.iter().enumerate().rev() {
        let mut current = states[i + 1].clone();
        for inv in inverse(op, &m.app, &states[i])? {
            let mut next = current.clone();
            inv.state_forwards(&m.app, &mut next)?;
            out.push((inv, current, next.clone()));
            current = next;
        }
    }
    Ok(out)
}

async fn run_operation(
    tx: &Tx,
    op: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<()> {
    if let Operation::RunRust { forward, .. } = op {
        let function = registry::function(forward).ok_or_else(|| {
            Error::Migration(format!(
                "no function is registered as `{forward}`: register it with galvani::orm::migration_fn!"
            ))
        })?;
        return (function.run)(tx.clone()).await;
    }
    for sql in operation_sql(op, app, before, after, backend)? {
        tx.raw(&sql).await?;
    }
    Ok(())
}

/// SQLite checks foreign keys before the commit, since they were off for the rebuilds.
async fn check_foreign_keys(tx: &Tx, m: &Migration) -> Result<()> {
    let rows = tx
        .fetch_all(Statement {
            sql: "PRAGMA foreign_key_check".to_owned(),
            values: Vec::new(),
        })
        .await?;
    if let Some(row) = rows.first() {
        let table: String = row.get(0).unwrap_or_default();
        let parent: String = row.get(2).unwrap_or_default();
        return Err(Error::Migration(format!(
            "migration {} leaves rows of `{table}` referring to missing rows of `{parent}`; \
             nothing of it was applied",
            m.label()
        )));
    }
    Ok(())
}

async fn ensure_recorder(tx: &Tx) -> Result<()> {
    let backend = tx.backend();
    let id = match backend {
        Backend::Sqlite => "integer NOT NULL PRIMARY KEY AUTOINCREMENT",
        _ => "bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY",
    };
    tx.raw(&format!(
        "CREATE TABLE IF NOT EXISTS {RECORDER_TABLE} (id {id}, app varchar(255) NOT NULL, \
         name varchar(255) NOT NULL, applied {} NOT NULL)",
        column_type(FieldKind::DateTime, backend)
    ))
    .await
}

async fn recorded(tx: &Tx) -> Result<BTreeSet<Key>> {
    let rows = tx
        .fetch_all(Statement {
            sql: format!("SELECT app, name FROM {RECORDER_TABLE}"),
            values: Vec::new(),
        })
        .await?;
    rows.iter()
        .map(|row| {
            let read = |i| row.get::<String>(i).map_err(Error::Migration);
            Ok((read(0)?, read(1)?))
        })
        .collect()
}

async fn record(tx: &Tx, (app, name): &Key) -> Result<()> {
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(RECORDER_TABLE))
        .columns([Alias::new("app"), Alias::new("name"), Alias::new("applied")])
        .values([
            app.as_str().into(),
            name.as_str().into(),
            Expr::current_timestamp(),
        ])
        .map_err(|e| Error::Migration(e.to_string()))?;
    tx.execute(Statement::build(&insert, tx.backend())).await?;
    Ok(())
}

async fn unrecord(tx: &Tx, (app, name): &Key) -> Result<()> {
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(RECORDER_TABLE))
        .and_where(Expr::col(Alias::new("app")).eq(app.as_str()))
        .and_where(Expr::col(Alias::new("name")).eq(name.as_str()));
    tx.execute(Statement::build(&delete, tx.backend())).await?;
    Ok(())
}
