//! Turning an [`ErrorReport`] into what the client sees: the debug page in debug mode,
//! the project's `{status}.html` (or Galvani's plain page) otherwise, or JSON when the
//! client asked for JSON. Secrets never appear: credentials in headers are masked and
//! settings are not shown.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;

use http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use minijinja::Value;

use super::report::ErrorReport;
use crate::middleware::security_headers::wants_json;
use crate::routing::RouteInfo;
use crate::settings::Settings;
use crate::templates::{CspNonce, RequestInfo, Templates, to_value};

/// Headers whose values are replaced by stars on the debug page.
const MASKED_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "proxy-authorization",
    "set-cookie",
    "x-api-key",
    "x-csrf-token",
    "x-auth-token",
];

/// The route a response came from (recorded in debug mode for the debug page).
#[derive(Debug, Clone)]
pub(crate) struct MatchedRoute {
    pub(crate) path: Arc<str>,
    pub(crate) name: Option<Arc<str>>,
}

/// What the error page needs to know about the request (cheap clones; headers are
/// copied only in debug mode, where the page shows them).
pub(crate) struct RequestSnapshot {
    json: bool,
    head: RequestInfo,
    headers: Vec<(String, String)>,
}

pub(crate) struct ErrorPages {
    templates: Templates,
    debug: bool,
    routes: Arc<Vec<RouteInfo>>,
    profile: String,
    settings_file: String,
}

impl RequestSnapshot {
    /// The request's method.
    pub(crate) fn method(&self) -> &Method {
        self.head.method()
    }

    /// The request's URI.
    pub(crate) fn uri(&self) -> &Uri {
        self.head.uri()
    }

    /// Method and URI together.
    pub(crate) fn head(&self) -> &RequestInfo {
        &self.head
    }
}

impl ErrorPages {
    pub(crate) fn new(
        settings: &Settings,
        templates: Templates,
        routes: Arc<Vec<RouteInfo>>,
    ) -> Self {
        ErrorPages {
            templates,
            debug: settings.debug,
            routes,
            profile: settings.profile().to_owned(),
            settings_file: settings
                .file()
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "(none: defaults and environment)".to_owned()),
        }
    }

    /// Captures the request facts (headers only in debug mode, where the page shows them).
    pub(crate) fn snapshot<B>(
        &self,
        req: &Request<B>,
        accept: Option<&HeaderValue>,
    ) -> RequestSnapshot {
        RequestSnapshot {
            json: wants_json(accept),
            head: RequestInfo::new(req.method().clone(), req.uri().clone()),
            headers: if self.debug {
                req.headers()
                    .iter()
                    .map(|(k, v)| {
                        let value = if MASKED_HEADERS.contains(&k.as_str()) {
                            "********".to_owned()
                        } else {
                            String::from_utf8_lossy(v.as_bytes()).into_owned()
                        };
                        (k.to_string(), value)
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Renders the response's error report, if it has one.
    pub(crate) fn render(&self, res: Response, req: &RequestSnapshot) -> Response {
        let Some(report) = res.extensions().get::<Arc<ErrorReport>>().cloned() else {
            return res;
        };
        if report.is_server_error() && !report.panic {
            tracing::error!(
                status = report.status.as_u16(),
                path = %req.uri().path(),
                causes = ?report.causes,
                "request failed"
            );
        }
        let route = res.extensions().get::<MatchedRoute>().cloned();
        let (parts, _) = res.into_parts();
        let mut res = Response::from_parts(parts, Body::empty());
        let headers = res.headers_mut();
        headers.remove(header::CONTENT_LENGTH);
        headers.remove(header::CONTENT_TYPE);
        headers.remove(header::CONTENT_ENCODING);
        let (body, content_type) = if req.json {
            (self.json(&report), "application/json")
        } else {
            let nonce = crate::templates::new_nonce();
            let html = self.html(&report, req, route.as_ref(), &nonce);
            res.extensions_mut().insert(CspNonce(nonce));
            (html, "text/html; charset=utf-8")
        };
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        *res.body_mut() = Body::from(body);
        res
    }

    fn public_message(&self, report: &ErrorReport) -> String {
        if report.status.is_client_error() || self.debug {
            report.message.clone()
        } else {
            reason(report.status).to_owned()
        }
    }

    fn json(&self, report: &ErrorReport) -> String {
        let mut error = serde_json::json!({
            "status": report.status.as_u16(),
            "message": self.public_message(report),
        });
        if self.debug {
            error["causes"] = serde_json::json!(report.causes);
            if let Some(t) = &report.template {
                error["template"] =
                    serde_json::json!({ "name": t.name, "line": t.line, "detail": t.detail });
            }
        }
        serde_json::json!({ "error": error }).to_string()
    }

    fn html(
        &self,
        report: &ErrorReport,
        req: &RequestSnapshot,
        route: Option<&MatchedRoute>,
        nonce: &str,
    ) -> String {
        let status = report.status;
        let common = minijinja::context! {
            status => status.as_u16(),
            reason => reason(status),
            message => self.public_message(report),
            request_path => req.uri().path(),
            request => Value::from_object(req.head.clone()),
            csp_nonce => nonce,
        };
        if self.debug {
            let ctx = minijinja::context! {
                causes => report.causes.clone(),
                template => report.template.as_ref().map(|t| minijinja::context! {
                    name => t.name.clone(),
                    line => t.line,
                    detail => t.detail.clone(),
                    excerpt => to_value(&t.excerpt),
                }),
                panic => report.panic,
                headers => to_value(&req.headers),
                route => route.map(|r| minijinja::context! { path => r.path.to_string(), name => r.name.as_deref() }),
                routes => (status == StatusCode::NOT_FOUND).then(|| self.route_list()),
                profile => self.profile.clone(),
                settings_file => self.settings_file.clone(),
                ..common
            };
            return self
                .templates
                .render("galvani/debug.html", ctx)
                .unwrap_or_else(|e| {
                    plain_page(status, &format!("(the debug page itself failed: {e})"))
                });
        }
        let own = format!("{}.html", status.as_u16());
        match self.templates.render(&own, common.clone()) {
            Ok(html) => html,
            Err(e) => {
                let missing = matches!(&e, crate::Error::Template(t) if t.kind() == minijinja::ErrorKind::TemplateNotFound && t.name().is_none_or(|n| n == own));
                if !missing {
                    tracing::error!(template = %own, error = %e, "the error page template failed; using Galvani's plain page");
                }
                self.templates
                    .render("galvani/error.html", common)
                    .unwrap_or_else(|_| plain_page(status, ""))
            }
        }
    }

    fn route_list(&self) -> Value {
        to_value(
            self.routes
                .iter()
                .map(|r| {
                    let methods: Vec<&str> = r.handlers.iter().map(|(m, _)| *m).collect();
                    (r.path.clone(), r.name.clone(), methods.join(", "))
                })
                .collect::<Vec<_>>(),
        )
    }
}

fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

/// The page of last resort: no template, no possible failure.
fn plain_page(status: StatusCode, note: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{code} {reason}</title></head>\
         <body><h1>{code} {reason}</h1><p>{note}</p></body></html>",
        code = status.as_u16(),
        reason = reason(status),
        note = crate::templates::html_escape(note),
    )
}
