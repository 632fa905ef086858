//! The Console in a real browser: Debian's chromium, headless, driven
//! through chromedriver (WebDriver) from Rust. The seed's steps (log in,
//! open the service, Backups, Fork & restore, Create fork) make a
//! point-in-time fork whose rows are checked with psql. With
//! `CONSOLE_SCREENSHOTS=DIR` the walk also saves PNGs of the services
//! list, the Backups timeline and the fork dialog (see
//! `scripts/console-screenshots.sh`).

mod support;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use support::{Local, psql, uri};

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    /// Kills chromedriver's whole process group: the chromium it started
    /// too, even when a failed test never closed its session.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

/// A headless chromium session. Run as root (as CI runs), chromium needs
/// `--no-sandbox`.
async fn browser() -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is not installed: apt-get install chromium-driver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]}),
    );
    let started = Instant::now();
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => break client,
            Err(err) if started.elapsed() > Duration::from_secs(30) => panic!("no browser: {err}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    (driver, client)
}

async fn log_in(client: &Client, base: &str, token: &str) {
    client.goto(&format!("{base}/console")).await.unwrap();
    let field = find(client, Locator::Css("#token")).await;
    field.send_keys(token).await.unwrap();
    click(client, Locator::Css("form.card button[type=submit]")).await;
}

/// The element at `locator`, waiting up to 30 s for it: a click that
/// navigates returns before the next page is there.
async fn find(client: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    let started = Instant::now();
    loop {
        match client.find(locator).await {
            Ok(element) => return element,
            Err(err) if started.elapsed() > Duration::from_secs(30) => {
                panic!("{locator:?} never appeared: {err}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn click(client: &Client, locator: Locator<'_>) {
    find(client, locator).await.click().await.unwrap();
}

async fn screenshot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("CONSOLE_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
    }
}

/// Waits until the element at `css` reads `text`, without reloading: the
/// page's script keeps it live.
async fn wait_text(client: &Client, css: &str, text: &str) {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.text().await.unwrap_or_default() == text
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{css} never read {text}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Clicks Create fork, and waits on the page it lands on, the fork's,
/// until it turns RUNNING (the page's script updates it; no reload).
async fn create_fork_and_wait(client: &Client, name: &str) {
    click(
        client,
        Locator::XPath("//button[normalize-space()='Create fork']"),
    )
    .await;
    let started = Instant::now();
    let page = format!("/service/{name}");
    while !client.current_url().await.unwrap().path().ends_with(&page) {
        if started.elapsed() > Duration::from_secs(30) {
            let source = client.source().await.unwrap();
            panic!("Create fork did not land on the fork's page:\n{source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_text(client, "h1 .state", "RUNNING").await;
}

#[tokio::test]
async fn the_consoles_fork_and_restore_in_a_browser_forks_to_a_point_in_time_the_latest_transaction_and_the_latest_backup()
 {
    let local = Local::start();
    let at = local.pg_with_a_moment_between_rows("orders").await;

    let (_driver, client) = browser().await;
    let base = local.base().to_owned();
    log_in(&client, &base, testkit::TOKEN).await;
    // One project: the Console opens on its services.
    wait_text(&client, ".state[data-service=orders]", "RUNNING").await;
    screenshot(&client, "console-services.png").await;
    click(&client, Locator::LinkText("orders")).await;
    // The page holds no password; Reveal asks for it with the session's
    // key, which the login left in this origin's storage.
    let password = local.wait_ready("orders").await["service_uri_params"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    find(&client, Locator::Css("button.reveal")).await;
    assert!(!client.source().await.unwrap().contains(&password));
    click(&client, Locator::Css("button.reveal")).await;
    wait_text(&client, "#password", &password).await;
    click(&client, Locator::LinkText("Backups")).await;
    find(&client, Locator::Css("svg[aria-label='Recovery window']")).await;
    let marks = client
        .find_all(Locator::Css("svg line.backup"))
        .await
        .unwrap();
    assert!(!marks.is_empty(), "the timeline marks the backups");
    screenshot(&client, "console-backups.png").await;
    click(&client, Locator::LinkText("Fork & restore")).await;
    let name = find(&client, Locator::Css("#name")).await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("orders-fork")
    );
    name.clear().await.unwrap();
    name.send_keys("orders-then").await.unwrap();
    click(&client, Locator::Css("input[name=restore][value=time]")).await;
    // A date-time input's typing order follows the browser's locale; set
    // its value as the picker would.
    client
        .execute(
            "document.getElementById('at').value = arguments[0];",
            vec![json!(at)],
        )
        .await
        .unwrap();
    screenshot(&client, "console-fork.png").await;
    create_fork_and_wait(&client, "orders-then").await;
    let fork = local.wait_ready("orders-then").await;
    let rows = "SELECT string_agg(id::text, ',' ORDER BY id) FROM t";
    assert_eq!(psql(&uri(&fork), rows), "1");

    // The same for the latest transaction, and for the latest backup,
    // taken before the table was made.
    for (fork_name, restore) in [
        ("orders-now", "latest_transaction"),
        ("orders-backup", "latest_backup"),
    ] {
        client
            .goto(&format!("{base}/console/project/test/service/orders/fork"))
            .await
            .unwrap();
        let name = find(&client, Locator::Css("#name")).await;
        name.clear().await.unwrap();
        name.send_keys(fork_name).await.unwrap();
        let choice = format!("input[name=restore][value={restore}]");
        click(&client, Locator::Css(&choice)).await;
        create_fork_and_wait(&client, fork_name).await;
    }
    let fork = local.wait_ready("orders-now").await;
    assert_eq!(psql(&uri(&fork), rows), "1,2");
    let fork = local.wait_ready("orders-backup").await;
    assert_eq!(
        psql(&uri(&fork), "SELECT to_regclass('t') IS NULL"),
        "t",
        "nothing written after the newest backup"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_token_is_refused_in_the_browser() {
    let local = Local::start();
    let (_driver, client) = browser().await;
    let base = local.base().to_owned();
    log_in(&client, &base, "not-the-token").await;
    // The answer to the form arrives after the click returns.
    wait_text(&client, "p.error", "That token was not accepted.").await;
    client
        .goto(&format!("{base}/console/project/test"))
        .await
        .unwrap();
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/console/login", "no session");
    client.close().await.unwrap();
}
