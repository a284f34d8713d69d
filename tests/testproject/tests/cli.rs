//! The project binary as a process: exit codes, messages, `runserver`, graceful shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const GOOD_KEY: &str = "tH1s-is-a-t3st-only-key-Wq8zXv2RmP5sKd9LfJ3hGb7NcY4tE6uA";

fn command(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testproject"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1");
    for (key, _) in std::env::vars() {
        if key.starts_with("GALVANI_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().copied());
    cmd
}

fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    command(dir, env, args)
        .output()
        .expect("the test project runs")
}

fn project(settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("galvani.toml"), settings).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_unknown_settings_key_exits_2_naming_the_key_file_and_line() {
    let dir = project("debug = true\nalowed_hosts = [\"x\"]\n");
    let out = run(dir.path(), &[], &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("galvani.toml:2"), "{err}");
    assert!(err.contains("`alowed_hosts`"), "{err}");
    assert!(err.contains("did you mean `allowed_hosts`"), "{err}");
}

#[test]
fn a_broken_settings_file_exits_2() {
    let dir = project("debug = \n");
    let out = run(dir.path(), &[], &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not valid TOML"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_wrongly_typed_override_names_the_variable() {
    let dir = project("");
    let out = run(
        dir.path(),
        &[("GALVANI_SERVER__MAX_CONNECTIONS", "lots")],
        &["check"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("GALVANI_SERVER__MAX_CONNECTIONS"), "{err}");
    assert!(err.contains("server.max_connections"), "{err}");
}

#[test]
fn a_missing_settings_file_named_explicitly_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[("GALVANI_SETTINGS", "/nonexistent/galvani.toml")],
        &["check"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("could not read the settings file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn production_refuses_to_start_without_a_real_secret_key_and_allowed_hosts() {
    let dir = project("secret_key = \"galvani-insecure-dev\"\n");
    let out = run(
        dir.path(),
        &[("GALVANI_PROFILE", "prod")],
        &["runserver", "127.0.0.1:0"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("security.E001"), "{err}");
    assert!(err.contains("security.E002"), "{err}");

    let ok = run(
        dir.path(),
        &[
            ("GALVANI_PROFILE", "prod"),
            ("GALVANI_SECRET_KEY", GOOD_KEY),
            ("GALVANI_ALLOWED_HOSTS", "example.com"),
        ],
        &["check"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
}

#[test]
fn check_passes_and_deploy_lists_unsafe_settings() {
    let dir = project("");
    let out = run(dir.path(), &[], &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("System check identified no issues."));

    // `--deploy` fails on any finding; `--fail-level error` lists them and passes.
    let deploy = run(dir.path(), &[], &["check", "--deploy"]);
    assert_eq!(deploy.status.code(), Some(1));
    let relaxed = run(
        dir.path(),
        &[],
        &["check", "--deploy", "--fail-level", "error"],
    );
    assert_eq!(relaxed.status.code(), Some(0));
    let shown = text(&deploy.stdout);
    for id in ["security.W001", "security.W002", "security.W003"] {
        assert!(shown.contains(id), "{id} missing from:\n{shown}");
    }
    let strict = run(
        dir.path(),
        &[],
        &["check", "--deploy", "--fail-level", "warning"],
    );
    assert_eq!(strict.status.code(), Some(1));
    // The messages are printed once, on stdout; stderr only sums up.
    let err = text(&strict.stderr);
    assert!(!err.contains("security.W001"), "{err}");
    assert!(
        err.contains("at or above the fail level (warning)"),
        "{err}"
    );
}

#[test]
fn routes_lists_name_method_path_and_handler() {
    let dir = project("");
    let out = run(dir.path(), &[], &["routes"]);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("probe:slow"))
        .unwrap_or_else(|| panic!("no probe:slow row in:\n{table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..3], ["probe:slow", "GET", "/slow/{ms}"]);
    assert!(cells[3].ends_with("slow"), "{row}");
    assert!(table.lines().next().unwrap().starts_with("NAME"));
}

#[test]
fn app_commands_run_with_their_arguments() {
    let dir = project("");
    let out = run(dir.path(), &[], &["greet", "Ada", "--loud"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "HELLO, ADA!\n");

    let failed = run(dir.path(), &[], &["fail"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(text(&failed.stderr).contains("the fail command failed"));

    let usage = run(dir.path(), &[], &["greet"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        text(&usage.stderr).contains("<NAME>"),
        "{}",
        text(&usage.stderr)
    );

    let unknown = run(dir.path(), &[], &["frobnicate"]);
    assert_eq!(unknown.status.code(), Some(2));

    let help = run(dir.path(), &[], &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("greet"));
}

/// A started `runserver` and the address it printed.
struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(settings: &str) -> Server {
        let dir = project(settings);
        let mut child = command(dir.path(), &[], &["runserver", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("runserver printed its address")
                .unwrap();
            if let Some(rest) = line.strip_prefix("Serving at http://") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            addr,
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> String {
        http_get(&self.addr, path)
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                panic!("the server did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn runserver_serves_and_sigterm_drains_in_flight_requests() {
    let server = Server::start("");
    let response = server.get("/");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok"), "{response}");

    let addr = server.addr.clone();
    let slow = std::thread::spawn(move || http_get(&addr, "/slow/1000"));
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    let response = slow.join().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("slept 1000"), "{response}");
    let status = server.wait(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
}

#[test]
fn sigint_stops_the_server_cleanly_and_new_connections_are_refused() {
    let server = Server::start("");
    let addr = server.addr.clone();
    server.signal("INT");
    let status = server.wait(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn runserver_explains_an_address_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = project("");
    let out = run(dir.path(), &[], &["runserver", &addr]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("could not listen on {addr}")),
        "{err}"
    );
}

/// A one-shot HTTP/1.1 GET over a plain socket.
fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}
