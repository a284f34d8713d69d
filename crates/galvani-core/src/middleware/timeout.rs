//! The request timeout, paid for only by requests that wait.
//!
//! `tokio::time::timeout` makes its timer up front: a clock read and a handle on the
//! runtime's timer for every request, even the many a handler answers in one poll. Here
//! the timer is made the first time the handler is not ready, with the deadline counted
//! from the request's start when the Core knows it (the access log reads the clock
//! anyway), else from that first wait. Time inside one synchronous poll could not be
//! cut short by any timer, so nothing is lost.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::time::Sleep;

pin_project_lite::pin_project! {
    /// `inner`, or `Err(TimedOut)` once `limit` has passed.
    pub(crate) struct Timeout<F> {
        #[pin]
        inner: F,
        #[pin]
        sleep: Option<Sleep>,
        limit: Duration,
        started: Option<Instant>,
    }
}

/// The handler ran past its limit.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TimedOut;

/// Runs `inner` for at most `limit` from `started` (or from its first wait).
pub(crate) fn timeout<F: Future>(
    limit: Duration,
    started: Option<Instant>,
    inner: F,
) -> Timeout<F> {
    Timeout {
        inner,
        sleep: None,
        limit,
        started,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimedOut>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Poll::Ready(out) = this.inner.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        if this.sleep.is_none() {
            let deadline = match this.started {
                Some(started) => tokio::time::Instant::from_std(*started + *this.limit),
                None => tokio::time::Instant::now() + *this.limit,
            };
            this.sleep.set(Some(tokio::time::sleep_until(deadline)));
        }
        match this.sleep.as_pin_mut().map(|s| s.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(TimedOut)),
            _ => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_ready_future_needs_no_timer() {
        let mut fut = std::pin::pin!(timeout(LIMIT, None, async { 7 }));
        let out = futures_util::FutureExt::now_or_never(fut.as_mut());
        assert_eq!(out, Some(Ok(7)));
        assert!(fut.project().sleep.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_future_is_cut_off_at_the_limit() {
        let start = tokio::time::Instant::now();
        let out = timeout(LIMIT, None, std::future::pending::<()>()).await;
        assert_eq!(out, Err(TimedOut));
        assert_eq!(start.elapsed().as_secs(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_counts_from_the_start_when_known() {
        let started = tokio::time::Instant::now().into_std();
        tokio::time::advance(LIMIT / 2).await;
        let begun = tokio::time::Instant::now();
        let out = timeout(LIMIT, Some(started), std::future::pending::<()>()).await;
        assert_eq!(out, Err(TimedOut));
        let waited = begun.elapsed();
        assert!(waited >= LIMIT / 2 && waited < LIMIT, "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_future_finishing_in_time_wins() {
        let out = timeout(LIMIT, None, async {
            tokio::time::sleep(LIMIT / 2).await;
            "done"
        })
        .await;
        assert_eq!(out, Ok("done"));
    }
}
