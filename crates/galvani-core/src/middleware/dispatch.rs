//! How the Core reaches the router. In the common case (no project middleware, no CORS,
//! no compression asked for) it calls the template layer and router directly: no boxed
//! future, no dynamic call. Otherwise requests go through the boxed chain of
//! compression, CORS and the project's middleware.
//!
//! axum's body extractors stop at 2 MB unless a request says otherwise; the Core caps
//! bodies at `server.max_body_size` itself, so the cap is lifted, but only for requests
//! whose body could be larger than 2 MB (a GET pays nothing for it).

use std::convert::Infallible;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::Response;
use http::header;
use tower::{Layer, ServiceExt};

use crate::site::SiteService;
use crate::templates::TemplateService;

/// The router, with `Template` responses rendered.
pub(crate) type Templated = TemplateService<Router>;

/// The same with axum's 2 MB body cap lifted.
type Lifted = <DefaultBodyLimit as Layer<Templated>>::Service;

/// axum's default limit for body extractors.
const AXUM_BODY_LIMIT: u64 = 2 * 1024 * 1024;

pub(crate) struct Inner {
    direct: Option<Direct>,
    chain: SiteService,
    compression: bool,
}

struct Direct {
    plain: Templated,
    lifted: Option<Lifted>,
}

impl Inner {
    /// `chain`: the full boxed path. `direct`: the template layer and router, when nothing
    /// has to run between the Core and them.
    pub(crate) fn new(
        chain: SiteService,
        direct: Option<Templated>,
        lift_body_limit: bool,
        compression: bool,
    ) -> Self {
        Inner {
            direct: direct.map(|plain| Direct {
                lifted: lift_body_limit.then(|| DefaultBodyLimit::disable().layer(plain.clone())),
                plain,
            }),
            chain,
            compression,
        }
    }

    pub(crate) async fn call(&self, req: Request) -> Response {
        let negotiates = self.compression && req.headers().contains_key(header::ACCEPT_ENCODING);
        let Some(direct) = self.direct.as_ref().filter(|_| !negotiates) else {
            return self.chain.handle(req).await;
        };
        let result: Result<Response, Infallible> = match &direct.lifted {
            Some(lifted) if may_exceed_axum_limit(&req) => lifted.clone().oneshot(req).await,
            _ => direct.plain.clone().oneshot(req).await,
        };
        match result {
            Ok(res) => res,
            Err(never) => match never {},
        }
    }
}

fn may_exceed_axum_limit(req: &Request) -> bool {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(len) => len > AXUM_BODY_LIMIT,
        None => http_body::Body::size_hint(req.body()).exact() != Some(0),
    }
}
