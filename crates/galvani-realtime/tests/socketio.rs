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

use std::path::{Path, PathBuf};
use std::time::Duration;

use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use galvani_orm::prelude::*;
use galvani_orm::testing::TestDb;
use galvani_realtime::socketio::{Namespace, Socket, SocketIo};
use galvani_realtime::{Channels, Connection, Consumer, HandlerResult, Realtime, sse, websocket};

const SECRET: &str = "Zq3v9LkT0pWmX2bR8sYcN5dJ7hF4gA6eU1iO-oP_lK9jH3gF2dS";
const PASSWORD: &str = "correct horse battery";

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

/// A plain WebSocket in the `lobby` group, to show that one broadcast reaches all.
struct Lobby;

impl Consumer for Lobby {
    type Message = serde_json::Value;

    async fn connect(&self, conn: &Connection) -> HandlerResult {
        conn.join("lobby");
        Ok(())
    }

    async fn receive(&self, _: &Connection, _: serde_json::Value) -> HandlerResult {
        Ok(())
    }
}

#[derive(serde::Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn login(auth: galvani_auth::Auth, Form(c): Form<Credentials>) -> HttpResult<StatusCode> {
    match auth.authenticate(&c.username, &c.password).await? {
        Some(user) => {
            auth.login(&user).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        None => Ok(StatusCode::UNAUTHORIZED),
    }
}

struct Server {
    url: String,
    cookie: String,
    channels: Channels,
    _stop: tokio::sync::oneshot::Sender<()>,
    _db: TestDb,
}

async fn start() -> Server {
    let db = TestDb::sqlite().await.unwrap();
    db.migrate().await.unwrap();
    let mut ada = galvani_auth::User::new("ada", "ada@example.com");
    ada.set_password(PASSWORD);
    ada.save(&db.db).await.unwrap();
    let settings = Settings::from_toml(&format!(
        "secret_key = \"{SECRET}\"\nallowed_hosts = [\"127.0.0.1\", \"localhost\"]\n[database]\nurl = \"{}\"\n[apps.realtime]\nmax_connections_per_client = 1000\n",
        db.url
    ))
    .unwrap();
    let site = Project::new(settings)
        .app(galvani_orm::Orm)
        .app(galvani_sessions::Sessions)
        .app(galvani_auth::AuthApp)
        .app(Realtime)
        .routes(
            Routes::new()
                .route("/login", post(login))
                .route("/ws/lobby", websocket(Lobby))
                .route(
                    "/events/{group}",
                    sse(|req| Ok(vec![req.param("group").unwrap_or_default().to_owned()])),
                )
                .merge(namespaces().routes()),
        )
        .build()
        .unwrap();
    let channels = (*site.state().data::<Channels>().unwrap()).clone();
    let client = TestClient::from_site(site.clone());
    let res = client
        .post("/login")
        .form(&[("username", "ada"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let cookie = format!("sessionid={}", client.cookie("sessionid").unwrap());
    let listener = galvani_core::server::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = galvani_core::server::serve(&site, listener, async {
            let _ = stopped.await;
        })
        .await;
    });
    Server {
        url: format!("http://{addr}"),
        cookie,
        channels,
        _stop: stop,
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
