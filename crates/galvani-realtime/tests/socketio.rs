//! Socket.IO compatibility, tested by clients we did not write: the official
//! `socket.io-client` (npm, run with `node --test`) and `python-socketio` (PyPI), over
//! long-polling, WebSocket, and polling upgraded to WebSocket. They connect, emit,
//! receive acks (and answer the server's), send and receive binary, join rooms that
//! are Galvani groups and receive broadcasts there beside a plain WebSocket and an SSE
//! stream, get errors for data that does not parse, and are refused without a session
//! or from a foreign origin.
//!
//! `scripts/test` installs the clients and names them: `TEST_NODE_CLIENTS` (a folder
//! with `node_modules`) and `TEST_PYTHON` (a Python with `python-socketio`).
#![cfg(feature = "socketio")]

mod common;

use common::{Joins, ada_cookie, db_with_ada, login};

use std::path::{Path, PathBuf};
use std::time::Duration;

use galvani_core::prelude::*;
use galvani_core::test::{TestClient, TestServer};
use galvani_orm::testing::TestDb;
use galvani_realtime::socketio::{Namespace, Socket, SocketIo};
use galvani_realtime::{Channels, sse, websocket};

#[derive(serde::Deserialize, serde::Serialize)]
struct Echo {
    text: String,
}

#[derive(serde::Deserialize)]
struct Shout {
    room: String,
    text: String,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct Upload {
    name: String,
    data: bytes::Bytes,
}

#[derive(serde::Serialize)]
struct Received {
    meta: serde_json::Value,
    reversed: bytes::Bytes,
}

fn namespaces() -> SocketIo {
    SocketIo::new()
        .namespace(
            Namespace::new("/")
                .on("echo", async |_: Socket, echo: Echo| Ok(echo))
                .on("join", async |socket: Socket, room: String| {
                    socket.join(&room);
                    Ok(socket.channels().count(&room))
                })
                .on("shout", async |socket: Socket, shout: Shout| {
                    let said = serde_json::json!({"text": shout.text, "from": socket.sid()});
                    socket.channels().broadcast(&shout.room, "said", &said)?;
                    Ok(true)
                })
                .on("upload", async |_: Socket, upload: Upload| {
                    let size = upload.data.len();
                    let reversed: Vec<u8> = upload.data.iter().rev().copied().collect();
                    let reversed = bytes::Bytes::from(reversed);
                    Ok(serde_json::json!({"name": upload.name, "size": size}))
                        .map(|meta| Received { meta, reversed })
                })
                .on("ask", async |socket: Socket, question: String| {
                    let answer: String = socket
                        .emit_with_ack("question", &question, Duration::from_secs(5))
                        .await?;
                    Ok(format!("the client said: {answer}"))
                })
                .on("fail", async |_: Socket, _: serde_json::Value| {
                    Err::<(), _>(galvani_core::error::ClientError::new(
                        StatusCode::BAD_REQUEST,
                        "this always fails",
                    ))?;
                    Ok(())
                }),
        )
        .namespace(Namespace::new("/private").login_required().on(
            "whoami",
            async |socket: Socket, _: serde_json::Value| {
                Ok(socket.user().map(|u| u.username.clone()))
            },
        ))
}

struct Server {
    url: String,
    cookie: String,
    channels: Channels,
    _server: TestServer,
    _db: TestDb,
}

async fn start() -> Server {
    let db = db_with_ada().await;
    let site = common::project(&db, "max_connections_per_client = 1000")
        .routes(
            Routes::new()
                .route("/login", post(login))
                .route("/ws/lobby", websocket(Joins("lobby")))
                .route(
                    "/events/{group}",
                    sse(|req| Ok(vec![req.param("group").unwrap_or_default().to_owned()])),
                )
                .merge(namespaces().routes()),
        )
        .build()
        .unwrap();
    let channels = Channels::of(site.state()).unwrap();
    let cookie = ada_cookie(&TestClient::from_site(site.clone())).await;
    let server = TestServer::start(site).await.unwrap();
    Server {
        url: server.url(""),
        cookie,
        channels,
        _server: server,
        _db: db,
    }
}

/// The folder of the client scripts.
fn clients() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// An external client named by `var`, unless the run allows it to be missing.
fn external(var: &str) -> Option<String> {
    let value = std::env::var(var).ok();
    if value.is_none() {
        assert_ne!(
            std::env::var("TEST_REQUIRE_CLIENTS").as_deref(),
            Ok("1"),
            "{var} is not set, and TEST_REQUIRE_CLIENTS=1 requires the external clients (scripts/test installs them)"
        );
        eprintln!("{var} is not set: skipping");
    }
    value
}

/// Runs `program args` against `server`; panics with its output unless it succeeds.
async fn run(server: &Server, program: &str, args: &[&str], dir: &Path) {
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("SERVER", &server.url)
            .env("COOKIE", &server.cookie)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the client finished within 120 s")
    .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{text}"
    );
    eprintln!("{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_javascript_client_works_over_every_transport() {
    let Some(dir) = external("TEST_NODE_CLIENTS") else {
        return;
    };
    let server = start().await;
    let script = clients().join("socketio.test.mjs");
    run(
        &server,
        "node",
        &["--test", "--test-reporter=spec", script.to_str().unwrap()],
        Path::new(&dir),
    )
    .await;
    let stats = server.channels.stats();
    assert!(stats.bad_messages >= 3, "{stats:?}");
    assert!(stats.refused >= 2, "{stats:?}");
    assert_eq!(stats.open, 0, "every socket is gone: {stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_socketio_works_over_every_transport() {
    let Some(python) = external("TEST_PYTHON") else {
        return;
    };
    let server = start().await;
    let script = clients().join("socketio_client.py");
    run(&server, &python, &[script.to_str().unwrap()], &clients()).await;
    assert!(server.channels.stats().bad_messages >= 1);
}
