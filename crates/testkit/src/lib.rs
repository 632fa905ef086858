//! Test support: runs the real aiven-local binary on a throwaway data
//! directory, and reads data back through the real `psql`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The API token every test server uses.
pub const TOKEN: &str = "test-token";

/// A new empty directory under the system temp dir.
pub fn temp_dir(prefix: &str) -> PathBuf {
    tfplugin::harness::unique_temp_dir(prefix).expect("create temp dir")
}

/// The workspace's build of `name` (e.g. `aiven-local`), next to the
/// running test binary (target/<profile>/deps/..).
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = profile.join(name);
    assert!(
        binary.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it",
        binary.display()
    );
    binary
}

/// A running aiven-local; SIGTERM on drop (which stops its clusters), and
/// its data directory removed if this server created it.
pub struct LocalServer {
    child: Option<Child>,
    pub data_dir: PathBuf,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    owns_dir: bool,
}

impl LocalServer {
    /// Starts `binary` on a fresh data directory.
    pub fn start(binary: &Path, args: &[&str]) -> LocalServer {
        let mut server = LocalServer::start_in(binary, &temp_dir("aiven-local"), args);
        server.owns_dir = true;
        server
    }

    /// Starts on an existing data directory (a restart); the directory is
    /// left in place on drop.
    pub fn start_in(binary: &Path, data_dir: &Path, args: &[&str]) -> LocalServer {
        let mut command = Command::new(binary);
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--token",
                TOKEN,
                "--data-dir",
            ])
            .arg(data_dir)
            .args(args);
        if !args.contains(&"--provision-delay") {
            // Engine-less services need not keep tests waiting.
            command.args(["--provision-delay", "200ms"]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiven-local");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("aiven-local prints its address")
                .expect("read stdout");
            if let Some(address) = line.strip_prefix("aiven-local listening on ") {
                break address.to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        LocalServer {
            child: Some(child),
            data_dir: data_dir.to_owned(),
            url,
            owns_dir: false,
        }
    }

    /// Hands the data directory's removal to this server.
    pub fn owning_data_dir(mut self) -> LocalServer {
        self.owns_dir = true;
        self
    }

    /// SIGTERM and wait: every cluster is stopped cleanly.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    /// SIGKILL: clusters keep running, nothing is cleaned up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// Runs SQL through psql and returns its unaligned, tuples-only output.
pub fn psql(uri: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([uri, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
