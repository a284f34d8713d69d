//! [`SiteLayer`]: the tower layers that can wrap the whole site, whether the project adds
//! them ([`Project::layer`](crate::Project::layer)) or an app does
//! ([`ReadyContext::layer`](crate::app::ReadyContext::layer)).

use std::convert::Infallible;

use axum::extract::Request;
use axum::response::IntoResponse;
use tower::{Layer, Service, ServiceExt as _};

use crate::site::SiteService;

/// A step of the site's middleware chain, already applied to what it wraps.
pub(crate) type Wrap = Box<dyn FnOnce(SiteService) -> SiteService + Send>;

/// Any tower layer over the site's service whose service answers with something that
/// becomes a response and never fails (`from_fn` middleware, tower-http layers, ...).
/// Implemented for every such layer; the bounds are written here once.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_core::middleware::SiteLayer;
///
/// fn add<L: SiteLayer>(project: Project, layer: L) -> Project {
///     project.layer(layer)
/// }
/// let project = add(
///     Project::new(Settings::default()),
///     galvani_core::middleware::from_fn(|req: Request, next: galvani_core::middleware::Next| next.run(req)),
/// );
/// ```
pub trait SiteLayer: Send + 'static {
    /// Boxes the layer as one step of the chain.
    #[doc(hidden)]
    fn into_wrap(self) -> Box<dyn FnOnce(SiteService) -> SiteService + Send>;
}

impl<L> SiteLayer for L
where
    L: Layer<SiteService> + Send + 'static,
    L::Service: Service<Request> + Clone + Send + Sync + 'static,
    <L::Service as Service<Request>>::Response: IntoResponse + 'static,
    <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
    <L::Service as Service<Request>>::Future: Send + 'static,
{
    fn into_wrap(self) -> Wrap {
        Box::new(move |inner: SiteService| {
            let svc = self
                .layer(inner)
                .map_response(IntoResponse::into_response)
                .map_err(Into::into);
            SiteService::new(svc)
        })
    }
}
