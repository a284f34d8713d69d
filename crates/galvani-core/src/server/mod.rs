//! The HTTP server: hyper (HTTP/1.1 and HTTP/2, with upgrades), a connection limit,
//! slow-client timeouts, and graceful shutdown that lets in-flight requests finish.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::error::Error;
use crate::site::Site;

pub(crate) mod graceful;
mod watchdog;
use graceful::Shutdown;
pub use graceful::{Draining, Hold};
use watchdog::{Activity, WatchedIo};

/// Binds `addr` (such as `127.0.0.1:8000`), explaining a failure.
pub async fn bind(addr: &str) -> Result<TcpListener, Error> {
    TcpListener::bind(addr).await.map_err(|source| Error::Bind {
        addr: addr.to_owned(),
        source,
    })
}

/// Serves `site` on `listener` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish (up to `server.shutdown_timeout`) and returns.
///
/// ```no_run
/// use galvani_core::prelude::*;
/// # async fn run() -> galvani_core::Result<()> {
/// let site = Project::new(Settings::default()).build()?;
/// let listener = galvani_core::server::bind("127.0.0.1:0").await?;
/// galvani_core::server::serve(&site, listener, async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await
/// # }
/// ```
pub async fn serve(
    site: &Site,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let settings = site.settings().clone();
    let server = &settings.server;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        // Slow and idle clients are the watchdog's (see `watchdog.rs`), not hyper's.
        .header_read_timeout(None)
        .max_headers(server.max_headers)
        .keep_alive(true)
        // Copy each response into one buffer and write it with one plain `write`: for the
        // small responses that dominate, cheaper than hyper's vectored-write queue (about
        // 400 instructions per request, see docs/benchmarks.md).
        .writev(false);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .max_concurrent_streams(200);
    let graceful = Arc::new(Shutdown::default());
    // Long-lived connections (WebSockets, event streams) find the shutdown here.
    site.state().serve_with(&graceful);
    let header_timeout = server.header_read_timeout.as_duration();
    let slots = Arc::new(Semaphore::new(server.max_connections));

    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Running out of file descriptors or a peer resetting during the
                    // handshake must not stop the server; back off briefly and go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let core = site.core().clone();
        let activity = Arc::new(Activity::default());
        let requests = activity.clone();
        let hyper_service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            let busy = requests.begin();
            let core = core.clone();
            async move {
                let res = core.handle(req.map(Body::new), Some(peer)).await;
                Ok::<_, std::convert::Infallible>(busy.attach(res))
            }
        });
        let builder = builder.clone();
        let ticket = graceful.ticket();
        tokio::spawn(async move {
            // hyper-util waits for the first bytes to tell HTTP/1 from HTTP/2 without a
            // timeout: a client that connects and stays silent (or stops inside the
            // HTTP/2 preface) would hold its connection slot forever. The opening bytes
            // get the header-read timeout too.
            let http2 = match tokio::time::timeout(header_timeout, opening_bytes(&stream)).await {
                Ok(Ok(Some(http2))) => http2,
                _ => return drop(permit),
            };
            let io = TokioIo::new(WatchedIo::new(stream, activity.clone()));
            let conn = ticket.guard(
                builder
                    .serve_connection_with_upgrades(io, hyper_service)
                    .into_owned(),
            );
            // HTTP/2 has its own keep-alive pings; idle HTTP/1 clients are closed.
            let ended = if http2 {
                Ok(conn.await)
            } else {
                watchdog::watch(conn, activity, header_timeout).await
            };
            match ended {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
                }
                Err(watchdog::Idle) => {
                    tracing::debug!(peer = %peer, "closed a connection idle for `server.header_read_timeout`");
                }
            }
            drop(permit);
        });
    }
    drop(listener);

    let limit = server.shutdown_timeout.as_duration();
    tracing::info!(
        connections = graceful.open(),
        "shutting down: finishing in-flight requests"
    );
    graceful.begin();
    tokio::select! {
        () = graceful.drained() => {
            tracing::info!("all connections closed");
        }
        () = tokio::time::sleep(limit) => {
            tracing::warn!("some requests were still running after {limit:?} and were cut off");
        }
    }
    site.state().served_with(&graceful);
    Ok(())
}

/// The HTTP/2 connection preface (RFC 9113, section 3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Waits until the client has sent enough to pick a protocol: `Some(true)` for HTTP/2
/// (prior knowledge), `Some(false)` for HTTP/1, `None` if it closed first.
async fn opening_bytes(stream: &tokio::net::TcpStream) -> std::io::Result<Option<bool>> {
    let mut buf = [0u8; H2_PREFACE.len()];
    loop {
        let n = stream.peek(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        if n == buf.len() || !H2_PREFACE.starts_with(&buf[..n]) {
            return Ok(Some(buf[..n] == *H2_PREFACE));
        }
        // Part of an HTTP/2 preface (only h2c clients send one): wait for the rest.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A future that completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed
/// when this is called, not when the future is first polled: a signal that arrives
/// between the two (say, right after the server announced itself) is not lost, and does
/// not kill the process with the default action. Call it inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            /// The next delivery; never, when the handler could not be installed.
            async fn next(signal: Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(mut s) => _ = s.recv().await,
                    None => std::future::pending().await,
                }
            }
            let (interrupt, terminate) = handlers;
            tokio::select! {
                () = next(interrupt) => tracing::info!("received SIGINT"),
                () = next(terminate) => tracing::info!("received SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("received Ctrl-C");
        }
    }
}

/// The address a listener is bound to, for messages.
pub fn local_addr(listener: &TcpListener) -> Option<SocketAddr> {
    listener.local_addr().ok()
}
