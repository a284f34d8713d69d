//! The migrations of the `auth` app, kept up to date by `makemigrations`.

mod m0001_initial;

galvani_orm::migrations!("auth", [m0001_initial]);
