//! The shop's real-time side: live stock on product pages (a product's save is
//! broadcast to its page once the transaction commits) and the support chat, a room
//! with presence, on a plain WebSocket.

use galvani::orm::signals;
use galvani::prelude::*;
use galvani::realtime::{Channels, Connection, Consumer, HandlerResult, SseEndpoint, sse};
use serde::Deserialize;

use super::models::Product;

/// The group of a product's page.
pub fn product_group(id: i64) -> String {
    format!("product-{id}")
}

/// The support chat's group.
pub const SUPPORT: &str = "support";

/// Broadcasts every product save to the product's page (`stock` events), after the
/// commit: a rolled-back save announces nothing.
pub fn announce_stock(channels: Channels) {
    // The handler lives as long as the process.
    let _ = signals::post_save::<Product>(move |product, event| {
        let channels = channels.clone();
        let (id, stock) = (product.id, product.stock);
        event.on_commit(move || {
            let payload = serde_json::json!({ "id": id, "stock": stock });
            if let Err(e) = channels.broadcast(&product_group(id), "stock", &payload) {
                tracing::warn!(product = id, "the stock update was not broadcast: {e}");
            }
        });
    });
}

/// `/products/{id}/events`: the product's stock, as Server-Sent Events.
pub fn stock_events() -> SseEndpoint {
    sse(|req| {
        let id: i64 = req
            .param("id")
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| HttpError::not_found("There is no such product."))?;
        Ok(vec![product_group(id)])
    })
}

/// What a support chat client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatMessage {
    /// Says something to the room.
    Say {
        /// What (up to 1,000 characters).
        text: String,
    },
}

/// The support chat: everyone who connects joins the room with presence (their name),
/// and what they say is broadcast to it.
pub struct SupportChat;

fn name_of(conn: &Connection) -> String {
    conn.user()
        .map_or_else(|| format!("guest-{}", conn.id()), |u| u.username.clone())
}

impl Consumer for SupportChat {
    type Message = ChatMessage;

    async fn connect(&self, conn: &Connection) -> HandlerResult {
        conn.send(&serde_json::json!({
            "type": "welcome",
            "name": name_of(conn),
            "present": conn.channels().presence(SUPPORT),
        }))?;
        conn.join_with_presence(SUPPORT, &serde_json::json!({ "name": name_of(conn) }))?;
        Ok(())
    }

    async fn receive(&self, conn: &Connection, message: ChatMessage) -> HandlerResult {
        let ChatMessage::Say { text } = message;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 1000 {
            return Err(galvani::error::ClientError::new(
                StatusCode::BAD_REQUEST,
                "say something of 1 to 1,000 characters",
            )
            .into());
        }
        let said = serde_json::json!({ "name": name_of(conn), "text": text });
        conn.channels().broadcast(SUPPORT, "said", &said)?;
        Ok(())
    }
}

/// `/support/`: the chat page (its script opens the WebSocket).
pub async fn support_page() -> Template {
    Template::new("shop/support.html", context! {})
}
