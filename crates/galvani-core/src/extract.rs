//! Extractors: axum's `Path`, `Query`, `Form` and `Json` with Galvani's errors (a bad
//! path parameter or body becomes a 400/413/415/422 error page or JSON error, never a
//! panic), plus [`Data`] and the site's handles (`Urls`, `Templates`, `StaticFiles`,
//! `SiteState`).
//!
//! ```
//! use galvani_core::prelude::*;
//!
//! #[derive(serde::Deserialize)]
//! struct Page { page: Option<u32> }
//!
//! async fn list(Query(q): Query<Page>, urls: Urls) -> HttpResult<String> {
//!     let next = urls.reverse("shop:list", ())?;
//!     Ok(format!("page {} of {next}", q.page.unwrap_or(1)))
//! }
//! ```

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{Error, HttpError};
use crate::routing::Urls;
use crate::site::{RequestContext, SiteState};
use crate::staticfiles::StaticFiles;
use crate::templates::Templates;

fn rejected(status: http::StatusCode, text: String) -> HttpError {
    HttpError::new(status, text)
}

macro_rules! wrapper {
    ($(#[$doc:meta])* $name:ident, $axum:ident, parts) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name<T>(pub T);

        impl<T, S> FromRequestParts<S> for $name<T>
        where
            T: DeserializeOwned + Send,
            S: Send + Sync,
        {
            type Rejection = HttpError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
                match <axum::extract::$axum<T> as FromRequestParts<S>>::from_request_parts(parts, state).await {
                    Ok(axum::extract::$axum(v)) => Ok($name(v)),
                    Err(e) => Err(rejected(e.status(), e.body_text())),
                }
            }
        }

        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $axum:ident, body) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name<T>(pub T);

        impl<T, S> FromRequest<S> for $name<T>
        where
            T: DeserializeOwned,
            S: Send + Sync,
        {
            type Rejection = HttpError;

            async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
                match <axum::$axum<T> as FromRequest<S>>::from_request(req, state).await {
                    Ok(v) => Ok($name(v.0)),
                    Err(e) => Err(rejected(e.status(), e.body_text())),
                }
            }
        }

        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T: serde::Serialize> IntoResponse for $name<T> {
            fn into_response(self) -> Response {
                axum::$axum(self.0).into_response()
            }
        }
    };
}

wrapper!(
    /// Path parameters: `Path(id): Path<u32>` for `/products/{id}`. A value that does not
    /// parse is a 400.
    Path,
    Path,
    parts
);
wrapper!(
    /// The query string: `Query(q): Query<Search>`. Malformed queries are a 400.
    Query,
    Query,
    parts
);
wrapper!(
    /// A URL-encoded form body (or the query string for GET). As a response, an encoded form.
    /// A wrong content type is a 415, a body that does not parse a 400 or 422, too large a 413.
    Form,
    Form,
    body
);
wrapper!(
    /// A JSON body; as a response, JSON. A missing `Content-Type: application/json` is a 415,
    /// bad JSON a 400, JSON of the wrong shape a 422, too large a 413.
    Json,
    Json,
    body
);

/// A value registered with [`Project::data`](crate::Project::data) or in an app's `ready`,
/// by type. Asking for an unregistered type is a 500 whose debug page says how to register it.
///
/// ```
/// use galvani_core::prelude::*;
///
/// struct Catalogue { name: &'static str }
///
/// async fn name(catalogue: Data<Catalogue>) -> &'static str { catalogue.name }
///
/// let project = Project::new(Settings::default())
///     .data(Catalogue { name: "demo" })
///     .routes(Routes::new().route("/", get(name)));
/// ```
#[derive(Debug)]
pub struct Data<T: ?Sized>(pub Arc<T>);

impl<T: ?Sized> Clone for Data<T> {
    fn clone(&self) -> Self {
        Data(self.0.clone())
    }
}

impl<T: ?Sized> Deref for Data<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn site(parts: &Parts) -> Result<&SiteState, HttpError> {
    RequestContext::of(&parts.extensions)
        .map(|c| &c.site)
        .ok_or_else(|| {
            HttpError::internal(Error::App {
                label: "galvani".to_owned(),
                message:
                    "this handler runs outside a Galvani project, so project data is unavailable"
                        .to_owned(),
            })
        })
}

impl<T: Send + Sync + 'static, S: Send + Sync> FromRequestParts<S> for Data<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, HttpError> {
        site(parts)?.data::<T>().map(Data).ok_or_else(|| {
            HttpError::internal(Error::MissingData {
                type_name: std::any::type_name::<T>(),
            })
        })
    }
}

impl<T: Send + Sync + 'static, S: Send + Sync> OptionalFromRequestParts<S> for Data<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, HttpError> {
        Ok(site(parts)?.data::<T>().map(Data))
    }
}

/// The address of the client that sent the request (the TCP peer: behind a proxy, the
/// proxy). Requests that did not come through Galvani's server or test client have none,
/// which this extractor answers with 500; use `Option<ClientAddr>` to handle that.
///
/// ```
/// use galvani_core::extract::ClientAddr;
/// async fn whoami(ClientAddr(addr): ClientAddr) -> String {
///     format!("you are {}", addr.ip())
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::SocketAddr);

fn peer(parts: &Parts) -> Option<ClientAddr> {
    RequestContext::of(&parts.extensions)
        .and_then(|c| c.peer)
        .map(ClientAddr)
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, HttpError> {
        peer(parts).ok_or_else(|| {
            HttpError::internal(Error::App {
                label: "galvani".to_owned(),
                message: "the client's address is unknown: the request did not come through Galvani's server"
                    .to_owned(),
            })
        })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for ClientAddr {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, HttpError> {
        Ok(peer(parts))
    }
}

/// Whether the request came over HTTPS (directly, or through the proxy named by
/// `security.proxy_ssl_header`): cookies set for it are marked `Secure`.
///
/// ```
/// use galvani_core::extract::Secure;
/// async fn scheme(Secure(https): Secure) -> &'static str {
///     if https { "https" } else { "http" }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secure(pub bool);

impl Secure {
    /// The flag from a request's extensions, for middleware (false outside the default stack).
    pub fn of(extensions: &http::Extensions) -> bool {
        RequestContext::of(extensions).is_some_and(|c| c.secure)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Secure {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Secure(Secure::of(&parts.extensions)))
    }
}

impl ClientAddr {
    /// The client's address from a request's extensions, for middleware.
    pub fn of(extensions: &http::Extensions) -> Option<std::net::SocketAddr> {
        RequestContext::of(extensions).and_then(|c| c.peer)
    }
}

macro_rules! from_site {
    ($($ty:ty => $get:expr),* $(,)?) => {$(
        impl<S: Send + Sync> FromRequestParts<S> for $ty {
            type Rejection = HttpError;

            async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, HttpError> {
                let get: fn(&SiteState) -> $ty = $get;
                Ok(get(site(parts)?))
            }
        }
    )*};
}

from_site! {
    SiteState => |s| s.clone(),
    Urls => |s| s.urls().clone(),
    Templates => |s| s.templates().clone(),
    StaticFiles => |s| s.static_files().clone(),
}
