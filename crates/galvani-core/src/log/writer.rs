//! The log writer: lines go to standard output from a background thread, so a slow
//! terminal or pipe never blocks a request.
//!
//! Unlike a worker that sleeps on its queue (and must be woken, a system call and a
//! context switch, for nearly every line under load), this one blocks on the queue only
//! while the server is idle. Once lines flow, it wakes every [`INTERVAL`], drains what
//! accumulated and writes it in one go; senders then never wake anybody. A line waits at
//! most one interval. When the queue is full (a stuck stdout), lines are dropped and
//! counted, never allowed to stall the server.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait before it is written, when lines are flowing.
pub const INTERVAL: Duration = Duration::from_millis(20);

/// Lines that may wait in the queue.
const CAPACITY: usize = 64 * 1024;

/// A cheap handle that queues whole lines for the writer thread.
#[derive(Clone)]
pub struct LogWriter {
    tx: SyncSender<Vec<u8>>,
    dropped: Arc<AtomicU64>,
}

/// Keeps the writer thread alive; dropping it writes everything queued and stops it.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    tx: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl LogWriter {
    /// Starts the writer thread over `out`.
    pub fn spawn<W: Write + Send + 'static>(out: W) -> (LogWriter, LogGuard) {
        let (tx, rx) = mpsc::sync_channel(CAPACITY);
        let dropped = Arc::new(AtomicU64::new(0));
        let thread = std::thread::Builder::new()
            .name("galvani-log".to_owned())
            .spawn({
                let dropped = dropped.clone();
                move || run(rx, out, &dropped)
            })
            .ok();
        (
            LogWriter {
                tx: tx.clone(),
                dropped,
            },
            LogGuard {
                tx: Some(tx),
                thread,
            },
        )
    }

    /// Queues one line (or several), dropping it if the queue is full.
    pub fn send(&self, line: &[u8]) {
        if line.is_empty() {
            return;
        }
        match self.tx.try_send(line.to_vec()) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn run<W: Write>(rx: Receiver<Vec<u8>>, out: W, dropped: &AtomicU64) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    // Idle: block until a line arrives (one wake-up). Then sleep an interval (not on
    // the queue, so senders wake nobody), write everything that came, and repeat while
    // lines keep coming; an interval that brings none sends us back to blocking.
    while let Ok(first) = rx.recv() {
        // An empty message is the guard's request to write everything and stop.
        let mut stopping = first.is_empty();
        let _ = out.write_all(&first);
        loop {
            if !stopping {
                std::thread::sleep(INTERVAL);
            }
            let mut got = 0usize;
            let closed = loop {
                match rx.try_recv() {
                    Ok(line) if line.is_empty() => stopping = true,
                    Ok(line) => {
                        let _ = out.write_all(&line);
                        got += 1;
                    }
                    Err(TryRecvError::Empty) => break false,
                    Err(TryRecvError::Disconnected) => break true,
                }
            };
            let lost = dropped.swap(0, Ordering::Relaxed);
            if lost > 0 {
                let _ = writeln!(
                    out,
                    "galvani: {lost} log line(s) dropped: standard output is not keeping up"
                );
            }
            let _ = out.flush();
            if closed || (stopping && got == 0) {
                return;
            }
            if got == 0 {
                break;
            }
        }
    }
    let _ = out.flush();
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        // The subscriber keeps writers alive for the whole program, so the queue never
        // disconnects: ask the thread to finish explicitly, then wait for it.
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Vec::new());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One buffered line per `make_writer`, queued whole on drop: lines never interleave.
pub struct LineWriter {
    writer: LogWriter,
    line: Vec<u8>,
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            self.writer.send(&self.line);
        }
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter {
            writer: self.clone(),
            line: Vec::with_capacity(256),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_guard_drops() {
        let sink = Sink::default();
        let (writer, guard) = LogWriter::spawn(sink.clone());
        for i in 0..10_000 {
            writer.send(format!("line {i}\n").as_bytes());
        }
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10_000);
        assert_eq!(lines[9_999], "line 9999");
    }

    #[test]
    fn a_lone_line_is_written_without_waiting_for_more() {
        let sink = Sink::default();
        let (writer, _guard) = LogWriter::spawn(sink.clone());
        writer.send(b"hello\n");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while sink.0.lock().unwrap().is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the line was never written"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(&*sink.0.lock().unwrap(), b"hello\n");
    }
}
