//! The `serve` command's own promises: tokens, addresses, schedules.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_aiven-local");

#[test]
fn without_a_token_one_is_generated_printed_once_and_stored_privately() {
    let dir = testkit::temp_dir("serve-token");
    let start = || {
        let mut child = Command::new(BINARY)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir)
            .env_remove("AIVEN_LOCAL_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = Vec::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let done = line.starts_with("aiven-local listening on ");
            lines.push(line);
            if done {
                break;
            }
        }
        (child, lines)
    };
    let (mut child, lines) = start();
    let printed = lines
        .iter()
        .find_map(|l| l.split("): ").nth(1))
        .expect("token printed")
        .to_owned();
    let url = lines
        .last()
        .unwrap()
        .trim_start_matches("aiven-local listening on ")
        .to_owned();
    let stored = dir.join("token");
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), printed);
    assert_eq!(
        std::fs::metadata(&stored).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let status = |token: &str| {
        let output = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                &format!("Authorization: aivenv1 {token}"),
            ])
            .arg(format!("{url}/v1/project"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert_eq!(status(&printed), "200");
    assert_eq!(status("guess"), "403");
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();

    let (mut child, lines) = start();
    assert!(
        !lines.iter().any(|l| l.contains(&printed)),
        "printed only once: {lines:?}"
    );
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_token_too_short_to_be_safe_from_guessing_is_refused() {
    let dir = testkit::temp_dir("serve-short-token");
    let output = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env("AIVEN_LOCAL_TOKEN", "secret")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("has 6 characters; use at least 32"), "{said}");
    assert!(
        !said.contains("secret"),
        "the token is not repeated: {said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn other_addresses_than_loopback_need_an_explicit_flag() {
    let dir = testkit::temp_dir("serve-remote");
    let output = Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--token",
            "a-token-long-enough-for-aiven-local",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("without --allow-remote"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn running_services_are_backed_up_on_the_schedule() {
    let server =
        testkit::LocalServer::start(std::path::Path::new(BINARY), &["--backup-interval", "1s"]);
    let call = |method: &str, path: &str, body: Option<&str>| server.call(method, path, body).1;
    call(
        "POST",
        "/v1/project/p/service",
        Some(r#"{"service_name":"g","service_type":"grafana","plan":"startup-4"}"#),
    );
    let started = Instant::now();
    loop {
        let backups = call("GET", "/v1/project/p/service/g/backups", None);
        if backups["backups"].as_array().is_some_and(|b| b.len() >= 3) {
            assert!(
                backups.get("pitr").is_none(),
                "grafana has no point-in-time recovery window"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no scheduled backups: {backups}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn retention_prunes_old_backups_and_their_wal_and_forks_still_work() {
    let server = testkit::LocalServer::start(
        std::path::Path::new(BINARY),
        &["--backup-interval", "1s", "--backup-retention", "2"],
    );
    let call = |method: &str, path: &str, body: Option<&str>| server.call(method, path, body).1;
    let wait_running = |name: &str| {
        let started = Instant::now();
        loop {
            let service = call("GET", &format!("/v1/project/p/service/{name}"), None);
            if service["service"]["state"] == "RUNNING"
                && !service["service"]["backups"].as_array().unwrap().is_empty()
            {
                return service["service"].clone();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{name}: {service}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    call(
        "POST",
        "/v1/project/p/service",
        Some(r#"{"service_name":"db","service_type":"pg","plan":"startup-4"}"#),
    );
    let service = wait_running("db");
    let uri = service["service_uri"].as_str().unwrap().to_owned();
    testkit::psql(&uri, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
    let archive = server.data_dir.join("services/p/db/archive");
    let segments = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&archive)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.len() == 24)
            .collect();
        names.sort();
        names
    };
    let first_segment = segments()[0].clone();
    let first_backup = service["backups"][0]["backup_name"]
        .as_str()
        .unwrap()
        .to_owned();

    let started = Instant::now();
    loop {
        let backups = call("GET", "/v1/project/p/service/db/backups", None);
        let names: Vec<String> = backups["backups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["backup_name"].as_str().unwrap().to_owned())
            .collect();
        if !names.contains(&first_backup) && names.len() == 2 {
            assert_eq!(
                backups["pitr"]["primary_region"]["pitr_range_start"],
                backups["backups"][0]["backup_time"],
                "window starts at the oldest kept backup"
            );
            break;
        }
        assert!(names.len() <= 2, "never more than the retention: {names:?}");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "old backups never pruned: {names:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Store rows go first (no new fork may choose those backups), then
    // the files and the WAL they alone needed.
    let pruning = Instant::now();
    while segments().contains(&first_segment) {
        assert!(
            pruning.elapsed() < Duration::from_secs(10),
            "WAL older than the oldest kept backup is never removed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Backups run every second, so the kept set moves on; what must hold
    // is that directories do not pile up (two kept, one being taken).
    let dirs = std::fs::read_dir(server.data_dir.join("services/p/db/backups"))
        .unwrap()
        .count();
    assert!(dirs <= 3, "backup directories follow the retention: {dirs}");

    call(
        "POST",
        "/v1/project/p/service",
        Some(
            r#"{"service_name":"copy","service_type":"pg","plan":"startup-4","user_config":{"service_to_fork_from":"db"}}"#,
        ),
    );
    let copy = wait_running("copy");
    assert_eq!(
        testkit::psql(
            copy["service_uri"].as_str().unwrap(),
            "SELECT count(*) FROM t"
        ),
        "1"
    );
}
