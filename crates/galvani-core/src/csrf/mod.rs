//! Cross-site request forgery protection, on by default.
//!
//! Every request with an unsafe method (anything but GET, HEAD, OPTIONS and TRACE) must pass
//! two checks before its handler runs, or it is answered with 403:
//!
//! 1. **Where it came from.** An `Origin` header must be this site (scheme, host and port)
//!    or one of `csrf.trusted_origins`. Without `Origin`, a `Sec-Fetch-Site` of `cross-site`
//!    or `same-site` is refused; without either, an HTTPS request must carry a same-origin
//!    `Referer`.
//! 2. **A token.** The request carries a token (the `csrf_token` form field, or the
//!    `X-CSRF-Token` header for JavaScript) that matches the secret in the `csrftoken`
//!    cookie. Templates print it with `{{ csrf_input() }}` inside a form, or
//!    `{{ csrf_token() }}` for a `<meta>` tag. Each render masks the secret with fresh random
//!    bytes, so the token on a page never repeats (no BREACH-style guessing through
//!    compression), and the comparison takes constant time.
//!
//! JSON calls made by a browser with the session cookie are checked like forms. A route
//! that must accept cross-site posts (a payment provider's webhook) opts out explicitly with
//! [`Routes::csrf_exempt`](crate::Routes::csrf_exempt); nothing else turns it off but
//! `middleware.csrf = false`, which `check --deploy` reports.
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::test::TestClient;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let project = Project::new(Settings::default())
//!     .routes(Routes::new().route("/vote", post(|| async { "counted" })));
//! let client = TestClient::new(project).enforce_csrf(true);
//! let res = client.post("/vote").header("origin", "https://evil.example").await;
//! assert_eq!(res.status(), 403);
//! # });
//! ```

mod body;
mod check;
mod template;
mod token;

pub(crate) use check::Csrf;
pub use check::check_origin;
pub(crate) use template::template_functions;
pub use token::CsrfToken;

/// The form field a token is read from.
pub const FIELD_NAME: &str = "csrf_token";
/// The header a token is read from.
pub const HEADER_NAME: &str = "x-csrf-token";

/// Whether requests with `method` are exempt from the checks (GET, HEAD, OPTIONS, TRACE:
/// methods that must not change anything).
///
/// ```
/// use galvani_core::csrf::is_safe_method;
/// assert!(is_safe_method(&http::Method::GET));
/// assert!(!is_safe_method(&http::Method::PATCH));
/// ```
pub fn is_safe_method(method: &http::Method) -> bool {
    use http::Method;
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}
