//! What the real-time tests share: their settings, a database with the user `ada` and
//! a login view for her, a WebSocket's next JSON frame or close code, and a minimal
//! Server-Sent Events client on a raw connection.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use galvani_core::prelude::*;
use galvani_core::test::TestClient;
use galvani_orm::prelude::*;
use galvani_orm::testing::TestDb;
use galvani_realtime::{Connection, Consumer, HandlerResult};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

/// A WebSocket consumer that joins its group at once and ignores what it is sent.
pub struct Joins(pub &'static str);

impl Consumer for Joins {
    type Message = serde_json::Value;

    async fn connect(&self, conn: &Connection) -> HandlerResult {
        conn.join(self.0);
        Ok(())
    }

    async fn receive(&self, _: &Connection, _: serde_json::Value) -> HandlerResult {
        Ok(())
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// A test site's settings: on `database` (if any), with `realtime` as the
/// `[apps.realtime]` section.
pub fn settings(database: Option<&str>, realtime: &str) -> Settings {
    let secret = "Zq3v9LkT0pWmX2bR8sYcN5dJ7hF4gA6eU1iO-oP_lK9jH3gF2dS";
    let database = database.map_or(String::new(), |url| {
        format!("[database]\nurl = \"{url}\"\n")
    });
    Settings::from_toml(&format!(
        "secret_key = \"{secret}\"\nallowed_hosts = [\"127.0.0.1\", \"localhost\"]\n{database}[apps.realtime]\n{realtime}\n"
    ))
    .unwrap()
}

/// A project on `db` with users and sessions (so that connections have a user) and
/// real-time, its `[apps.realtime]` section being `realtime`.
pub fn project(db: &TestDb, realtime: &str) -> Project {
    Project::new(settings(Some(&db.url), realtime))
        .app(galvani_orm::Orm)
        .app(galvani_sessions::Sessions)
        .app(galvani_auth::AuthApp)
        .app(galvani_realtime::Realtime)
}

/// A migrated SQLite database with the user `ada` (password [`PASSWORD`]).
pub async fn db_with_ada() -> TestDb {
    let db = TestDb::sqlite().await.unwrap();
    db.migrate().await.unwrap();
    let mut ada = galvani_auth::User::new("ada", "ada@example.com");
    ada.set_password(PASSWORD);
    ada.save(&db.db).await.unwrap();
    db
}

#[derive(serde::Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

/// `POST /login`: 204 when the credentials are right.
pub async fn login(auth: galvani_auth::Auth, Form(c): Form<Credentials>) -> HttpResult<StatusCode> {
    match auth.authenticate(&c.username, &c.password).await? {
        Some(user) => {
            auth.login(&user).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        None => Ok(StatusCode::UNAUTHORIZED),
    }
}

/// Logs `ada` in through `/login`; her session cookie, as a `Cookie` header value.
pub async fn ada_cookie(client: &TestClient) -> String {
    let res = client
        .post("/login")
        .form(&[("username", "ada"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    format!("sessionid={}", client.cookie("sessionid").unwrap())
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn send(ws: &mut Ws, value: serde_json::Value) {
    ws.send(Message::text(value.to_string())).await.unwrap();
}

/// The next JSON text frame (pings skipped), within five seconds.
pub async fn next(ws: &mut Ws) -> serde_json::Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .expect("the connection is open")
            .expect("a valid frame");
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected text, got {other:?}"),
        }
    }
}

/// Waits for the server to close `ws`; the close code, if a frame came.
pub async fn closed(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("closed within 10 s")
        {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

/// Polls `check` for up to ten seconds.
pub async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not within 10 s: {what}");
}

/// A minimal SSE client on a raw connection.
pub struct Sse {
    stream: tokio::net::TcpStream,
    buf: String,
}

impl Sse {
    pub async fn open(addr: SocketAddr, path: &str, last_event_id: Option<u64>) -> Sse {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let resume = last_event_id.map_or(String::new(), |id| format!("Last-Event-ID: {id}\r\n"));
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n{resume}\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut sse = Sse {
            stream,
            buf: String::new(),
        };
        let head = sse.block().await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/event-stream"),
            "{head}"
        );
        sse
    }

    /// Reads until the server ends the stream: the chunked body's last chunk, then the
    /// connection's end.
    pub async fn ended(&mut self) {
        let read_all = async {
            let mut rest = Vec::new();
            self.stream.read_to_end(&mut rest).await.unwrap();
            self.buf.push_str(&String::from_utf8_lossy(&rest));
        };
        tokio::time::timeout(Duration::from_secs(10), read_all)
            .await
            .expect("the stream ends within 10 s");
        assert!(
            self.buf.ends_with("0\r\n\r\n"),
            "no last chunk: {:?}",
            self.buf
        );
    }

    /// The next blank-line-separated block (the head, then events or comments).
    pub async fn block(&mut self) -> String {
        loop {
            let ends = [("\n\n", 2), ("\r\n\r\n", 4)];
            let end = ends
                .iter()
                .filter_map(|(sep, n)| self.buf.find(sep).map(|i| (i, *n)))
                .min();
            if let Some(end) = end {
                let block = self.buf[..end.0].to_owned();
                self.buf.drain(..end.0 + end.1);
                return block;
            }
            let mut chunk = [0u8; 8192];
            let n = tokio::time::timeout(Duration::from_secs(5), self.stream.read(&mut chunk))
                .await
                .expect("SSE data within 5 s")
                .unwrap();
            assert!(n > 0, "the stream ended");
            self.buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    }

    /// The next event's id, name and data (chunk-size lines and comments skipped).
    pub async fn next_full(&mut self) -> (u64, String, serde_json::Value) {
        loop {
            let block = self.block().await;
            let (mut id, mut name, mut data) = (None, None, None);
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.parse().ok();
                } else if let Some(v) = line.strip_prefix("event: ") {
                    name = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(v).ok();
                }
            }
            if let (Some(id), Some(name), Some(data)) = (id, name, data) {
                return (id, name, data);
            }
        }
    }

    pub async fn next_event(&mut self) -> (String, serde_json::Value) {
        let (_, name, data) = self.next_full().await;
        (name, data)
    }
}
