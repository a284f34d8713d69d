//! The shop in a real browser: headless Chromium, driven through chromedriver by
//! thirtyfour, against the shop binary serving a fresh SQLite database.
//!
//! `TEST_CHROMEDRIVER` names the chromedriver binary and `TEST_CHROMIUM` the browser
//! (`scripts/test` sets both). Without them the tests skip, unless
//! `TEST_REQUIRE_BROWSER=1` makes that a failure.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use thirtyfour::prelude::*;

mod common;

const PASSWORD: &str = "correct horse battery staple 42";

/// How long a page may take to show what a step expects, and how often to look.
const PAGE_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

/// Headless, and quiet: no sandbox (tests may run as root in a container), no GPU, no
/// /dev/shm (small in containers), and none of the background traffic to Google's
/// services (the machine may be offline). Each session also gets a fresh profile.
const CHROMIUM_ARGS: [&str; 7] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

// On a panic, thirtyfour quits the session from a blocking Drop that reuses the
// connection pool of the test's runtime: with only one thread, that runtime is the one
// blocked, and the quit hangs for the 120 s request timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_renders_in_chromium() {
    let Some(session) = Session::start().await else {
        return;
    };
    let driver = &session.driver;
    driver.goto(session.url("/")).await.unwrap();
    let title = driver.title().await.unwrap();
    assert!(title.contains("Galvani Shop"), "title: {title:?}");
    session.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_log_in_see_a_message_and_log_out() {
    let Some(session) = Session::start().await else {
        return;
    };
    let driver = &session.driver;
    let nanos = std::time::UNIX_EPOCH.elapsed().unwrap().subsec_nanos();
    let username = format!("ada{nanos}");

    driver.goto(session.url("/accounts/signup/")).await.unwrap();
    fill(driver, "username", &username).await;
    fill(driver, "email", &format!("{username}@example.com")).await;
    fill(driver, "password1", PASSWORD).await;
    fill(driver, "password2", PASSWORD).await;
    click_button(driver, "Sign up").await;
    wait_for_url(driver, |url| url == session.url("/")).await;
    expect_text(
        driver,
        ".messages .message.success",
        "Your account is ready",
    )
    .await;
    expect_text(driver, "header .user", &username).await;

    click_button(driver, "Log out").await;
    expect_text(driver, ".messages .message", "You have logged out.").await;
    expect_text(driver, "header a", "Log in").await;

    driver.goto(session.url("/orders/")).await.unwrap();
    wait_for_url(driver, |url| url.contains("/accounts/login/?next=/orders/")).await;
    fill(driver, "username", &username).await;
    fill(driver, "password", PASSWORD).await;
    click_button(driver, "Log in").await;
    wait_for_url(driver, |url| url == session.url("/orders/")).await;
    expect_text(driver, ".messages .message", "Welcome back").await;
    expect_text(driver, "h1", "My orders").await;

    click_button(driver, "Log out").await;
    expect_text(driver, ".messages .message", "You have logged out.").await;
    session.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_page_shows_saved_stock_live_and_the_support_chat_carries_messages() {
    use galvani::orm::prelude::*;
    use shop::shop::Product;

    let test = galvani::orm::testing::TestDb::sqlite().await.unwrap();
    let settings = common::prepare(&test, "dev", &[]).await;
    let site = shop::project(settings)
        .data(test.db.clone())
        .build()
        .unwrap();
    let channels = galvani::realtime::Channels::of(site.state()).unwrap();
    let Some(session) = Session::serving(site).await else {
        return;
    };
    let driver = &session.driver;

    // The product page's event stream is open once the page is in the product's group.
    let lamp = Product::objects()
        .order_by([Product::id.asc()])
        .first(&test.db)
        .await
        .unwrap()
        .unwrap();
    let group = shop::shop::live::product_group(lamp.id);
    driver
        .goto(session.url(&format!("/products/{}/", lamp.id)))
        .await
        .unwrap();
    wait_until(|| channels.count(&group) == 1, "the page's event stream").await;
    for (stock, shown) in [(42, "42 in stock"), (0, "Out of stock")] {
        let mut lamp = lamp.clone();
        lamp.stock = stock;
        lamp.save(&test.db).await.unwrap();
        expect_text(driver, "#stock", shown).await;
    }
    let class = driver
        .find(By::Id("stock"))
        .await
        .unwrap()
        .class_name()
        .await
        .unwrap();
    assert!(class.unwrap_or_default().contains("out"));

    // Two tabs in the support chat see each other arrive, and what each says.
    driver.goto(session.url("/support/")).await.unwrap();
    expect_text(driver, "#status", "Connected as guest-").await;
    let first = driver.window().await.unwrap();
    let second = driver.new_tab().await.unwrap();
    driver.switch_to_window(second).await.unwrap();
    driver.goto(session.url("/support/")).await.unwrap();
    expect_text(driver, "#status", "Connected as guest-").await;
    wait_until(
        || channels.count(shop::shop::live::SUPPORT) == 2,
        "both in the room",
    )
    .await;
    fill_id(driver, "text", "Is the lamp back?").await;
    click_button(driver, "Send").await;
    driver.switch_to_window(first).await.unwrap();
    expect_text(driver, "#said li", ": Is the lamp back?").await;
    let present = texts_of(driver, "#present li").await.unwrap();
    assert_eq!(present.len(), 2, "{present:?}");
    // A blank message is refused by the server, in the chat.
    fill_id(driver, "text", "   ").await;
    click_button(driver, "Send").await;
    expect_text(
        driver,
        "#said li.error",
        "say something of 1 to 1,000 characters",
    )
    .await;
    session.finish().await;
}

/// Waits until `done` (something the test can see inside the site) holds.
async fn wait_until(done: impl Fn() -> bool, what: &str) {
    let deadline = Instant::now() + PAGE_WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not after {PAGE_WAIT:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// Types `value` into the field with this id.
async fn fill_id(driver: &WebDriver, id: &str, value: &str) {
    let field = driver.find(By::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// A browser session on a shop of its own. Fields drop in order: the WebDriver session
/// first (thirtyfour quits it), then the processes, then their folders.
struct Session {
    driver: WebDriver,
    base: String,
    _server: Option<galvani::test::TestServer>,
    _processes: Processes,
}

impl Session {
    /// Starts chromedriver and the shop binary on a fresh SQLite database and opens a
    /// headless Chromium; `None` (after saying why) when no browser is configured and
    /// none is required.
    async fn start() -> Option<Session> {
        let (mut processes, binaries) = Processes::new()?;
        let dir = processes.dir.path().to_owned();
        let shop_addr = free_addr();
        let mut shop = Command::new(env!("CARGO_BIN_EXE_shop"));
        // The developer's own settings must not leak in; the test's must win.
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("GALVANI_")) {
            shop.env_remove(key);
        }
        let database = format!("sqlite://{}/shop.sqlite3", dir.display());
        shop.env("GALVANI_DATABASE__URL", database)
            .env("GALVANI_SERVER__ADDR", shop_addr.to_string())
            .current_dir(&dir);
        processes.spawn("shop", &mut shop);
        // The shop migrates and seeds its database before it listens.
        processes.wait_for_http(shop_addr, "/", Duration::from_secs(60));
        Some(Session::open(processes, binaries, format!("http://{shop_addr}"), None).await)
    }

    /// The same on a site this test serves itself, so that it can act inside it (save a
    /// product, count a group's members) while the browser watches.
    async fn serving(site: galvani::Site) -> Option<Session> {
        let (processes, binaries) = Processes::new()?;
        let server = galvani::test::TestServer::start(site).await.unwrap();
        let base = server.url("");
        Some(Session::open(processes, binaries, base, Some(server)).await)
    }

    async fn open(
        mut processes: Processes,
        (chromedriver, chromium): (PathBuf, Option<PathBuf>),
        base: String,
        server: Option<galvani::test::TestServer>,
    ) -> Session {
        let driver_addr = free_addr();
        processes.spawn(
            "chromedriver",
            Command::new(&chromedriver).arg(format!("--port={}", driver_addr.port())),
        );
        processes.chromedriver = Some(driver_addr);
        processes.wait_for_http(driver_addr, "/status", Duration::from_secs(20));

        let mut caps = DesiredCapabilities::chrome();
        for arg in CHROMIUM_ARGS {
            caps.add_arg(arg).unwrap();
        }
        let profile = format!(
            "--user-data-dir={}",
            processes.dir.path().join("profile").display()
        );
        caps.add_arg(&profile).unwrap();
        if let Some(chromium) = chromium {
            caps.set_binary(&chromium.to_string_lossy()).unwrap();
        }
        let driver = WebDriver::new(format!("http://{driver_addr}"), caps)
            .await
            .expect("chromedriver opens a Chromium session");
        Session {
            driver,
            base: base.trim_end_matches('/').to_owned(),
            _server: server,
            _processes: processes,
        }
    }

    /// The shop's absolute URL for `path`.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Quits the browser; the processes stop as the rest of the session drops.
    async fn finish(self) {
        let Session { driver, .. } = self;
        driver.quit().await.unwrap();
    }
}

/// The child processes of one test and the folder holding their logs, database and
/// browser profile. Dropping it stops them all, even when the test panics.
struct Processes {
    dir: TempDir,
    children: Vec<(&'static str, Child)>,
    chromedriver: Option<SocketAddr>,
}

impl Processes {
    /// A folder for a test's processes, and the browser binaries to run there.
    fn new() -> Option<(Processes, (PathBuf, Option<PathBuf>))> {
        let binaries = browser_binaries()?;
        let processes = Processes {
            dir: tempfile::tempdir().unwrap(),
            children: Vec::new(),
            chromedriver: None,
        };
        Some((processes, binaries))
    }

    /// Starts `command`, its output going to `NAME.log` in the folder.
    fn spawn(&mut self, name: &'static str, command: &mut Command) {
        let log = std::fs::File::create(self.dir.path().join(format!("{name}.log"))).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        self.children.push((name, child));
    }

    /// Polls `GET http://ADDR/PATH` until something answers; panics after `timeout`,
    /// or at once when one of the processes has exited.
    fn wait_for_http(&mut self, addr: SocketAddr, path: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while http_status(addr, path).is_none() {
            for (name, child) in &mut self.children {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("{name} exited ({status}) before http://{addr}{path} answered");
                }
            }
            assert!(
                Instant::now() < deadline,
                "http://{addr}{path} did not answer within {timeout:?}"
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        // chromedriver's /shutdown closes any browser a failed test left open; a kill
        // alone would orphan it.
        if let Some(addr) = self.chromedriver {
            http_status(addr, "/shutdown");
        }
        for (name, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
            if std::thread::panicking() {
                let log = std::fs::read_to_string(self.dir.path().join(format!("{name}.log")));
                eprintln!("--- {name}'s output ---\n{}", log.unwrap_or_default());
            }
        }
    }
}

/// chromedriver and Chromium from `TEST_CHROMEDRIVER` and `TEST_CHROMIUM` (optional:
/// chromedriver can find the browser itself); `None` after saying why the test skips.
fn browser_binaries() -> Option<(PathBuf, Option<PathBuf>)> {
    let chromedriver = std::env::var_os("TEST_CHROMEDRIVER").map(PathBuf::from);
    let chromium = std::env::var_os("TEST_CHROMIUM").map(PathBuf::from);
    let problem = match (&chromedriver, &chromium) {
        (None, _) => "TEST_CHROMEDRIVER is not set".to_owned(),
        (Some(p), _) if !p.is_file() => format!("TEST_CHROMEDRIVER: no file at {}", p.display()),
        (_, Some(p)) if !p.is_file() => format!("TEST_CHROMIUM: no file at {}", p.display()),
        (Some(driver), _) => return Some((driver.clone(), chromium)),
    };
    if std::env::var("TEST_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("{problem}, and TEST_REQUIRE_BROWSER=1 requires the browser tests");
    }
    eprintln!("{problem}: skipping this browser test");
    None
}

/// A localhost address with a port that was free a moment ago.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
}

/// The status code of `GET http://ADDR/PATH`, `None` while nothing answers.
fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0; 12]; // "HTTP/1.1 200"
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..]).ok()?.parse().ok()
}

/// Types `value` into the input named `name`.
async fn fill(driver: &WebDriver, name: &str, value: &str) {
    let input = driver
        .query(By::Name(name))
        .wait(PAGE_WAIT, POLL)
        .first()
        .await;
    let input = input.unwrap_or_else(|e| panic!("no input named {name:?}: {e}"));
    input.send_keys(value).await.unwrap();
}

/// Clicks the button whose text is `text`.
async fn click_button(driver: &WebDriver, text: &str) {
    let xpath = format!("//button[normalize-space()='{text}']");
    let button = driver.query(By::XPath(xpath)).wait(PAGE_WAIT, POLL);
    let button = button.and_clickable().first().await;
    let button = button.unwrap_or_else(|e| panic!("no button {text:?}: {e}"));
    button.click().await.unwrap();
}

/// Waits for an element matching `css` whose text contains `text`. Polls by hand rather
/// than with thirtyfour's query: a click that navigates can replace the page between
/// finding an element and reading its text, and that stale element means "not yet",
/// not failure.
async fn expect_text(driver: &WebDriver, css: &str, text: &str) {
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let last_error = match texts_of(driver, css).await {
            Ok(texts) if texts.iter().any(|t| t.contains(text)) => return,
            Ok(texts) => format!("texts were {texts:?}"),
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            let url = driver.current_url().await.map(|u| u.to_string());
            panic!("no {css:?} containing {text:?} on {url:?}: {last_error}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The texts of the elements matching `css` on the current page.
async fn texts_of(driver: &WebDriver, css: &str) -> WebDriverResult<Vec<String>> {
    let mut texts = Vec::new();
    for element in driver.find_all(By::Css(css)).await? {
        texts.push(element.text().await?);
    }
    Ok(texts)
}

/// Waits until the browser's URL satisfies `expected`.
async fn wait_for_url(driver: &WebDriver, expected: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let url = driver.current_url().await.unwrap();
        if expected(url.as_str()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still on {url} after {PAGE_WAIT:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}
