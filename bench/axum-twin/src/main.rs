//! The TechEmpower `/json` and `/plaintext` tests on plain axum: the baseline Galvani is
//! compared with. Usage: `axum-twin ADDR` (default 127.0.0.1:8080).
//!
//! With `AXUM_TWIN_HEADERS=1` it also sends the same security headers as Galvani's
//! default stack (fixed values, no per-request work), which separates what those
//! headers cost any server (bytes on the wire) from what Galvani's code costs.

use axum::http::{HeaderName, HeaderValue};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

async fn plaintext() -> &'static str {
    "Hello, World!"
}

/// Galvani's default response headers, with a fixed request id of the same length.
const HEADERS: &[(&str, &str)] = &[
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    (
        "content-security-policy",
        "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    ),
    ("vary", "accept-encoding"),
    ("x-request-id", "00000abc-000000001f"),
];

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let mut app = Router::new()
        .route("/json", get(json))
        .route("/plaintext", get(plaintext));
    if std::env::var_os("AXUM_TWIN_HEADERS").is_some() {
        for (name, value) in HEADERS {
            app = app.layer(SetResponseHeaderLayer::overriding(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            ));
        }
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
