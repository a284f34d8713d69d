//! The shop's real-time side through a real server: a product's save reaches its open
//! page's event stream once committed (never when rolled back), on SQLite and
//! PostgreSQL; the support chat room shows who is there and carries what they say.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use galvani::orm::prelude::*;
use galvani::orm::testing::TestDb;
use galvani::test::TestServer;
use shop::shop::Product;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

struct Server {
    addr: SocketAddr,
    test: TestDb,
    _server: TestServer,
}

async fn serve(test: TestDb) -> Server {
    let settings = common::prepare(&test, "dev", &[]).await;
    let site = shop::project(settings)
        .data(test.db.clone())
        .build()
        .unwrap();
    let server = TestServer::start(site).await.unwrap();
    Server {
        addr: server.addr(),
        test,
        _server: server,
    }
}

/// The data of the next `stock` event on a raw SSE connection.
async fn next_stock(stream: &mut tokio::net::TcpStream, buf: &mut String) -> serde_json::Value {
    loop {
        if let Some(at) = buf.find("event: stock\n") {
            let rest = &buf[at..];
            if let Some(end) = rest.find("\n\n") {
                let block = rest[..end].to_owned();
                buf.drain(..at + end + 2);
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                return serde_json::from_str(data).unwrap();
            }
        }
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("a stock event within 5 s")
            .unwrap();
        assert!(n > 0, "the stream ended");
        buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }
}

/// Each backend's test watches its own product: model signals are per process, like
/// Django's, so both test sites hear every save.
async fn live_stock(test: TestDb, id: i64) {
    let server = serve(test).await;
    let db = server.test.db.clone();
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /products/{id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = String::new();
    // The stream is open once its head has come.
    while !buf.contains("\r\n\r\n") {
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).await.unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");

    // A save in a transaction that rolls back announces nothing; one that commits does.
    let rolled_back: Result<(), DbError> = db
        .transaction(|tx| async move {
            let mut lamp = Product::objects()
                .filter(Product::id.eq(id))
                .get(&tx)
                .await?;
            lamp.stock = 999;
            lamp.save(&tx).await?;
            Err(DbError::InvalidValue {
                field: "stock".into(),
                detail: "changed my mind".into(),
            })
        })
        .await;
    assert!(rolled_back.is_err());
    let committed: Result<(), DbError> = db
        .transaction(|tx| async move {
            let mut lamp = Product::objects()
                .filter(Product::id.eq(id))
                .get(&tx)
                .await?;
            lamp.stock = 4;
            lamp.save(&tx).await?;
            Ok(())
        })
        .await;
    committed.unwrap();
    assert_eq!(
        next_stock(&mut stream, &mut buf).await,
        serde_json::json!({"id": id, "stock": 4})
    );
    // A save outside a transaction commits at once.
    let mut lamp = Product::objects()
        .filter(Product::id.eq(id))
        .get(&db)
        .await
        .unwrap();
    lamp.stock = 0;
    lamp.save(&db).await.unwrap();
    assert_eq!(
        next_stock(&mut stream, &mut buf).await,
        serde_json::json!({"id": id, "stock": 0})
    );
    drop(stream);
    let Server { test, .. } = server;
    test.finish().await.unwrap();
}

#[tokio::test]
async fn a_committed_save_updates_the_open_product_page_on_sqlite() {
    live_stock(TestDb::sqlite().await.unwrap(), 1).await;
}

#[tokio::test]
async fn a_committed_save_updates_the_open_product_page_on_postgres() {
    if let Some(test) = TestDb::postgres().await.unwrap() {
        live_stock(test, 2).await;
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON frame, within five seconds.
async fn next(ws: &mut Ws) -> serde_json::Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

async fn say(ws: &mut Ws, text: &str) {
    let frame = serde_json::json!({"type": "say", "text": text}).to_string();
    ws.send(Message::text(frame)).await.unwrap();
}

#[tokio::test]
async fn the_support_chat_shows_who_is_there_and_carries_what_they_say() {
    let server = serve(TestDb::sqlite().await.unwrap()).await;
    let url = format!("ws://{}/support/ws", server.addr);
    let (mut ann, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let welcome = next(&mut ann).await;
    assert_eq!(welcome["type"], "welcome");
    let ann_name = welcome["name"].as_str().unwrap().to_owned();
    assert_eq!(welcome["present"], serde_json::json!([]));
    assert_eq!(next(&mut ann).await["event"], "presence.join");

    let (mut bob, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let welcome = next(&mut bob).await;
    let bob_name = welcome["name"].as_str().unwrap().to_owned();
    assert_eq!(
        welcome["present"],
        serde_json::json!([{ "name": ann_name }])
    );
    let joined = next(&mut ann).await;
    assert_eq!(
        (joined["event"].as_str(), &joined["data"]),
        (
            Some("presence.join"),
            &serde_json::json!({ "name": bob_name })
        )
    );
    assert_eq!(next(&mut bob).await["event"], "presence.join");

    say(&mut bob, "my order is late").await;
    for ws in [&mut ann, &mut bob] {
        let said = next(ws).await;
        assert_eq!(
            said["data"],
            serde_json::json!({"name": bob_name, "text": "my order is late"})
        );
    }
    // Nothing to say is refused, to the sender alone.
    say(&mut ann, "   ").await;
    let error = next(&mut ann).await;
    assert_eq!(error["type"], "error");
    assert!(error["error"].as_str().unwrap().contains("1 to 1,000"));

    bob.close(None).await.unwrap();
    let left = next(&mut ann).await;
    assert_eq!(
        (left["event"].as_str(), &left["data"]),
        (
            Some("presence.leave"),
            &serde_json::json!({ "name": bob_name })
        )
    );
}

#[tokio::test]
async fn the_pages_load_the_live_script() {
    let server = serve(TestDb::sqlite().await.unwrap()).await;
    for path in ["/products/1/", "/support/"] {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut page = String::new();
        stream.read_to_string(&mut page).await.unwrap();
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("shop/live."), "{path} loads live.js: {page}");
    }
}
