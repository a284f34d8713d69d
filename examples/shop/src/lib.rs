//! The shop project: its settings and its apps, in order.
//!
//! Like a Django project, the project itself is small: it lists its apps. Everything
//! shop-specific lives in the `shop` app (`src/shop/`), laid out like a Django app:
//! `urls.rs`, `views.rs`, `templates/shop/`, `static/shop/`.

use galvani::prelude::*;

pub mod shop;

/// The project with its apps; `main` runs it and the tests drive it with `TestClient`.
pub fn project(settings: impl galvani::IntoSettings) -> Project {
    Project::new(settings).app(shop::Shop)
}
