//! The real server over TCP: answering, malformed requests, graceful shutdown, slow-client
//! timeouts and body limits on the wire.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use galvani_core::prelude::*;
use galvani_core::server::{bind, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

use crate::support::dev;

/// Generous upper bound for anything the server must do.
const PATIENCE: Duration = Duration::from_secs(10);

/// How long a slow client may stay connected with `header_read_timeout = "1s"`.
const SLOW_CLIENT_BOUND: Duration = Duration::from_secs(5);

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: JoinHandle<galvani_core::Result<()>>,
}

async fn start(project: Project) -> Running {
    let site = project.build().expect("the project builds");
    let listener = bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        serve(&site, listener, async {
            let _ = stopped.await;
        })
        .await
    });
    Running {
        addr,
        stop: Some(stop),
        done,
    }
}

impl Running {
    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Sends `request` on a new connection and reads until the server closes it.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_all(&mut stream).await
}

async fn read_all(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut buf))
        .await
        .expect("the server answers and closes the connection")
        .unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

fn get_request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").into_bytes()
}

fn hello_project() -> Project {
    Project::new(dev("[server]\nheader_read_timeout = \"1s\"\n")).routes(
        Routes::new()
            .route("/hello", get(|| async { "hello over tcp" }))
            .route("/echo", post(|body: String| async move { body })),
    )
}

#[tokio::test]
async fn handlers_see_the_client_address() {
    use galvani_core::extract::ClientAddr;
    let project = Project::new(dev("")).routes(Routes::new().route(
        "/whoami",
        get(|ClientAddr(addr): ClientAddr| async move { addr.to_string() }),
    ));
    let server = start(project).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let local = stream.local_addr().unwrap();
    stream.write_all(&get_request("/whoami")).await.unwrap();
    let res = read_all(&mut stream).await;
    assert!(res.ends_with(&local.to_string()), "{res}");
}

#[tokio::test]
async fn server_answers_a_request() {
    let server = start(hello_project()).await;
    let res = exchange(server.addr, &get_request("/hello")).await;
    assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
    assert!(res.ends_with("hello over tcp"), "{res}");
    let lower = res.to_ascii_lowercase();
    assert!(lower.contains("x-frame-options: deny"), "{res}");
    assert!(lower.contains("x-request-id: "), "{res}");

    let res = exchange(server.addr, &get_request("/nowhere")).await;
    assert!(res.starts_with("HTTP/1.1 404"), "{res}");
}

#[tokio::test]
async fn keep_alive_connection_serves_several_requests() {
    let server = start(hello_project()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    stream.write_all(&get_request("/hello")).await.unwrap();
    let res = read_all(&mut stream).await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
}

#[tokio::test]
async fn malformed_request_line_gets_400_and_the_server_keeps_serving() {
    let server = start(hello_project()).await;
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /hello HTTP/9.9\r\nHost: localhost\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nBad Header Line\r\n\r\n",
    ] {
        let res = exchange(server.addr, garbage).await;
        assert!(
            res.starts_with("HTTP/1.1 400"),
            "{:?} got {res:?}",
            String::from_utf8_lossy(garbage)
        );
    }
    let res = exchange(server.addr, &get_request("/hello")).await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
}

#[tokio::test]
async fn unknown_host_over_tcp_gets_400() {
    let server = start(hello_project()).await;
    let res = exchange(
        server.addr,
        b"GET /hello HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 400"), "{res}");
}

#[tokio::test]
async fn chunked_body_over_the_limit_gets_413() {
    let project = Project::new(dev("[server]\nmax_body_size = 64\n"))
        .routes(Routes::new().route("/echo", post(|body: String| async move { body })));
    let server = start(project).await;
    let mut request =
        b"POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: csrftoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nX-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for _ in 0..10 {
        request.extend_from_slice(b"14\r\nxxxxxxxxxxxxxxxxxxxx\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let res = exchange(server.addr, &request).await;
    assert!(res.starts_with("HTTP/1.1 413"), "{res}");

    let res = exchange(
        server.addr,
        b"POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: csrftoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nX-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsmall\r\n0\r\n\r\n",
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.ends_with("small"), "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_the_in_flight_request_finish() {
    struct Started(Arc<Notify>);
    let started = Arc::new(Notify::new());
    let project = Project::new(dev(""))
        .data(Started(started.clone()))
        .routes(Routes::new().route(
            "/slow",
            get(|s: Data<Started>| async move {
                let Started(notify) = &*s;
                notify.notify_one();
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "slow but done"
            }),
        ));
    let mut server = start(project).await;
    let addr = server.addr;
    let client = tokio::spawn(async move { exchange(addr, &get_request("/slow")).await });

    tokio::time::timeout(PATIENCE, started.notified())
        .await
        .expect("the slow handler starts");
    server.shutdown();

    // `serve` waits for the request (the handler sleeps for 1.5 s)...
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.done.is_finished(),
        "serve returned while a request was still running"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "new connections are refused while draining"
    );
    // ...which completes normally.
    let res = tokio::time::timeout(PATIENCE, client)
        .await
        .expect("the in-flight request completes")
        .unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.ends_with("slow but done"), "{res}");

    let served = tokio::time::timeout(PATIENCE, server.done)
        .await
        .expect("serve returns after the shutdown")
        .unwrap();
    assert!(served.is_ok(), "{served:?}");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed after shutdown"
    );
}

/// Reads from a kept-alive connection until `end` has arrived.
async fn read_until(stream: &mut TcpStream, end: &str) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&buf).ends_with(end) {
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
            .await
            .expect("the server answers")
            .unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_closes_kept_alive_connections_once_served() {
    struct Started(Arc<Notify>);
    let started = Arc::new(Notify::new());
    // Neither timeout can be what closes the connections within PATIENCE.
    let settings = "[server]\nshutdown_timeout = \"60s\"\nheader_read_timeout = \"60s\"\n";
    let project = Project::new(dev(settings))
        .data(Started(started.clone()))
        .routes(
            Routes::new()
                .route("/hello", get(|| async { "hello" }))
                .route(
                    "/slow",
                    get(|s: Data<Started>| async move {
                        let Started(notify) = &*s;
                        notify.notify_one();
                        tokio::time::sleep(Duration::from_millis(1000)).await;
                        "slow but done"
                    }),
                ),
        );
    let mut server = start(project).await;
    let keep_alive = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");

    // One client served and now idle, one waiting for a slow answer; both keep alive.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(keep_alive("/hello").as_bytes())
        .await
        .unwrap();
    read_until(&mut idle, "hello").await;
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    busy.write_all(keep_alive("/slow").as_bytes())
        .await
        .unwrap();
    tokio::time::timeout(PATIENCE, started.notified())
        .await
        .expect("the slow handler starts");

    let began = Instant::now();
    server.shutdown();
    // The idle connection is closed at once, the busy one after its answer.
    assert_eq!(
        read_all(&mut idle).await,
        "",
        "the idle connection is closed"
    );
    let answer = read_all(&mut busy).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("slow but done"), "{answer}");
    let served = tokio::time::timeout(PATIENCE, server.done)
        .await
        .expect("serve returns once both connections are closed")
        .unwrap();
    assert!(served.is_ok(), "{served:?}");
    assert!(
        began.elapsed() < Duration::from_secs(30),
        "the shutdown did not wait for a timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_gives_up_after_shutdown_timeout() {
    struct Started(Arc<Notify>);
    let started = Arc::new(Notify::new());
    let project = Project::new(dev("[server]\nshutdown_timeout = \"200ms\"\n"))
        .data(Started(started.clone()))
        .routes(Routes::new().route(
            "/stuck",
            get(|s: Data<Started>| async move {
                let Started(notify) = &*s;
                notify.notify_one();
                tokio::time::sleep(Duration::from_secs(3600)).await;
                "never"
            }),
        ));
    let mut server = start(project).await;
    let addr = server.addr;
    let _client = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&get_request("/stuck")).await.unwrap();
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf).await;
    });
    tokio::time::timeout(PATIENCE, started.notified())
        .await
        .expect("the handler starts");
    server.shutdown();
    let served = tokio::time::timeout(PATIENCE, server.done)
        .await
        .expect("serve returns once shutdown_timeout has passed")
        .unwrap();
    assert!(served.is_ok(), "{served:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_over_max_connections_wait_for_a_free_slot() {
    let project = Project::new(dev("[server]\nmax_connections = 1\n"))
        .routes(Routes::new().route("/hello", get(|| async { "hello" })));
    let server = start(project).await;

    // The first client keeps its connection open.
    let mut first = TcpStream::connect(server.addr).await.unwrap();
    first
        .write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(PATIENCE, first.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    // The second is not served while the first holds the only slot...
    let addr = server.addr;
    let mut second = tokio::spawn(async move { exchange(addr, &get_request("/hello")).await });
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut second)
            .await
            .is_err(),
        "a second connection was served beyond max_connections = 1"
    );
    // ...and is served once it is free.
    drop(first);
    let res = tokio::time::timeout(PATIENCE, second)
        .await
        .expect("the waiting client is served")
        .unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
}

#[tokio::test]
async fn shutdown_with_no_connections_returns_at_once() {
    let mut server = start(hello_project()).await;
    server.shutdown();
    let served = tokio::time::timeout(PATIENCE, server.done)
        .await
        .expect("serve returns")
        .unwrap();
    assert!(served.is_ok());
}

#[tokio::test]
async fn client_sending_part_of_its_headers_is_disconnected_after_header_read_timeout() {
    let server = start(hello_project()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let sent = Instant::now();
    let res = read_all(&mut stream).await;
    assert!(!res.contains("hello over tcp"), "{res}");
    assert!(
        sent.elapsed() >= Duration::from_millis(500),
        "closed after {:?}, before the 1 s header_read_timeout",
        sent.elapsed()
    );
}

/// Sends one keep-alive request for /hello and reads its whole response.
async fn keep_alive_hello(stream: &mut TcpStream) {
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0; 4096];
    while !String::from_utf8_lossy(&buf).ends_with("hello over tcp") {
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
            .await
            .expect("the server answers")
            .unwrap();
        assert!(
            n > 0,
            "the server closed a connection that kept sending requests"
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn keep_alive_client_sending_in_time_outlives_header_read_timeout() {
    // Each head arrives well within 1 s; together they span 2.5 s.
    let server = start(hello_project()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    for _ in 0..6 {
        keep_alive_hello(&mut stream).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    keep_alive_hello(&mut stream).await;
}

#[tokio::test]
async fn slow_handlers_and_streams_outlive_header_read_timeout() {
    // A handler busy for 2.5 s and a body pausing 2.5 s between chunks are being served,
    // not idle: the 1 s header_read_timeout must not cut them off.
    let project = Project::new(dev("[server]\nheader_read_timeout = \"1s\"\n")).routes(
        Routes::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(2500)).await;
                    "slow but done"
                }),
            )
            .route(
                "/stream",
                get(|| async {
                    let chunks = futures_util::stream::unfold(0, |n| async move {
                        match n {
                            0 => Some((Ok::<_, std::io::Error>("first "), 1)),
                            1 => {
                                tokio::time::sleep(Duration::from_millis(2500)).await;
                                Some((Ok("second"), 2))
                            }
                            _ => None,
                        }
                    });
                    axum::body::Body::from_stream(chunks)
                }),
            ),
    );
    let server = start(project).await;
    let (slow_request, stream_request) = (get_request("/slow"), get_request("/stream"));
    let (slow, stream) = tokio::join!(
        exchange(server.addr, &slow_request),
        exchange(server.addr, &stream_request),
    );
    assert!(slow.ends_with("slow but done"), "{slow}");
    assert!(stream.contains("first "), "{stream}");
    assert!(stream.contains("second"), "{stream}");
}

#[tokio::test]
async fn keep_alive_client_stalling_after_requests_gets_its_full_timeout() {
    // Requests for 0.8 s, then half a head: the first request's deadline (1 s) passes
    // while the client stalls, and must not end it early; the stall's own deadline must.
    let server = start(hello_project()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let start = Instant::now();
    let mut answered = Instant::now();
    while start.elapsed() < Duration::from_millis(800) {
        keep_alive_hello(&mut stream).await;
        answered = Instant::now();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(SLOW_CLIENT_BOUND, stream.read_to_end(&mut buf)).await;
    assert!(
        closed.is_ok(),
        "a stalled client was still connected after {SLOW_CLIENT_BOUND:?}"
    );
    // The server starts timing the next head once it has answered the last request.
    assert!(
        answered.elapsed() >= Duration::from_millis(950),
        "closed {:?} after the last answer, before its 1 s header_read_timeout",
        answered.elapsed()
    );
}

#[tokio::test]
async fn client_sending_nothing_is_disconnected_after_header_read_timeout() {
    // Slowloris: a connection that never sends a byte must not hold its slot forever.
    let server = start(hello_project()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(SLOW_CLIENT_BOUND, stream.read_to_end(&mut buf)).await;
    assert!(
        closed.is_ok(),
        "a silent connection was still open {SLOW_CLIENT_BOUND:?} after connecting (header_read_timeout is 1 s)"
    );
}

#[tokio::test]
async fn client_stalling_inside_the_protocol_preface_is_disconnected() {
    // `P` could start the HTTP/2 preface; the server must still time the client out.
    let server = start(hello_project()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"PRI * HTTP/2").await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(SLOW_CLIENT_BOUND, stream.read_to_end(&mut buf)).await;
    assert!(
        closed.is_ok(),
        "a client stalled in the preface was still connected after {SLOW_CLIENT_BOUND:?} (header_read_timeout is 1 s)"
    );
}

#[tokio::test]
async fn bind_error_names_the_address() {
    let listener = bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let err = bind(&addr).await.unwrap_err();
    assert!(matches!(err, galvani_core::Error::Bind { .. }), "{err:?}");
    assert!(err.to_string().contains(&addr), "{err}");
}
