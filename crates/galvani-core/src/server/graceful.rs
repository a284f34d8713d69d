//! Graceful shutdown: when the server stops accepting, every open connection is told to
//! finish the request it is serving and close, and the server waits until they have.
//!
//! hyper-util has a helper for this, but it polls a channel future every time a
//! connection is polled (about 190 instructions per request, more than a tenth of the
//! gap to a bare axum server). Here a connection registers its task's waker once, and
//! each later poll is one pointer comparison and one atomic load.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use hyper_util::server::graceful::GracefulConnection;
use tokio::sync::Notify;

/// The server's side: begins the shutdown and waits for the connections to end.
#[derive(Default)]
pub(crate) struct Shutdown {
    begun: AtomicBool,
    open: AtomicUsize,
    /// Notified when the last connection ends.
    drained: Notify,
    /// Notified when the shutdown begins, for long-lived connections ([`Draining`]).
    started: Notify,
    waiting: Mutex<Waiting>,
}

/// The tasks to wake when the shutdown begins, by ticket number.
#[derive(Default)]
struct Waiting {
    next: u64,
    wakers: HashMap<u64, Waker>,
}

impl Shutdown {
    /// A connection accepted: counted as open until the ticket is dropped.
    pub(crate) fn ticket(self: &Arc<Self>) -> Ticket {
        self.open.fetch_add(1, Ordering::AcqRel);
        Ticket {
            shutdown: self.clone(),
            key: None,
        }
    }

    /// How many connections are open.
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Tells every connection to finish what it is serving and close.
    pub(crate) fn begin(&self) {
        self.begun.store(true, Ordering::Release);
        let wakers = std::mem::take(&mut self.lock().wakers);
        for waker in wakers.into_values() {
            waker.wake();
        }
        self.started.notify_waiters();
    }

    /// Completes once no connection is open.
    pub(crate) async fn drained(&self) {
        loop {
            let notified = self.drained.notified();
            tokio::pin!(notified);
            // Registered before the count is read, so a last connection ending in
            // between is not missed.
            notified.as_mut().enable();
            if self.open() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn begun(&self) -> bool {
        self.begun.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        // The map stays consistent whatever a panicking holder was doing.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The server's graceful shutdown, as a long-lived connection sees it (a WebSocket, an
/// event stream, a Socket.IO session: connections that left HTTP, whose requests the
/// server cannot finish for them). It is told when the shutdown begins, so that it can
/// say goodbye (a WebSocket closes with 1001, "going away"), and the server waits for it,
/// up to `server.shutdown_timeout`, while it holds a [`Hold`].
///
/// ```no_run
/// # async fn socket(site: galvani_core::SiteState) {
/// use galvani_core::server::Draining;
/// if let Some(draining) = Draining::of(&site) {
///     let _hold = draining.hold();
///     draining.begun().await;
///     // ... close the connection, then drop the hold ...
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct Draining(Arc<Shutdown>);

impl Draining {
    /// The shutdown of the server serving `site` now; `None` for a site no server
    /// serves (the test client's).
    pub fn of(site: &crate::SiteState) -> Option<Draining> {
        site.serving().map(Draining)
    }

    /// Counts a connection as open until the hold is dropped: the server's shutdown
    /// waits for it.
    pub fn hold(&self) -> Hold {
        Hold {
            _ticket: self.0.ticket(),
        }
    }

    /// Completes when the shutdown begins (at once if it has).
    pub async fn begun(&self) {
        loop {
            let started = self.0.started.notified();
            tokio::pin!(started);
            started.as_mut().enable();
            if self.0.begun() {
                return;
            }
            started.await;
        }
    }
}

impl std::fmt::Debug for Draining {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draining")
            .field("begun", &self.0.begun())
            .finish()
    }
}

/// A long-lived connection counted by the server's shutdown (see [`Draining::hold`]).
#[derive(Debug)]
pub struct Hold {
    _ticket: Ticket,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticket")
    }
}

/// One open connection's place in the count (see [`Shutdown::ticket`]).
pub(crate) struct Ticket {
    shutdown: Arc<Shutdown>,
    /// Where this connection's waker is registered, once it is.
    key: Option<u64>,
}

impl Ticket {
    /// Runs `conn` until it ends, asking it to close gracefully once the shutdown begins.
    pub(crate) fn guard<C: GracefulConnection>(self, conn: C) -> Guarded<C> {
        Guarded {
            conn,
            ticket: self,
            armed_for: None,
            told: false,
        }
    }

    /// Registers `waker` to be woken when the shutdown begins. Returns whether it has
    /// begun already (then nothing is registered).
    fn register(&mut self, waker: &Waker) -> bool {
        let mut waiting = self.shutdown.lock();
        // Checked under the lock: `begin` sets the flag before it takes the wakers, so
        // either it finds this waker or this check sees the flag.
        if self.shutdown.begun() {
            return true;
        }
        let key = *self.key.get_or_insert_with(|| {
            waiting.next += 1;
            waiting.next
        });
        waiting.wakers.insert(key, waker.clone());
        false
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.shutdown.lock().wakers.remove(&key);
        }
        if self.shutdown.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shutdown.drained.notify_waiters();
        }
    }
}

pin_project_lite::pin_project! {
    /// A connection that closes gracefully when the server shuts down.
    pub(crate) struct Guarded<C> {
        #[pin]
        conn: C,
        ticket: Ticket,
        armed_for: Option<Waker>,
        told: bool,
    }
}

impl<C: GracefulConnection> Future for Guarded<C> {
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C::Output> {
        let mut this = self.project();
        if !*this.told {
            let armed = this
                .armed_for
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()));
            let begun = if armed {
                this.ticket.shutdown.begun()
            } else {
                *this.armed_for = Some(cx.waker().clone());
                this.ticket.register(cx.waker())
            };
            if begun {
                *this.told = true;
                this.conn.as_mut().graceful_shutdown();
            }
        }
        this.conn.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drained_at_once_without_connections() {
        let shutdown = Arc::new(Shutdown::default());
        shutdown.begin();
        tokio::time::timeout(std::time::Duration::from_secs(1), shutdown.drained())
            .await
            .expect("no connection is open");
    }

    #[tokio::test]
    async fn drained_waits_for_the_last_ticket() {
        let shutdown = Arc::new(Shutdown::default());
        let first = shutdown.ticket();
        let second = shutdown.ticket();
        assert_eq!(shutdown.open(), 2);
        let waiter = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.drained().await }
        });
        tokio::task::yield_now().await;
        drop(first);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "one connection is still open");
        drop(second);
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .expect("drained once the last connection ended")
            .unwrap();
        assert_eq!(shutdown.open(), 0);
    }

    #[test]
    fn a_registered_waker_is_woken_and_forgotten() {
        struct Flag(AtomicBool);
        impl std::task::Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let shutdown = Arc::new(Shutdown::default());
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut ticket = shutdown.ticket();
        assert!(!ticket.register(&waker));
        assert_eq!(shutdown.lock().wakers.len(), 1);
        shutdown.begin();
        assert!(
            flag.0.load(Ordering::SeqCst),
            "woken when the shutdown began"
        );
        assert!(shutdown.lock().wakers.is_empty());
        assert!(
            ticket.register(&waker),
            "registering late reports the shutdown"
        );
        drop(ticket);
        assert_eq!(shutdown.open(), 0);
    }

    #[test]
    fn a_dropped_ticket_unregisters() {
        let shutdown = Arc::new(Shutdown::default());
        let mut ticket = shutdown.ticket();
        assert!(!ticket.register(Waker::noop()));
        drop(ticket);
        assert!(shutdown.lock().wakers.is_empty());
    }
}
