//! Migrations, as Django has them: the history of an app's schema as operations on
//! literal data, replayed to know the schema ([`ProjectState`]), compared with the
//! models compiled into the binary to write the next migration, and run against the
//! database forwards and backwards.
//!
//! Work in progress (issue 4): the state, the operations' effect on it, and the
//! autodetector. Still to come: files, the schema editor, the runner, the commands.

mod autodetector;
mod operation;
mod state;

pub use autodetector::{NoInput, Questioner, changes};
pub use operation::Operation;
pub use state::{
    CheckState, ColumnDefault, FieldState, IndexState, ManyToManyState, ModelState, ProjectState,
    RelationState,
};
