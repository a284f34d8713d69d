//! The migrations of the `sessions` app, kept up to date by `makemigrations`.

mod m0001_initial;

galvani_orm::migrations!("sessions", [m0001_initial]);
