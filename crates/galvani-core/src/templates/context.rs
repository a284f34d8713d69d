//! Template context: converting Rust values, the `context!` macro, the `request`
//! variable, and context processors (values every template of a request sees).

use std::sync::Arc;

use axum::extract::Request;
use minijinja::Value;
use minijinja::value::{Object, ObjectRepr};

/// Converts any `Serialize` value (a struct, a map, a `context!`) into a template value.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Product { name: &'static str, price: u32 }
/// let v = galvani_core::templates::to_value(Product { name: "Lamp", price: 30 });
/// assert_eq!(v.get_attr("price").unwrap(), 30.into());
/// ```
pub fn to_value(value: impl serde::Serialize) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// Builds a template context from `name => value` pairs (any `Serialize` values), or from
/// variables of the same name.
///
/// ```
/// use galvani_core::context;
/// let products = vec!["Lamp", "Desk"];
/// let ctx = context! { title => "Shop", products };
/// assert_eq!(ctx.get_attr("title").unwrap().as_str(), Some("Shop"));
/// assert_eq!(ctx.get_attr("products").unwrap().len(), Some(2));
/// ```
#[macro_export]
macro_rules! context {
    () => {
        $crate::__private::minijinja::Value::from_pairs(
            ::std::iter::empty::<(&str, $crate::__private::minijinja::Value)>(),
        )
    };
    ($($key:ident $(=> $value:expr)?),+ $(,)?) => {
        $crate::__private::minijinja::Value::from_pairs([
            $((
                ::std::stringify!($key),
                $crate::templates::to_value(&$crate::__context_value!($key $(=> $value)?)),
            )),+
        ])
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __context_value {
    ($key:ident) => {
        $key
    };
    ($key:ident => $value:expr) => {
        $value
    };
}

/// A function that adds values to the context of every template rendered for a request,
/// like Django's context processors (the user, the CSRF token, messages...).
///
/// It runs before the handler, for every request, so it must be cheap: capture what it
/// needs from the request and return values (lazy objects where computing them costs).
/// Values the handler passes win over a processor's values of the same name.
///
/// ```
/// use galvani_core::templates::ContextProcessor;
/// let site_name = ContextProcessor::new(|_req| galvani_core::context! { site_name => "Shop" });
/// ```
#[derive(Clone)]
pub struct ContextProcessor(Arc<dyn Fn(&Request) -> Value + Send + Sync>);

impl ContextProcessor {
    /// Wraps a function returning a map of values.
    pub fn new(f: impl Fn(&Request) -> Value + Send + Sync + 'static) -> Self {
        ContextProcessor(Arc::new(f))
    }

    pub(crate) fn call(&self, req: &Request) -> Value {
        (self.0)(req)
    }
}

impl std::fmt::Debug for ContextProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContextProcessor")
    }
}

/// The `request` template variable: `request.path`, `request.method`, `request.query`
/// and `request.full_path`.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    method: http::Method,
    uri: http::Uri,
}

impl RequestInfo {
    pub(crate) fn new(method: http::Method, uri: http::Uri) -> Self {
        RequestInfo { method, uri }
    }

    /// The request's method.
    pub fn method(&self) -> &http::Method {
        &self.method
    }

    /// The request's URI.
    pub fn uri(&self) -> &http::Uri {
        &self.uri
    }
}

impl Object for RequestInfo {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "path" => Value::from(self.uri.path()),
            "method" => Value::from(self.method.as_str()),
            "query" => Value::from(self.uri.query().unwrap_or("")),
            "full_path" => {
                Value::from(self.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
            }
            _ => return None,
        })
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<request {} {}>", self.method, self.uri.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_info_exposes_path_and_query() {
        let info = Value::from_object(RequestInfo::new(
            http::Method::GET,
            "/p/1?x=2".parse().unwrap(),
        ));
        let env = minijinja::Environment::new();
        let out = env
            .render_str(
                "{{ r.method }} {{ r.path }} {{ r.query }} {{ r.full_path }}",
                minijinja::context! { r => info },
            )
            .unwrap();
        assert_eq!(out, "GET /p/1 x=2 /p/1?x=2");
    }

    #[test]
    fn context_macro_takes_shorthand_and_serialize_values() {
        #[derive(serde::Serialize)]
        struct P {
            n: u8,
        }
        let p = P { n: 3 };
        let ctx = crate::context! { p, label => "x" };
        assert_eq!(
            ctx.get_attr("p").unwrap().get_attr("n").unwrap(),
            Value::from(3)
        );
        assert!(crate::context! {}.len() == Some(0));
    }
}
