//! What a local user other than aiven-local's can see and reach: no root
//! process, no readable catalog, no secret on a command line, and a data
//! directory that is checked rather than taken over.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use support::{Local, PROJECT};
use testkit::{TOKEN, temp_dir};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn uid_of(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        .and_then(|uid| uid.parse().ok())
        .expect("Uid line")
}

fn running_as_root() -> bool {
    uid_of(std::process::id()) == 0
}

/// Every command line on the machine right now.
fn command_lines() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .collect()
}

#[tokio::test]
async fn started_as_root_it_runs_as_the_engine_user_with_its_files_closed_to_others() {
    let local = Local::start();
    let pid = local.server.pid().expect("running");
    if running_as_root() {
        assert_ne!(uid_of(pid), 0, "aiven-local gave up root");
    }
    let dir = &local.server.data_dir;
    assert_eq!(mode(dir), 0o700, "data dir closed to others");
    local.create_pg("sealed", json!({})).await;
    for file in ["catalog.sqlite3", "catalog.sqlite3-wal"] {
        assert_eq!(
            mode(&dir.join(file)),
            0o600,
            "{file} readable by its owner only"
        );
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(
        !String::from_utf8_lossy(&cmdline).contains(TOKEN),
        "the token left the command line when aiven-local re-executed itself"
    );
    // Within it too: the cluster, its backups, its certificate, the CA.
    local.back_up_now("sealed").await;
    let open = open_to_others(dir);
    assert!(open.is_empty(), "open to group or others: {open:?}");
}

/// Every file and directory under `dir` (symbolic links aside) whose mode
/// lets its group or others in.
fn open_to_others(dir: &Path) -> Vec<String> {
    let mut open = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return open;
    };
    for entry in entries.flatten() {
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        if meta.permissions().mode() & 0o077 != 0 {
            open.push(format!(
                "{} {:o}",
                entry.path().display(),
                meta.permissions().mode() & 0o777
            ));
        }
        if meta.is_dir() {
            open.extend(open_to_others(&entry.path()));
        }
    }
    open
}

#[test]
fn a_token_file_only_root_may_read_is_read_before_root_is_dropped() {
    if !running_as_root() {
        eprintln!("skipped: a root-only file needs root to set up");
        return;
    }
    let secrets = temp_dir("root-only");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o700)).unwrap();
    let token_file = secrets.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let data_dir = temp_dir("token-file-data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aiven-local"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .arg("--token-file")
        .arg(&token_file)
        .env_remove("AIVEN_LOCAL_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let address = std::io::BufRead::lines(stdout)
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("aiven-local listening on ")
                .map(str::to_owned)
        });
    let answered = address.map(|url| {
        let output = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H"])
            .arg(format!("Authorization: aivenv1 {TOKEN}"))
            .arg(format!("{url}/v1/project"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    });
    let pid = child.id();
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        answered.as_deref(),
        Some("200"),
        "serving with the file's token: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(&secrets);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn each_wrong_token_is_answered_later_than_the_last_and_a_right_one_at_once() {
    let server = testkit::LocalServer::start(Path::new(env!("CARGO_BIN_EXE_aiven-local")), &[]);
    let ask = |token: &str| {
        let started = std::time::Instant::now();
        let output = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H"])
            .arg(format!("Authorization: aivenv1 {token}"))
            .arg(format!("{}/v1/project", server.url))
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            started.elapsed(),
        )
    };
    let wrong = "w".repeat(TOKEN.len());
    let mut waited = std::time::Duration::ZERO;
    for _ in 0..5 {
        let (status, took) = ask(&wrong);
        assert_eq!(status, "403");
        waited += took;
    }
    // 50, 100, 200, 400 and 800 ms at the least.
    assert!(
        waited.as_millis() >= 1550,
        "five wrong guesses took {waited:?}"
    );
    let (status, took) = ask(TOKEN);
    assert_eq!(status, "200");
    assert!(
        took.as_millis() < 1000,
        "a right token waits for no backoff (the next wrong one would wait 1.6 s): {took:?}"
    );
}

#[tokio::test]
async fn passwords_never_appear_on_a_command_line() {
    let local = Local::start();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut samples = 0;
            while !stop.load(Ordering::Relaxed) {
                samples += 1;
                seen.extend(
                    command_lines()
                        .into_iter()
                        .filter(|line| line.contains("PASSWORD") || line.contains("pwfile=")),
                );
            }
            (samples, seen)
        })
    };
    local.create_pg("watched", json!({})).await;
    for name in ["app1", "app2", "app3"] {
        let (status, body) = local
            .call(
                reqwest::Method::POST,
                &format!("/v1/project/{PROJECT}/service/watched/user"),
                Some(json!({ "username": name })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    stop.store(true, Ordering::Relaxed);
    let (samples, seen) = watcher.join().unwrap();
    assert!(samples > 10, "the watcher looked: {samples} samples");
    let with_secrets: Vec<&String> = seen.iter().filter(|l| l.contains("PASSWORD '")).collect();
    assert!(with_secrets.is_empty(), "{with_secrets:?}");
}

fn serve(data_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aiven-local"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("AIVEN_LOCAL_TOKEN", TOKEN)
        .output()
        .expect("run aiven-local")
}

#[test]
fn a_data_dir_it_cannot_own_or_reach_is_refused_with_what_to_do() {
    if !running_as_root() {
        eprintln!("skipped: the engine user's view needs root to set up");
        return;
    }
    // Someone else's files: refused, not chowned through.
    let taken = temp_dir("taken");
    std::fs::write(taken.join("theirs"), "x").unwrap();
    let output = serve(&taken);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("chown -R postgres:"), "{stderr}");
    assert_eq!(std::fs::metadata(taken.join("theirs")).unwrap().uid(), 0);

    // Below a directory the engine user cannot enter, as under /root.
    let closed = temp_dir("closed");
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let output = serve(&closed.join("aiven-local-data"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("cannot use data dir") && stderr.contains("parent directory"),
        "{stderr}"
    );
    // A symlink (the engine user may plant one) is not followed as root:
    // the empty root-owned directory it points at keeps its mode.
    let target = temp_dir("target");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
    let link = closed.with_extension("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = serve(&link);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    assert_eq!(mode(&target), 0o755, "the target was not touched");
    let _ = std::fs::remove_file(&link);
    let _ = std::fs::remove_dir_all(&target);
    let _ = std::fs::remove_dir_all(&taken);
    let _ = std::fs::remove_dir_all(&closed);
}

#[tokio::test]
async fn reserved_names_are_refused_up_front_and_no_error_repeats_a_password() {
    let local = Local::start();
    let service = local.create_pg("names", json!({})).await;
    let admin_password = service["service_uri_params"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = format!("/v1/project/{PROJECT}/service/names");
    let mut bodies = Vec::new();
    for username in ["pg_monitor2", "public", "none", "PG_x"] {
        let (status, body) = local
            .call(
                reqwest::Method::POST,
                &format!("{base}/user"),
                Some(json!({ "username": username })),
            )
            .await;
        assert_eq!(status, 400, "{username}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("reserved"),
            "{body}"
        );
        bodies.push(body);
    }
    for database in ["postgres", "template0", "template1"] {
        let (status, body) = local
            .call(
                reqwest::Method::POST,
                &format!("{base}/db"),
                Some(json!({ "database": database })),
            )
            .await;
        assert_eq!(status, 400, "{database}: {body}");
        bodies.push(body);
    }
    let (status, body) = local
        .call(
            reqwest::Method::DELETE,
            &format!("{base}/db/defaultdb"),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    bodies.push(body);
    let (status, body) = local
        .create(
            json!({"service_name": "reserved-admin", "service_type": "pg", "plan": "startup-4",
                       "user_config": {"admin_username": "pg_admin"}}),
        )
        .await;
    assert_eq!(status, 400, "refused before anything is created: {body}");
    bodies.push(body);
    // A pool's user must be one of the service's: no other host can be
    // smuggled into its connection URI.
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            &format!("{base}/connection_pool"),
            Some(json!({"pool_name": "p1", "database": "defaultdb",
                        "username": "u:p@evil.example:5432/defaultdb?x="})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    bodies.push(body);
    for body in &bodies {
        assert!(!body.to_string().contains(&admin_password), "{body}");
    }
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

#[test]
fn half_open_connections_and_short_bodies_cost_bounded_descriptors_for_bounded_time() {
    use std::io::{Read, Write};
    let server = testkit::LocalServer::start(
        Path::new(env!("CARGO_BIN_EXE_aiven-local")),
        &[
            "--max-connections",
            "8",
            "--header-timeout",
            "1s",
            "--body-timeout",
            "1s",
        ],
    );
    let pid = server.pid().unwrap();
    let address = server.url.trim_start_matches("http://").to_owned();
    // A body shorter than its Content-Length is answered 408, not waited on.
    let mut short = std::net::TcpStream::connect(&address).unwrap();
    short
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let request = format!(
        "PUT /v1/project/p/service/s HTTP/1.1\r\nHost: x\r\nAuthorization: aivenv1 {TOKEN}\r\nContent-Length: 100\r\n\r\n{{\"plan\":"
    );
    short.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = short.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let before = open_fds(pid);
    // 200 connections that never send a request.
    let idle: Vec<std::net::TcpStream> = (0..200)
        .map(|_| std::net::TcpStream::connect(&address).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let during = open_fds(pid);
    assert!(
        during <= before + 8 + 2,
        "at most 8 connections held: {before} descriptors before, {during} during"
    );
    // Once they go, a real request is answered.
    drop(idle);
    let (status, _) = server.call("GET", "/v1/project", None);
    assert_eq!(status, 200);
}

#[test]
fn a_flood_of_idle_connections_does_not_keep_a_real_request_waiting() {
    // Idle connections would hold their slots for a minute here.
    let server = testkit::LocalServer::start(
        Path::new(env!("CARGO_BIN_EXE_aiven-local")),
        &["--max-connections", "8", "--header-timeout", "60s"],
    );
    let address = server.url.trim_start_matches("http://").to_owned();
    let idle: Vec<std::net::TcpStream> = (0..40)
        .map(|_| std::net::TcpStream::connect(&address).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // curl gives up after 20 s: far less than the header deadline, far
    // more than a request takes.
    let output = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "20",
            "-H",
        ])
        .arg(format!("Authorization: aivenv1 {TOKEN}"))
        .arg(format!("{}/v1/project", server.url))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "200",
        "answered while {} idle connections stay open",
        idle.len()
    );
    drop(idle);
}

#[test]
fn reading_a_project_does_not_create_it() {
    let server = testkit::LocalServer::start(Path::new(env!("CARGO_BIN_EXE_aiven-local")), &[]);
    let (status, _) = server.call("GET", "/v1/project/ghost", None);
    assert_eq!(status, 404);
    let (_, projects) = server.call("GET", "/v1/project", None);
    assert!(
        !projects.to_string().contains("ghost"),
        "no project sprang into existence: {projects}"
    );
}

/// A process's environment, one `NAME=value` each.
fn environment(pid: u32) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).expect("read environ");
    String::from_utf8_lossy(&raw)
        .split('\0')
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn engines_inherit_nothing_of_aiven_locals_environment() {
    let local = Local::start();
    local.create_pg("own-env", json!({})).await;
    let pid_file = local
        .server
        .data_dir
        .join("services")
        .join(PROJECT)
        .join("own-env")
        .join("pgdata")
        .join("postmaster.pid");
    let text = std::fs::read_to_string(&pid_file).unwrap();
    let postmaster: u32 = text.lines().next().unwrap().trim().parse().unwrap();
    let ours = environment(local.server.pid().expect("running"));
    let theirs = environment(postmaster);
    let shared = |entry: &&String| !entry.starts_with("PATH=") && !entry.starts_with("LC_ALL=");
    assert!(
        ours.iter().filter(shared).count() > 0,
        "aiven-local has an environment to leak: {ours:?}"
    );
    let leaked: Vec<&String> = ours
        .iter()
        .filter(shared)
        .filter(|entry| theirs.contains(entry))
        .collect();
    assert!(leaked.is_empty(), "the postmaster inherited {leaked:?}");
    assert!(
        !theirs.iter().any(|entry| entry.contains(TOKEN)),
        "the API token reached the engine"
    );
}

/// psql with `uri`: its trimmed output, or what it said on failure.
fn try_psql(uri: &str, sql: &str) -> Result<String, String> {
    let output = Command::new("psql")
        .args([uri, "-XAtc", sql])
        .output()
        .expect("run psql");
    match output.status.success() {
        true => Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

#[tokio::test]
async fn a_pg_primary_user_has_the_platforms_rights_and_no_superuser() {
    let local = Local::start();
    let service = local.create_pg("walled-pg", json!({})).await;
    let uri = support::uri(&service);
    assert_eq!(
        testkit::psql(
            &uri,
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = current_user"
        ),
        "f|t|t|t",
        "CREATEDB, CREATEROLE and REPLICATION, as Aiven documents avnadmin's rights"
    );
    let catalog = local.server.data_dir.join("catalog.sqlite3");
    for (what, sql) in [
        (
            "ran a program",
            "COPY (SELECT 1) TO PROGRAM 'id'".to_owned(),
        ),
        (
            "read the catalog",
            format!("SELECT pg_read_file('{}')", catalog.display()),
        ),
        (
            "read password hashes",
            "SELECT rolpassword FROM pg_authid".to_owned(),
        ),
        (
            "changed a server setting",
            "ALTER SYSTEM SET work_mem = '64MB'".to_owned(),
        ),
    ] {
        let done = try_psql(&uri, &sql);
        assert!(done.is_err(), "the primary user {what}: {done:?}");
    }
    // What the platform lets it do.
    testkit::psql(&uri, "CREATE ROLE probe LOGIN");
    testkit::psql(&uri, "CREATE DATABASE probe_db");
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            &format!("/v1/project/{PROJECT}/service/walled-pg/db"),
            Some(json!({"database": "orders"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let orders = uri.replace("/defaultdb", "/orders");
    testkit::psql(&orders, "CREATE TABLE t (id int)");
    assert_eq!(
        testkit::psql(
            &orders,
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'orders'"
        ),
        "avnadmin",
        "a database made through the API is the primary user's"
    );
}

/// SQL as the cluster's superuser, as aiven-local's OS user logs in:
/// over the private socket, by peer authentication.
fn as_aiven_local(data_dir: &Path, port: &str, sql: &str) -> String {
    let mut command = Command::new("runuser");
    command.args(["-u", "postgres", "--"]);
    let output = command
        .arg("psql")
        .arg("-h")
        .arg(data_dir.join("run"))
        .args(["-p", port, "-U", "postgres", "-d", "postgres", "-XAtc", sql])
        .output()
        .expect("run psql");
    assert!(output.status.success(), "{sql}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test]
async fn a_cluster_whose_primary_user_was_its_superuser_gets_todays_roles_on_its_next_start() {
    if !running_as_root() {
        eprintln!("runs as root only: it logs in as the engine user, postgres, to age a cluster");
        return;
    }
    let local = Local::start();
    let service = local.create_pg("aged", json!({})).await;
    let uri = support::uri(&service);
    let port = service["service_uri_params"]["port"]
        .as_str()
        .unwrap()
        .to_owned();
    let data_dir = local.server.data_dir.clone();
    // Made as an earlier aiven-local made clusters: the primary user is the
    // superuser, and there is no role called postgres.
    as_aiven_local(&data_dir, &port, "ALTER ROLE avnadmin SUPERUSER");
    testkit::psql(
        &uri,
        "ALTER ROLE postgres RENAME TO bootstrap; ALTER ROLE bootstrap NOLOGIN",
    );
    testkit::psql(
        &uri,
        "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)",
    );

    let mut local = local.restart();
    let service = local.wait_ready("aged").await;
    let uri = support::uri(&service);
    assert_eq!(
        testkit::psql(
            &uri,
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ),
        "f",
        "the primary user is no longer the superuser"
    );
    assert_eq!(testkit::psql(&uri, "SELECT id FROM kept"), "1");
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            &format!("/v1/project/{PROJECT}/service/aged/db"),
            Some(json!({"database": "after"})),
        )
        .await;
    assert_eq!(status, 200, "aiven-local manages it as before: {body}");
    local.server.stop();
}

#[tokio::test]
async fn a_page_that_made_its_own_name_resolve_here_is_refused() {
    let local = Local::start();
    let port = local.base().rsplit(':').next().unwrap().to_owned();
    let ask = |host: String| {
        let local = &local;
        async move {
            local
                .http
                .get(format!("{}/v1/project", local.base()))
                .header("Host", host)
                .header("Authorization", format!("aivenv1 {TOKEN}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        ask(format!("rebound.example:{port}")).await,
        421,
        "DNS rebinding"
    );
    assert_eq!(
        ask("127.0.0.1:1".to_owned()).await,
        421,
        "another port's name"
    );
    assert_eq!(ask(format!("localhost:{port}")).await, 200);
    assert_eq!(ask(format!("127.0.0.1:{port}")).await, 200);
    let console = local
        .http
        .get(format!("{}/console/login", local.base()))
        .header("Host", format!("rebound.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(console.status().as_u16(), 421, "the Console too");
}

#[tokio::test]
async fn every_reply_says_its_type_is_final_and_refuses_frames() {
    let local = Local::start();
    let base = local.base().to_owned();
    let client = reqwest::Client::new();
    let token = format!("aivenv1 {TOKEN}");
    let replies = [
        client
            .get(format!("{base}/v1/project"))
            .header("authorization", &token),
        client.get(format!("{base}/v1/project")),
        client.get(format!("{base}/console/app.js")),
        client.get(format!("{base}/console/login")),
        client.get(format!("{base}/no/such/route")),
    ];
    for request in replies {
        let reply = request.send().await.unwrap();
        let url = reply.url().to_string();
        let headers = reply.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{url}");
        assert_eq!(headers["x-frame-options"], "DENY", "{url}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{url}: {policy}");
    }
}
