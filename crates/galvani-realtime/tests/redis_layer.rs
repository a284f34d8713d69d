//! The Redis channel layer with real processes and a real Redis: three Galvani
//! processes share broadcasts; a client of a killed process resumes on another and
//! receives what it missed on a stream group; Redis going away and coming back is
//! survived, reported, and caught up from the streams.
//!
//! The processes are this test binary run again with `GALVANI_RT_CHILD` set, which
//! makes `serve_as_a_child_process` serve a site instead of returning.
#![cfg(feature = "redis")]

mod common;

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Sse, Ws, eventually, send};
use galvani_core::prelude::*;
use galvani_core::test::TestServer;
use galvani_realtime::{Channels, Connection, Consumer, HandlerResult, Realtime, sse, websocket};

/// Broadcasts what it is sent: `{"group": …, "event": …, "data": …}`.
struct Relay;

#[derive(serde::Deserialize)]
struct Broadcast {
    group: String,
    event: String,
    data: serde_json::Value,
}

impl Consumer for Relay {
    type Message = Broadcast;

    async fn receive(&self, conn: &Connection, b: Broadcast) -> HandlerResult {
        conn.channels().broadcast(&b.group, &b.event, &b.data)?;
        Ok(())
    }
}

fn site(redis_url: &str, prefix: &str) -> Site {
    let realtime = format!(
        "layer = \"redis\"\nredis_url = \"{redis_url}\"\nredis_prefix = \"{prefix}\"\nstream_groups = [\"chat:*\"]\nhistory = 50"
    );
    Project::new(common::settings(None, &realtime))
        .app(Realtime)
        .routes(Routes::new().route("/ws", websocket(Relay)).route(
            "/events/{group}",
            sse(|req| Ok(vec![req.param("group").unwrap_or_default().to_owned()])),
        ))
        .build()
        .unwrap()
}

#[test]
fn serve_as_a_child_process() {
    let Ok(config) = std::env::var("GALVANI_RT_CHILD") else {
        return;
    };
    let (url, prefix) = config.split_once(' ').unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let server = TestServer::start(site(url, prefix)).await.unwrap();
        println!("LISTENING {}", server.addr());
        std::future::pending::<()>().await;
    });
}

/// The Redis server named by `TEST_REDIS_URL`, if any.
fn redis_url() -> Option<String> {
    let url = std::env::var("TEST_REDIS_URL").ok();
    if url.is_none() {
        assert_ne!(
            std::env::var("TEST_REQUIRE_REDIS").as_deref(),
            Ok("1"),
            "TEST_REDIS_URL is not set, and TEST_REQUIRE_REDIS=1 requires the Redis tests"
        );
        eprintln!("TEST_REDIS_URL is not set: skipping the Redis layer");
    }
    url
}

/// Keys of their own for each test run, so that runs never see each other's events.
fn prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test:{test}:{}:{nanos}:", std::process::id())
}

/// A child process serving the site; killed when dropped.
struct Process {
    child: Child,
    addr: SocketAddr,
}

impl Process {
    fn start(redis_url: &str, prefix: &str) -> Process {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "serve_as_a_child_process", "--nocapture"])
            .env("GALVANI_RT_CHILD", format!("{redis_url} {prefix}"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let addr = stdout
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("LISTENING ").map(|a| a.parse().unwrap()))
            .expect("the child process serves");
        Process { child, addr }
    }

    async fn ws(&self) -> Ws {
        let url = format!("ws://{}/ws", self.addr);
        tokio_tungstenite::connect_async(url).await.unwrap().0
    }

    async fn events(&self, group: &str, after: Option<u64>) -> Sse {
        Sse::open(self.addr, &format!("/events/{group}"), after).await
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn broadcast(ws: &mut Ws, group: &str, event: &str, data: serde_json::Value) {
    send(
        ws,
        serde_json::json!({"group": group, "event": event, "data": data}),
    )
    .await;
}

/// The next event other than `warm-up`: its id, name and data.
async fn next_real(sse: &mut Sse) -> (u64, String, serde_json::Value) {
    loop {
        let event = sse.next_full().await;
        if event.1 != "warm-up" {
            return event;
        }
    }
}

/// Broadcasts `warm-up` to `group` from `ws` until every stream has one: then every
/// process listens to Redis.
async fn warm_up(ws: &mut Ws, group: &str, streams: &mut [&mut Sse]) {
    for stream in streams.iter_mut() {
        loop {
            broadcast(ws, group, "warm-up", serde_json::json!(null)).await;
            let got = tokio::time::timeout(Duration::from_millis(200), stream.next_full()).await;
            if got.is_ok_and(|e| e.1 == "warm-up") {
                break;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_share_broadcasts_and_a_killed_ones_client_resumes_on_another() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix("three");
    let processes: Vec<Process> = (0..3).map(|_| Process::start(&url, &prefix)).collect();
    let mut senders = Vec::new();
    let mut news = Vec::new();
    for p in &processes {
        senders.push(p.ws().await);
        news.push(p.events("news", None).await);
    }
    {
        let mut streams: Vec<&mut Sse> = news.iter_mut().collect();
        warm_up(&mut senders[0], "news", &mut streams).await;
    }

    // A broadcast made on any process reaches the clients of all three, once.
    for (from, sender) in senders.iter_mut().enumerate() {
        broadcast(sender, "news", "hello", serde_json::json!({ "from": from })).await;
        for stream in &mut news {
            let (_, name, data) = next_real(stream).await;
            assert_eq!(
                (name.as_str(), data),
                ("hello", serde_json::json!({ "from": from }))
            );
        }
    }

    // A stream group: a client of process 1 sees the first message, then its process
    // dies; two more are said while it is away.
    let mut away = processes[1].events("chat:support", None).await;
    let mut stays = processes[2].events("chat:support", None).await;
    broadcast(
        &mut senders[0],
        "chat:support",
        "said",
        serde_json::json!(1),
    )
    .await;
    let (seen, _, data) = next_real(&mut away).await;
    assert_eq!(data, serde_json::json!(1));
    assert_eq!(next_real(&mut stays).await.2, serde_json::json!(1));
    let mut processes = processes;
    drop(processes.remove(1));
    drop(away);
    broadcast(
        &mut senders[0],
        "chat:support",
        "said",
        serde_json::json!(2),
    )
    .await;
    broadcast(
        &mut senders[0],
        "chat:support",
        "said",
        serde_json::json!(3),
    )
    .await;
    assert_eq!(next_real(&mut stays).await.2, serde_json::json!(2));
    let (third, _, _) = next_real(&mut stays).await;

    // It reconnects to process 2 (the old 2, now at index 1) with the id it saw: it
    // receives what it missed, in order, then the live ones; the ids are the same on
    // every process.
    let mut back = processes[1].events("chat:support", Some(seen)).await;
    let (id2, _, two) = next_real(&mut back).await;
    let (id3, _, three) = next_real(&mut back).await;
    assert_eq!((two, three), (serde_json::json!(2), serde_json::json!(3)));
    assert!(seen < id2 && id2 < id3 && id3 == third);
    broadcast(
        &mut senders[2],
        "chat:support",
        "said",
        serde_json::json!(4),
    )
    .await;
    assert_eq!(next_real(&mut back).await.2, serde_json::json!(4));
    assert_eq!(next_real(&mut stays).await.2, serde_json::json!(4));
}

/// A Redis server of this test's own, to stop and start.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(port: Option<u16>) -> Option<PrivateRedis> {
        let port = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        });
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let redis = PrivateRedis {
            port,
            child: Some(child),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(redis);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start on port {port}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn command(&self, args: &[&str]) {
        let client = redis::Client::open(self.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query_async::<redis::Value>(&mut conn).await.unwrap();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_is_survived_reported_and_stream_groups_catch_up() {
    if redis_url().is_none() {
        return;
    }
    let Some(mut redis) = PrivateRedis::start(None) else {
        panic!("redis-server is not installed (scripts/test installs it)");
    };
    let prefix = prefix("outage");
    let (a, b) = (site(&redis.url(), &prefix), site(&redis.url(), &prefix));
    let channels_b = Channels::of(b.state()).unwrap();
    let (server_a, server_b) = (
        TestServer::start(a).await.unwrap(),
        TestServer::start(b).await.unwrap(),
    );
    let (addr_a, addr_b) = (server_a.addr(), server_b.addr());
    let mut sender = tokio_tungstenite::connect_async(format!("ws://{addr_a}/ws"))
        .await
        .unwrap()
        .0;
    let mut chat = Sse::open(addr_b, "/events/chat:desk", None).await;
    let mut news = Sse::open(addr_b, "/events/news", None).await;
    warm_up(&mut sender, "chat:desk", &mut [&mut chat]).await;
    warm_up(&mut sender, "news", &mut [&mut news]).await;

    // B cannot listen for a while (its subscription is cut and not allowed back),
    // while A still publishes: B's stream group misses two events, its plain group one.
    redis
        .command(&["ACL", "SETUSER", "default", "-psubscribe"])
        .await;
    redis.command(&["CLIENT", "KILL", "TYPE", "pubsub"]).await;
    eventually("B notices", || channels_b.stats().layer_outages >= 1).await;
    broadcast(
        &mut sender,
        "chat:desk",
        "said",
        serde_json::json!("while away 1"),
    )
    .await;
    broadcast(&mut sender, "news", "item", serde_json::json!("missed")).await;
    broadcast(
        &mut sender,
        "chat:desk",
        "said",
        serde_json::json!("while away 2"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis
        .command(&["ACL", "SETUSER", "default", "+psubscribe"])
        .await;

    // Back: the stream group's events arrive, in order, then live ones.
    assert_eq!(
        next_real(&mut chat).await.2,
        serde_json::json!("while away 1")
    );
    assert_eq!(
        next_real(&mut chat).await.2,
        serde_json::json!("while away 2")
    );
    broadcast(&mut sender, "chat:desk", "said", serde_json::json!("live")).await;
    broadcast(&mut sender, "news", "item", serde_json::json!("live")).await;
    assert_eq!(next_real(&mut chat).await.2, serde_json::json!("live"));
    assert_eq!(next_real(&mut news).await.2, serde_json::json!("live"));
    assert_eq!(channels_b.stats().caught_up, 2);

    // Redis itself goes away: broadcasts still reach this process's own clients, and
    // what cannot reach the others is counted; when it is back, all works again.
    redis.stop();
    eventually("B notices", || channels_b.stats().layer_outages >= 2).await;
    let mut local = tokio_tungstenite::connect_async(format!("ws://{addr_b}/ws"))
        .await
        .unwrap()
        .0;
    broadcast(&mut local, "news", "item", serde_json::json!("local")).await;
    assert_eq!(next_real(&mut news).await.2, serde_json::json!("local"));
    eventually("the lost broadcast is counted", || {
        channels_b.stats().layer_lost >= 1
    })
    .await;
    let redis = PrivateRedis::start(Some(redis.port)).unwrap();
    warm_up(&mut sender, "news", &mut [&mut news]).await;
    broadcast(&mut sender, "chat:desk", "said", serde_json::json!("again")).await;
    assert_eq!(next_real(&mut chat).await.2, serde_json::json!("again"));
    drop(redis);
}
