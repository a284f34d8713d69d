//! The migrations of the `shop` app, kept up to date by `makemigrations`.

mod m0001_initial;

galvani::orm::migrations!("shop", [m0001_initial]);
