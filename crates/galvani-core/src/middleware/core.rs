//! The default stack's request pipeline, run as one service so a request pays for one
//! future however many concerns are switched on. In order, outermost first:
//!
//! 1. the site handle is put on the request (for extractors and middleware);
//! 2. request id; 3. access log;
//! 4. allowed hosts (400); 5. HTTPS redirect (301);
//! 6. body limit (413); CSRF checks on unsafe methods (403, `csrf/`); 7. timeout (503, timed only once the handler waits); 8. panics become 500s;
//! 9. error reports become pages (debug page, `{status}.html`, or JSON);
//! 10. security headers and HSTS on every response, error pages included;
//! 11. flash messages read from their cookie on the way in, written on the way out.
//!
//! Each concern lives in its own module; this file only sequences them.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http::header::LOCATION;
use http::{HeaderValue, StatusCode};

use super::access_log::AccessEntry;
use super::body_limit;
use super::dispatch::Inner;
use super::head::{Head, X_REQUEST_ID};
use super::hosts::AllowedHosts;
use super::panic;
use super::request_id::RequestIds;
use super::security_headers::SecurityHeaders;
use super::timeout;
use crate::csrf::Csrf;
use crate::error::ErrorReport;
use crate::error::pages::ErrorPages;
use crate::messages::MessageCookie;
use crate::settings::Settings;
use crate::site::{RequestContext, SiteState};

pub(crate) struct Core {
    site: SiteState,
    inner: Inner,
    request_ids: Option<RequestIds>,
    access_log: bool,
    hosts: Option<AllowedHosts>,
    security: Option<SecurityHeaders>,
    body_limit: Option<u64>,
    use_forwarded_host: bool,
    timeout: Option<Duration>,
    pages: ErrorPages,
    csrf: Option<Csrf>,
    messages: MessageCookie,
}

impl Core {
    pub(crate) fn new(
        settings: &Settings,
        site: SiteState,
        pages: ErrorPages,
        inner: Inner,
        csrf: Option<Csrf>,
    ) -> Self {
        let mw = &settings.middleware;
        Core {
            site,
            inner,
            request_ids: mw.on(mw.request_id).then(RequestIds::new),
            access_log: mw.on(mw.access_log),
            hosts: mw.on(mw.allowed_hosts).then(|| {
                AllowedHosts::new(
                    &settings.effective_allowed_hosts(),
                    settings.security.use_x_forwarded_host,
                )
            }),
            security: (mw.on(mw.security_headers) || mw.on(mw.compression)).then(|| {
                SecurityHeaders::new(
                    &settings.security,
                    mw.on(mw.security_headers),
                    mw.on(mw.compression),
                )
            }),
            use_forwarded_host: settings.security.use_x_forwarded_host,
            body_limit: mw
                .on(mw.body_limit)
                .then_some(settings.server.max_body_size.bytes()),
            timeout: mw
                .on(mw.timeout)
                .then_some(settings.server.request_timeout.as_duration())
                .filter(|d| !d.is_zero()),
            pages,
            csrf,
            messages: MessageCookie::new(settings),
        }
    }

    /// Runs one request through the pipeline and on to the router.
    pub(crate) async fn handle(
        &self,
        mut req: Request,
        peer: Option<std::net::SocketAddr>,
    ) -> Response {
        let log = self.access_log.then(AccessEntry::start);
        let started = log.as_ref().map(AccessEntry::started);

        // The request is read and extended in place: taking it apart and putting it
        // back together moves a few hundred bytes twice.
        let proxy_ssl = self.security.as_ref().and_then(|s| s.proxy_ssl_header());
        let head = Head::scan(req.headers(), proxy_ssl);
        let id = self
            .request_ids
            .as_ref()
            .map(|ids| ids.assign(head.request_id));
        let snapshot = self.pages.snapshot(&req, head.accept);
        let secure = self
            .security
            .as_ref()
            .is_some_and(|s| s.is_secure(req.uri(), &head));
        let early = self.gate(req.uri(), &head, secure);
        let accepts_encoding = head.accept_encoding;
        let csrf = self.csrf.as_ref().map(|csrf| {
            let host = || super::hosts::request_host(&head, req.uri(), self.use_forwarded_host);
            let pending = csrf.pending(&req, host, secure);
            (csrf, csrf.token_for(req.headers()), pending)
        });
        // Everything the request carries for extractors travels in one extension.
        let messages = self.messages.read(req.headers());
        req.extensions_mut().insert(RequestContext {
            site: self.site.clone(),
            id: id.clone(),
            peer,
            secure,
            csrf: csrf.as_ref().map(|(_, token, _)| token.clone()),
            messages: messages.clone(),
        });

        let res = match early {
            Some(res) => res,
            None => {
                let handled = async {
                    if let Some(limit) = self.body_limit
                        && let Err(len) = body_limit::check(&mut req, limit)
                    {
                        return too_large(len, limit);
                    }
                    if let Some((csrf, _, Some(pending))) = &csrf
                        && let Err(refused) = csrf.verify(&mut req, pending).await
                    {
                        return refused;
                    }
                    let call = self.inner.call(req, snapshot.head(), accepts_encoding);
                    match self.timeout {
                        Some(limit) => timeout::timeout(limit, started, call)
                            .await
                            .unwrap_or_else(|_| timed_out(limit)),
                        None => call.await,
                    }
                };
                AssertUnwindSafe(handled)
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|payload| panic::report(payload).into_response())
            }
        };

        let mut res = self.pages.render(res, &snapshot);
        if let Some((csrf, token, _)) = &csrf {
            csrf.finish(token, &mut res, secure);
        }
        self.messages.finish(&messages, res.headers_mut(), secure);
        let id_header = id.as_ref().map(|id| (X_REQUEST_ID, id.header_value()));
        match &self.security {
            Some(security) => security.apply(&mut res, secure, id_header),
            None => {
                if let Some((name, value)) = id_header {
                    res.headers_mut().insert(name, value);
                }
            }
        }
        if let Some(log) = log {
            let id = id.as_ref().map(|i| i.as_str());
            log.finish(snapshot.method(), snapshot.uri().path(), res.status(), id);
        }
        res
    }

    /// Answers at once when the host is not allowed or the request must move to HTTPS.
    fn gate(&self, uri: &http::Uri, head: &Head<'_>, secure: bool) -> Option<Response> {
        let checked = match &self.hosts {
            Some(hosts) => match hosts.check(head, uri) {
                Ok(host) => Some(host),
                Err(shown) => {
                    let mut report =
                        ErrorReport::new(StatusCode::BAD_REQUEST, "Invalid Host header.");
                    report.causes.push(if shown.is_empty() {
                        "the request has no Host header".to_owned()
                    } else {
                        format!(
                            "the Host header `{shown}` is not allowed: add its domain to `allowed_hosts` in the settings"
                        )
                    });
                    return Some(report.into_response());
                }
            },
            None => None,
        };
        let security = self.security.as_ref()?;
        let host = checked
            .or_else(|| super::hosts::request_host(head, uri, false))
            .unwrap_or("");
        let target = security.redirect_target(uri, host, secure)?;
        let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            res.headers_mut().insert(LOCATION, v);
        }
        Some(res)
    }
}

fn too_large(len: u64, limit: u64) -> Response {
    let mut report = ErrorReport::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The request body is too large.",
    );
    report.causes.push(format!(
        "the body is {len} bytes; `server.max_body_size` allows {limit}"
    ));
    report.into_response()
}

fn timed_out(limit: Duration) -> Response {
    let mut report = ErrorReport::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "The server took too long to answer.",
    );
    report.causes.push(format!(
        "the handler ran longer than `server.request_timeout` ({limit:?})"
    ));
    report.into_response()
}
