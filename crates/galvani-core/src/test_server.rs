//! [`TestServer`]: a site served on a real socket, for tests that need one.

use std::net::SocketAddr;

use tokio::sync::oneshot;

use crate::error::Error;
use crate::site::Site;

/// A site served on a free port of 127.0.0.1 by the real server, for tests that need a
/// socket rather than [`TestClient`](crate::test::TestClient): WebSockets, event
/// streams, clients in other languages, browsers. It stops when dropped.
///
/// ```
/// use galvani_core::prelude::*;
/// use galvani_core::test::TestServer;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let site = Project::new(Settings::default())
///     .routes(Routes::new().route("/", get(|| async { "hello" })))
///     .build()
///     .unwrap();
/// let server = TestServer::start(site).await.unwrap();
/// let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
/// stream
///     .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
///     .await
///     .unwrap();
/// let mut answer = String::new();
/// stream.read_to_string(&mut answer).await.unwrap();
/// assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"));
/// assert_eq!(server.url("/ws"), format!("http://{}/ws", server.addr()));
/// # });
/// ```
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    site: Site,
    _stop: oneshot::Sender<()>,
}

impl TestServer {
    /// Serves `site` until the returned server is dropped. Call it inside a Tokio
    /// runtime: the server runs as a task of it.
    pub async fn start(site: Site) -> Result<TestServer, Error> {
        let listener = crate::server::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: "127.0.0.1:0".to_owned(),
            source,
        })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let served = site.clone();
        tokio::spawn(async move {
            let _ = crate::server::serve(&served, listener, async {
                let _ = stopped.await;
            })
            .await;
        });
        Ok(TestServer {
            addr,
            site,
            _stop: stop,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The site it serves.
    pub fn site(&self) -> &Site {
        &self.site
    }
}
