//! The `pages` app: the site's plain pages.

mod urls;
mod views;

use galvani::prelude::*;

/// The app. Installing it in the project adds its routes, named `pages:...`.
pub struct Pages;

impl App for Pages {
    fn label(&self) -> &'static str {
        "pages"
    }

    fn routes(&self) -> Routes {
        urls::routes()
    }
}
