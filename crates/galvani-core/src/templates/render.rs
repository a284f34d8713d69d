//! [`Template`], the response type that renders a template, and [`TemplateLayer`], the
//! middleware that renders it with the project's engine and the request's context.

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use minijinja::Value;
use minijinja::value::merge_maps;
use tower::{Layer, Service};

use super::Templates;
use super::context::{ContextProcessor, RequestInfo, to_value};
use crate::csrf::CsrfToken;
use crate::error::HttpError;

/// A response rendered from a template, like Django's `render(request, name, context)`.
///
/// The template is rendered after the handler returns, by the project's middleware, with
/// the request's context (`request`, `csp_nonce`, context processors) added, so handlers
/// need no engine handle. A render error becomes a 500 (in debug, a page showing the
/// template, line and error).
///
/// ```
/// use galvani_core::prelude::*;
///
/// #[derive(serde::Serialize)]
/// struct Product { name: String }
///
/// async fn detail() -> Template {
///     let product = Product { name: "Lamp".into() };
///     Template::new("shop/product_detail.html", context! { product })
/// }
/// async fn gone() -> Template {
///     Template::new("shop/gone.html", context! {}).with_status(StatusCode::GONE)
/// }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a Template renders only when returned from a handler"]
pub struct Template {
    name: Cow<'static, str>,
    context: Value,
    status: StatusCode,
}

impl Template {
    /// The template `name` with `context` (a `context!` or any `Serialize` value).
    pub fn new(name: impl Into<Cow<'static, str>>, context: impl serde::Serialize) -> Self {
        Template {
            name: name.into(),
            context: to_value(context),
            status: StatusCode::OK,
        }
    }

    /// Answers with another status (the default is 200).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

#[derive(Clone)]
struct Pending(Arc<Template>);

impl IntoResponse for Template {
    fn into_response(self) -> Response {
        let mut res = Response::new(Body::empty());
        *res.status_mut() = self.status;
        res.extensions_mut().insert(Pending(Arc::new(self)));
        res
    }
}

/// Which template a response was rendered from, and with what context (the handler's
/// values, without processors'): the test client reads it.
#[derive(Debug, Clone)]
pub struct RenderedTemplate {
    /// The template name.
    pub name: String,
    /// The context the handler passed.
    pub context: Value,
}

/// What a render takes from the request before the handler runs: the context
/// processors' values, the CSRF handle and the messages.
pub(crate) struct Extra {
    values: Vec<Value>,
    csrf: Option<CsrfToken>,
    messages: Option<crate::messages::Messages>,
}

/// The per-response CSP nonce a rendered template saw as `csp_nonce`; the security-headers
/// middleware adds it to `script-src` and `style-src`.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Renders [`Template`] responses. The project installs it innermost, so context
/// processors see what every other middleware put on the request.
#[derive(Clone)]
pub struct TemplateLayer {
    templates: Templates,
    processors: Arc<[ContextProcessor]>,
}

impl TemplateLayer {
    pub(crate) fn new(templates: Templates, processors: Vec<ContextProcessor>) -> Self {
        TemplateLayer {
            templates,
            processors: processors.into(),
        }
    }

    /// The context processors' values for `req` (taken before the handler consumes it).
    pub(crate) fn context(&self, req: &Request) -> Extra {
        Extra {
            values: self.processors.iter().map(|p| p.call(req)).collect(),
            csrf: CsrfToken::of(req.extensions()),
            messages: crate::messages::Messages::of(req.extensions()),
        }
    }

    /// Renders `res` when it is a pending [`Template`]; `info` is asked for only then.
    pub(crate) fn finish(
        &self,
        res: &mut Response,
        info: impl FnOnce() -> RequestInfo,
        extra: Extra,
    ) {
        if let Some(Pending(template)) = res.extensions_mut().remove::<Pending>() {
            render(&self.templates, &template, info(), extra, res);
        }
    }
}

impl<S> Layer<S> for TemplateLayer {
    type Service = TemplateService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TemplateService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`TemplateLayer`].
#[derive(Clone)]
pub struct TemplateService<S> {
    inner: S,
    layer: TemplateLayer,
}

impl<S> Service<Request> for TemplateService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = TemplateFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // Plain clones (reference counts, no allocation): most responses render no
        // template, and the shared copy is made only when one does.
        let info = RequestInfo::new(req.method().clone(), req.uri().clone());
        let extra = self.layer.context(&req);
        TemplateFuture {
            inner: self.inner.call(req),
            state: Some((self.layer.clone(), info, extra)),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`TemplateService`].
    pub struct TemplateFuture<F> {
        #[pin]
        inner: F,
        state: Option<(TemplateLayer, RequestInfo, Extra)>,
    }
}

impl<F> Future for TemplateFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = match this.inner.poll(cx) {
            Poll::Ready(Ok(res)) => res,
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => return Poll::Pending,
        };
        if let Some((layer, info, extra)) = this.state.take() {
            layer.finish(&mut res, || info, extra);
        }
        Poll::Ready(Ok(res))
    }
}

fn render(
    templates: &Templates,
    template: &Template,
    info: RequestInfo,
    extra: Extra,
    res: &mut Response,
) {
    let nonce = new_nonce();
    let [input, token] = crate::csrf::template_functions(extra.csrf);
    let base = Value::from_pairs([
        ("request", Value::from_object(info)),
        ("csp_nonce", Value::from(nonce.clone())),
        ("messages", crate::messages::template_value(extra.messages)),
        input,
        token,
    ]);
    // `merge_maps` lets the last map win: built-ins, then processors, then the handler's.
    let mut layers = Vec::with_capacity(extra.values.len() + 2);
    layers.push(base);
    layers.extend(extra.values);
    layers.push(template.context.clone());
    let rendered = RenderedTemplate {
        name: template.name.to_string(),
        context: template.context.clone(),
    };
    match templates.render(&template.name, merge_maps(layers)) {
        Ok(html) => {
            let headers = res.headers_mut();
            headers.remove(header::CONTENT_LENGTH);
            if !headers.contains_key(header::CONTENT_TYPE) {
                headers.insert(header::CONTENT_TYPE, content_type_for(&template.name));
            }
            *res.body_mut() = Body::from(html);
            res.extensions_mut().insert(CspNonce(nonce));
        }
        Err(e) => {
            tracing::error!(template = %template.name, error = %e, "template failed to render");
            *res = HttpError::internal(e).into_response();
        }
    }
    res.extensions_mut().insert(rendered);
}

/// A CSP nonce: 128 random bits, URL-safe base64.
pub(crate) fn new_nonce() -> String {
    crate::signing::random_token(16)
}

fn content_type_for(name: &str) -> HeaderValue {
    let ext = name.rsplit('.').next().unwrap_or("");
    HeaderValue::from_static(match ext {
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        _ => "text/html; charset=utf-8",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type_for("a/b.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type_for("feed.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type_for("robots.txt"), "text/plain; charset=utf-8");
    }

    #[test]
    fn nonces_are_random_and_base64() {
        let a = new_nonce();
        assert_ne!(a, new_nonce());
        assert_eq!(a.len(), 22);
    }
}
