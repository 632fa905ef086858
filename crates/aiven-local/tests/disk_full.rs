//! Running out of disk, on a small tmpfs: a backup that cannot fit is not
//! started (it would checkpoint the cluster into the full disk) and nothing
//! half-written is listed or left, a fork that cannot fit is refused with
//! the figures, and the source keeps running with its rows.
//! Needs root (to mount the tmpfs); skipped otherwise.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use support::{Local, psql, uri};
use testkit::LocalServer;

fn available_bytes(dir: &Path) -> u64 {
    let output = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .expect("df");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("df figure")
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn running_out_of_disk_fails_backups_and_forks_clearly_and_harms_no_source() {
    let root = std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m));
    if root.ok() != Some(0) {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let mount = Tmpfs(testkit::temp_dir("disk-full"));
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=320m,mode=711", "tmpfs"])
        .arg(&mount.0)
        .status()
        .expect("mount");
    if !mounted.success() {
        eprintln!("skipped: this machine cannot mount a tmpfs");
        return;
    }
    let data_dir = mount.0.join("data");
    let local = Local::wrap_server(LocalServer::start_in(
        Path::new(env!("CARGO_BIN_EXE_aiven-local")),
        &data_dir,
        &["--backup-interval", "2s", "--backup-retention", "1"],
    ));
    let source = local.create_pg("src", json!({})).await;
    psql(
        &uri(&source),
        "CREATE TABLE t AS SELECT generate_series(1, 1000) id",
    );

    // Leave a megabyte free. Backups keep writing meanwhile, so what was
    // free a moment ago may not be when a filler is made: make another of
    // what is free then, never giving back what is taken.
    let fillers: Vec<std::path::PathBuf> = (0..20)
        .map(|i| mount.0.join(format!("filler-{i}")))
        .collect();
    let filled = fillers.iter().any(|filler| {
        let spare = available_bytes(&mount.0).saturating_sub(1 << 20);
        spare < (1 << 20)
            || Command::new("fallocate")
                .args(["-l", &spare.to_string()])
                .arg(filler)
                .status()
                .expect("fallocate")
                .success()
                && available_bytes(&mount.0) < (2 << 20)
    });
    assert!(filled, "could not fill the tmpfs");
    let listed = |service: &serde_json::Value| -> Vec<String> {
        service["backups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["backup_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = listed(&local.service("src").await);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = listed(&local.service("src").await);
    assert_eq!(after, before, "no backup listed that could not be written");
    // A backup the full disk caught in flight ends (and goes) on its own
    // time; none may stay behind unlisted.
    let unlisted = || -> Vec<String> {
        std::fs::read_dir(data_dir.join("services/test/src/backups"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !after.contains(name))
            .collect()
    };
    let mut left = unlisted();
    for _ in 0..300 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = unlisted();
    }
    assert!(
        left.is_empty(),
        "no half-written backup left: {left:?} on disk, {after:?} listed"
    );

    let (status, body) = local
        .create(
            json!({"service_name": "copy", "service_type": "pg", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "src"}}),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("not enough disk space"), "{message}");
    let (status, _) = local
        .call(reqwest::Method::GET, "/v1/project/test/service/copy", None)
        .await;
    assert_eq!(status, 404, "nothing was created");

    let source = local.service("src").await;
    assert_eq!(source["state"], "RUNNING");
    assert_eq!(psql(&uri(&source), "SELECT count(*) FROM t"), "1000");
    for filler in fillers.iter().filter(|f| f.exists()) {
        std::fs::remove_file(filler).unwrap();
    }
    drop(local);
}
