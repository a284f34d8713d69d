//! `[metrics]`: the process's counters, in Prometheus' text format at `/metrics`.
//!
//! Apps count through the [`metrics`] crate's macros, or keep their own counters and
//! register a collector ([`ReadyContext::metrics`](crate::app::ReadyContext::metrics))
//! that copies them into the recorder just before each scrape, so that counting costs
//! nothing on their hot paths. The endpoint answers only the clients in
//! `allowed_clients` (the machine itself by default) and is 404 to everyone else.
//!
//! ```
//! use galvani_core::prelude::*;
//! let settings = Settings::from_toml("[metrics]\nenabled = true\n").unwrap();
//! assert_eq!(settings.metrics.path, "/metrics");
//! assert_eq!(settings.metrics.allowed_clients.len(), 2);
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, OnceLock};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Deserialize;

pub use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

use crate::Error;
use crate::error::HttpError;
use crate::extract::ClientAddr;

/// The `[metrics]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Serve the metrics (off by default).
    pub enabled: bool,
    /// Where.
    pub path: String,
    /// The client addresses that may read them; others get 404. Behind a proxy on the
    /// same machine, every client looks local: keep the path off the proxy.
    pub allowed_clients: Vec<IpAddr>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            enabled: false,
            path: "/metrics".to_owned(),
            allowed_clients: vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
        }
    }
}

/// Brings counters kept elsewhere up to date in the recorder, before a scrape.
pub(crate) type Collector = Arc<dyn Fn() + Send + Sync>;

/// The process's Prometheus recorder, installed on first use. `metrics` has one
/// recorder per process; a project that installed its own gets an error that says so.
pub(crate) fn recorder() -> Result<PrometheusHandle, Error> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .install_recorder()
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| Error::App {
            label: "metrics".to_owned(),
            message: format!(
                "[metrics] is enabled, but Galvani's Prometheus recorder could not be installed \
                 ({e}): another `metrics` recorder is installed in this process; remove it, or \
                 turn [metrics] off and export with yours"
            ),
        })
}

/// The metrics endpoint of a site whose `[metrics]` is enabled: runs the collectors,
/// then renders every metric of the process.
#[derive(Clone)]
pub(crate) struct Endpoint {
    handle: PrometheusHandle,
    collectors: Arc<Vec<Collector>>,
    allowed: Arc<Vec<IpAddr>>,
}

impl Endpoint {
    pub(crate) fn new(
        handle: PrometheusHandle,
        settings: &MetricsSettings,
        collectors: Vec<Collector>,
    ) -> Self {
        Endpoint {
            handle,
            collectors: Arc::new(collectors),
            allowed: Arc::new(settings.allowed_clients.clone()),
        }
    }

    pub(crate) fn serve(&self, req: &Request) -> Response {
        let client = ClientAddr::of(req.extensions()).map(|peer| peer.ip());
        // A request made in-process (the test client) has no address: it is the site's own.
        if client.is_some_and(|ip| !self.allowed.contains(&ip.to_canonical())) {
            let path = req.uri().path();
            return HttpError::not_found(format!("No route matches {path}.")).into_response();
        }
        for collect in self.collectors.iter() {
            collect();
        }
        (
            [(
                http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            self.handle.render(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::test::TestClient;

    #[tokio::test]
    async fn the_endpoint_renders_collected_counters_when_enabled() {
        let settings = |metrics: &str| {
            Settings::from_toml(&format!("debug = true\n[metrics]\n{metrics}\n")).unwrap()
        };
        let site = Project::new(settings("enabled = true")).build().unwrap();
        super::counter!("galvani_test_things_total").increment(3);
        let res = TestClient::from_site(site).get("/metrics").send().await;
        assert_eq!(res.status(), 200);
        assert!(
            res.header("content-type")
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        assert!(
            res.text().contains("galvani_test_things_total 3"),
            "{}",
            res.text()
        );

        let off = Project::new(settings("")).build().unwrap();
        let res = TestClient::from_site(off).get("/metrics").send().await;
        assert_eq!(res.status(), 404);
    }

    #[tokio::test]
    async fn clients_not_allowed_get_404() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let get = async |allowed: &str| {
            let settings =
                format!("debug = true\n[metrics]\nenabled = true\nallowed_clients = [{allowed}]\n");
            let site = Project::new(Settings::from_toml(&settings).unwrap())
                .build()
                .unwrap();
            let server = crate::test::TestServer::start(site).await.unwrap();
            let mut tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
            let req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            tcp.write_all(req.as_bytes()).await.unwrap();
            let mut res = String::new();
            tcp.read_to_string(&mut res).await.unwrap();
            res
        };
        assert!(get("\"10.1.2.3\"").await.starts_with("HTTP/1.1 404"));
        assert!(get("\"127.0.0.1\"").await.starts_with("HTTP/1.1 200"));
    }
}
