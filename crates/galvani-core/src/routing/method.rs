//! [`MethodRoute`]: axum's method router plus the handler names that the `routes` command
//! and the debug pages show.

use std::convert::Infallible;

use axum::extract::Request;
use axum::handler::Handler;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, Route};
use tower::{Layer, Service};

/// The handlers of one route path, by HTTP method. Build it with [`get`], [`post`], ... and
/// chain more methods: `get(list).post(create)`.
///
/// ```
/// use galvani_core::prelude::*;
/// async fn list() -> &'static str { "all" }
/// async fn create() -> &'static str { "made" }
/// let route = get(list).post(create);
/// assert_eq!(route.methods(), ["GET", "POST"]);
/// assert!(route.handlers()[0].1.ends_with("list"));
/// ```
#[must_use = "a MethodRoute does nothing until it is added to Routes"]
pub struct MethodRoute {
    pub(crate) inner: MethodRouter,
    handlers: Vec<(&'static str, &'static str)>,
}

impl std::fmt::Debug for MethodRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodRoute")
            .field("handlers", &self.handlers)
            .finish_non_exhaustive()
    }
}

impl MethodRoute {
    /// The HTTP methods handled, in the order they were added.
    pub fn methods(&self) -> Vec<&'static str> {
        self.handlers.iter().map(|(m, _)| *m).collect()
    }

    /// `(method, handler type name)` pairs.
    pub fn handlers(&self) -> &[(&'static str, &'static str)] {
        &self.handlers
    }

    /// Wraps these handlers in a tower layer (for this route only).
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        MethodRoute {
            inner: self.inner.layer(layer),
            handlers: self.handlers,
        }
    }
}

impl From<MethodRouter> for MethodRoute {
    /// Adopts a plain axum method router; its handler names are unknown.
    fn from(inner: MethodRouter) -> Self {
        MethodRoute {
            inner,
            handlers: vec![("*", "(axum MethodRouter)")],
        }
    }
}

macro_rules! methods {
    ($($(#[$doc:meta])* $name:ident => $method:literal),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name<H, T>(handler: H) -> MethodRoute
            where
                H: Handler<T, ()>,
                T: 'static,
            {
                MethodRoute {
                    inner: axum::routing::$name(handler),
                    handlers: vec![($method, short_type_name::<H>())],
                }
            }
        )*

        impl MethodRoute {
            $(
                $(#[$doc])*
                pub fn $name<H, T>(mut self, handler: H) -> Self
                where
                    H: Handler<T, ()>,
                    T: 'static,
                {
                    self.inner = self.inner.$name(handler);
                    self.handlers.push(($method, short_type_name::<H>()));
                    self
                }
            )*
        }
    };
}

methods! {
    /// Handles `GET` (and `HEAD`, with the body dropped).
    get => "GET",
    /// Handles `POST`.
    post => "POST",
    /// Handles `PUT`.
    put => "PUT",
    /// Handles `PATCH`.
    patch => "PATCH",
    /// Handles `DELETE`.
    delete => "DELETE",
    /// Handles `OPTIONS`.
    options => "OPTIONS",
}

/// Handles every method (no other handler can be added to the same path).
pub fn any<H, T>(handler: H) -> MethodRoute
where
    H: Handler<T, ()>,
    T: 'static,
{
    MethodRoute {
        inner: axum::routing::any(handler),
        handlers: vec![("*", short_type_name::<H>())],
    }
}

/// The handler's path without generic noise: `shop::views::product_detail`.
fn short_type_name<H>() -> &'static str {
    let name = std::any::type_name::<H>();
    name.split('<').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn index() -> &'static str {
        "hi"
    }

    #[test]
    fn handler_names_are_recorded_per_method() {
        let r = get(index).delete(index);
        assert_eq!(r.methods(), ["GET", "DELETE"]);
        assert!(
            r.handlers()[0].1.ends_with("method::tests::index"),
            "{:?}",
            r.handlers()
        );
    }
}
