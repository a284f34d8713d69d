//! Guards for routes and route groups: login required, permission required. A page (a
//! request that accepts HTML) is redirected to the login page with `?next=`; an API call
//! gets 401 (not logged in) or 403 (not allowed).

use axum::extract::{FromRequestParts, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use galvani_core::SiteState;
use galvani_core::error::ErrorReport;
use http::request::Parts;
use http::{StatusCode, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::current::CurrentUser;
use crate::models::User;
use crate::state::AuthState;

/// Middleware for a route group whose every route needs a logged-in user.
///
/// ```
/// use galvani_core::prelude::*;
/// async fn orders() -> &'static str { "your orders" }
/// let routes = Routes::new()
///     .route("/orders", get(orders))
///     .middleware(galvani_auth::login_required);
/// ```
pub async fn login_required(req: Request, next: Next) -> Response {
    match req.extensions().get::<CurrentUser>() {
        Some(user) if user.is_authenticated() => next.run(req).await,
        _ => not_logged_in(req.extensions(), req.headers(), req.uri()),
    }
}

/// Middleware for a route group that needs the permission `perm`
/// (`"shop.view_order"`): anonymous visitors are sent to log in, logged-in users without
/// it get 403.
///
/// ```
/// use galvani_core::prelude::*;
/// async fn report() -> &'static str { "sales" }
/// let routes = Routes::new()
///     .route("/reports", get(report))
///     .middleware(galvani_auth::permission_required("shop.view_order"));
/// ```
pub fn permission_required(
    perm: &'static str,
) -> impl Fn(Request, Next) -> BoxFuture<'static, Response> + Clone + Send + Sync + 'static {
    move |req: Request, next: Next| {
        Box::pin(async move {
            let Some(user) = req.extensions().get::<CurrentUser>().cloned() else {
                return not_logged_in(req.extensions(), req.headers(), req.uri());
            };
            if !user.is_authenticated() {
                return not_logged_in(req.extensions(), req.headers(), req.uri());
            }
            match user.has_perm(perm).await {
                Ok(true) => next.run(req).await,
                Ok(false) => forbidden(perm),
                Err(e) => galvani_core::HttpError::internal(e).into_response(),
            }
        })
    }
}

/// An extractor for handlers that need a logged-in user: the user, or the same refusal
/// as [`login_required`].
///
/// ```
/// use galvani_auth::LoginRequired;
/// async fn profile(LoginRequired(user): LoginRequired) -> String {
///     format!("{} <{}>", user.username, user.email)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct LoginRequired(pub User);

impl<S: Send + Sync> FromRequestParts<S> for LoginRequired {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        match parts.extensions.get::<CurrentUser>().and_then(|u| u.user()) {
            Some(user) => Ok(LoginRequired(user.clone())),
            None => Err(not_logged_in(&parts.extensions, &parts.headers, &parts.uri)),
        }
    }
}

/// Whether the client wants a page (its `Accept` names HTML) rather than data.
fn wants_page(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn not_logged_in(
    extensions: &http::Extensions,
    headers: &http::HeaderMap,
    uri: &http::Uri,
) -> Response {
    if wants_page(headers) {
        let login_url = SiteState::of_extensions(extensions)
            .and_then(|s| s.data::<AuthState>())
            .map(|s| s.settings.login_url.clone())
            .unwrap_or_else(|| crate::AuthSettings::default().login_url);
        let here = uri.path_and_query().map_or("/", |p| p.as_str());
        let next = utf8_percent_encode(here, NEXT);
        let sep = if login_url.contains('?') { '&' } else { '?' };
        return (
            StatusCode::FOUND,
            [(header::LOCATION, format!("{login_url}{sep}next={next}"))],
        )
            .into_response();
    }
    let mut report = ErrorReport::new(StatusCode::UNAUTHORIZED, "Authentication required.");
    report
        .causes
        .push("log in first: this address needs a logged-in user".to_owned());
    report.into_response()
}

fn forbidden(perm: &str) -> Response {
    let mut report = ErrorReport::new(
        StatusCode::FORBIDDEN,
        "You do not have permission to do this.",
    );
    report
        .causes
        .push(format!("the user lacks the permission `{perm}`"));
    report.into_response()
}

/// What `next=` escapes: everything but unreserved characters and `/`.
const NEXT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');
