//! [`Urls`]: reversing route names into paths, in Rust and in templates.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;
use std::sync::Arc;

use super::pattern::{BuildError, UrlPattern};
use crate::error::Error;

/// Builds paths from route names: `urls.reverse("shop:product-detail", ("id", 5))`.
///
/// Every name is namespaced by its app's label; project-level routes have bare names.
/// An unknown name, a missing parameter or an extra one is an [`Error`]; in debug mode an
/// unknown name also lists the close matches. Handlers receive `Urls` as an extractor;
/// templates call `url("shop:product-detail", id=5)`.
///
/// ```
/// use galvani_core::prelude::*;
///
/// let project = Project::new(Settings::default()).routes(
///     Routes::new().route("/products/{id}", get(|| async { "ok" })).name("product"),
/// );
/// let urls = project.build().unwrap().urls().clone();
/// assert_eq!(urls.reverse("product", ("id", 5)).unwrap(), "/products/5");
/// assert!(urls.reverse("product", ()).is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Urls {
    inner: Arc<UrlsInner>,
}

#[derive(Debug, Default)]
struct UrlsInner {
    by_name: HashMap<String, UrlPattern>,
    debug: bool,
}

impl Urls {
    pub(crate) fn new(routes: impl IntoIterator<Item = (String, UrlPattern)>, debug: bool) -> Self {
        Urls {
            inner: Arc::new(UrlsInner {
                by_name: routes.into_iter().collect(),
                debug,
            }),
        }
    }

    /// The path for route `name` with `args` filled in (percent-encoded).
    pub fn reverse(&self, name: &str, args: impl UrlArgs) -> Result<String, Error> {
        let args = args.into_url_args();
        let pattern = self.pattern(name)?;
        let expected = pattern.params();
        if let Some((extra, _)) = args.iter().find(|(k, _)| !expected.iter().any(|e| e == k)) {
            return Err(Error::UnexpectedUrlParam {
                route: name.to_owned(),
                path: pattern.as_str().to_owned(),
                param: extra.clone(),
                expected,
            });
        }
        self.build(name, pattern, |p| {
            args.iter().find(|(k, _)| k == p).map(|(_, v)| v.as_str())
        })
    }

    /// The path for route `name` with its parameters filled in order from `values`.
    pub fn reverse_positional(&self, name: &str, values: &[String]) -> Result<String, Error> {
        let pattern = self.pattern(name)?;
        let expected = pattern.params();
        if values.len() > expected.len() {
            return Err(Error::UnexpectedUrlParam {
                route: name.to_owned(),
                path: pattern.as_str().to_owned(),
                param: format!("#{} (positional)", expected.len() + 1),
                expected,
            });
        }
        self.build(name, pattern, |p| {
            let i = expected.iter().position(|e| e == p)?;
            values.get(i).map(String::as_str)
        })
    }

    /// The path pattern of a route, such as `/products/{id}`.
    pub fn pattern(&self, name: &str) -> Result<&UrlPattern, Error> {
        self.inner
            .by_name
            .get(name)
            .ok_or_else(|| Error::NoSuchRoute {
                name: name.to_owned(),
                suggestions: if self.inner.debug {
                    crate::suggest::close_matches(
                        name,
                        self.inner.by_name.keys().map(String::as_str),
                        3,
                    )
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
                } else {
                    Vec::new()
                },
            })
    }

    /// Every route name, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.inner.by_name.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    fn build<'a>(
        &self,
        name: &str,
        pattern: &UrlPattern,
        lookup: impl FnMut(&str) -> Option<&'a str>,
    ) -> Result<String, Error> {
        pattern.build(lookup).map_err(|e| match e {
            BuildError::Missing(param) => Error::MissingUrlParam {
                route: name.to_owned(),
                path: pattern.as_str().to_owned(),
                param,
                expected: pattern.params(),
            },
            BuildError::Empty(param) => Error::EmptyUrlParam {
                route: name.to_owned(),
                param,
            },
        })
    }
}

/// Parameters for [`Urls::reverse`]: `()`, one `("id", 5)` pair, an array or `Vec` of pairs,
/// a map, or [`url_args!`](crate::url_args) for pairs of different types.
///
/// ```
/// use galvani_core::routing::UrlArgs;
/// assert_eq!(("id", 5).into_url_args(), vec![("id".to_string(), "5".to_string())]);
/// assert_eq!([("a", 1), ("b", 2)].into_url_args().len(), 2);
/// assert!(().into_url_args().is_empty());
/// ```
pub trait UrlArgs {
    /// The parameters as name/value strings.
    fn into_url_args(self) -> Vec<(String, String)>;
}

impl UrlArgs for () {
    fn into_url_args(self) -> Vec<(String, String)> {
        Vec::new()
    }
}

impl<V: Display> UrlArgs for (&str, V) {
    fn into_url_args(self) -> Vec<(String, String)> {
        vec![(self.0.to_owned(), self.1.to_string())]
    }
}

impl<K: AsRef<str>, V: Display, const N: usize> UrlArgs for [(K, V); N] {
    fn into_url_args(self) -> Vec<(String, String)> {
        pairs(self)
    }
}

impl<K: AsRef<str>, V: Display> UrlArgs for Vec<(K, V)> {
    fn into_url_args(self) -> Vec<(String, String)> {
        pairs(self)
    }
}

impl<K: AsRef<str>, V: Display> UrlArgs for &[(K, V)] {
    fn into_url_args(self) -> Vec<(String, String)> {
        self.iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.to_string()))
            .collect()
    }
}

impl<K: AsRef<str>, V: Display> UrlArgs for BTreeMap<K, V> {
    fn into_url_args(self) -> Vec<(String, String)> {
        pairs(self)
    }
}

impl<K: AsRef<str>, V: Display, S> UrlArgs for HashMap<K, V, S> {
    fn into_url_args(self) -> Vec<(String, String)> {
        pairs(self)
    }
}

fn pairs<K: AsRef<str>, V: Display>(it: impl IntoIterator<Item = (K, V)>) -> Vec<(String, String)> {
    it.into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.to_string()))
        .collect()
}

/// Route parameters of different types for [`Urls::reverse`].
///
/// ```
/// use galvani_core::url_args;
/// use galvani_core::routing::UrlArgs;
/// let args = url_args!(category = "books", id = 7);
/// assert_eq!(args.into_url_args()[1], ("id".to_string(), "7".to_string()));
/// ```
#[macro_export]
macro_rules! url_args {
    ($($name:ident = $value:expr),* $(,)?) => {
        ::std::vec![$((::std::stringify!($name), ::std::string::ToString::to_string(&$value))),*]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(debug: bool) -> Urls {
        Urls::new(
            [
                (
                    "shop:product-detail".to_owned(),
                    UrlPattern::parse("/p/{id}").unwrap(),
                ),
                (
                    "shop:product-list".to_owned(),
                    UrlPattern::parse("/p/").unwrap(),
                ),
                ("home".to_owned(), UrlPattern::parse("/").unwrap()),
            ],
            debug,
        )
    }

    #[test]
    fn reverses_named_and_positional() {
        let u = urls(true);
        assert_eq!(
            u.reverse("shop:product-detail", ("id", 42)).unwrap(),
            "/p/42"
        );
        assert_eq!(
            u.reverse_positional("shop:product-detail", &["9".into()])
                .unwrap(),
            "/p/9"
        );
        assert_eq!(u.reverse("home", ()).unwrap(), "/");
    }

    #[test]
    fn unknown_names_suggest_close_matches_only_in_debug() {
        let err = urls(true).reverse("shop:product-detial", ()).unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean one of `shop:product-detail`"),
            "{err}"
        );
        let err = urls(false).reverse("shop:product-detial", ()).unwrap_err();
        assert_eq!(err.to_string(), "no route is named `shop:product-detial`");
    }

    #[test]
    fn missing_and_extra_parameters_are_errors() {
        let u = urls(true);
        let err = u.reverse("shop:product-detail", ()).unwrap_err();
        assert!(matches!(err, Error::MissingUrlParam { ref param, .. } if param == "id"));
        let err = u
            .reverse("shop:product-detail", [("id", "1"), ("slug", "x")])
            .unwrap_err();
        assert!(matches!(err, Error::UnexpectedUrlParam { ref param, .. } if param == "slug"));
        let err = u.reverse("home", ("id", 1)).unwrap_err();
        assert!(err.to_string().contains("it takes: no parameters"), "{err}");
        let err = u
            .reverse_positional("shop:product-detail", &["1".into(), "2".into()])
            .unwrap_err();
        assert!(matches!(err, Error::UnexpectedUrlParam { .. }));
    }
}
