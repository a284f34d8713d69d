//! The auth app's pages: login, logout, password change and password reset, each a
//! template under `registration/` that a project can override (start with
//! `registration/base.html`, which every page extends, to use the site's layout).
//!
//! Mount them under `/accounts` (where `login_url` points by default):
//!
//! ```
//! use galvani_core::prelude::*;
//! let project = Project::new(Settings::default())
//!     .app(galvani_orm::Orm)
//!     .app(galvani_sessions::Sessions)
//!     .app_at("/accounts", galvani_auth::AuthApp);
//! let site = project.build().unwrap();
//! assert_eq!(site.urls().reverse("auth:login", ()).unwrap(), "/accounts/login/");
//! ```
//!
//! | name | path | what |
//! |---|---|---|
//! | `auth:login` | `/login/` | log in, then `next` (checked by [`safe_next`](crate::safe_next)) |
//! | `auth:logout` | `/logout/` | POST only: log out |
//! | `auth:password-change` | `/password/change/` | change one's password (login required) |
//! | `auth:password-reset` | `/password/reset/` | ask for a reset link by email |
//! | `auth:password-reset-done` | `/password/reset/sent/` | "check your email" |
//! | `auth:password-reset-confirm` | `/reset/{uid}/{token}/` | the emailed link |
//! | `auth:password-reset-set` | `/reset/{uid}/set-password/` | choose the new password |
//! | `auth:password-reset-complete` | `/reset/done/` | "your password is set" |

mod login;
mod password;
mod reset;

pub use password::check_new_password;

use galvani_core::prelude::*;

use login::{login_page, login_submit, logout};

/// The auth app's routes.
pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/login/", get(login_page).post(login_submit))
        .name("login")
        .route("/logout/", post(logout))
        .name("logout")
        .route(
            "/password/reset/",
            get(reset::request_page).post(reset::request),
        )
        .name("password-reset")
        .route("/password/reset/sent/", get(reset::sent))
        .name("password-reset-done")
        .route("/reset/{uid}/{token}/", get(reset::confirm))
        .name("password-reset-confirm")
        .route(
            "/reset/{uid}/set-password/",
            get(reset::set_page).post(reset::set),
        )
        .name("password-reset-set")
        .route("/reset/done/", get(reset::complete))
        .name("password-reset-complete")
        .merge(
            Routes::new()
                .route(
                    "/password/change/",
                    get(password::change_page).post(password::change),
                )
                .name("password-change")
                .middleware(crate::login_required),
        )
}

/// A page of the flow, `422` when a submitted form was refused.
pub(crate) fn page(name: &'static str, context: minijinja::Value, refused: bool) -> Response {
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Template::new(name, context)
        .with_status(status)
        .into_response()
}
