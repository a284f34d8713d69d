//! CORS from `[cors]`: off until origins are listed, then a strict allow-list.

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::settings::CorsSettings;

/// The CORS layer for these settings, or `None` when no origin is allowed.
pub(crate) fn layer(s: &CorsSettings) -> Option<CorsLayer> {
    if s.allowed_origins.is_empty() {
        return None;
    }
    let origin = if s.allowed_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            s.allowed_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    let methods: Vec<Method> = s
        .allowed_methods
        .iter()
        .filter_map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .collect();
    let headers: Vec<HeaderName> = s
        .allowed_headers
        .iter()
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    let expose: Vec<HeaderName> = s
        .expose_headers
        .iter()
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods(methods)
            .allow_headers(headers)
            .expose_headers(expose)
            .allow_credentials(s.allow_credentials)
            .max_age(s.max_age.as_duration()),
    )
}
