//! A connection's outgoing queue: bounded, never awaited by a sender, with the
//! endpoint's policy for a client that reads too slowly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc};

use crate::event::Event;
use crate::settings::SlowConsumer;
use crate::stats::Stats;

/// What waits to be written to a client.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A group's event (its frame is shared with every other receiver).
    Event(Arc<Event>),
    /// Events a reconnecting client missed, oldest first.
    Replay(Vec<Arc<Event>>),
    /// A message for this connection alone, as JSON text.
    Text(Utf8Bytes),
    /// A binary message for this connection alone (WebSocket; not sent on SSE).
    Binary(bytes::Bytes),
}

/// The sending side, held by the connection and by every group it is in.
#[derive(Clone, Debug)]
pub(crate) struct Outbox {
    sink: Sink,
    closing: Arc<Closing>,
    policy: SlowConsumer,
}

/// Where queued messages go.
#[derive(Clone, Debug)]
enum Sink {
    /// The connection's own queue, written by its task (WebSocket, SSE).
    Queue(mpsc::Sender<Outgoing>),
    /// A Socket.IO socket, whose own bounded queue is written by socketioxide.
    #[cfg(feature = "socketio")]
    SocketIo(crate::socketio::Emitter),
}

/// Why a message was not queued.
pub(crate) enum Refused {
    Full,
    Closed,
}

/// Set when the connection must end (too slow, or closed by the server); the
/// connection's task waits on it beside its queue.
#[derive(Debug, Default)]
pub(crate) struct Closing {
    flag: AtomicBool,
    notify: Notify,
    /// Why, for the close frame: `true` when the client was too slow.
    slow: AtomicBool,
}

impl Closing {
    pub(crate) fn close(&self, slow: bool) {
        self.slow.fetch_or(slow, Ordering::Relaxed);
        self.flag.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    pub(crate) fn was_slow(&self) -> bool {
        self.slow.load(Ordering::Relaxed)
    }

    /// Resolves once `close` has been called.
    pub(crate) async fn closed(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

impl Outbox {
    /// A queue of `capacity` messages and its receiving end.
    pub(crate) fn new(capacity: usize, policy: SlowConsumer) -> (Outbox, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let outbox = Outbox {
            sink: Sink::Queue(tx),
            closing: Arc::default(),
            policy,
        };
        (outbox, rx)
    }

    /// Messages emitted to a Socket.IO socket.
    #[cfg(feature = "socketio")]
    pub(crate) fn socketio(emitter: crate::socketio::Emitter, policy: SlowConsumer) -> Outbox {
        Outbox {
            sink: Sink::SocketIo(emitter),
            closing: Arc::default(),
            policy,
        }
    }

    /// Queues `message` without waiting. A full queue applies the policy: the message
    /// is dropped, or the connection is closed. Returns whether it was queued (the
    /// caller counts deliveries, once per broadcast rather than once per client).
    pub(crate) fn offer(&self, message: Outgoing, stats: &Stats) -> bool {
        if self.closing.is_closed() {
            return false;
        }
        let sent = match &self.sink {
            Sink::Queue(tx) => tx.try_send(message).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => Refused::Full,
                mpsc::error::TrySendError::Closed(_) => Refused::Closed,
            }),
            #[cfg(feature = "socketio")]
            Sink::SocketIo(emitter) => emitter.deliver(message),
        };
        match sent {
            Ok(()) => true,
            Err(Refused::Full) => {
                self.full(stats);
                false
            }
            Err(Refused::Closed) => false,
        }
    }

    /// Applies the slow-consumer policy to a message that found the queue full: it is
    /// dropped and counted, or the connection is closed.
    pub(crate) fn full(&self, stats: &Stats) {
        match self.policy {
            SlowConsumer::Drop => stats.dropped(),
            SlowConsumer::Disconnect => {
                stats.disconnected_slow();
                self.close(true);
            }
        }
    }

    /// Ends the connection: its task closes it (a Socket.IO socket is disconnected).
    pub(crate) fn close(&self, slow: bool) {
        self.closing.close(slow);
        #[cfg(feature = "socketio")]
        if let Sink::SocketIo(emitter) = &self.sink {
            emitter.disconnect();
        }
    }

    pub(crate) fn closing(&self) -> &Arc<Closing> {
        &self.closing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &'static str) -> Outgoing {
        Outgoing::Text(s.into())
    }

    #[test]
    fn a_full_queue_drops_or_closes_by_policy() {
        let stats = Stats::default();
        let (drop, _rx) = Outbox::new(2, SlowConsumer::Drop);
        assert!(drop.offer(text("1"), &stats) && drop.offer(text("2"), &stats));
        assert!(!drop.offer(text("3"), &stats));
        assert!(!drop.closing().is_closed());
        assert_eq!(stats.snapshot().dropped, 1);

        let (kick, _rx) = Outbox::new(1, SlowConsumer::Disconnect);
        assert!(kick.offer(text("1"), &stats));
        assert!(!kick.offer(text("2"), &stats));
        assert!(kick.closing().is_closed() && kick.closing().was_slow());
        assert!(!kick.offer(text("3"), &stats), "nothing more once closing");
        assert_eq!(stats.snapshot().disconnected_slow, 1);
    }
}
