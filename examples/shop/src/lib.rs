//! The shop project: its settings and its apps, in order.
//!
//! Like a Django project, the project itself is small: it lists its apps. Everything
//! shop-specific lives in the `shop` app (`src/shop/`), laid out like a Django app:
//! `urls.rs`, `views.rs`, `templates/shop/`, `static/shop/`.

use galvani::prelude::*;

pub mod shop;

/// The project with its apps; `main` runs it and the tests drive it with `TestClient`.
pub fn project(settings: impl galvani::IntoSettings) -> Project {
    Project::new(settings)
        .app(galvani::orm::Orm)
        .app(galvani::sessions::Sessions)
        .app_at("/accounts", galvani::auth::AuthApp)
        .app(galvani::realtime::Realtime)
        .app(shop::Shop)
}

/// Makes the database ready before the project serves: its migrations applied, and
/// the demo data on the first run.
pub fn prepare_database(settings: &galvani::Settings) -> Result<(), galvani::orm::Error> {
    galvani::orm::Db::run_blocking(&settings.database_url(), async |db| shop::prepare(db).await)
}
