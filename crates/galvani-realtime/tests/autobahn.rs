//! The Autobahn WebSocket test cases (framing, pings, fragmentation, UTF-8, close
//! handling, limits: groups 1-7, 9 and 10), run by `kosoku` (PyPI) against an echo
//! consumer. Compression (12, 13) is not offered, so its cases do not apply.
//!
//! `scripts/test` installs kosoku and names it in `TEST_KOSOKU`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use galvani_core::prelude::*;
use galvani_core::test::TestServer;
use galvani_realtime::{Connection, Consumer, Frame, HandlerResult, Realtime, websocket};

/// Cases in groups 1-7, 9 and 10 of the suite kosoku ships.
const CORE_CASES: usize = 301;

/// Sends every message back as it came.
struct Echo;

impl Consumer for Echo {
    type Message = ();

    async fn frame(&self, conn: &Connection, frame: Frame) -> Option<Frame> {
        let _ = conn.send_frame(frame);
        None
    }

    async fn receive(&self, _: &Connection, _: ()) -> HandlerResult {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_autobahn_core_cases_pass_against_an_echo_consumer() {
    let Ok(kosoku) = std::env::var("TEST_KOSOKU") else {
        assert_ne!(
            std::env::var("TEST_REQUIRE_CLIENTS").as_deref(),
            Ok("1"),
            "TEST_KOSOKU is not set, and TEST_REQUIRE_CLIENTS=1 requires it (scripts/test installs it)"
        );
        eprintln!("TEST_KOSOKU is not set: skipping the Autobahn cases");
        return;
    };
    // Case group 9 sends messages and frames of up to 16 MiB.
    let realtime = "max_message_size = \"16MiB\"\nmax_frame_size = \"16MiB\"\nqueue = 1024";
    let site = Project::new(common::settings(None, realtime))
        .app(Realtime)
        .routes(Routes::new().route("/ws/echo", websocket(Echo)))
        .build()
        .unwrap();
    let server = TestServer::start(site).await.unwrap();
    let addr = server.addr();

    let reports = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("autobahn");
    let _ = std::fs::remove_dir_all(&reports);
    let run = tokio::process::Command::new(&kosoku)
        .arg(format!("ws://{addr}/ws/echo"))
        .args(["-x", "12.*", "-x", "13.*", "-p", "2", "-o"])
        .arg(&reports)
        .kill_on_drop(true)
        .output();
    // kosoku has no timeouts of its own: a server that hangs must fail the test.
    let output = tokio::time::timeout(Duration::from_secs(900), run)
        .await
        .expect("kosoku finished within 15 minutes")
        .expect("kosoku runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Read the report rather than trust the exit code alone (a bad pattern exits 1 too).
    let index = std::fs::read_to_string(reports.join("index.json"))
        .unwrap_or_else(|e| panic!("no report ({e}); kosoku said:\n{said}"));
    let index: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        serde_json::from_str(&index).unwrap();
    let cases: BTreeMap<&String, &serde_json::Value> = index.values().flatten().collect();
    let failed: Vec<String> = cases
        .iter()
        .filter(|(_, r)| {
            !matches!(
                r["behavior"].as_str(),
                Some("OK" | "NON-STRICT" | "INFORMATIONAL")
            ) || !matches!(r["behaviorClose"].as_str(), Some("OK" | "INFORMATIONAL"))
        })
        .map(|(case, r)| format!("{case}: {}/{}", r["behavior"], r["behaviorClose"]))
        .collect();
    assert!(
        failed.is_empty(),
        "failed cases:\n{}\n{said}",
        failed.join("\n")
    );
    assert_eq!(cases.len(), CORE_CASES, "{said}");
    assert!(output.status.success(), "{said}");
}
