//! [`App`]: a reusable part of a project, like a Django app. It contributes routes,
//! templates, static files, typed settings, management commands and startup checks.
//!
//! ```
//! use galvani_core::prelude::*;
//!
//! pub struct Blog;
//!
//! impl App for Blog {
//!     fn label(&self) -> &'static str { "blog" }
//!     fn routes(&self) -> Routes {
//!         Routes::new().route("/", get(|| async { "posts" })).name("index")
//!     }
//! }
//!
//! let site = Project::new(Settings::default()).app_at("/blog", Blog).build().unwrap();
//! assert_eq!(site.urls().reverse("blog:index", ()).unwrap(), "/blog/");
//! ```
//!
//! Every method but `label` has a default, so an app implements only what it uses. Apps
//! are listed explicitly and in order; the order decides template and static-file lookup
//! (earlier apps win) and the order of `ready` calls.

use std::sync::Arc;

use axum::extract::Request;
use axum::response::Response;

use serde::de::DeserializeOwned;

use crate::assets::Assets;
use crate::checks::{CheckContext, CheckMessage};
use crate::commands::AppCommand;
use crate::error::Error;
use crate::middleware::SiteLayer;
use crate::routing::Routes;
use crate::settings::Settings;
use crate::site::DataMap;
use crate::templates::ContextProcessor;

/// A part of a project: routes, templates, static files, settings, commands and checks.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Galvani app",
    label = "this needs `impl galvani::App for {Self}`",
    note = "an app needs at least `fn label(&self) -> &'static str`; every other method has a default"
)]
pub trait App: Send + Sync + 'static {
    /// The app's label: its route namespace (`shop:product-detail`), its settings section
    /// (`[apps.shop]`) and, by convention, its template and static folder (`shop/...`).
    /// Lowercase letters, digits and `_`.
    fn label(&self) -> &'static str;

    /// The app's routes (its `urls.rs`). Names are namespaced by the label.
    fn routes(&self) -> Routes {
        Routes::new()
    }

    /// The app's templates folder, usually `Some(galvani::assets!("templates"))`.
    fn templates(&self) -> Option<Assets> {
        None
    }

    /// The app's static folder, usually `Some(galvani::assets!("static"))`.
    fn static_files(&self) -> Option<Assets> {
        None
    }

    /// The type of the app's settings section, `[apps.LABEL]`. The section is read and
    /// checked at startup and is then available to handlers as `Data<T>`.
    fn settings(&self) -> Option<AppSettings> {
        None
    }

    /// Management commands the project binary gains (`mysite seed`, ...).
    fn commands(&self) -> Vec<AppCommand> {
        Vec::new()
    }

    /// Startup checks: configuration problems reported by `check` and before serving.
    fn checks(&self, ctx: &CheckContext<'_>) -> Vec<CheckMessage> {
        let _ = ctx;
        Vec::new()
    }

    /// Called once at startup, in app order, after settings are read: register data,
    /// context processors, and (in later versions) signal handlers.
    fn ready(&self, ctx: &mut ReadyContext<'_>) -> Result<(), Error> {
        let _ = ctx;
        Ok(())
    }
}

type LoadFn = fn(&Settings, &str, &mut DataMap) -> Result<(), Error>;

/// Declares the type of an app's `[apps.LABEL]` settings section.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_core::app::AppSettings;
///
/// #[derive(serde::Deserialize, Default)]
/// #[serde(default)]
/// pub struct ShopSettings { pub page_size: u32 }
///
/// struct Shop;
/// impl App for Shop {
///     fn label(&self) -> &'static str { "shop" }
///     fn settings(&self) -> Option<AppSettings> { Some(AppSettings::of::<ShopSettings>()) }
/// }
///
/// let settings = Settings::from_toml("[apps.shop]\npage_size = 12\n").unwrap();
/// let site = Project::new(settings).app(Shop).build().unwrap();
/// assert_eq!(site.data::<ShopSettings>().unwrap().page_size, 12);
/// ```
#[derive(Clone, Copy)]
pub struct AppSettings {
    pub(crate) load: LoadFn,
}

impl AppSettings {
    /// The section deserializes into `T` (use `#[serde(default)]` for optional keys).
    pub fn of<T: DeserializeOwned + Send + Sync + 'static>() -> Self {
        fn load<T: DeserializeOwned + Send + Sync + 'static>(
            settings: &Settings,
            label: &str,
            data: &mut DataMap,
        ) -> Result<(), Error> {
            let value: T = settings.app(label)?;
            data.insert(Arc::new(value));
            Ok(())
        }
        AppSettings { load: load::<T> }
    }
}

impl std::fmt::Debug for AppSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppSettings")
    }
}

/// What an app can do in [`App::ready`].
pub struct ReadyContext<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) data: &'a mut DataMap,
    pub(crate) processors: &'a mut Vec<ContextProcessor>,
    pub(crate) wraps: &'a mut Vec<crate::middleware::Wrap>,
    pub(crate) collectors: &'a mut Vec<crate::metrics::Collector>,
}

impl ReadyContext<'_> {
    /// The project's settings.
    pub fn settings(&self) -> &Settings {
        self.settings
    }

    /// Registers a value handlers receive as `Data<T>` (replacing an earlier one of the
    /// same type).
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.data.insert(Arc::new(value));
    }

    /// A value registered earlier (by the project or an earlier app).
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.data.get::<T>()
    }

    /// Adds values to every template's context (see [`ContextProcessor`]).
    pub fn context_processor(&mut self, processor: ContextProcessor) {
        self.processors.push(processor);
    }

    /// Registers a function that copies counters the app keeps itself into the
    /// [`metrics`](crate::metrics) recorder (with `counter!(..).absolute(n)`,
    /// `gauge!(..).set(n)`), run just before each scrape of `[metrics]`'s endpoint: the
    /// app's hot paths then pay nothing for being measured.
    ///
    /// ```
    /// use galvani_core::app::{App, ReadyContext};
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    ///
    /// struct Orders(Arc<AtomicU64>);
    ///
    /// impl App for Orders {
    ///     fn label(&self) -> &'static str { "orders" }
    ///     fn ready(&self, ctx: &mut ReadyContext<'_>) -> Result<(), galvani_core::Error> {
    ///         let placed = self.0.clone();
    ///         ctx.metrics(move || {
    ///             let n = placed.load(Ordering::Relaxed);
    ///             galvani_core::metrics::counter!("shop_orders_placed_total").absolute(n);
    ///         });
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn metrics(&mut self, collect: impl Fn() + Send + Sync + 'static) {
        self.collectors.push(std::sync::Arc::new(collect));
    }

    /// Adds a tower layer around every request, like [`Project::layer`](crate::Project::layer).
    /// Apps' layers run in the order the apps were installed, before the project's own
    /// middleware: sessions, then the user on the request, then whatever the project adds.
    pub fn layer(&mut self, layer: impl SiteLayer) {
        self.wraps.push(layer.into_wrap());
    }

    /// Adds an Express-style middleware function around every request (see
    /// [`ReadyContext::layer`] for the order).
    pub fn middleware<F, Fut>(&mut self, f: F)
    where
        F: Fn(Request, axum::middleware::Next) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        self.layer(axum::middleware::from_fn(f));
    }
}

impl std::fmt::Debug for ReadyContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadyContext").finish_non_exhaustive()
    }
}

/// Whether `label` is a valid app label.
pub(crate) fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.starts_with(|c: char| c.is_ascii_lowercase())
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_are_lowercase_identifiers() {
        assert!(super::valid_label("shop"));
        assert!(super::valid_label("shop_2"));
        assert!(!super::valid_label("Shop"));
        assert!(!super::valid_label("shop:x"));
        assert!(!super::valid_label("2shop"));
        assert!(!super::valid_label(""));
    }
}
