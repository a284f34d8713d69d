//! Socket.IO at its limits, on a raw Engine.IO WebSocket (a client that can stop
//! reading and can leave an ack unanswered, which the official clients cannot be made
//! to do): the slow-consumer policy of a namespace (disconnect, or drop and count)
//! through socketioxide's bounded queue, and `emit_with_ack`'s timeout.
#![cfg(feature = "socketio")]

mod common;

use std::time::Duration;

use common::{eventually, settings};
use futures_util::{SinkExt, StreamExt};
use galvani_core::prelude::*;
use galvani_core::test::TestServer;
use galvani_realtime::socketio::{Namespace, Socket, SocketIo};
use galvani_realtime::{Channels, Error, Realtime, SlowConsumer};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn namespaces() -> SocketIo {
    let joins_flood = async |socket: Socket| {
        socket.join("flood");
        Ok(())
    };
    SocketIo::new()
        .namespace(
            Namespace::new("/kick")
                .slow_consumer(SlowConsumer::Disconnect)
                .on_connect(joins_flood),
        )
        .namespace(
            Namespace::new("/volatile")
                .slow_consumer(SlowConsumer::Drop)
                .on_connect(joins_flood)
                .on("add", async |_: Socket, n: u32| Ok(n + 1)),
        )
        .namespace(
            Namespace::new("/").on("ask", async |socket: Socket, q: String| {
                let asked =
                    socket.emit_with_ack::<String>("question", &q, Duration::from_millis(300));
                match asked.await {
                    Ok(answer) => Ok(format!("answered: {answer}")),
                    Err(Error::AckTimeout(after)) => Ok(format!("no answer within {after:?}")),
                    Err(e) => Err(e.into()),
                }
            }),
        )
}

async fn start(realtime: &str) -> (TestServer, Channels) {
    let site = Project::new(settings(None, realtime))
        .app(Realtime)
        .routes(namespaces().routes())
        .build()
        .unwrap();
    let channels = Channels::of(site.state()).unwrap();
    (TestServer::start(site).await.unwrap(), channels)
}

/// The next text frame, answering Engine.IO pings on the way.
async fn next_text(ws: &mut Ws) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("the connection is open")
            .expect("a frame");
        match frame {
            Message::Text(text) if text.as_str() == "2" => {
                ws.send(Message::text("3")).await.unwrap()
            }
            Message::Text(text) => return text.to_string(),
            _ => {}
        }
    }
}

/// A socket in `namespace`, over Engine.IO's WebSocket transport.
async fn connect(server: &TestServer, namespace: &str) -> Ws {
    let url = server
        .url("/socket.io/?EIO=4&transport=websocket")
        .replacen("http", "ws", 1);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert!(
        next_text(&mut ws).await.starts_with("0{"),
        "the Engine.IO open packet"
    );
    let prefix = if namespace == "/" {
        "40".to_owned()
    } else {
        format!("40{namespace},")
    };
    ws.send(Message::text(prefix.clone())).await.unwrap();
    let connected = next_text(&mut ws).await;
    assert!(
        connected.starts_with(&prefix) && connected.contains("sid"),
        "{connected}"
    );
    ws
}

/// Broadcasts far more to the group `flood` than queues and socket buffers hold.
async fn flood(channels: &Channels) {
    let big = "x".repeat(60_000);
    for _ in 0..400 {
        channels.broadcast("flood", "big", &big).unwrap();
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_socket_that_stops_reading_in_a_disconnect_namespace_is_cut() {
    // A quick heartbeat: the ping that cannot be queued ends the connection.
    let (server, channels) = start("queue = 8\nping_interval = 1\nidle_timeout = 6").await;
    let mut kicked = connect(&server, "/kick").await;
    flood(&channels).await;
    let stats = channels.stats();
    assert_eq!(stats.disconnected_slow, 1, "{stats:?}");
    assert_eq!(stats.dropped, 0, "{stats:?}");
    eventually("the slow socket leaving its group", || {
        channels.count("flood") == 0
    })
    .await;

    // What was queued arrives, then the end.
    let cut = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(Ok(_)) = kicked.next().await {}
    });
    cut.await.expect("the slow socket's connection ends");
    eventually("the disconnect handler", || channels.stats().open == 0).await;
}

#[tokio::test]
async fn a_socket_that_stops_reading_in_a_drop_namespace_loses_messages_not_its_connection() {
    let (server, channels) = start("queue = 8").await;
    let mut volatile = connect(&server, "/volatile").await;
    flood(&channels).await;
    // An event it sends now is answered into the full queue: the ack is dropped too.
    volatile
        .send(Message::text("42/volatile,1[\"add\",1]"))
        .await
        .unwrap();
    eventually("the ack's drop", || {
        channels.stats().dropped + channels.stats().delivered == 401
    })
    .await;
    let stats = channels.stats();
    assert!(stats.dropped >= 2, "{stats:?}");
    assert_eq!(stats.disconnected_slow, 0, "{stats:?}");

    // Reading again, it gets what was kept (and nothing dropped arrives late)...
    let mut kept = 0;
    while let Ok(text) =
        tokio::time::timeout(Duration::from_secs(1), next_text(&mut volatile)).await
    {
        assert!(text.starts_with("42/volatile,[\"big\""), "{text}");
        kept += 1;
    }
    assert_eq!(kept, stats.delivered, "{stats:?}");
    // ...and is answered as before.
    volatile
        .send(Message::text("42/volatile,7[\"add\",41]"))
        .await
        .unwrap();
    assert_eq!(next_text(&mut volatile).await, "43/volatile,7[42]");
    assert_eq!(channels.count("flood"), 1);
}

#[tokio::test]
async fn an_emit_with_ack_the_client_leaves_unanswered_times_out() {
    let (server, _channels) = start("").await;
    let mut ws = connect(&server, "/").await;
    ws.send(Message::text("421[\"ask\",\"what time is it?\"]"))
        .await
        .unwrap();

    // The server asks back, with an ack id of its own; this client never answers.
    let question = next_text(&mut ws).await;
    assert!(
        question.starts_with("42") && question.contains("[\"question\",\"what time is it?\"]"),
        "{question}"
    );
    let started = std::time::Instant::now();
    let answer = next_text(&mut ws).await;
    assert_eq!(answer, "431[\"no answer within 300ms\"]");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );

    // Answered in time, the same handler gets the client's answer.
    ws.send(Message::text("422[\"ask\",\"and now?\"]"))
        .await
        .unwrap();
    let question = next_text(&mut ws).await;
    let id: String = question[2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    ws.send(Message::text(format!("43{id}[\"noon\"]")))
        .await
        .unwrap();
    assert_eq!(next_text(&mut ws).await, "432[\"answered: noon\"]");
}

#[tokio::test]
async fn a_shutdown_disconnects_every_socket() {
    let (server, channels) = start("").await;
    let mut ws = connect(&server, "/kick").await;
    assert_eq!(channels.count("flood"), 1);
    drop(server); // the server begins its graceful shutdown
    let mut heard = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(frame)) = ws.next().await {
            if let Message::Text(text) = frame {
                heard.push(text.to_string());
            }
        }
    });
    ended.await.expect("the socket is closed within 10 s");
    // Engine.IO's close packet: the client reconnects, to another process if this one
    // has gone.
    assert_eq!(heard.last().map(String::as_str), Some("1"), "{heard:?}");
    eventually("the socket leaving its group", || {
        channels.count("flood") == 0
    })
    .await;
    eventually("the socket counted closed", || channels.stats().open == 0).await;
}
