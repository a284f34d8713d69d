//! One broadcast event, encoded once for every transport that delivers it.

use std::sync::{Arc, OnceLock};

use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;

/// An event sent to a group: its name, its JSON payload, and an id that grows with
/// every event of the process (clients resume after it with `Last-Event-ID`).
///
/// The frames are built on first use and shared: a broadcast to 10,000 WebSockets
/// serialises once.
#[derive(Debug)]
pub struct Event {
    group: Arc<str>,
    name: Box<str>,
    data: Box<RawValue>,
    id: u64,
    websocket: OnceLock<Utf8Bytes>,
    sse: OnceLock<Bytes>,
}

#[derive(Serialize)]
struct WsFrame<'a> {
    r#type: &'static str,
    group: &'a str,
    event: &'a str,
    data: &'a RawValue,
    id: u64,
}

impl Event {
    pub(crate) fn new(group: Arc<str>, name: &str, data: Box<RawValue>, id: u64) -> Self {
        Event {
            group,
            name: name.into(),
            data,
            id,
            websocket: OnceLock::new(),
            sse: OnceLock::new(),
        }
    }

    /// The group it was sent to.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The event's name (`"stock"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The payload, as JSON text.
    pub fn data(&self) -> &str {
        self.data.get()
    }

    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    pub(crate) fn raw_data(&self) -> &RawValue {
        &self.data
    }

    /// The id: larger for later events.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The WebSocket text frame:
    /// `{"type":"event","group":…,"event":…,"data":…,"id":…}`.
    pub(crate) fn websocket_frame(&self) -> Utf8Bytes {
        self.websocket
            .get_or_init(|| {
                let frame = WsFrame {
                    r#type: "event",
                    group: &self.group,
                    event: &self.name,
                    data: &self.data,
                    id: self.id,
                };
                // Serialising borrowed strings and raw JSON cannot fail.
                serde_json::to_string(&frame).unwrap_or_default().into()
            })
            .clone()
    }

    /// The Server-Sent Events block: `id`, `event`, and the data line by line.
    pub(crate) fn sse_frame(&self) -> Bytes {
        self.sse
            .get_or_init(|| {
                let mut out = format!("id: {}\nevent: {}\n", self.id, self.name);
                for line in self.data.get().lines() {
                    out.push_str("data: ");
                    out.push_str(line);
                    out.push('\n');
                }
                out.push('\n');
                Bytes::from(out)
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        let data = serde_json::value::to_raw_value(&serde_json::json!({"sku": "lamp", "stock": 3}));
        Event::new("product-7".into(), "stock", data.unwrap(), 42)
    }

    #[test]
    fn the_websocket_frame_is_json_with_the_payload_inline() {
        let frame = event().websocket_frame();
        let parsed: serde_json::Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"type": "event", "group": "product-7", "event": "stock",
                               "data": {"sku": "lamp", "stock": 3}, "id": 42})
        );
    }

    #[test]
    fn the_sse_frame_has_an_id_a_name_and_data_lines() {
        let frame = event().sse_frame();
        assert_eq!(
            std::str::from_utf8(&frame).unwrap(),
            "id: 42\nevent: stock\ndata: {\"sku\":\"lamp\",\"stock\":3}\n\n"
        );
    }
}
