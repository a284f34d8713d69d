//! The default middleware stack: security headers, request ids, allowed hosts, body limit,
//! timeout, panics, HTTPS redirect and HSTS, compression, CORS, the master switch and the
//! access log.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use galvani_core::middleware::RequestId;
use galvani_core::prelude::*;
use galvani_core::test::{TestClient, TestResponse};

use crate::support::{blog, dev, prod};

async fn boom() -> &'static str {
    panic!("kaboom in a handler")
}

async fn internal() -> HttpResult<&'static str> {
    Err(HttpError::internal(std::io::Error::other("disk on fire")))
}

fn routes() -> Routes {
    Routes::new()
        .route("/", get(|| async { "home" }))
        .route("/boom", get(boom))
        .route("/internal", get(internal))
        .route(
            "/framed",
            get(|| async {
                (
                    [
                        ("x-frame-options", "SAMEORIGIN"),
                        ("content-security-policy", "default-src 'none'"),
                    ],
                    "may be framed",
                )
            }),
        )
        .route(
            "/id",
            get(|id: RequestId| async move { id.as_str().to_owned() }),
        )
}

fn client_with(settings: Settings) -> TestClient {
    TestClient::new(
        Project::new(settings)
            .routes(routes())
            .app_at("/blog", blog()),
    )
}

fn client() -> TestClient {
    client_with(Settings::default())
}

#[track_caller]
fn assert_security_headers(res: &TestResponse) {
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    let csp = res
        .header("content-security-policy")
        .expect("a Content-Security-Policy header");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("referrer-policy"), Some("same-origin"));
    assert_eq!(
        res.header("cross-origin-opener-policy"),
        Some("same-origin")
    );
}

// ---------------------------------------------------------------- security headers

#[tokio::test]
async fn security_headers_are_on_normal_responses() {
    let res = client().get("/").await;
    assert_eq!(res.status(), 200);
    assert_security_headers(&res);
}

#[tokio::test]
async fn security_headers_are_on_404_pages() {
    let res = client().get("/nowhere").await;
    assert_eq!(res.status(), 404);
    assert_security_headers(&res);
    let res = client_with(prod("")).get("/nowhere").await;
    assert_eq!(res.status(), 404);
    assert_security_headers(&res);
}

#[tokio::test]
async fn security_headers_are_on_500_pages() {
    for settings in [Settings::default(), prod("")] {
        let client = client_with(settings);
        for path in ["/boom", "/internal"] {
            let res = client.get(path).await;
            assert_eq!(res.status(), 500, "{path}");
            assert_security_headers(&res);
        }
    }
}

#[tokio::test]
async fn rendered_template_nonce_is_added_to_the_csp_header() {
    let client = TestClient::new(
        Project::new(Settings::default())
            .routes(crate::support::render_route(
                "/nonce",
                "blog/nonce.html",
                context! {},
            ))
            .app(blog()),
    );
    let res = client.get("/nonce").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    let body = res.text();
    let nonce = body
        .strip_prefix("<script nonce=\"")
        .and_then(|b| b.strip_suffix("\"></script>"))
        .unwrap_or_else(|| panic!("unexpected body {body}"));
    assert!(nonce.len() >= 16, "nonce `{nonce}` is too short");
    let csp = res.header("content-security-policy").unwrap();
    let token = format!("'nonce-{nonce}'");
    for directive in ["script-src", "style-src"] {
        let value = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with(directive))
            .unwrap_or_else(|| panic!("no {directive} in {csp}"));
        assert!(value.contains(&token), "{directive} lacks {token}: {csp}");
    }
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    let again = client.get("/nonce").await.text();
    assert_ne!(again, body, "every render needs a fresh nonce");
}

#[tokio::test]
async fn handler_set_security_headers_are_kept() {
    let res = client().get("/framed").await;
    assert_eq!(res.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(
        res.header("content-security-policy"),
        Some("default-src 'none'")
    );
    assert_eq!(res.headers().get_all("x-frame-options").iter().count(), 1);
    // The others are still added.
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn error_pages_have_a_content_type_with_charset() {
    let res = client().get("/nowhere").await;
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    let res = client().get("/").await;
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
}

// ---------------------------------------------------------------- request id

#[tokio::test]
async fn request_id_is_generated_echoed_and_given_to_the_handler() {
    let client = client();
    let res = client.get("/id").await;
    let id = res
        .header("x-request-id")
        .expect("an X-Request-Id")
        .to_owned();
    assert!(!id.is_empty());
    assert_eq!(res.text(), id, "the handler sees the same id");
    let other = client.get("/id").await;
    assert_ne!(other.header("x-request-id"), Some(id.as_str()));
    // Error responses carry it too.
    assert!(
        client
            .get("/nowhere")
            .await
            .header("x-request-id")
            .is_some()
    );
}

#[tokio::test]
async fn well_formed_incoming_request_id_is_kept() {
    let res = client()
        .get("/id")
        .header("x-request-id", "proxy-7f3a_2b.1:x")
        .await;
    assert_eq!(res.header("x-request-id"), Some("proxy-7f3a_2b.1:x"));
    assert_eq!(res.text(), "proxy-7f3a_2b.1:x");
}

#[tokio::test]
async fn malformed_incoming_request_id_is_replaced() {
    let long = "a".repeat(129);
    for bad in ["<script>alert(1)</script>", "two words", "", long.as_str()] {
        let res = client().get("/id").header("x-request-id", bad).await;
        let id = res.header("x-request-id").expect("an X-Request-Id");
        assert_ne!(id, bad);
        assert!(!id.is_empty());
        assert!(
            id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "generated id `{id}`"
        );
        assert_eq!(res.text(), id);
    }
}

// ---------------------------------------------------------------- allowed hosts

#[tokio::test]
async fn unknown_host_is_refused_with_400() {
    let client = client();
    let res = client.get("/").header("host", "evil.example").await;
    assert_eq!(res.status(), 400);
    assert_ne!(res.text(), "home");
    assert!(res.text().contains("evil.example"), "{}", res.text());
    // The debug-mode defaults allow local names, with or without a port.
    for host in [
        "localhost",
        "localhost:8000",
        "127.0.0.1:8000",
        "[::1]:8000",
    ] {
        let res = client.get("/").header("host", host).await;
        assert_eq!(res.status(), 200, "{host}");
    }
    for host in ["localhost:port", "bad host", "localhost@evil.example"] {
        let res = client.get("/").header("host", host).await;
        assert_eq!(res.status(), 400, "{host}");
    }
}

#[tokio::test]
async fn production_refuses_unknown_hosts_without_details() {
    let client = client_with(prod(""));
    assert_eq!(client.get("/").await.status(), 200);
    let res = client.get("/").header("host", "localhost").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().contains("400"), "{}", res.text());
    assert!(!res.text().contains("allowed_hosts"), "{}", res.text());
}

#[tokio::test]
async fn leading_dot_pattern_matches_the_domain_and_its_subdomains() {
    let client = client_with(dev("allowed_hosts = [\".example.com\"]"));
    for host in [
        "example.com",
        "shop.example.com",
        "a.b.example.com",
        "EXAMPLE.com:443",
    ] {
        assert_eq!(
            client.get("/").header("host", host).await.status(),
            200,
            "{host}"
        );
    }
    for host in [
        "notexample.com",
        "example.com.evil.net",
        "localhost",
        "example.co",
    ] {
        assert_eq!(
            client.get("/").header("host", host).await.status(),
            400,
            "{host}"
        );
    }
}

#[tokio::test]
async fn request_without_host_is_refused_with_400() {
    let client = client();
    let req = http::Request::builder()
        .uri("/")
        .body(Body::empty())
        .unwrap();
    let res = client.site().service().handle(req).await;
    assert_eq!(res.status(), 400);

    // An absolute URI names its host (HTTP/2 style) and is accepted.
    let req = http::Request::builder()
        .uri("http://localhost/")
        .body(Body::empty())
        .unwrap();
    let res = client.site().service().handle(req).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn forwarded_host_is_trusted_only_when_configured() {
    let client = client_with(dev("allowed_hosts = [\"example.com\"]"));
    let res = client
        .get("/")
        .header("x-forwarded-host", "evil.example")
        .await;
    assert_eq!(
        res.status(),
        200,
        "an untrusted X-Forwarded-Host is ignored"
    );

    let client = client_with(dev(
        "allowed_hosts = [\"example.com\"]\n[security]\nuse_x_forwarded_host = true\n",
    ));
    let res = client
        .get("/")
        .header("x-forwarded-host", "evil.example")
        .await;
    assert_eq!(res.status(), 400);
    let res = client
        .get("/")
        .header("host", "internal")
        .header("x-forwarded-host", "example.com")
        .await;
    assert_eq!(res.status(), 200);
}

// ---------------------------------------------------------------- body limit

#[derive(serde::Deserialize, serde::Serialize)]
struct Note {
    text: String,
}

fn body_routes() -> Routes {
    Routes::new()
        .route("/string", post(|body: String| async move { body }))
        .route("/form", post(|Form(n): Form<Note>| async move { n.text }))
        .route("/json", post(|Json(n): Json<Note>| async move { n.text }))
        .route("/ignore", post(|| async { "not read" }))
}

fn limited_client() -> TestClient {
    TestClient::new(Project::new(dev("[server]\nmax_body_size = 64\n")).routes(body_routes()))
}

#[tokio::test]
async fn declared_body_over_max_body_size_is_413() {
    let client = limited_client();
    let big = "x".repeat(200);
    for path in ["/string", "/ignore"] {
        let res = client.post(path).body(big.clone()).await;
        assert_eq!(res.status(), 413, "{path}: {}", res.text());
        assert_ne!(res.text(), "not read");
    }
    let res = client.post("/form").form(&Note { text: big.clone() }).await;
    assert_eq!(res.status(), 413);
    let res = client.post("/json").json(&Note { text: big }).await;
    assert_eq!(res.status(), 413);

    // Under the limit, bodies arrive.
    let res = client.post("/string").body("small").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "small");
}

#[tokio::test]
async fn default_limit_is_max_body_size_not_axums_two_megabytes() {
    // `server.max_body_size` defaults to 2.5 MiB; axum's extractors alone stop at 2 MB.
    let client = TestClient::new(Project::new(dev("")).routes(body_routes()));
    let between = "x".repeat(2_300_000);
    let res = client.post("/string").body(between.clone()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().len(), 2_300_000);
    let res = client.post("/json").json(&Note { text: between }).await;
    assert_eq!(res.status(), 200);
    let res = client.post("/string").body("x".repeat(2_700_000)).await;
    assert_eq!(res.status(), 413);
}

/// A request whose body has no declared length, sent in small chunks.
fn streamed(path: &str, content_type: &str, body: String) -> http::Request<Body> {
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .into_bytes()
        .chunks(10)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    // A browser's CSRF cookie; the token goes in the header except for forms, where the
    // CSRF check reads it from the (limited) body itself.
    let secret = galvani_core::signing::random_token(32);
    let mut req = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", "localhost")
        .header("content-type", content_type)
        .header("cookie", format!("csrftoken={secret}"));
    if content_type != "application/x-www-form-urlencoded" {
        req = req.header("x-csrf-token", secret);
    }
    req.body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap()
}

#[tokio::test]
async fn body_of_unknown_length_over_the_limit_is_413_when_read() {
    let client = limited_client();
    let svc = client.site().service();
    let big = "x".repeat(200);
    let cases = [
        ("/string", "text/plain", big.clone()),
        (
            "/form",
            "application/x-www-form-urlencoded",
            format!("text={big}"),
        ),
        (
            "/json",
            "application/json",
            format!("{{\"text\":\"{big}\"}}"),
        ),
    ];
    for (path, ct, body) in cases {
        let req = streamed(path, ct, body);
        assert!(!req.headers().contains_key("content-length"));
        let res = svc.handle(req).await;
        assert_eq!(res.status(), 413, "{path}");
    }
    // Under the limit, a streamed body is read normally.
    let res = svc
        .handle(streamed(
            "/json",
            "application/json",
            "{\"text\":\"hi\"}".into(),
        ))
        .await;
    assert_eq!(res.status(), 200);
    let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
    assert_eq!(&body[..], b"hi");
}

// ---------------------------------------------------------------- timeout and panics

#[tokio::test]
async fn slow_handler_is_answered_with_503_after_request_timeout() {
    let client = TestClient::new(
        Project::new(dev("[server]\nrequest_timeout = \"200ms\"\n")).routes(
            Routes::new()
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        "finally"
                    }),
                )
                .route("/fast", get(|| async { "fast" })),
        ),
    );
    let res = tokio::time::timeout(Duration::from_secs(10), client.get("/slow").send())
        .await
        .expect("the timeout middleware answers long before 10 s");
    assert_eq!(res.status(), 503, "{}", res.text());
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert_eq!(client.get("/fast").await.status(), 200);
}

#[tokio::test]
async fn panicking_handler_gives_500_and_the_next_request_succeeds() {
    let client = client();
    let res = client.get("/boom").await;
    assert_eq!(res.status(), 500);
    assert!(
        res.text().contains("kaboom in a handler"),
        "debug shows the panic"
    );
    let res = client.get("/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "home");
    assert_eq!(client.get("/boom").await.status(), 500);
}

// ---------------------------------------------------------------- HTTPS

#[tokio::test]
async fn ssl_redirect_sends_plain_http_to_https_with_301() {
    let client = client_with(dev("[security]\nssl_redirect = true\n"));
    let res = client.get("/blog/posts/3?x=1&y=2").await;
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.location(),
        Some("https://localhost/blog/posts/3?x=1&y=2")
    );
    let res = client.post("/").await;
    assert_eq!(res.status(), 301);
    // An untrusted X-Forwarded-Proto changes nothing.
    let res = client.get("/").header("x-forwarded-proto", "https").await;
    assert_eq!(res.status(), 301);
    // A request that arrived over HTTPS is served.
    let res = client.get("https://localhost/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "home");
}

#[tokio::test]
async fn ssl_redirect_skips_requests_the_trusted_proxy_marks_https() {
    let client = client_with(dev(
        "[security]\nssl_redirect = true\nproxy_ssl_header = \"X-Forwarded-Proto: https\"\n",
    ));
    let res = client.get("/").header("x-forwarded-proto", "https").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "home");
    let res = client.get("/").header("x-forwarded-proto", "http").await;
    assert_eq!(res.status(), 301);
    let res = client.get("/").await;
    assert_eq!(res.status(), 301);
}

#[tokio::test]
async fn redirect_target_uses_the_validated_host_only() {
    let client = client_with(dev("[security]\nssl_redirect = true\n"));
    let res = client.get("/").header("host", "evil.example").await;
    assert_eq!(
        res.status(),
        400,
        "unknown hosts are refused before redirecting"
    );
}

#[tokio::test]
async fn hsts_is_sent_only_on_secure_requests() {
    let client = client_with(dev(
        "[security]\nhsts_seconds = 3600\nhsts_include_subdomains = true\nproxy_ssl_header = \"X-Forwarded-Proto: https\"\n",
    ));
    let res = client.get("/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("strict-transport-security"), None);
    let res = client.get("/").header("x-forwarded-proto", "https").await;
    assert_eq!(
        res.header("strict-transport-security"),
        Some("max-age=3600; includeSubDomains")
    );
    let res = client.get("https://localhost/nowhere").await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.header("strict-transport-security"),
        Some("max-age=3600; includeSubDomains")
    );
}

#[tokio::test]
async fn hsts_is_off_by_default_even_on_https() {
    let res = client().get("https://localhost/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("strict-transport-security"), None);
}

// ---------------------------------------------------------------- compression

#[tokio::test]
async fn large_response_is_gzipped_when_the_client_accepts_gzip() {
    let page = "Galvani compresses repetitive text. ".repeat(300);
    let expected = page.clone();
    let client = TestClient::new(
        Project::new(Settings::default())
            .routes(Routes::new().route("/big", get(move || std::future::ready(page.clone())))),
    );
    let res = client.get("/big").header("accept-encoding", "gzip").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert_eq!(&res.bytes()[..2], &[0x1f, 0x8b], "gzip magic bytes");
    assert!(res.bytes().len() < expected.len() / 4);
    assert_eq!(res.header("x-frame-options"), Some("DENY"));

    let res = client.get("/big").await;
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.text(), expected);
}

// ---------------------------------------------------------------- CORS

fn cors_client() -> TestClient {
    client_with(dev(
        "[cors]\nallowed_origins = [\"https://app.example.com\"]\n",
    ))
}

#[tokio::test]
async fn cors_preflight_is_allowed_for_a_listed_origin() {
    let res = cors_client()
        .request(http::Method::OPTIONS, "/")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let methods = res.header("access-control-allow-methods").unwrap_or("");
    assert!(methods.contains("POST"), "{methods}");
    let headers = res.header("access-control-allow-headers").unwrap_or("");
    assert!(headers.contains("content-type"), "{headers}");

    let res = cors_client()
        .get("/")
        .header("origin", "https://app.example.com")
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
}

#[tokio::test]
async fn cors_is_refused_for_other_origins() {
    for origin in [
        "https://evil.example",
        "http://app.example.com",
        "https://app.example.com.evil.example",
    ] {
        let res = cors_client()
            .request(http::Method::OPTIONS, "/")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .await;
        assert_eq!(res.header("access-control-allow-origin"), None, "{origin}");
        let res = cors_client().get("/").header("origin", origin).await;
        assert_eq!(res.header("access-control-allow-origin"), None, "{origin}");
    }
}

#[tokio::test]
async fn cors_is_off_without_configured_origins() {
    let res = client()
        .get("/")
        .header("origin", "https://app.example.com")
        .await;
    assert_eq!(res.header("access-control-allow-origin"), None);
}

// ---------------------------------------------------------------- master switch

#[tokio::test]
async fn defaults_off_removes_optional_layers_but_panics_still_become_500() {
    let client = client_with(dev("[middleware]\ndefaults = false\n"));
    let res = client.get("/").await;
    assert_eq!(res.status(), 200);
    for header in [
        "x-frame-options",
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "cross-origin-opener-policy",
        "x-request-id",
    ] {
        assert_eq!(res.header(header), None, "{header}");
    }
    let res = client.get("/").header("host", "anything.example").await;
    assert_eq!(res.status(), 200, "allowed_hosts is switched off too");

    let res = client.get("/boom").await;
    assert_eq!(res.status(), 500);
    assert_eq!(client.get("/").await.status(), 200);
}

#[tokio::test]
async fn single_switch_turns_off_only_its_layer() {
    let client = client_with(dev("[middleware]\nrequest_id = false\n"));
    let res = client.get("/").await;
    assert_eq!(res.header("x-request-id"), None);
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
}

// ---------------------------------------------------------------- access log

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The `galvani::access` events written so far, as JSON objects.
    fn access_events(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["target"] == "galvani::access")
            .collect()
    }
}

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// Writes to the capture of the current thread, if it has one.
#[derive(Clone, Copy)]
struct ThreadCapture;

impl Write for ThreadCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(c) = c.borrow_mut().as_mut() {
                c.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for ThreadCapture {
    type Writer = ThreadCapture;

    fn make_writer(&'a self) -> ThreadCapture {
        *self
    }
}

/// Stops capturing when dropped.
struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|c| *c.borrow_mut() = None);
    }
}

/// Records the events of this thread as JSON lines, for a test on a current-thread runtime.
///
/// One global subscriber serves the whole test binary and writes into the capture of the
/// thread an event happens on. (Thread-local subscribers would not do: `tracing` caches per
/// call site whether anyone listens, and parallel tests setting and dropping their own
/// subscribers leave that cache stale.)
async fn capture(_client: &TestClient) -> (Captured, CaptureGuard) {
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::INFO)
            .with_writer(ThreadCapture)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test installs a global subscriber");
    });
    let captured = Captured::default();
    CAPTURE.with(|c| *c.borrow_mut() = Some(captured.clone()));
    (captured, CaptureGuard)
}

#[tokio::test(flavor = "current_thread")]
async fn access_log_emits_one_event_per_request_with_the_status() {
    let client = client();
    let (captured, _guard) = capture(&client).await;

    let res = client
        .get("/nowhere?q=1")
        .header("x-request-id", "trace-me-1")
        .await;
    assert_eq!(res.status(), 404);
    let events = captured.access_events();
    assert_eq!(events.len(), 1, "{events:?}");
    let fields = &events[0]["fields"];
    assert_eq!(events[0]["level"], "WARN");
    assert_eq!(fields["status"], 404, "{fields}");
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["path"], "/nowhere");
    assert_eq!(fields["request_id"], "trace-me-1");

    assert_eq!(client.get("/").await.status(), 200);
    assert_eq!(client.get("/boom").await.status(), 500);
    let events = captured.access_events();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[1]["fields"]["status"], 200);
    assert_eq!(events[1]["level"], "INFO");
    assert_eq!(events[2]["fields"]["status"], 500);
    assert_eq!(events[2]["level"], "ERROR");
}

#[tokio::test(flavor = "current_thread")]
async fn access_log_switch_silences_it() {
    let on = client();
    let off = client_with(dev("[middleware]\naccess_log = false\n"));
    let (captured, _guard) = capture(&on).await;
    assert_eq!(off.get("/").await.status(), 200);
    assert!(captured.access_events().is_empty());
    // The capture itself works.
    assert_eq!(on.get("/").await.status(), 200);
    assert_eq!(captured.access_events().len(), 1);
}

#[tokio::test]
async fn access_log_does_not_record_the_query_string() {
    // The access log records method, path, status, duration and id: never the query
    // string, where tokens often travel.
    let client = client();
    let (captured, _guard) = capture(&client).await;
    assert_eq!(client.get("/?token=SECRET-TOKEN").await.status(), 200);
    let events = captured.access_events();
    assert_eq!(events.len(), 1);
    assert!(
        !events[0].to_string().contains("SECRET-TOKEN"),
        "{}",
        events[0]
    );
}

#[tokio::test]
async fn project_middleware_reaches_the_site() {
    async fn reverse_home(req: Request, next: galvani_core::middleware::Next) -> Response {
        let home = SiteState::of(&req).and_then(|s| s.urls().reverse("home", ()).ok());
        let mut res = next.run(req).await;
        if let Some(value) = home.and_then(|h| h.parse().ok()) {
            res.headers_mut().insert("x-home", value);
        }
        res
    }
    let project = Project::new(dev(""))
        .routes(
            Routes::new()
                .route("/", get(|| async { "home" }))
                .name("home"),
        )
        .middleware(reverse_home);
    let client = TestClient::new(project);
    let res = client.get("/").await;
    assert_eq!(res.header("x-home"), Some("/"));
}
