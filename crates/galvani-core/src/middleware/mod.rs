//! Middleware, Express-style: an ordered stack of async functions or tower layers.
//!
//! What a request passes through, in order (steps 1 to 7 run in one service,
//! `middleware/core.rs`):
//!
//! | step | what it does | switch |
//! |---|---|---|
//! | 1. request id | an id for each request ([`RequestId`]), sent back as `X-Request-Id` | `middleware.request_id` |
//! | 2. access log | one `galvani::access` event per request | `middleware.access_log` |
//! | 3. allowed hosts | 400 for hosts not in `allowed_hosts` | `middleware.allowed_hosts` |
//! | 4. HTTPS redirect | 301 to `https://` when `security.ssl_redirect` | `middleware.security_headers` |
//! | 5. body limit | 413 over `server.max_body_size` | `middleware.body_limit` |
//! | 6. timeout | 503 after `server.request_timeout` | `middleware.timeout` |
//! | 7. panics | a panic in anything below becomes a logged 500 | always |
//! | 8. CORS | from `[cors]`, when origins are listed | `middleware.cors` |
//! | 9. compression | gzip / brotli when the client accepts it | `middleware.compression` |
//! | 10. **your middleware** | [`Project::middleware`](crate::Project::middleware) and [`Project::layer`](crate::Project::layer), in the order added | |
//! | 11. templates | renders [`Template`](crate::Template) responses | always |
//! | 12. per-group middleware | [`Routes::middleware`](crate::Routes::middleware), [`Routes::layer`](crate::Routes::layer) | |
//!
//! On the way out, every response (the 400 and 301 of steps 3 and 4 included) has its
//! error report turned into a page (debug page, `{status}.html` or JSON; always on) and
//! then gets the security headers: X-Frame-Options, CSP with the page's nonce, nosniff,
//! Referrer-Policy, COOP, HSTS on HTTPS, and a charset on text types
//! (`middleware.security_headers`).
//!
//! `middleware.defaults = false` switches every optional layer off at once.
//!
//! A middleware function takes the request and [`Next`], like Express's `(req, res, next)`:
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::middleware::Next;
//!
//! async fn timing(req: Request, next: Next) -> Response {
//!     let started = std::time::Instant::now();
//!     let mut res = next.run(req).await;
//!     let ms = started.elapsed().as_millis().to_string();
//!     res.headers_mut().insert("server-timing", format!("app;dur={ms}").parse().unwrap());
//!     res
//! }
//!
//! let project = Project::new(Settings::default()).middleware(timing);
//! ```

mod access_log;
mod body_limit;
pub(crate) mod core;
pub(crate) mod cors;
pub(crate) mod dispatch;
pub(crate) mod head;
pub(crate) mod hosts;
mod panic;
mod request_id;
pub(crate) mod security_headers;
mod site_layer;
pub(crate) mod timeout;

pub use axum::middleware::{Next, from_fn};
pub use request_id::RequestId;
pub use site_layer::SiteLayer;
pub(crate) use site_layer::Wrap;
