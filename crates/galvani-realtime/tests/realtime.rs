//! Real-time through a real server and real WebSocket and HTTP clients: typed messages
//! and error frames, groups and broadcast reaching WebSockets and SSE alike, presence,
//! the handshake's origin, login and per-client checks, slow clients, size limits, and
//! SSE resuming after `Last-Event-ID`.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::SinkExt;
use galvani_core::prelude::*;
use galvani_core::test::{TestClient, TestServer};
use galvani_orm::testing::TestDb;
mod common;

use common::{Joins, Sse, Ws, ada_cookie, closed, db_with_ada, eventually, login, next, send};
use galvani_realtime::{
    Channels, Connection, Consumer, HandlerResult, SlowConsumer, sse, websocket,
};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ChatIn {
    Join { room: String },
    Say { room: String, text: String },
    Leave { room: String },
    WhoAmI,
}

struct Chat;

impl Consumer for Chat {
    type Message = ChatIn;

    async fn receive(&self, conn: &Connection, message: ChatIn) -> HandlerResult {
        match message {
            ChatIn::Join { room } => {
                let name = conn
                    .user()
                    .map_or("anonymous".to_owned(), |u| u.username.clone());
                conn.join_with_presence(&room, &serde_json::json!({ "name": name }))?;
                conn.send(&serde_json::json!({"type": "joined", "room": room}))?;
            }
            ChatIn::Say { room, text } => {
                conn.channels()
                    .broadcast(&room, "said", &serde_json::json!({ "text": text }))?;
            }
            ChatIn::Leave { room } => conn.leave(&room),
            ChatIn::WhoAmI => {
                let name = conn.user().map(|u| u.username.clone());
                conn.send(&serde_json::json!({"type": "you", "name": name}))?;
            }
        }
        Ok(())
    }
}

async fn announce(channels: Channels, Path(room): Path<String>) -> HttpResult<&'static str> {
    channels.broadcast(&room, "news", &serde_json::json!({"from": "server"}))?;
    Ok("sent")
}

struct Server {
    addr: SocketAddr,
    client: TestClient,
    channels: Channels,
    _server: TestServer,
    _db: TestDb,
}

async fn start(realtime: &str) -> Server {
    let db = db_with_ada().await;
    let site = common::project(&db, realtime)
        .routes(
            Routes::new()
                .route("/login", post(login))
                .route("/announce/{room}", post(announce))
                .route("/ws/chat", websocket(Chat))
                .route("/ws/members", websocket(Chat).login_required())
                .route(
                    "/ws/staff",
                    websocket(Chat).permission_required("auth.view_user"),
                )
                .route("/ws/flood", websocket(Joins("flood")))
                .route(
                    "/ws/flood-volatile",
                    websocket(Joins("flood")).slow_consumer(SlowConsumer::Drop),
                )
                .route(
                    "/rooms/{room}/events",
                    sse(|req| Ok(vec![req.param("room").unwrap_or_default().to_owned()])),
                ),
        )
        .build()
        .unwrap();
    let channels = Channels::of(site.state()).unwrap();
    let server = TestServer::start(site.clone()).await.unwrap();
    Server {
        addr: server.addr(),
        client: TestClient::from_site(site),
        channels,
        _server: server,
        _db: db,
    }
}

impl Server {
    /// Opens `path` with these extra headers; the refusal's status on failure.
    async fn ws(&self, path: &str, headers: &[(&str, &str)]) -> Result<Ws, u16> {
        let mut request = format!("ws://{}{path}", self.addr)
            .into_client_request()
            .unwrap();
        for (k, v) in headers {
            request.headers_mut().insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(ws),
            Err(tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
            Err(e) => panic!("handshake failed: {e}"),
        }
    }

    /// The session cookie of a logged-in `ada`, as a `Cookie` header value.
    async fn ada_cookie(&self) -> String {
        ada_cookie(&self.client).await
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

#[tokio::test]
async fn typed_messages_and_an_error_frame_for_what_does_not_parse() {
    let server = start("").await;
    let mut ws = server.ws("/ws/chat", &[]).await.unwrap();
    send(&mut ws, serde_json::json!({"type": "shout"})).await;
    let error = next(&mut ws).await;
    assert_eq!(error["type"], "error");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("unknown variant `shout`"),
        "{error}"
    );
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(next(&mut ws).await["type"], "error");
    ws.send(Message::text("not json")).await.unwrap();
    assert_eq!(next(&mut ws).await["type"], "error");
    // Still open, and anonymous.
    send(&mut ws, serde_json::json!({"type": "who_am_i"})).await;
    assert_eq!(
        next(&mut ws).await,
        serde_json::json!({"type": "you", "name": null})
    );
    assert_eq!(server.channels.stats().bad_messages, 3);
}

#[tokio::test]
async fn a_broadcast_reaches_websockets_and_sse_with_presence() {
    let server = start("").await;
    let cookie = server.ada_cookie().await;
    let mut ada = server.ws("/ws/chat", &[("cookie", &cookie)]).await.unwrap();
    let mut guest = server.ws("/ws/chat", &[]).await.unwrap();
    send(
        &mut ada,
        serde_json::json!({"type": "join", "room": "lobby"}),
    )
    .await;
    let own = next(&mut ada).await;
    assert_eq!(
        (own["event"].as_str(), &own["data"]),
        (Some("presence.join"), &serde_json::json!({"name": "ada"}))
    );
    assert_eq!(
        next(&mut ada).await,
        serde_json::json!({"type": "joined", "room": "lobby"})
    );
    // Joining again is not arriving again.
    send(
        &mut ada,
        serde_json::json!({"type": "join", "room": "lobby"}),
    )
    .await;
    assert_eq!(
        next(&mut ada).await,
        serde_json::json!({"type": "joined", "room": "lobby"})
    );
    let mut events = Sse::open(server.addr, "/rooms/lobby/events", None).await;
    send(
        &mut guest,
        serde_json::json!({"type": "join", "room": "lobby"}),
    )
    .await;
    let joined = next(&mut ada).await;
    assert_eq!(
        (joined["event"].as_str(), &joined["data"]),
        (
            Some("presence.join"),
            &serde_json::json!({"name": "anonymous"})
        )
    );
    let mut names: Vec<String> = server
        .channels
        .presence("lobby")
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["ada", "anonymous"]);
    assert_eq!(
        server.channels.count("lobby"),
        3,
        "two sockets and a stream"
    );

    // From a request handler, to everyone in the group.
    assert_eq!(
        server.client.post("/announce/lobby").await.status(),
        StatusCode::OK
    );
    for ws in [&mut ada, &mut guest] {
        loop {
            let msg = next(ws).await;
            if msg["event"] == "news" {
                assert_eq!(msg["group"], "lobby");
                assert_eq!(msg["data"], serde_json::json!({"from": "server"}));
                break;
            }
        }
    }
    let (name, data) = events.next_event().await;
    assert_eq!(name, "presence.join");
    assert_eq!(data, serde_json::json!({"name": "anonymous"}));
    assert_eq!(
        events.next_event().await,
        ("news".to_owned(), serde_json::json!({"from": "server"}))
    );

    // Leaving by closing: the others hear of it, and the group shrinks.
    guest.close(None).await.unwrap();
    let left = next(&mut ada).await;
    assert_eq!(
        (left["event"].as_str(), &left["data"]),
        (
            Some("presence.leave"),
            &serde_json::json!({"name": "anonymous"})
        )
    );
    assert_eq!(server.channels.presence("lobby").len(), 1);
}

#[tokio::test]
async fn the_handshake_checks_origin_login_permission_and_connection_count() {
    let server = start("max_connections_per_client = 3").await;
    let own = server.origin();
    assert_eq!(
        server
            .ws("/ws/chat", &[("origin", "https://evil.example")])
            .await
            .err(),
        Some(403)
    );
    assert!(server.ws("/ws/chat", &[("origin", &own)]).await.is_ok());
    assert_eq!(
        server.ws("/ws/members", &[("origin", &own)]).await.err(),
        Some(401)
    );
    let cookie = server.ada_cookie().await;
    // Even with the cookie, a foreign page is refused: it would ride the user's session.
    assert_eq!(
        server
            .ws(
                "/ws/members",
                &[("origin", "https://evil.example"), ("cookie", &cookie)]
            )
            .await
            .err(),
        Some(403)
    );
    let mut ws = server
        .ws("/ws/members", &[("origin", &own), ("cookie", &cookie)])
        .await
        .unwrap();
    send(&mut ws, serde_json::json!({"type": "who_am_i"})).await;
    assert_eq!(next(&mut ws).await["name"], "ada");
    assert_eq!(
        server.ws("/ws/staff", &[("cookie", &cookie)]).await.err(),
        Some(403),
        "ada lacks auth.view_user"
    );
    // Two sockets are open from this address (one above was dropped by the client, so
    // wait for the server to notice), a third is allowed, a fourth is not.
    let _a = server.ws("/ws/chat", &[]).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut third = Vec::new();
    loop {
        match server.ws("/ws/chat", &[]).await {
            Ok(ws) => third.push(ws),
            Err(status) => {
                assert_eq!(status, 429);
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline && third.len() < 3,
            "the limit never applied"
        );
    }
    assert!(server.channels.stats().refused >= 5);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_disconnected_or_loses_messages_by_policy() {
    let server = start("queue = 8\nsend_timeout = \"1s\"\n[metrics]\nenabled = true").await;
    let mut kicked = server.ws("/ws/flood", &[]).await.unwrap();
    let volatile = server.ws("/ws/flood-volatile", &[]).await.unwrap();
    let big = "x".repeat(60_000);
    for _ in 0..400 {
        server.channels.broadcast("flood", "big", &big).unwrap();
        tokio::task::yield_now().await;
    }
    let stats = server.channels.stats();
    assert!(stats.disconnected_slow >= 1, "{stats:?}");
    assert!(stats.dropped >= 1, "{stats:?}");
    // The slow one's connection ends: with close code 1008 if the frame still fits in
    // the buffers, else cut once the close frame cannot be written within send_timeout.
    let code = closed(&mut kicked).await;
    assert!(matches!(code, None | Some(1008)), "{code:?}");

    // Both are in the process's metrics.
    let metrics = server.client.get("/metrics").send().await.text();
    let stats = server.channels.stats();
    for line in [
        format!("galvani_realtime_dropped_total {}", stats.dropped),
        format!(
            "galvani_realtime_disconnected_slow_total {}",
            stats.disconnected_slow
        ),
        format!("galvani_realtime_delivered_total {}", stats.delivered),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in:\n{metrics}"
        );
    }
    assert!(metrics.contains("# HELP galvani_realtime_dropped_total Messages dropped"));
    drop(volatile);
}

#[tokio::test]
async fn oversized_messages_close_with_1009_and_idle_sockets_are_closed() {
    let server = start("max_message_size = \"1KiB\"\nmax_frame_size = \"1KiB\"\nping_interval = 1\nidle_timeout = 2").await;
    let mut ws = server.ws("/ws/chat", &[]).await.unwrap();
    ws.send(Message::text("y".repeat(2000))).await.unwrap();
    assert_eq!(closed(&mut ws).await, Some(1009));

    // A client that never reads never answers pings.
    let mut idle = server.ws("/ws/chat", &[]).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(closed(&mut idle).await, Some(1001));
}

#[tokio::test]
async fn sse_resumes_after_last_event_id_from_history() {
    let server = start("history = 3").await;
    let mut first = Sse::open(server.addr, "/rooms/news/events", None).await;
    for n in 1..=3 {
        server.channels.broadcast("news", "item", &n).unwrap();
    }
    let mut ids = Vec::new();
    for n in 1..=3 {
        let (id, name, data) = first.next_full().await;
        assert_eq!((name.as_str(), data), ("item", serde_json::json!(n)));
        ids.push(id);
    }
    drop(first);
    server.channels.broadcast("news", "item", &4).unwrap();
    // Reconnecting after the first: the second, third and fourth, then live ones.
    let mut again = Sse::open(server.addr, "/rooms/news/events", Some(ids[0])).await;
    for n in 2..=4 {
        assert_eq!(
            again.next_event().await,
            ("item".to_owned(), serde_json::json!(n))
        );
    }
    server.channels.broadcast("news", "item", &5).unwrap();
    assert_eq!(
        again.next_event().await,
        ("item".to_owned(), serde_json::json!(5))
    );
}

#[tokio::test]
async fn a_shutdown_says_goodbye_to_websockets_and_ends_event_streams() {
    let server = start("").await;
    let mut ws = server.ws("/ws/chat", &[]).await.unwrap();
    let mut events = Sse::open(server.addr, "/rooms/lobby/events", None).await;
    assert_eq!(server.channels.stats().open, 2);
    let Server {
        _server, channels, ..
    } = server;
    drop(_server); // the server begins its graceful shutdown
    assert_eq!(closed(&mut ws).await, Some(1001));
    events.ended().await;
    eventually("both counted closed", || channels.stats().open == 0).await;
}
