//! Slow and idle HTTP/1 clients: a connection that is not being served and has not begun a
//! new request for a whole `server.header_read_timeout` is closed when the period after
//! that ends (so after one to two periods of idleness). This covers a client that sends
//! its headers byte by byte (slowloris), one that goes quiet halfway, and keep-alive
//! connections nobody uses.
//!
//! hyper can time header reads itself, but it then runs its connection loop once more
//! after every response to start the timer, which costs a tenth of a small request. Here
//! the connection counts its own activity with a few relaxed atomics and one tokio sleep
//! per connection looks at the counts once per period.
//!
//! "Being served" means: a request is in the handler, or a response body of unknown size
//! is still streaming, or the socket refused to take more response bytes (the client
//! reads slowly). A long handler, a server-sent event stream or a large download are
//! never cut off; a client that neither sends a request nor reads its answer is.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// One connection's activity, shared by its socket, its requests and its watchdog.
#[derive(Default)]
pub(crate) struct Activity {
    started: AtomicU64,
    busy: AtomicUsize,
    write_blocked: AtomicBool,
}

impl Activity {
    /// Marks a request as begun; it counts as being served until the guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> Busy {
        self.started.fetch_add(1, Relaxed);
        self.busy.fetch_add(1, Relaxed);
        Busy(self.clone())
    }

    fn serving(&self) -> bool {
        self.busy.load(Relaxed) > 0 || self.write_blocked.load(Relaxed)
    }
}

/// A request being served (see [`Activity::begin`]).
pub(crate) struct Busy(Arc<Activity>);

impl Busy {
    /// Hands the guard to the response: kept until a body of unknown size ends,
    /// dropped at once otherwise (hyper writes such a body in one go).
    pub(crate) fn attach(self, res: Response) -> Response {
        if res.body().size_hint().exact().is_some() {
            return res;
        }
        res.map(|body| Body::new(Streaming { body, _busy: self }))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// A streaming response body holding its connection's [`Busy`] guard.
    struct Streaming {
        #[pin]
        body: Body,
        _busy: Busy,
    }
}

impl http_body::Body for Streaming {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.project().body.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

pin_project_lite::pin_project! {
    /// The socket, noting when it refuses response bytes.
    pub(crate) struct WatchedIo<T> {
        #[pin]
        io: T,
        activity: Arc<Activity>,
    }
}

impl<T> WatchedIo<T> {
    pub(crate) fn new(io: T, activity: Arc<Activity>) -> Self {
        WatchedIo { io, activity }
    }

    fn note<R>(activity: &Activity, poll: Poll<R>) -> Poll<R> {
        activity.write_blocked.store(poll.is_pending(), Relaxed);
        poll
    }
}

impl<T: AsyncRead> AsyncRead for WatchedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().io.poll_read(cx, buf)
    }
}

impl<T: AsyncWrite> AsyncWrite for WatchedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        Self::note(this.activity, this.io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        Self::note(this.activity, this.io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        Self::note(this.activity, this.io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_shutdown(cx)
    }
}

pin_project_lite::pin_project! {
    /// `conn`, ended early (with `Err(Idle)`) once its client has been idle too long.
    pub(crate) struct Watchdog<F> {
        #[pin]
        conn: F,
        #[pin]
        alarm: Sleep,
        period: Duration,
        activity: Arc<Activity>,
        seen: u64,
        armed_for: Option<Waker>,
    }
}

/// The client was idle (or slow to send a request) for a whole period.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Idle;

/// Watches `conn`, whose socket and requests report to `activity`.
pub(crate) fn watch<F: Future>(conn: F, activity: Arc<Activity>, period: Duration) -> Watchdog<F> {
    Watchdog {
        conn,
        alarm: tokio::time::sleep(period),
        period,
        seen: activity.started.load(Relaxed),
        activity,
        armed_for: None,
    }
}

impl<F: Future> Future for Watchdog<F> {
    type Output = Result<F::Output, Idle>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Poll::Ready(out) = this.conn.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // The alarm holds this task's waker once polled: until it rings, looking at it
        // again is a load, not a poll.
        let armed = this
            .armed_for
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()));
        if armed && !this.alarm.is_elapsed() {
            return Poll::Pending;
        }
        loop {
            if this.alarm.as_mut().poll(cx).is_pending() {
                *this.armed_for = Some(cx.waker().clone());
                return Poll::Pending;
            }
            let started = this.activity.started.load(Relaxed);
            if started == *this.seen && !this.activity.serving() {
                return Poll::Ready(Err(Idle));
            }
            *this.seen = started;
            this.alarm.as_mut().reset(Instant::now() + *this.period);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Duration = Duration::from_secs(1);

    fn watched() -> (Arc<Activity>, Watchdog<std::future::Pending<()>>) {
        let activity = Arc::new(Activity::default());
        let dog = watch(std::future::pending(), activity.clone(), PERIOD);
        (activity, dog)
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_ends_after_one_period() {
        let start = Instant::now();
        let (_activity, dog) = watched();
        assert_eq!(dog.await, Err(Idle));
        assert_eq!(start.elapsed(), PERIOD);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_begun_in_a_period_buys_the_next_one() {
        let start = Instant::now();
        let (activity, dog) = watched();
        let begin = async {
            tokio::time::sleep(PERIOD / 2).await;
            drop(activity.begin());
        };
        let (out, ()) = tokio::join!(dog, begin);
        assert_eq!(out, Err(Idle));
        assert_eq!(start.elapsed(), 2 * PERIOD);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_being_served_is_never_cut_off() {
        let (activity, dog) = watched();
        let busy = activity.begin();
        let mut dog = std::pin::pin!(dog);
        tokio::select! {
            _ = &mut dog => panic!("a busy connection was ended"),
            () = tokio::time::sleep(10 * PERIOD) => {}
        }
        drop(busy);
        let start = Instant::now();
        assert_eq!(dog.await, Err(Idle));
        assert!(start.elapsed() <= 2 * PERIOD, "{:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_blocked_write_counts_as_serving() {
        let (activity, dog) = watched();
        activity.write_blocked.store(true, Relaxed);
        let mut dog = std::pin::pin!(dog);
        tokio::select! {
            _ = &mut dog => panic!("a connection writing its answer was ended"),
            () = tokio::time::sleep(5 * PERIOD) => {}
        }
        activity.write_blocked.store(false, Relaxed);
        assert_eq!(dog.await, Err(Idle));
    }

    #[tokio::test(start_paused = true)]
    async fn a_streaming_body_keeps_its_guard_and_a_sized_one_does_not() {
        let activity = Arc::new(Activity::default());
        let sized = activity.begin().attach(Response::new(Body::from("done")));
        assert!(!activity.serving());
        let stream = futures_util::stream::pending::<Result<Bytes, io::Error>>();
        let streaming = activity
            .begin()
            .attach(Response::new(Body::from_stream(stream)));
        assert!(activity.serving());
        drop(streaming);
        assert!(!activity.serving());
        drop(sized);
    }

    #[tokio::test(start_paused = true)]
    async fn a_finished_connection_is_returned() {
        let activity = Arc::new(Activity::default());
        let out = watch(async { 5 }, activity, PERIOD).await;
        assert_eq!(out, Ok(5));
    }
}
