//! Templates: minijinja with Django's lookup order.
//!
//! A template name such as `shop/product_detail.html` is looked up in the project's
//! template folders (`templates.dirs`) first, then in each app's `templates/` in app
//! order, so a project overrides an app's template by writing its own at the same name.
//! `.html`, `.htm` and `.xml` templates auto-escape; `|safe` marks trusted markup.
//!
//! Every template can call `url("shop:product-detail", id=5)` and
//! `static("shop/site.css")`, and sees `request` (`path`, `method`, `query`) and
//! `csp_nonce`. Apps add more through context processors.
//!
//! With `debug` on, templates reload when their files change; otherwise each is loaded
//! once. Handlers answer with [`Template`]:
//!
//! ```
//! use galvani_core::prelude::*;
//!
//! async fn home() -> Template {
//!     Template::new("shop/home.html", context! { title => "Welcome" })
//! }
//! ```

mod builtins;
mod context;
mod loader;
mod render;

use std::sync::Arc;

use minijinja::value::{Kwargs, Rest};
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

use crate::assets::Assets;
use crate::error::Error;
use crate::routing::Urls;
use crate::settings::{Settings, UndefinedVariables};
use crate::staticfiles::StaticFiles;

pub(crate) use builtins::html_escape;
pub use context::{ContextProcessor, RequestInfo, to_value};
pub(crate) use render::new_nonce;
pub use render::{
    CspNonce, RenderedTemplate, Template, TemplateFuture, TemplateLayer, TemplateService,
};

/// The project's template engine. Cheap to clone.
///
/// ```
/// use galvani_core::prelude::*;
/// let project = Project::new(Settings::default()).build().unwrap();
/// let text = project.templates().render_str("Hello {{ name }}!", context! { name => "Ada" }).unwrap();
/// assert_eq!(text, "Hello Ada!");
/// // Auto-escaping follows the template's extension: `.html` files escape, source
/// // strings (like `.txt` files) do not.
/// ```
#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
    sources: Arc<Vec<(String, Assets)>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

impl Templates {
    /// Builds the engine: `sources` are `(owner, folder)` pairs in lookup order.
    pub(crate) fn new(
        settings: &Settings,
        sources: Vec<(String, Assets)>,
        urls: Urls,
        statics: StaticFiles,
    ) -> Templates {
        let sources = Arc::new(sources);
        let mut env = Environment::new();
        env.set_loader(loader::loader(
            sources.clone(),
            settings.template_auto_reload(),
        ));
        env.set_auto_reload(settings.template_auto_reload());
        env.set_debug(settings.debug);
        env.set_undefined_behavior(match settings.templates.undefined {
            UndefinedVariables::Lenient => UndefinedBehavior::Lenient,
            UndefinedVariables::Chainable => UndefinedBehavior::Chainable,
            UndefinedVariables::Strict => UndefinedBehavior::Strict,
        });
        // Both functions percent-encode everything HTML cares about, so their output is
        // marked safe: pages read `/products/5/`, not `&#x2f;products&#x2f;5&#x2f;`.
        env.add_function(
            "url",
            move |name: String, args: Rest<Value>, kwargs: Kwargs| {
                url_function(&urls, &name, &args, &kwargs).map(Value::from_safe_string)
            },
        );
        env.add_function("static", move |path: String| {
            statics
                .url(&path)
                .map(Value::from_safe_string)
                .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string()))
        });
        env.add_filter("json_script", builtins::json_script);
        Templates {
            env: Arc::new(env),
            sources,
        }
    }

    /// Renders the template `name` with `context` (any `Serialize` value or a `context!`).
    pub fn render(&self, name: &str, context: impl serde::Serialize) -> Result<String, Error> {
        let template = self.env.get_template(name)?;
        Ok(template.render(to_value(context))?)
    }

    /// Renders template source text (named `<string>` in errors). Source strings are not
    /// auto-escaped; render an `.html` template for HTML.
    pub fn render_str(
        &self,
        source: &str,
        context: impl serde::Serialize,
    ) -> Result<String, Error> {
        Ok(self.env.render_str(source, to_value(context))?)
    }

    /// Whether a template with this name exists in any source.
    pub fn exists(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
            || self.sources.iter().any(|(_, a)| a.read(name).is_some())
    }

    /// The underlying minijinja environment, for advanced use.
    pub fn environment(&self) -> &Environment<'static> {
        &self.env
    }

    /// Every template name the project can see, with the owner that wins for each
    /// (`project` or an app label).
    pub fn list(&self) -> Vec<(String, String)> {
        let mut seen = std::collections::BTreeMap::new();
        for (owner, assets) in self.sources.iter() {
            for name in assets.list() {
                seen.entry(name).or_insert_with(|| owner.clone());
            }
        }
        seen.into_iter().collect()
    }

    /// Compiles every template, returning the ones that fail (used by `check`).
    pub fn check_all(&self) -> Vec<(String, Error)> {
        self.list()
            .into_iter()
            .filter(|(name, _)| is_template_file(name))
            .filter_map(|(name, _)| match self.env.get_template(&name) {
                Ok(_) => None,
                Err(e) => Some((name, Error::Template(e))),
            })
            .collect()
    }
}

fn is_template_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    !base.starts_with('.') && base.contains('.')
}

fn url_function(
    urls: &Urls,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<String, minijinja::Error> {
    let fail = |e: Error| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string());
    let named: Vec<(String, String)> = kwargs
        .args()
        .map(|k| {
            let v: Value = kwargs.get(k)?;
            Ok((k.to_owned(), v.to_string()))
        })
        .collect::<Result<_, minijinja::Error>>()?;
    match (args.is_empty(), named.is_empty()) {
        (_, true) => {
            let values: Vec<String> = args.iter().map(ToString::to_string).collect();
            urls.reverse_positional(name, &values).map_err(fail)
        }
        (true, false) => urls.reverse(name, named).map_err(fail),
        (false, false) => Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "url(\"{name}\", ...): pass parameters either by position or by name, not both"
            ),
        )),
    }
}
