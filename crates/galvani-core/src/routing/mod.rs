//! Routing with names: [`Routes`] declares paths, handlers, names and per-group
//! middleware; [`Urls`] reverses names into paths.
//!
//! ```
//! use galvani_core::prelude::*;
//!
//! async fn product_list() -> &'static str { "all products" }
//! async fn product_detail(Path(id): Path<u32>) -> String { format!("product {id}") }
//!
//! let routes = Routes::new()
//!     .route("/products/", get(product_list)).name("product-list")
//!     .route("/products/{id}", get(product_detail)).name("product-detail");
//! assert_eq!(routes.names(), ["product-list", "product-detail"]);
//! ```
//!
//! Paths use axum 0.8's syntax: `{id}` captures one segment, `{*rest}` the remainder.
//! Inside an app, names are namespaced by the app's label (`shop:product-detail`), and
//! mounting the app under a prefix keeps every reversed path right.

mod method;
mod pattern;
mod urls;

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, Route};
use tower::{Layer, Service};

pub use method::{MethodRoute, any, delete, get, options, patch, post, put};
pub(crate) use pattern::CATCH_ALL;
pub use pattern::{UrlPattern, escape_leading_slashes};
pub use urls::{UrlArgs, Urls};

type LayerFn = Arc<dyn Fn(MethodRouter) -> MethodRouter + Send + Sync>;

/// One declared route: its full path, name, handlers and the method router serving it.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    /// The full path pattern, such as `/shop/products/{id}`.
    pub path: String,
    /// The full name, such as `shop:product-detail`, if named.
    pub name: Option<String>,
    /// `(method, handler)` pairs.
    pub handlers: Vec<(&'static str, &'static str)>,
}

pub(crate) struct RouteDef {
    pub(crate) pattern: UrlPattern,
    pub(crate) name: Option<String>,
    pub(crate) handlers: Vec<(&'static str, &'static str)>,
    pub(crate) router: MethodRouter,
    /// Unsafe requests to this path skip the CSRF checks ([`Routes::csrf_exempt`]).
    pub(crate) csrf_exempt: bool,
}

/// A group of routes: an app's `urls.rs`, or a part of one. Routes may carry names;
/// groups may carry middleware that applies to all their routes.
///
/// Declaration mistakes (a duplicate name or path + method, an old `:id` path, `.name()`
/// before any route) are collected and reported when the project is built, with the fix.
#[derive(Default)]
#[must_use = "Routes do nothing until given to an App or the Project"]
pub struct Routes {
    defs: Vec<RouteDef>,
    layers: Vec<LayerFn>,
    last: Option<usize>,
    problems: Vec<String>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field(
                "paths",
                &self
                    .defs
                    .iter()
                    .map(|d| d.pattern.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

impl Routes {
    /// An empty group.
    pub fn new() -> Self {
        Routes::default()
    }

    /// Serves `path` with the handlers in `method_route`. Adding the same path again adds
    /// methods to it: `.route("/", get(a)).route("/", post(b))`.
    pub fn route(mut self, path: &str, method_route: impl Into<MethodRoute>) -> Self {
        let method_route = method_route.into();
        let pattern = match UrlPattern::parse(path) {
            Ok(p) => p,
            Err(e) => {
                self.problems.push(e);
                self.last = None;
                return self;
            }
        };
        let handlers = method_route.handlers().to_vec();
        if let Some(i) = self.defs.iter().position(|d| d.pattern == pattern) {
            let existing = &self.defs[i];
            if let Some(m) = overlapping(&existing.handlers, &handlers) {
                self.problems.push(format!(
                    "`{m} {path}` is declared twice; remove one of the handlers"
                ));
                self.last = None;
                return self;
            }
            let def = &mut self.defs[i];
            def.router = std::mem::take(&mut def.router).merge(method_route.inner);
            def.handlers.extend(handlers);
            self.last = Some(i);
            return self;
        }
        self.defs.push(RouteDef {
            pattern,
            name: None,
            handlers,
            router: method_route.inner,
            csrf_exempt: false,
        });
        self.last = Some(self.defs.len() - 1);
        self
    }

    /// Names the route added just before, so it can be reversed: `.name("product-detail")`.
    pub fn name(mut self, name: &str) -> Self {
        let Some(i) = self.last else {
            self.problems.push(format!(
                "`.name(\"{name}\")` must follow a `.route(...)` that succeeded"
            ));
            return self;
        };
        if name.is_empty() || name.contains(':') || name.chars().any(char::is_whitespace) {
            self.problems.push(format!(
                "route name `{name}` is not valid: use letters, digits, `-` and `_` (the app's label and `:` are added for you)"
            ));
            return self;
        }
        if let Some(other) = self.defs.iter().find(|d| d.name.as_deref() == Some(name)) {
            self.problems.push(format!(
                "route name `{name}` is used for both `{}` and `{}`; names must be unique",
                other.pattern.as_str(),
                self.defs[i].pattern.as_str()
            ));
            return self;
        }
        let def = &mut self.defs[i];
        if let Some(old) = &def.name {
            self.problems.push(format!(
                "route `{}` is named twice (`{old}` and `{name}`)",
                def.pattern.as_str()
            ));
            return self;
        }
        def.name = Some(name.to_owned());
        self
    }

    /// Exempts the route added just before from the CSRF checks, for every method: for
    /// endpoints other sites must post to (a payment provider's webhook), which then have
    /// to authenticate the caller themselves (a signature header, say). Nothing else turns
    /// CSRF protection off for a route.
    ///
    /// ```
    /// use galvani_core::prelude::*;
    /// async fn paid() -> &'static str { "ok" }
    /// let routes = Routes::new().route("/hooks/payment", post(paid)).csrf_exempt();
    /// ```
    pub fn csrf_exempt(mut self) -> Self {
        match self.last {
            Some(i) => self.defs[i].csrf_exempt = true,
            None => self
                .problems
                .push("`.csrf_exempt()` must follow a `.route(...)` that succeeded".to_owned()),
        }
        self
    }

    /// Adds another group's routes under `prefix`, keeping their names and middleware.
    pub fn nest(mut self, prefix: &str, routes: Routes) -> Self {
        let (defs, problems) = routes.finish();
        self.problems.extend(problems);
        for mut def in defs {
            match def.pattern.prefixed(prefix) {
                Ok(pattern) => def.pattern = pattern,
                Err(e) => {
                    self.problems.push(format!("nest: {e}"));
                    continue;
                }
            }
            self = self.push_def(def);
        }
        self.last = None;
        self
    }

    /// Adds another group's routes at the same level.
    pub fn merge(self, routes: Routes) -> Self {
        self.nest("", routes)
    }

    /// Wraps every route of this group in a tower layer. Layers run in the order they are
    /// added: the first one added sees the request first, like Express's `use`.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.layers
            .push(Arc::new(move |r: MethodRouter| r.layer(layer.clone())));
        self
    }

    /// Wraps every route of this group in an async function taking the request and `next`,
    /// Express-style (see [`crate::middleware`]).
    ///
    /// ```
    /// use galvani_core::prelude::*;
    /// use galvani_core::middleware::Next;
    ///
    /// async fn add_header(req: Request, next: Next) -> Response {
    ///     let mut res = next.run(req).await;
    ///     res.headers_mut().insert("x-shop", "yes".parse().unwrap());
    ///     res
    /// }
    /// let routes = Routes::new().route("/", get(|| async { "hi" })).middleware(add_header);
    /// ```
    pub fn middleware<F, Fut>(self, f: F) -> Self
    where
        F: Fn(Request, axum::middleware::Next) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        self.layer(axum::middleware::from_fn(f))
    }

    /// The names declared so far (without namespace), in declaration order.
    pub fn names(&self) -> Vec<&str> {
        self.defs.iter().filter_map(|d| d.name.as_deref()).collect()
    }

    fn push_def(mut self, def: RouteDef) -> Self {
        if let Some(existing) = self.defs.iter_mut().find(|d| d.pattern == def.pattern) {
            if let Some(m) = overlapping(&existing.handlers, &def.handlers) {
                self.problems.push(format!(
                    "`{m} {}` is declared twice; remove one of the handlers",
                    def.pattern.as_str()
                ));
                return self;
            }
            existing.router = std::mem::take(&mut existing.router).merge(def.router);
            existing.handlers.extend(def.handlers);
            existing.csrf_exempt |= def.csrf_exempt;
            if existing.name.is_none() {
                existing.name = def.name;
            }
            return self;
        }
        if let Some(name) = &def.name
            && self.defs.iter().any(|d| d.name.as_ref() == Some(name))
        {
            self.problems.push(format!(
                "route name `{name}` is used twice (again for `{}`)",
                def.pattern.as_str()
            ));
            return self;
        }
        self.defs.push(def);
        self
    }

    /// The routes with this group's layers applied, and the problems found.
    pub(crate) fn finish(self) -> (Vec<RouteDef>, Vec<String>) {
        let layers = self.layers;
        let defs = self
            .defs
            .into_iter()
            .map(|mut def| {
                for layer in layers.iter().rev() {
                    def.router = layer(def.router);
                }
                def
            })
            .collect();
        (defs, self.problems)
    }
}

fn overlapping(
    a: &[(&'static str, &'static str)],
    b: &[(&'static str, &'static str)],
) -> Option<&'static str> {
    a.iter().find_map(|(ma, _)| {
        b.iter()
            .find(|(mb, _)| ma == mb || *ma == "*" || *mb == "*")
            .map(|(mb, _)| if *mb == "*" { *ma } else { *mb })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn h() -> &'static str {
        "x"
    }

    #[test]
    fn names_follow_routes() {
        let r = Routes::new()
            .route("/a", get(h))
            .name("a")
            .route("/b", get(h));
        assert_eq!(r.names(), ["a"]);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn declaration_mistakes_are_collected() {
        let r = Routes::new()
            .name("orphan")
            .route("/a", get(h))
            .name("a")
            .route("/b", get(h))
            .name("a")
            .route("/a", get(h))
            .route("/c/:id", get(h))
            .route("/d", get(h))
            .name("has space");
        let p = r.problems.join("\n");
        assert!(p.contains("must follow a `.route(...)`"), "{p}");
        assert!(p.contains("route name `a` is used for both"), "{p}");
        assert!(p.contains("`GET /a` is declared twice"), "{p}");
        assert!(p.contains("write `{id}` instead"), "{p}");
        assert!(p.contains("`has space` is not valid"), "{p}");
    }

    #[test]
    fn methods_on_one_path_merge() {
        let r = Routes::new()
            .route("/a", get(h))
            .route("/a", post(h))
            .name("a");
        assert_eq!(r.defs.len(), 1);
        assert_eq!(r.defs[0].handlers.len(), 2);
        assert_eq!(r.defs[0].name.as_deref(), Some("a"));
    }

    #[test]
    fn nesting_prefixes_paths_and_keeps_names() {
        let inner = Routes::new().route("/{id}", get(h)).name("detail");
        let r = Routes::new().nest("/items", inner);
        assert_eq!(r.defs[0].pattern.as_str(), "/items/{id}");
        assert_eq!(r.names(), ["detail"]);
    }
}
