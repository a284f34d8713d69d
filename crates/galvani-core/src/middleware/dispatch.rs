//! How the Core reaches the router. In the common case (no project middleware, no CORS,
//! no compression asked for) it calls the router directly and renders a template
//! response itself: no boxed future, no dynamic call. Otherwise requests go through the boxed chain of
//! compression, CORS and the project's middleware.
//!
//! axum's body extractors stop at 2 MB unless a request says otherwise; the Core caps
//! bodies at `server.max_body_size` itself, so the cap is lifted, but only for requests
//! whose body could be larger than 2 MB (a GET pays nothing for it).

use std::convert::Infallible;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::Response;
use tower::{Layer, Service};

use crate::site::SiteService;
use crate::templates::{RequestInfo, TemplateLayer};

/// The router with axum's 2 MB body cap lifted.
type Lifted = <DefaultBodyLimit as Layer<Router>>::Service;

/// axum's default limit for body extractors.
const AXUM_BODY_LIMIT: u64 = 2 * 1024 * 1024;

pub(crate) struct Inner {
    direct: Option<Direct>,
    chain: SiteService,
    compression: bool,
}

/// The router, and the template layer run inline around it: the Core already holds the
/// request's method and URI, so a template response borrows them instead of the layer
/// copying them for every request.
pub(crate) struct Direct {
    router: Router,
    lifted: Option<Lifted>,
    templates: TemplateLayer,
}

impl Direct {
    /// `lift_body_limit`: the Core enforces `server.max_body_size`, so axum's cap goes.
    pub(crate) fn new(router: Router, templates: TemplateLayer, lift_body_limit: bool) -> Self {
        Direct {
            lifted: lift_body_limit.then(|| DefaultBodyLimit::disable().layer(router.clone())),
            router,
            templates,
        }
    }
}

impl Inner {
    /// `chain`: the full boxed path. `direct`: the router and template layer, when nothing
    /// has to run between the Core and them.
    pub(crate) fn new(chain: SiteService, direct: Option<Direct>, compression: bool) -> Self {
        Inner {
            direct,
            chain,
            compression,
        }
    }

    /// Answers `req`; `head` is the request's method and URI, kept by the Core, and
    /// `accepts_encoding` whether it sent `Accept-Encoding`.
    pub(crate) async fn call(
        &self,
        req: Request,
        head: &RequestInfo,
        accepts_encoding: bool,
    ) -> Response {
        let negotiates = self.compression && accepts_encoding;
        let Some(direct) = self.direct.as_ref().filter(|_| !negotiates) else {
            return self.chain.handle(req).await;
        };
        let extra = direct.templates.context(&req);
        // axum's router (with or without the body-cap layer) is always ready, so it is
        // called without the `oneshot` readiness dance.
        let result: Result<Response, Infallible> = match &direct.lifted {
            Some(lifted) if may_exceed_axum_limit(&req) => lifted.clone().call(req).await,
            _ => direct.router.clone().call(req).await,
        };
        let mut res = match result {
            Ok(res) => res,
            Err(never) => match never {},
        };
        direct.templates.finish(&mut res, || head.clone(), extra);
        res
    }
}

fn may_exceed_axum_limit(req: &Request) -> bool {
    // hyper's size hint carries `Content-Length`; without one (chunked) the size is open.
    match http_body::Body::size_hint(req.body()).exact() {
        Some(len) => len > AXUM_BODY_LIMIT,
        None => true,
    }
}
