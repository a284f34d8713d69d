//! [`Project`]: settings plus an explicit, ordered list of apps, project-level routes and
//! middleware. `build` checks it all and makes a [`Site`]; `run_cli` is the project's
//! `manage.py`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use tower::{Layer, ServiceExt};

use crate::app::{App, ReadyContext, valid_label};
use crate::assets::Assets;
use crate::error::pages::{ErrorPages, MatchedRoute};
use crate::error::{Error, HttpError};
use crate::middleware::core::Core;
use crate::middleware::cors;
use crate::middleware::dispatch::{Direct, Inner};
use crate::middleware::{SiteLayer, Wrap};
use crate::routing::{RouteDef, RouteInfo, Routes, UrlPattern, Urls};
use crate::settings::{Settings, SettingsProblem};
use crate::site::{DataMap, Site, SiteService, SiteState};
use crate::staticfiles::StaticFiles;
use crate::templates::{ContextProcessor, TemplateLayer, Templates};

/// A project: settings, apps in order, project-level routes and middleware.
///
/// ```
/// use galvani_core::prelude::*;
///
/// struct Shop;
/// impl App for Shop {
///     fn label(&self) -> &'static str { "shop" }
///     fn routes(&self) -> Routes {
///         Routes::new().route("/products/{id}", get(|| async { "a product" })).name("product-detail")
///     }
/// }
///
/// let site = Project::new(Settings::default())
///     .app_at("/shop", Shop)
///     .routes(Routes::new().route("/", get(|| async { "home" })).name("home"))
///     .build()
///     .unwrap();
/// assert_eq!(site.urls().reverse("shop:product-detail", ("id", 5)).unwrap(), "/shop/products/5");
/// ```
#[must_use = "a Project does nothing until built or run"]
pub struct Project {
    settings: Result<Settings, Error>,
    apps: Vec<(String, Arc<dyn App>)>,
    routes: Routes,
    wraps: Vec<Wrap>,
    data: DataMap,
    processors: Vec<ContextProcessor>,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project")
            .field(
                "apps",
                &self
                    .apps
                    .iter()
                    .map(|(p, a)| (p, a.label()))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// What [`Project::new`] accepts: settings, or the result of loading them (an error is
/// reported cleanly when the project runs).
pub trait IntoSettings {
    /// The settings, or why they could not be loaded.
    fn into_settings(self) -> Result<Settings, Error>;
}

impl IntoSettings for Settings {
    fn into_settings(self) -> Result<Settings, Error> {
        Ok(self)
    }
}

impl IntoSettings for Result<Settings, Error> {
    fn into_settings(self) -> Result<Settings, Error> {
        self
    }
}

impl Project {
    /// A project with these settings: `Project::new(Settings::from_env())`.
    pub fn new(settings: impl IntoSettings) -> Self {
        Project {
            settings: settings.into_settings(),
            apps: Vec::new(),
            routes: Routes::new(),
            wraps: Vec::new(),
            data: DataMap::default(),
            processors: Vec::new(),
        }
    }

    /// Installs an app with its routes at the site root.
    pub fn app(self, app: impl App) -> Self {
        self.app_at("", app)
    }

    /// Installs an app with its routes under `prefix` (`"/shop"`); reversing its route
    /// names includes the prefix.
    pub fn app_at(mut self, prefix: &str, app: impl App) -> Self {
        self.apps
            .push((prefix.trim_end_matches('/').to_owned(), Arc::new(app)));
        self
    }

    /// Adds project-level routes (names without a namespace). May be called more than once.
    pub fn routes(mut self, routes: Routes) -> Self {
        self.routes = self.routes.merge(routes);
        self
    }

    /// Adds an Express-style middleware function for every request (see
    /// [`crate::middleware`]). Middleware runs in the order added, inside the default stack.
    pub fn middleware<F, Fut>(self, f: F) -> Self
    where
        F: Fn(Request, axum::middleware::Next) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        self.layer(axum::middleware::from_fn(f))
    }

    /// Adds a tower layer for every request, in the order added, inside the default stack.
    pub fn layer(mut self, layer: impl SiteLayer) -> Self {
        self.wraps.push(layer.into_wrap());
        self
    }

    /// Registers a value handlers receive as [`Data<T>`](crate::Data).
    pub fn data<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.data.insert(Arc::new(value));
        self
    }

    /// Adds values to every template's context (see [`ContextProcessor`]).
    pub fn context_processor(mut self, processor: ContextProcessor) -> Self {
        self.processors.push(processor);
        self
    }

    pub(crate) fn app_commands(&self) -> Vec<crate::commands::AppCommand> {
        self.apps.iter().flat_map(|(_, a)| a.commands()).collect()
    }

    pub(crate) fn settings_ref(&self) -> Result<&Settings, &Error> {
        self.settings.as_ref()
    }

    /// Checks the apps, routes and settings and builds the site.
    pub fn build(self) -> Result<Site, Error> {
        let settings = Arc::new(self.settings?);
        let apps: Vec<Arc<dyn App>> = self.apps.iter().map(|(_, a)| a.clone()).collect();
        check_apps(&settings, &apps)?;

        let mut data = self.data;
        // The site's mailer, unless the project registered its own.
        if data.get::<crate::mail::Mailer>().is_none() {
            data.insert(Arc::new(crate::mail::Mailer::from_settings(&settings)?));
        }
        let mut processors = self.processors;
        let mut wraps = Vec::new();
        let mut collectors = Vec::new();
        // Installed before the apps describe their metrics to it.
        let recorder = settings
            .metrics
            .enabled
            .then(crate::metrics::recorder)
            .transpose()?;
        for app in &apps {
            if let Some(spec) = app.settings() {
                (spec.load)(&settings, app.label(), &mut data)?;
            }
            app.ready(&mut ReadyContext {
                settings: &settings,
                data: &mut data,
                processors: &mut processors,
                wraps: &mut wraps,
                collectors: &mut collectors,
            })?;
        }
        let metrics = recorder
            .map(|handle| crate::metrics::Endpoint::new(handle, &settings.metrics, collectors));

        let (defs, infos, urls) = collect_routes(&settings, self.routes, &self.apps)?;

        let mut template_sources: Vec<(String, Assets)> = settings
            .templates
            .dirs
            .iter()
            .map(|d| ("project".to_owned(), Assets::dir(settings.path(d))))
            .collect();
        let mut static_sources: Vec<(String, Assets)> = settings
            .static_files
            .dirs
            .iter()
            .map(|d| ("project".to_owned(), Assets::dir(settings.path(d))))
            .collect();
        for app in &apps {
            template_sources.extend(app.templates().map(|a| (app.label().to_owned(), a)));
            static_sources.extend(app.static_files().map(|a| (app.label().to_owned(), a)));
        }
        let statics = StaticFiles::new(&settings, static_sources);
        let templates = Templates::new(&settings, template_sources, urls.clone(), statics.clone());

        let mut infos = infos;
        if let Some(path) = statics.route_path() {
            infos.push(RouteInfo {
                path,
                name: None,
                handlers: vec![("GET", "galvani::staticfiles (static files)")],
            });
        }
        if metrics.is_some() {
            infos.push(RouteInfo {
                path: settings.metrics.path.clone(),
                name: None,
                handlers: vec![("GET", "galvani::metrics (Prometheus)")],
            });
        }
        let infos = Arc::new(infos);
        let state = SiteState::new(
            settings.clone(),
            urls,
            templates.clone(),
            statics.clone(),
            data,
            infos.clone(),
            Arc::new(apps.clone()),
        );

        let csrf_exempt: Vec<String> = defs
            .iter()
            .filter(|d| d.csrf_exempt)
            .map(|d| d.pattern.as_str().to_owned())
            .collect();
        let router = build_router(&settings, defs, &statics, metrics, &infos);
        let template_layer = TemplateLayer::new(templates.clone(), processors);
        let templated = template_layer.layer(router.clone());
        let mw = &settings.middleware;
        let lift = mw.on(mw.body_limit);
        // The Core caps every body at `server.max_body_size`; axum's extractors would stop
        // at their own 2 MB otherwise, so the chain lifts that cap (once, around the
        // router: as a router layer it would re-wrap, and cost, every route).
        let mut service = if lift {
            SiteService::new(DefaultBodyLimit::disable().layer(templated.clone()))
        } else {
            SiteService::new(templated.clone())
        };
        // Apps' middleware runs first (sessions, then the user), then the project's own.
        wraps.extend(self.wraps);
        let direct = wraps
            .is_empty()
            .then(|| Direct::new(router, template_layer, lift));
        for wrap in wraps.into_iter().rev() {
            service = wrap(service);
        }
        let core = default_stack(
            &settings,
            state.clone(),
            templates,
            infos,
            service,
            direct,
            &csrf_exempt,
        );

        let commands = collect_commands(&apps)?;
        Ok(Site::new(state, core, commands))
    }
}

/// Every app's commands; a name used twice, or a built-in's name, is an error.
fn collect_commands(apps: &[Arc<dyn App>]) -> Result<Vec<crate::commands::AppCommand>, Error> {
    let mut owners: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut commands = Vec::new();
    for app in apps {
        for command in app.commands() {
            let name = command.name().to_owned();
            let clash = if crate::cli::BUILTIN.contains(&name.as_str()) {
                Some("Galvani's built-in command".to_owned())
            } else {
                owners
                    .get(&name)
                    .map(|other| format!("app `{other}`'s command"))
            };
            if let Some(clash) = clash {
                return Err(Error::App {
                    label: app.label().to_owned(),
                    message: format!(
                        "its command `{name}` has the same name as {clash}; rename it"
                    ),
                });
            }
            owners.insert(name, app.label());
            commands.push(command);
        }
    }
    Ok(commands)
}

fn check_apps(settings: &Settings, apps: &[Arc<dyn App>]) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    for app in apps {
        let label = app.label();
        if !valid_label(label) {
            return Err(Error::App {
                label: label.to_owned(),
                message: "labels are lowercase letters, digits and `_`, starting with a letter"
                    .to_owned(),
            });
        }
        if !seen.insert(label) {
            return Err(Error::App {
                label: label.to_owned(),
                message: "is installed twice; labels must be unique".to_owned(),
            });
        }
    }
    let mut problems: Vec<SettingsProblem> = settings
        .app_labels()
        .filter(|l| !seen.contains(l))
        .map(|l| {
            let mut installed: Vec<&str> = seen.iter().copied().collect();
            installed.sort_unstable();
            let mut message = format!(
                "there is no installed app `{l}`; installed apps: {}",
                if installed.is_empty() {
                    "none".to_owned()
                } else {
                    installed.join(", ")
                }
            );
            if let Some(close) = crate::suggest::closest(l, installed.iter().copied()) {
                message.push_str(&format!("; did you mean `[apps.{close}]`?"));
            }
            SettingsProblem {
                origin: settings.origin(&format!("apps.{l}")),
                key: format!("apps.{l}"),
                message,
            }
        })
        .collect();
    for app in apps.iter().filter(|a| a.settings().is_none()) {
        let label = app.label();
        for key in settings.app_keys(label) {
            problems.push(SettingsProblem {
                origin: settings.origin(&format!("apps.{label}.{key}")),
                key: format!("apps.{label}.{key}"),
                message: format!("app `{label}` has no settings; remove this key"),
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Settings { problems });
    }
    Ok(())
}

/// Flattens the project's and apps' routes with prefixes and namespaces, and checks that
/// no two of them collide.
fn collect_routes(
    settings: &Settings,
    project_routes: Routes,
    apps: &[(String, Arc<dyn App>)],
) -> Result<(Vec<RouteDef>, Vec<RouteInfo>, Urls), Error> {
    let mut problems = Vec::new();
    let mut defs = Vec::new();
    let mut groups: Vec<(String, Option<&str>, Routes)> =
        vec![(String::new(), None, project_routes)];
    for (prefix, app) in apps {
        groups.push((prefix.clone(), Some(app.label()), app.routes()));
    }
    for (prefix, namespace, routes) in groups {
        let (group, group_problems) = routes.finish();
        let owner = namespace
            .map(|n| format!("app `{n}`"))
            .unwrap_or_else(|| "the project".to_owned());
        problems.extend(group_problems.into_iter().map(|p| format!("{owner}: {p}")));
        for mut def in group {
            match def.pattern.prefixed(&prefix) {
                Ok(pattern) => def.pattern = pattern,
                Err(e) => {
                    problems.push(format!("{owner} mounted at `{prefix}`: {e}"));
                    continue;
                }
            }
            if let (Some(ns), Some(name)) = (namespace, &def.name) {
                def.name = Some(format!("{ns}:{name}"));
            }
            defs.push(def);
        }
    }

    let mut shadow = matchit::Router::new();
    let mut names = std::collections::HashMap::new();
    for def in &defs {
        if let Err(e) = shadow.insert(def.pattern.as_str(), ()) {
            problems.push(format!(
                "`{}` collides with another route: {e}",
                def.pattern.as_str()
            ));
        }
        if let Some(name) = &def.name
            && let Some(other) = names.insert(name.clone(), def.pattern.as_str().to_owned())
        {
            problems.push(format!(
                "route name `{name}` is used for both `{other}` and `{}`",
                def.pattern.as_str()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Routes {
            message: problems.join("; "),
        });
    }
    let infos = defs
        .iter()
        .map(|d| RouteInfo {
            path: d.pattern.as_str().to_owned(),
            name: d.name.clone(),
            handlers: d.handlers.clone(),
        })
        .collect();
    let urls = Urls::new(
        defs.iter()
            .filter_map(|d| d.name.clone().map(|n| (n, d.pattern.clone()))),
        settings.debug,
    );
    Ok((defs, infos, urls))
}

fn build_router(
    settings: &Settings,
    defs: Vec<RouteDef>,
    statics: &StaticFiles,
    metrics: Option<crate::metrics::Endpoint>,
    infos: &Arc<Vec<RouteInfo>>,
) -> Router {
    let mut router = Router::new();
    let mut paths: Vec<UrlPattern> = Vec::with_capacity(defs.len());
    for def in defs {
        let mut method_router: MethodRouter = def.router;
        if settings.debug {
            let matched = MatchedRoute {
                path: def.pattern.as_str().into(),
                name: def.name.as_deref().map(Into::into),
            };
            method_router =
                method_router.layer(axum::middleware::map_response(move |mut res: Response| {
                    let matched = matched.clone();
                    async move {
                        res.extensions_mut().insert(matched);
                        res
                    }
                }));
        }
        router = router.route(def.pattern.as_str(), method_router);
        paths.push(def.pattern);
    }
    if let Some(path) = statics.route_path() {
        let statics = statics.clone();
        router = router.route(
            &path,
            axum::routing::get(
                move |axum::extract::Path(file): axum::extract::Path<String>, req: Request| {
                    let statics = statics.clone();
                    async move { statics.serve(&file, req).await }
                },
            ),
        );
    }
    if let Some(metrics) = metrics {
        router = router.route(
            &settings.metrics.path,
            axum::routing::get(move |req: Request| {
                let metrics = metrics.clone();
                async move { metrics.serve(&req) }
            }),
        );
    }
    let slash_router = trailing_slash_targets(infos);
    router
        .method_not_allowed_fallback(|req: Request| async move {
            HttpError::new(
                http::StatusCode::METHOD_NOT_ALLOWED,
                format!(
                    "The method {} is not allowed for {}.",
                    req.method(),
                    req.uri().path()
                ),
            )
        })
        .fallback(move |req: Request| {
            let slash_router = slash_router.clone();
            async move { not_found(req, &slash_router) }
        })
        // Turns every handler into a ready route now; without it axum rebuilds the
        // handler's route (two allocations) on every request.
        .with_state(())
}

/// The paths that only exist with a trailing slash, for Django's `APPEND_SLASH` redirect.
fn trailing_slash_targets(infos: &[RouteInfo]) -> Arc<matchit::Router<()>> {
    let mut router = matchit::Router::new();
    for info in infos {
        let _ = router.insert(info.path.as_str(), ());
    }
    Arc::new(router)
}

fn not_found(req: Request, routes: &matchit::Router<()>) -> Response {
    let path = req.uri().path();
    let is_read = matches!(*req.method(), http::Method::GET | http::Method::HEAD);
    if is_read && !path.ends_with('/') {
        // `/\evil.example/` reads as `//evil.example/`, another host: escape it.
        let with_slash = crate::routing::escape_leading_slashes(format!("{path}/"));
        if routes.at(&with_slash).is_ok() {
            let target = match req.uri().query() {
                Some(q) => format!("{with_slash}?{q}"),
                None => with_slash,
            };
            return Redirect::permanent(&target).into_response();
        }
    }
    HttpError::not_found(format!("No route matches {path}.")).into_response()
}

fn default_stack(
    settings: &Settings,
    state: SiteState,
    templates: Templates,
    infos: Arc<Vec<RouteInfo>>,
    inner: SiteService,
    mut direct: Option<Direct>,
    csrf_exempt: &[String],
) -> Arc<Core> {
    let mw = &settings.middleware;
    let compress = mw.on(mw.compression);
    let mut chain = inner;
    if compress {
        chain = compression(chain);
    }
    if mw.on(mw.cors)
        && let Some(layer) = cors::layer(&settings.cors)
    {
        chain = SiteService::new(layer.layer(chain).map_response(IntoResponse::into_response));
        // CORS must see every request: no direct path.
        direct = None;
    }
    let inner = Inner::new(chain, direct, compress);
    let pages = ErrorPages::new(settings, templates, infos);
    let csrf = mw
        .on(mw.csrf)
        .then(|| crate::csrf::Csrf::new(settings, csrf_exempt));
    Arc::new(Core::new(settings, state, pages, inner, csrf))
}

/// gzip / brotli for clients that accept them. A request without `Accept-Encoding` skips
/// the compression machinery, which could not be used; the Core still marks every
/// response `Vary: Accept-Encoding` for caches.
fn compression(inner: SiteService) -> SiteService {
    let compressed = SiteService::new(
        tower_http::compression::CompressionLayer::new()
            .layer(inner.clone())
            .map_response(IntoResponse::into_response),
    );
    SiteService::from_fn(move |req, _peer| {
        if req.headers().contains_key(http::header::ACCEPT_ENCODING) {
            compressed.handle(req)
        } else {
            inner.handle(req)
        }
    })
}
