//! The load client of the real-time benchmark (`bench/realtime.py`).
//!
//! It opens `--conns` WebSockets to a server, spread over the source addresses
//! `127.0.0.1` to `127.0.0.N` (`--sources`, so that more connections fit than one
//! address has ports), either to a plain WebSocket endpoint (`--protocol ws`) or as
//! Socket.IO clients on Engine.IO's WebSocket transport (`--protocol sio`, which
//! answers the server's pings and joins the namespace `/`). When all have connected it
//! prints `{"event":"ready",...}` and takes commands, one per line, on standard input:
//!
//! - `measure ROUNDS COUNT PAUSE_MS`: `ROUNDS` times, asks the server for `COUNT`
//!   broadcasts (`POST /broadcast?count=COUNT`), waits for every connection to receive
//!   them, and pauses; then prints the deliveries per second of each round (deliveries
//!   over the time from the first broadcast to the last delivery) and the latency of
//!   every delivery (its arrival less the broadcast's `t` stamp, in microseconds since
//!   the epoch on the machine's one clock), as percentiles.
//! - `count`: prints how many connections are still open.
//! - `quit`: closes them all and exits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, ValueEnum};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Protocol {
    /// A plain WebSocket endpoint (Galvani's `/ws`).
    Ws,
    /// Socket.IO v5 over Engine.IO v4's WebSocket transport (`/socket.io/`).
    Sio,
}

#[derive(Parser)]
#[command(about = "Holds WebSocket connections to a server and measures its broadcasts.")]
struct Args {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    /// What the endpoint speaks.
    #[arg(long, value_enum)]
    protocol: Protocol,
    /// How many connections to open.
    #[arg(long)]
    conns: usize,
    /// Spread them over the source addresses 127.0.0.1 ..= 127.0.0.N.
    #[arg(long, default_value_t = 1)]
    sources: u8,
    /// Opening handshakes in flight at once.
    #[arg(long, default_value_t = 128)]
    concurrency: usize,
}

/// One delivery of a tick: when it was broadcast and when it arrived (microseconds).
#[derive(Clone, Copy)]
struct Delivery {
    sent: u64,
    arrived: u64,
}

#[derive(Default)]
struct Shared {
    deliveries: Mutex<Vec<Delivery>>,
    open: AtomicUsize,
}

impl Shared {
    /// The deliveries recorded so far (a panicking holder leaves them usable).
    fn deliveries(&self) -> std::sync::MutexGuard<'_, Vec<Delivery>> {
        self.deliveries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// The `t` stamp of a tick, wherever the protocol put it in the frame.
fn stamp(text: &str) -> Option<u64> {
    let rest = &text[text.find("\"t\":")? + 4..];
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..digits].parse().ok()
}

type Ws = WebSocketStream<TcpStream>;

/// Source ports outside the kernel's ephemeral range (32768-60999) and the usual
/// services' ports.
const PORTS: [std::ops::Range<u16>; 2] = [10_000..32_768, 61_000..65_535];

/// The `k`th source address and port: addresses in turn, then the next port. Binding
/// a chosen port is a hash lookup; binding port 0 makes the kernel scan for a free one,
/// which grows with the ports in use (and in TIME_WAIT after an earlier run) until
/// opening 20,000 connections takes 20 s.
fn source(k: usize, sources: u8) -> Option<SocketAddr> {
    let sources = usize::from(sources.max(1));
    let host = u8::try_from(k % sources).ok()? + 1;
    let port = PORTS.iter().flat_map(Clone::clone).nth(k / sources)?;
    Some(SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, host)),
        port,
    ))
}

/// Binds the next free source address and port (see [`source`]).
fn bind(next: &AtomicUsize, sources: u8) -> Result<TcpSocket, String> {
    loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let addr = source(k, sources).ok_or("out of source ports: add --sources")?;
        let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
        socket.set_reuseaddr(true).map_err(|e| e.to_string())?;
        match socket.bind(addr) {
            Ok(()) => return Ok(socket),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(format!("bind {addr}: {e}")),
        }
    }
}

async fn open(args: &Args, next: &AtomicUsize) -> Result<Ws, String> {
    let socket = bind(next, args.sources)?;
    let stream = socket.connect(args.addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let path = match args.protocol {
        Protocol::Ws => "/ws",
        Protocol::Sio => "/socket.io/?EIO=4&transport=websocket",
    };
    // Small buffers: the client holds as many connections as the server.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let url = format!("ws://{}{path}", args.addr);
    let (mut ws, _) = client_async_with_config(url, stream, Some(config))
        .await
        .map_err(|e| e.to_string())?;
    if args.protocol == Protocol::Sio {
        expect(&mut ws, "0{").await?;
        ws.send(Message::text("40"))
            .await
            .map_err(|e| e.to_string())?;
        expect(&mut ws, "40").await?;
    }
    Ok(ws)
}

/// Waits for a text frame that starts with `prefix`, answering Engine.IO pings (the
/// server may send its first at once).
async fn expect(ws: &mut Ws, prefix: &str) -> Result<(), String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                ws.send(Message::text("3"))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Some(Ok(Message::Text(text))) if text.starts_with(prefix) => return Ok(()),
            other => return Err(format!("expected {prefix:?}, got {other:?}")),
        }
    }
}

/// Reads a connection until it closes: records ticks, answers Engine.IO pings
/// (WebSocket pings are answered by tungstenite).
async fn hold(mut ws: Ws, shared: Arc<Shared>) {
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        if text.as_str() == "2" {
            if ws.send(Message::text("3")).await.is_err() {
                break;
            }
        } else if let Some(sent) = stamp(&text) {
            let arrived = now_us();
            shared.deliveries().push(Delivery { sent, arrived });
        }
    }
    shared.open.fetch_sub(1, Ordering::Relaxed);
}

/// Opens every connection; prints how many opened and how long it took.
async fn connect_all(args: Arc<Args>, shared: Arc<Shared>) {
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let (done, mut results) = mpsc::unbounded_channel::<Result<(), String>>();
    let next = Arc::new(AtomicUsize::new(0));
    for _ in 0..args.conns {
        let (args, shared, gate, done) = (args.clone(), shared.clone(), gate.clone(), done.clone());
        let next = next.clone();
        tokio::spawn(async move {
            let opened = {
                let _permit = gate.acquire().await;
                open(&args, &next).await
            };
            match opened {
                Ok(ws) => {
                    shared.open.fetch_add(1, Ordering::Relaxed);
                    let _ = done.send(Ok(()));
                    drop(done);
                    hold(ws, shared).await;
                }
                Err(e) => _ = done.send(Err(e)),
            }
        });
    }
    drop(done);
    let (mut connected, mut errors) = (0, Vec::new());
    while let Some(result) = results.recv().await {
        match result {
            Ok(()) => connected += 1,
            Err(e) => errors.push(e),
        }
    }
    let first_errors: Vec<_> = errors.iter().take(3).collect();
    let line = json!({
        "event": "ready",
        "connected": connected,
        "failed": errors.len(),
        "errors": first_errors,
        "secs": started.elapsed().as_secs_f64(),
    });
    println!("{line}");
}

/// `POST /broadcast?count=N` on a connection of its own.
async fn trigger(addr: SocketAddr, count: u32) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let request = format!(
        "POST /broadcast?count={count} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        addr.ip()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .map_err(|e| e.to_string())?;
    if response.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("the broadcast was refused: {response}"))
    }
}

/// The value below which `p` percent of the sorted `values` lie.
fn percentile(sorted: &[u64], p: usize) -> u64 {
    match sorted.len() {
        0 => 0,
        n => sorted[(n * p / 100).min(n - 1)],
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Runs `rounds` broadcasts of `count` ticks; prints their rates and latencies.
async fn measure(args: &Args, shared: &Shared, rounds: u32, count: u32, pause: Duration) {
    let (mut rates, mut latencies, mut missing) = (Vec::new(), Vec::new(), 0);
    for _ in 0..rounds {
        shared.deliveries().clear();
        let expected = shared.open.load(Ordering::Relaxed) * count as usize;
        if let Err(e) = trigger(args.addr, count).await {
            println!("{}", json!({ "event": "error", "error": e }));
            return;
        }
        // Every delivery, or nothing new for two seconds.
        let (mut seen, mut quiet) = (0, Instant::now());
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let now = shared.deliveries().len();
            if now >= expected || quiet.elapsed() > Duration::from_secs(2) {
                break;
            }
            if now > seen {
                (seen, quiet) = (now, Instant::now());
            }
        }
        let deliveries = std::mem::take(&mut *shared.deliveries());
        missing += expected.saturating_sub(deliveries.len());
        let first = deliveries.iter().map(|d| d.sent).min().unwrap_or(0);
        let last = deliveries.iter().map(|d| d.arrived).max().unwrap_or(0);
        let span = last.saturating_sub(first).max(1) as f64 / 1e6;
        rates.push(deliveries.len() as f64 / span);
        latencies.extend(deliveries.iter().map(|d| d.arrived.saturating_sub(d.sent)));
        tokio::time::sleep(pause).await;
    }
    latencies.sort_unstable();
    let ms = |us: u64| us as f64 / 1000.0;
    let line = json!({
        "event": "measured",
        "rounds": rounds,
        "count": count,
        "deliveries": latencies.len(),
        "missing": missing,
        "rate_median": median(&mut rates),
        "rate_min": rates.iter().copied().fold(f64::INFINITY, f64::min),
        "rate_max": rates.iter().copied().fold(0.0, f64::max),
        "p50_ms": ms(percentile(&latencies, 50)),
        "p99_ms": ms(percentile(&latencies, 99)),
        "max_ms": ms(latencies.last().copied().unwrap_or(0)),
    });
    println!("{line}");
}

async fn commands(args: Arc<Args>, shared: Arc<Shared>) {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let words: Vec<&str> = line.split_whitespace().collect();
        let number =
            |i: usize, default: u32| words.get(i).and_then(|w| w.parse().ok()).unwrap_or(default);
        match words.first().copied() {
            Some("measure") => {
                let pause = Duration::from_millis(u64::from(number(3, 200)));
                measure(&args, &shared, number(1, 10), number(2, 1), pause).await;
            }
            Some("count") => {
                let open = shared.open.load(Ordering::Relaxed);
                println!("{}", json!({ "event": "count", "open": open }));
            }
            Some("quit") | None => break,
            Some(other) => println!("{}", json!({ "event": "error", "error": other })),
        }
    }
}

fn main() {
    let args = Arc::new(Args::parse());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async {
        let shared = Arc::new(Shared::default());
        connect_all(args.clone(), shared.clone()).await;
        commands(args, shared).await;
    });
}
