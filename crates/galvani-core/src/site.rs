//! [`Site`]: a built project, ready to serve, test or run commands; and [`SiteState`],
//! the shared handle every request carries.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures_util::future::BoxFuture;
use tower::{Service, ServiceExt};

use crate::app::App;
use crate::checks::{self, CheckMessage};
use crate::error::Error;
use crate::middleware::core::Core;
use crate::routing::{RouteInfo, Urls};
use crate::settings::Settings;
use crate::staticfiles::StaticFiles;
use crate::templates::Templates;

type CallFn = dyn Fn(Request, Option<SocketAddr>) -> BoxFuture<'static, Response> + Send + Sync;

/// The project as one tower service. Cloning it is one reference-count increment, so a
/// connection or test can take its own copy per request.
#[derive(Clone)]
pub struct SiteService(Arc<CallFn>);

impl SiteService {
    /// Type-erases a service; each call works on a clone of `service`, so `service`
    /// should be cheap to clone (routers and Galvani's layers are).
    pub fn new<S>(service: S) -> Self
    where
        S: Service<Request, Response = Response, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        SiteService(Arc::new(move |req: Request, _peer: Option<SocketAddr>| {
            let svc = service.clone();
            Box::pin(async move {
                match svc.oneshot(req).await {
                    Ok(res) => res,
                    Err(never) => match never {},
                }
            })
        }))
    }

    /// A service from a function answering each request (and given the client's address
    /// when the server knows it).
    pub fn from_fn(
        f: impl Fn(Request, Option<SocketAddr>) -> BoxFuture<'static, Response> + Send + Sync + 'static,
    ) -> Self {
        SiteService(Arc::new(f))
    }

    /// Answers one request.
    pub fn handle(&self, req: Request) -> BoxFuture<'static, Response> {
        (self.0)(req, None)
    }

    /// Answers one request from a client at `peer` (see [`ClientAddr`](crate::extract::ClientAddr)).
    pub fn handle_from(&self, req: Request, peer: SocketAddr) -> BoxFuture<'static, Response> {
        (self.0)(req, Some(peer))
    }
}

impl std::fmt::Debug for SiteService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SiteService")
    }
}

impl Service<Request> for SiteService {
    type Response = Response;
    type Error = Infallible;
    type Future = futures_util::future::Map<
        BoxFuture<'static, Response>,
        fn(Response) -> Result<Response, Infallible>,
    >;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        futures_util::FutureExt::map(self.handle(req), Ok)
    }
}

/// Values registered with [`Project::data`](crate::Project::data) or in an app's `ready`,
/// by type.
#[derive(Default, Clone)]
pub(crate) struct DataMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl DataMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.0.insert(TypeId::of::<T>(), value);
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| v.clone().downcast::<T>().ok())
    }
}

/// What the default stack puts on every request: the site, and the request's id.
#[derive(Clone)]
pub(crate) struct RequestContext {
    pub(crate) site: SiteState,
    pub(crate) id: Option<crate::middleware::RequestId>,
    /// The client's address, when the request came through Galvani's server.
    pub(crate) peer: Option<SocketAddr>,
    /// Whether the client reached the site over HTTPS (directly or through the trusted
    /// proxy's header).
    pub(crate) secure: bool,
    /// The request's CSRF token state (`None` with `middleware.csrf` off).
    pub(crate) csrf: Option<crate::csrf::CsrfToken>,
    /// The request's flash messages.
    pub(crate) messages: crate::messages::Messages,
}

impl RequestContext {
    /// The context of the request these extensions belong to, if the Core put one there.
    pub(crate) fn of(extensions: &http::Extensions) -> Option<&RequestContext> {
        extensions.get::<RequestContext>()
    }
}

/// The shared state of a running site: settings, URL names, templates, static files and
/// registered data. Every request carries it, so extractors and middleware of any kind
/// can reach it ([`SiteState::of`] in middleware). Cheap to clone.
#[derive(Clone)]
pub struct SiteState {
    inner: Arc<StateInner>,
}

struct StateInner {
    settings: Arc<Settings>,
    urls: Urls,
    templates: Templates,
    static_files: StaticFiles,
    data: DataMap,
    routes: Arc<Vec<RouteInfo>>,
    apps: Arc<Vec<Arc<dyn App>>>,
    /// The graceful shutdown of the server serving the site, if one is.
    serving: std::sync::Mutex<Option<Arc<crate::server::graceful::Shutdown>>>,
}

impl std::fmt::Debug for SiteState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteState")
            .field("profile", &self.inner.settings.profile())
            .field(
                "apps",
                &self
                    .inner
                    .apps
                    .iter()
                    .map(|a| a.label())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl SiteState {
    pub(crate) fn new(
        settings: Arc<Settings>,
        urls: Urls,
        templates: Templates,
        static_files: StaticFiles,
        data: DataMap,
        routes: Arc<Vec<RouteInfo>>,
        apps: Arc<Vec<Arc<dyn App>>>,
    ) -> Self {
        SiteState {
            inner: Arc::new(StateInner {
                settings,
                urls,
                templates,
                static_files,
                data,
                routes,
                apps,
                serving: std::sync::Mutex::default(),
            }),
        }
    }

    /// Records the shutdown of the server that serves the site now.
    pub(crate) fn serve_with(&self, shutdown: &Arc<crate::server::graceful::Shutdown>) {
        *self.serving_slot() = Some(shutdown.clone());
    }

    /// Forgets `shutdown` once its server has stopped (unless another took its place).
    pub(crate) fn served_with(&self, shutdown: &Arc<crate::server::graceful::Shutdown>) {
        let mut slot = self.serving_slot();
        if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, shutdown)) {
            *slot = None;
        }
    }

    fn serving_slot(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<Arc<crate::server::graceful::Shutdown>>> {
        self.inner
            .serving
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn serving(&self) -> Option<Arc<crate::server::graceful::Shutdown>> {
        self.serving_slot().clone()
    }

    /// The site a request belongs to, for middleware and tower layers (handlers take
    /// `SiteState`, `Urls` or `Data<T>` as extractors). `None` for a request that did not
    /// come through a Galvani project.
    ///
    /// ```
    /// use galvani_core::middleware::Next;
    /// use galvani_core::prelude::*;
    ///
    /// async fn profile_header(req: Request, next: Next) -> Response {
    ///     let profile = SiteState::of(&req).map(|s| s.settings().profile().to_owned());
    ///     let mut res = next.run(req).await;
    ///     if let Some(value) = profile.and_then(|p| p.parse().ok()) {
    ///         res.headers_mut().insert("x-profile", value);
    ///     }
    ///     res
    /// }
    /// let project = Project::new(Settings::default()).middleware(profile_header);
    /// ```
    pub fn of<B>(req: &http::Request<B>) -> Option<&SiteState> {
        RequestContext::of(req.extensions()).map(|c| &c.site)
    }

    /// The site a request's extensions belong to, for extractors working on `Parts`.
    pub fn of_extensions(extensions: &http::Extensions) -> Option<&SiteState> {
        RequestContext::of(extensions).map(|c| &c.site)
    }

    /// The settings.
    pub fn settings(&self) -> &Arc<Settings> {
        &self.inner.settings
    }

    /// Route names and reversing.
    pub fn urls(&self) -> &Urls {
        &self.inner.urls
    }

    /// The template engine.
    pub fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    /// Static files.
    pub fn static_files(&self) -> &StaticFiles {
        &self.inner.static_files
    }

    /// Registered data of type `T`.
    pub fn data<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.inner.data.get::<T>()
    }

    /// Every route, in declaration order.
    pub fn routes(&self) -> &[RouteInfo] {
        &self.inner.routes
    }

    /// The installed apps, in order.
    pub fn apps(&self) -> &[Arc<dyn App>] {
        &self.inner.apps
    }
}

/// A built project: the service that answers requests and the state behind it.
/// [`Project::build`](crate::Project::build) makes one; the server, the test client and
/// management commands use it.
///
/// ```
/// use galvani_core::prelude::*;
/// let site = Project::new(Settings::default())
///     .routes(Routes::new().route("/", get(|| async { "hi" })).name("home"))
///     .build()
///     .unwrap();
/// assert_eq!(site.urls().reverse("home", ()).unwrap(), "/");
/// assert!(site.check(false).iter().all(|m| !m.is_error()));
/// ```
#[derive(Clone)]
pub struct Site {
    state: SiteState,
    core: Arc<Core>,
    service: SiteService,
    commands: Arc<Vec<crate::commands::AppCommand>>,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for Site {
    type Target = SiteState;

    fn deref(&self) -> &SiteState {
        &self.state
    }
}

impl Site {
    pub(crate) fn new(
        state: SiteState,
        core: Arc<Core>,
        commands: Vec<crate::commands::AppCommand>,
    ) -> Self {
        let shared = core.clone();
        let service = SiteService::from_fn(move |req, peer| {
            let core = shared.clone();
            Box::pin(async move { core.handle(req, peer).await })
        });
        Site {
            state,
            core,
            service,
            commands: Arc::new(commands),
        }
    }

    /// The shared state.
    pub fn state(&self) -> &SiteState {
        &self.state
    }

    /// The service answering requests (clone it per connection or per test request).
    pub fn service(&self) -> SiteService {
        self.service.clone()
    }

    /// The pipeline itself, for the server: calling it directly keeps the request's
    /// future concrete (no boxing, no dynamic call).
    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// The commands apps added, by name.
    pub fn app_commands(&self) -> &[crate::commands::AppCommand] {
        &self.commands
    }

    /// Runs the system checks (Galvani's and every app's); `deploy` adds the production
    /// ones. See [`crate::checks`].
    pub fn check(&self, deploy: bool) -> Vec<CheckMessage> {
        checks::run(self, deploy)
    }

    /// Runs the checks and fails with every error found.
    pub fn check_or_fail(&self) -> Result<Vec<CheckMessage>, Error> {
        let messages = self.check(false);
        let errors: Vec<CheckMessage> = messages.iter().filter(|m| m.is_error()).cloned().collect();
        if errors.is_empty() {
            Ok(messages)
        } else {
            Err(Error::Checks { messages: errors })
        }
    }
}
