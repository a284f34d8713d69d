//! Migrations, as Django has them: the history of each app's schema as operations on
//! literal data, compiled into the binary; replayed to know the schema
//! ([`ProjectState`]), compared with the models to write the next migration
//! ([`changes`]), and run against the database forwards and backwards ([`Migrator`]).
//!
//! The guide is `docs/topics/migrations.md`.

mod autodetector;
mod commands;
pub mod dsl;
mod editor;
mod files;
mod graph;
mod hooks;
mod make;
mod migration;
mod operation;
mod registry;
mod runner;
mod squash;
mod state;
mod writer;

pub use autodetector::{NoInput, Questioner, changes};
pub(crate) use commands::commands;
pub use files::{AppFolder, app_folder, names_in, write_migration};
pub use graph::Graph;
pub use hooks::{PostMigrate, run_post_migrate};
pub use make::{MakeOptions, make_migrations};
pub use migration::{Key, Migration};
pub use operation::Operation;
pub use registry::registered;
#[doc(hidden)]
pub use registry::{MigrationFn, MigrationModule};
pub use runner::{Event, Migrator, RECORDER_TABLE, Step, Target};
pub use squash::{optimize, squash};
pub use state::{
    CheckState, ColumnDefault, FieldState, IndexState, ManyToManyState, ModelState, ProjectState,
    RelationState,
};
pub use writer::{migration_source, module_list, module_name};

/// The topic guide `docs/topics/migrations.md`, whose examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/topics/migrations.md")]
pub struct MigrationsGuide;
