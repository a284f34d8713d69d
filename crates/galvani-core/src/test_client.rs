//! [`TestClient`]: requests through the whole project (default middleware included)
//! without opening a socket, with a cookie jar, optional redirect following, and access to
//! the template a response rendered and its context.
//!
//! ```
//! use galvani_core::prelude::*;
//! use galvani_core::test::TestClient;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let project = Project::new(Settings::default()).routes(
//!     Routes::new()
//!         .route("/", get(|| async { Redirect::to("/hello") }))
//!         .route("/hello", get(|| async { "hello" })),
//! );
//! let client = TestClient::new(project);
//! let res = client.get("/").follow_redirects(true).await;
//! assert_eq!(res.status(), 200);
//! assert_eq!(res.text(), "hello");
//! assert_eq!(res.redirect_chain(), [(StatusCode::SEE_OTHER, "/hello".to_string())]);
//! # });
//! ```

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use bytes::Bytes;
use cookie::{Cookie, CookieJar};
use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use http_body_util::BodyExt;
use minijinja::Value;

use crate::error::{Error, ErrorReport};
use crate::project::Project;
use crate::site::Site;
use crate::templates::RenderedTemplate;

const MAX_REDIRECTS: usize = 10;

/// A client for tests that calls the project's service directly.
#[derive(Clone)]
pub struct TestClient {
    site: Site,
    jar: Arc<Mutex<CookieJar>>,
    host: String,
    follow: bool,
    enforce_csrf: bool,
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClient")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl TestClient {
    /// Builds the project and runs its checks; panics with the errors if either fails,
    /// since a test cannot go on without a project.
    #[track_caller]
    pub fn new(project: Project) -> TestClient {
        match Self::try_new(project) {
            Ok(client) => client,
            Err(e) => panic!("the project could not start:\n{e}"),
        }
    }

    /// Builds the project and runs its checks. Mail goes to a memory outbox
    /// ([`TestClient::outbox`]) whatever `[mail]` says, so tests never send any.
    pub fn try_new(project: Project) -> Result<TestClient, Error> {
        let site = project.data(crate::mail::Mailer::memory()).build()?;
        site.check_or_fail()?;
        Ok(Self::from_site(site))
    }

    /// A client for an already built site (no checks are run).
    pub fn from_site(site: Site) -> TestClient {
        let host = site
            .settings()
            .effective_allowed_hosts()
            .into_iter()
            .map(|h| h.trim_start_matches('.').to_owned())
            .find(|h| h != "*" && !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned());
        TestClient {
            site,
            jar: Arc::default(),
            host,
            follow: false,
            enforce_csrf: false,
        }
    }

    /// The built site (settings, URLs, templates, data).
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// The mail the site has sent, oldest first.
    ///
    /// ```
    /// # async fn run() {
    /// use galvani_core::prelude::*;
    /// use galvani_core::mail::{Email, Mailer};
    /// use galvani_core::test::TestClient;
    ///
    /// let routes = Routes::new().route("/", post(|m: Mailer| async move {
    ///     m.send(Email::new("ada@example.com", "Hi", "Hello")).await.map(|_| "sent")
    /// }));
    /// let client = TestClient::new(Project::new(Settings::default()).routes(routes));
    /// client.post("/").send().await;
    /// assert_eq!(client.outbox()[0].to, ["ada@example.com"]);
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// ```
    pub fn outbox(&self) -> Vec<crate::mail::SentEmail> {
        self.site
            .data::<crate::mail::Mailer>()
            .map(|m| m.outbox())
            .unwrap_or_default()
    }

    /// Follow redirects by default for every request of this client.
    pub fn following_redirects(mut self) -> Self {
        self.follow = true;
        self
    }

    /// Whether the client leaves CSRF to the test. By default it behaves like a browser
    /// on a page of the site: unsafe requests carry the `X-CSRF-Token` header matching its
    /// CSRF cookie (made when it has none). With `true` it sends only what the test
    /// adds, for testing the protection itself.
    pub fn enforce_csrf(mut self, enforce: bool) -> Self {
        self.enforce_csrf = enforce;
        self
    }

    /// Sends a `Host` header of `host` by default (the first allowed host otherwise).
    pub fn with_host(mut self, host: &str) -> Self {
        self.host = host.to_owned();
        self
    }

    /// A request with any method.
    pub fn request(&self, method: Method, uri: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            method,
            uri: uri.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            follow: self.follow,
            error: None,
        }
    }

    /// A GET request.
    pub fn get(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::GET, uri)
    }

    /// A POST request.
    pub fn post(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::POST, uri)
    }

    /// A PUT request.
    pub fn put(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PUT, uri)
    }

    /// A PATCH request.
    pub fn patch(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PATCH, uri)
    }

    /// A DELETE request.
    pub fn delete(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::DELETE, uri)
    }

    /// A HEAD request.
    pub fn head(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::HEAD, uri)
    }

    /// The value of a cookie in the jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar().get(name).map(|c| c.value().to_owned())
    }

    /// Puts a cookie in the jar.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar()
            .add(Cookie::new(name.to_owned(), value.to_owned()));
    }

    /// Empties the jar.
    pub fn clear_cookies(&self) {
        *self.jar() = CookieJar::new();
    }

    /// The CSRF secret in the jar, put there first when missing (as a page's render would).
    fn csrf_secret(&self) -> String {
        let name = self.site.settings().csrf.cookie_name.clone();
        if let Some(secret) = self.cookie(&name) {
            return secret;
        }
        let secret = crate::signing::random_token(32);
        self.set_cookie(&name, &secret);
        secret
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        self.jar.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn store_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.jar();
        for value in headers.get_all(header::SET_COOKIE) {
            let Some(cookie) = value
                .to_str()
                .ok()
                .and_then(|v| Cookie::parse(v.to_owned()).ok())
            else {
                continue;
            };
            let expired = cookie
                .max_age()
                .is_some_and(|a| a.is_zero() || a.is_negative())
                || cookie
                    .expires_datetime()
                    .is_some_and(|t| t < cookie::time::OffsetDateTime::now_utc());
            if expired {
                jar.force_remove(cookie.name());
            } else {
                jar.add(cookie.into_owned());
            }
        }
    }

    fn cookie_header(&self, path: &str) -> Option<HeaderValue> {
        let jar = self.jar();
        let pairs: Vec<String> = jar
            .iter()
            .filter(|c| c.path().is_none_or(|p| path.starts_with(p)))
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        (!pairs.is_empty())
            .then(|| HeaderValue::from_str(&pairs.join("; ")).ok())
            .flatten()
    }

    async fn send_once(
        &self,
        method: &Method,
        uri: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Raw, Error> {
        let parsed: Uri = uri
            .parse()
            .map_err(|e| Error::command(format!("the test URI `{uri}` is not valid: {e}")))?;
        let path = parsed.path().to_owned();
        let mut req = http::Request::builder()
            .method(method.clone())
            .uri(parsed)
            .body(Body::from(body.clone()))
            .map_err(|e| Error::command(format!("could not build the test request: {e}")))?;
        *req.headers_mut() = headers.clone();
        if !req.headers().contains_key(header::HOST)
            && let Ok(v) = HeaderValue::from_str(&self.host)
        {
            req.headers_mut().insert(header::HOST, v);
        }
        if !body.is_empty() && !req.headers().contains_key(header::CONTENT_LENGTH) {
            req.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        if !self.enforce_csrf
            && !crate::csrf::is_safe_method(method)
            && !headers.contains_key(crate::csrf::HEADER_NAME)
        {
            let token = self.csrf_secret();
            if let Ok(v) = HeaderValue::from_str(&token) {
                req.headers_mut().insert(crate::csrf::HEADER_NAME, v);
            }
        }
        if let Some(cookies) = self.cookie_header(&path) {
            req.headers_mut().insert(header::COOKIE, cookies);
        }
        let peer = SocketAddr::from(([127, 0, 0, 1], 40000));
        let res = self.site.service().handle_from(req, peer).await;
        let (parts, body) = res.into_parts();
        let bytes = body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .map_err(|e| Error::command(format!("the response body could not be read: {e}")))?;
        self.store_cookies(&parts.headers);
        Ok(Raw { parts, body: bytes })
    }
}

struct Raw {
    parts: http::response::Parts,
    body: Bytes,
}

/// A request being prepared; `.await` it (or call [`TestRequest::send`]) to send it.
#[must_use = "a TestRequest is sent only when awaited"]
pub struct TestRequest<'a> {
    client: &'a TestClient,
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Bytes,
    follow: bool,
    error: Option<String>,
}

impl std::fmt::Debug for TestRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

impl<'a> TestRequest<'a> {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            _ => self.error = Some(format!("invalid test header `{name}: {value}`")),
        }
        self
    }

    /// A URL-encoded form body.
    pub fn form(mut self, form: &impl serde::Serialize) -> Self {
        match serde_urlencoded::to_string(form) {
            Ok(body) => {
                self.body = Bytes::from(body);
                self.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
            Err(e) => self.error = Some(format!("the test form cannot be encoded: {e}")),
        }
        self
    }

    /// A JSON body.
    pub fn json(mut self, value: &impl serde::Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = Bytes::from(body);
                self.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(e) => self.error = Some(format!("the test JSON cannot be encoded: {e}")),
        }
        self
    }

    /// A raw body (set a `Content-Type` with [`TestRequest::header`]).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Follow redirects (up to 10), recording each hop.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow = follow;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> TestResponse {
        match self.try_send().await {
            Ok(res) => res,
            Err(e) => panic!("test request failed: {e}"),
        }
    }

    /// Sends the request, returning a problem with the request itself as an error.
    pub async fn try_send(self) -> Result<TestResponse, Error> {
        if let Some(e) = self.error {
            return Err(Error::command(e));
        }
        let client = self.client;
        let mut method = self.method;
        let mut uri = self.uri;
        let mut headers = self.headers;
        let mut body = self.body;
        let mut chain = Vec::new();
        loop {
            let raw = client
                .send_once(&method, &uri, &headers, body.clone())
                .await?;
            let location = raw
                .parts
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let status = raw.parts.status;
            match (self.follow && status.is_redirection(), location) {
                (true, Some(location)) if chain.len() < MAX_REDIRECTS => {
                    chain.push((status, location.clone()));
                    let (next, host) = resolve(&uri, &location);
                    if let Some(host) = host.and_then(|h| HeaderValue::from_str(&h).ok()) {
                        headers.insert(header::HOST, host);
                    }
                    if status == StatusCode::SEE_OTHER
                        || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                            && method == Method::POST)
                    {
                        method = Method::GET;
                        body = Bytes::new();
                        headers.remove(header::CONTENT_TYPE);
                        headers.remove(header::CONTENT_LENGTH);
                    }
                    uri = next;
                }
                _ => {
                    return Ok(TestResponse {
                        parts: raw.parts,
                        body: raw.body,
                        chain,
                        uri,
                    });
                }
            }
        }
    }
}

impl<'a> IntoFuture for TestRequest<'a> {
    type Output = TestResponse;
    type IntoFuture = BoxFuture<'a, TestResponse>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// `location` resolved against `current`: the path to request and, for an absolute URL,
/// its host.
fn resolve(current: &str, location: &str) -> (String, Option<String>) {
    if let Ok(uri) = location.parse::<Uri>()
        && uri.scheme().is_some()
        && let Some(authority) = uri.authority()
    {
        let path = uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned();
        return (path, Some(authority.to_string()));
    }
    if location.starts_with('/') {
        return (location.to_owned(), None);
    }
    let base = current.split('?').next().unwrap_or(current);
    let dir = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "/",
    };
    (format!("{dir}{location}"), None)
}

/// A response, fully read.
#[derive(Debug)]
pub struct TestResponse {
    parts: http::response::Parts,
    body: Bytes,
    chain: Vec<(StatusCode, String)>,
    uri: String,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.parts.status
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; panics with the body when it does not parse.
    #[track_caller]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        match serde_json::from_slice(&self.body) {
            Ok(v) => v,
            Err(e) => panic!(
                "the response is not the JSON expected ({e}); it was:\n{}",
                self.text()
            ),
        }
    }

    /// The name of the template the response was rendered from.
    pub fn template_name(&self) -> Option<&str> {
        self.parts
            .extensions
            .get::<RenderedTemplate>()
            .map(|t| t.name.as_str())
    }

    /// The context the handler gave the template.
    pub fn context(&self) -> Option<&Value> {
        self.parts
            .extensions
            .get::<RenderedTemplate>()
            .map(|t| &t.context)
    }

    /// One value of the template context.
    pub fn context_value(&self, key: &str) -> Option<Value> {
        self.context()
            .and_then(|c| c.get_attr(key).ok())
            .filter(|v| !v.is_undefined())
    }

    /// The error report behind an error response (status, message, causes, template).
    pub fn error_report(&self) -> Option<&ErrorReport> {
        self.parts
            .extensions
            .get::<Arc<ErrorReport>>()
            .map(|r| r.as_ref())
    }

    /// The redirects followed: `(status, Location)` per hop.
    pub fn redirect_chain(&self) -> &[(StatusCode, String)] {
        &self.chain
    }

    /// The path of the final request (after redirects).
    pub fn final_uri(&self) -> &str {
        &self.uri
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn locations_resolve_like_a_browser() {
        assert_eq!(resolve("/a/b?x=1", "c"), ("/a/c".into(), None));
        assert_eq!(resolve("/a/b", "/z"), ("/z".into(), None));
        assert_eq!(
            resolve("/a", "https://example.com/p?q=1"),
            ("/p?q=1".into(), Some("example.com".into()))
        );
    }
}
