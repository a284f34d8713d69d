//! The Galvani side of the real-time benchmark (`bench/realtime.py`): every client of
//! the plain WebSocket endpoint (`/ws`) and of the Socket.IO namespace `/`
//! (`/socket.io/`) joins the group `bench`, and `POST /broadcast?count=N` broadcasts
//! `N` `tick` events to it, each stamped with the wall-clock time of its broadcast in
//! microseconds (`t`) so that the load client can tell each delivery's latency.
//! `GET /count` says how many connections the group holds.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use galvani::prelude::*;
use galvani::realtime::socketio::{Namespace, Socket, SocketIo};
use galvani::realtime::{Channels, Connection, Consumer, HandlerResult, Realtime, websocket};
use serde::Deserialize;

/// The group every benchmark client joins.
const GROUP: &str = "bench";

/// A plain WebSocket client: joins the group, ignores what it sends.
struct Member;

impl Consumer for Member {
    type Message = serde_json::Value;

    async fn connect(&self, conn: &Connection) -> HandlerResult {
        conn.join(GROUP);
        Ok(())
    }

    async fn receive(&self, _: &Connection, _: serde_json::Value) -> HandlerResult {
        Ok(())
    }
}

#[derive(Deserialize)]
struct Burst {
    count: Option<u32>,
}

/// Microseconds since the Unix epoch: a clock the load client shares.
fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

/// `POST /broadcast?count=N`: `N` ticks (1 by default) to the group, back to back.
async fn broadcast(channels: Channels, Query(burst): Query<Burst>) -> HttpResult<String> {
    for seq in 0..burst.count.unwrap_or(1) {
        let tick = serde_json::json!({ "t": now_us(), "seq": seq });
        channels
            .broadcast(GROUP, "tick", &tick)
            .map_err(HttpError::internal)?;
    }
    Ok(channels.count(GROUP).to_string())
}

/// `GET /count`: the connections in the group.
async fn count(channels: Channels) -> String {
    channels.count(GROUP).to_string()
}

fn main() -> ExitCode {
    let socketio =
        SocketIo::new().namespace(Namespace::new("/").on_connect(async |socket: Socket| {
            socket.join(GROUP);
            Ok(())
        }));
    let routes = Routes::new()
        .route("/ws", websocket(Member))
        .route("/count", get(count))
        .merge(socketio.routes())
        .merge(
            // The load client triggers it; no browser is involved.
            Routes::new()
                .route("/broadcast", post(broadcast))
                .csrf_exempt(),
        );
    // A settings error is reported by the command line, like any other.
    Project::new(Settings::from_env_in(env!("CARGO_MANIFEST_DIR")))
        .app(Realtime)
        .routes(routes)
        .run_cli()
}
