//! One WebSocket's life: client messages to the consumer, queued messages to the
//! client, pings, and the end (client close, idle, slow, or the server closing it).
//! One task per connection does all of it, which keeps an idle connection small.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use galvani_core::error::{ClientError, HttpError};
use http::StatusCode;
use tokio::sync::mpsc;

use crate::connection::Connection;
use crate::consumer::{Consumer, Frame};
use crate::outbox::Outgoing;

/// An error frame for the client: `{"type":"error","error":"…"}`.
fn error_frame(message: &str) -> String {
    serde_json::json!({"type": "error", "error": message}).to_string()
}

/// The HTTP answer to a consumer that refused a connection in `connect`.
pub(crate) fn error_answer(err: &(dyn std::error::Error + 'static)) -> Response {
    match ClientError::find(err) {
        Some(client) => client.answer().into_response(),
        None => {
            HttpError::new(StatusCode::FORBIDDEN, "The connection was refused.").into_response()
        }
    }
}

/// Why the loop ended, for the close frame.
enum End {
    /// The client closed or vanished: nothing more to send.
    Gone,
    /// Close with this code and reason.
    Close(u16, &'static str),
    /// The client closed; the answering close frame waits to be flushed.
    Replied,
}

pub(crate) async fn run<C: Consumer>(
    mut socket: WebSocket,
    consumer: Arc<C>,
    conn: Connection,
    mut rx: mpsc::Receiver<Outgoing>,
) {
    let channels = conn.channels();
    let settings = channels.settings();
    let stats = channels.counters();
    stats.opened();
    stats.open_changed(true);
    let closing = conn.closing().clone();
    let send_timeout = settings.send_timeout.as_duration();
    let idle_timeout = settings.idle_timeout.as_duration();
    let mut ping = tokio::time::interval(settings.ping_interval.as_duration());
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut heard = Instant::now();
    let stopping = conn.stopping();
    tokio::pin!(stopping);

    let end = loop {
        tokio::select! {
            biased;
            () = &mut stopping => break End::Close(close_code::AWAY, "the server is shutting down"),
            () = closing.closed() => {
                if closing.was_slow() {
                    break End::Close(close_code::POLICY, "too slow: messages were waiting");
                }
                // Closed by the server: write what is queued first.
                let mut ok = true;
                while let Ok(out) = rx.try_recv() {
                    if !write(&mut socket, out, send_timeout).await {
                        ok = false;
                        break;
                    }
                }
                break if ok { End::Close(close_code::NORMAL, "") } else { End::Gone };
            }
            incoming = socket.recv() => {
                heard = Instant::now();
                match incoming {
                    Some(Ok(Message::Text(text))) => {
                        let frame = Frame::Text(text.as_str().to_owned());
                        receive(&*consumer, &conn, frame).await;
                    }
                    Some(Ok(Message::Binary(data))) => {
                        receive(&*consumer, &conn, Frame::Binary(data)).await;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    // The reply to the client's close is queued by tungstenite: flush it.
                    Some(Ok(Message::Close(_))) => break End::Replied,
                    None => break End::Gone,
                    Some(Err(e)) => {
                        tracing::debug!(connection = conn.id(), error = %e, "WebSocket read failed");
                        break match e.into_inner().downcast_ref::<tungstenite::Error>() {
                            Some(tungstenite::Error::Capacity(_)) => End::Close(close_code::SIZE, "message too big"),
                            Some(tungstenite::Error::Utf8(_)) => End::Close(close_code::INVALID, "text is not UTF-8"),
                            _ => End::Close(close_code::PROTOCOL, ""),
                        };
                    }
                }
            }
            Some(out) = rx.recv() => {
                if !write(&mut socket, out, send_timeout).await {
                    break End::Gone;
                }
            }
            _ = ping.tick() => {
                if heard.elapsed() >= idle_timeout {
                    break End::Close(close_code::AWAY, "idle");
                }
                let ping = socket.send(Message::Ping(Default::default()));
                if !matches!(tokio::time::timeout(send_timeout, ping).await, Ok(Ok(()))) {
                    break End::Gone;
                }
            }
        }
    };
    match end {
        End::Close(code, reason) => {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let close = socket.send(Message::Close(Some(frame)));
            let _ = tokio::time::timeout(send_timeout, close).await;
        }
        End::Replied => {
            let _ = tokio::time::timeout(send_timeout, socket.flush()).await;
        }
        End::Gone => {}
    }
    drop(socket);
    consumer.disconnect(&conn).await;
    conn.leave_all();
    stats.open_changed(false);
}

/// Shows a frame to the consumer, then parses it and hands it over; errors become error
/// frames.
async fn receive<C: Consumer>(consumer: &C, conn: &Connection, frame: Frame) {
    let text = match consumer.frame(conn, frame).await {
        None => return,
        Some(Frame::Text(text)) => text,
        Some(Frame::Binary(_)) => {
            conn.channels().counters().bad_messages();
            let _ = conn.send_text(error_frame(
                "binary messages are not accepted: send JSON text",
            ));
            return;
        }
    };
    let message = match serde_json::from_str::<C::Message>(&text) {
        Ok(m) => m,
        Err(e) => {
            conn.channels().counters().bad_messages();
            let _ = conn.send_text(error_frame(&format!("the message is not valid: {e}")));
            return;
        }
    };
    if let Err(e) = consumer.receive(conn, message).await {
        let _ = conn.send_text(error_frame(&said(&*e, conn.id())));
    }
}

/// What the client is told of a handler's error: the message of a `ClientError` in its
/// causes, or that the server failed (the details go to the log).
pub(crate) fn said(err: &(dyn std::error::Error + 'static), connection: u64) -> String {
    match ClientError::find(err) {
        Some(client) => client.message().to_owned(),
        None => {
            tracing::warn!(connection, error = %err, "a real-time handler failed");
            "the server could not handle the message".to_owned()
        }
    }
}

/// Writes one queued item; `false` when the client is gone or did not read within
/// `send_timeout`.
async fn write(socket: &mut WebSocket, out: Outgoing, send_timeout: std::time::Duration) -> bool {
    let sent = async {
        match out {
            Outgoing::Event(event) => socket.send(Message::Text(event.websocket_frame())).await,
            Outgoing::Text(text) => socket.send(Message::Text(text)).await,
            Outgoing::Binary(data) => socket.send(Message::Binary(data)).await,
            Outgoing::Replay(events) => {
                for event in events {
                    socket.send(Message::Text(event.websocket_frame())).await?;
                }
                Ok(())
            }
        }
    };
    matches!(tokio::time::timeout(send_timeout, sent).await, Ok(Ok(())))
}
