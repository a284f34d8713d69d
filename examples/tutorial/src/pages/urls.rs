use galvani::prelude::*;

use super::views;

pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(views::home))
        .name("home")
        .route("/about/", get(views::about))
        .name("about")
}
