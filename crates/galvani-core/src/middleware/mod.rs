//! Middleware, Express-style: an ordered stack of async functions or tower layers.
//!
//! The project's stack, outermost first:
//!
//! | layer | what it does | switch |
//! |---|---|---|
//! | request id | `X-Request-Id` on request and response | `middleware.request_id` |
//! | access log | one `galvani::access` event per request | `middleware.access_log` |
//! | security headers | X-Frame-Options, CSP (+nonce), nosniff, Referrer-Policy, COOP, HSTS | `middleware.security_headers` |
//! | error pages | debug page / `{status}.html` / JSON errors | always |
//! | panics | a panic becomes a logged 500 | always |
//! | allowed hosts | 400 for hosts not in `allowed_hosts` | `middleware.allowed_hosts` |
//! | HTTPS redirect | 301 to `https://` when `security.ssl_redirect` | `middleware.security_headers` |
//! | body limit | 413 over `server.max_body_size` | `middleware.body_limit` |
//! | timeout | 503 after `server.request_timeout` | `middleware.timeout` |
//! | CORS | from `[cors]`, when origins are listed | `middleware.cors` |
//! | compression | gzip / brotli when the client accepts it | `middleware.compression` |
//! | **your middleware** | [`Project::middleware`](crate::Project::middleware) and [`Project::layer`](crate::Project::layer), in the order added | |
//! | templates | renders [`Template`](crate::Template) responses | always |
//! | per-group middleware | [`Routes::middleware`](crate::Routes::middleware), [`Routes::layer`](crate::Routes::layer) | |
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
pub(crate) mod hosts;
mod panic;
mod request_id;
pub(crate) mod security_headers;

pub use axum::middleware::{Next, from_fn};
pub use request_id::RequestId;
