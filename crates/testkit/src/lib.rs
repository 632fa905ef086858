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

    /// Calls the API (blocking, through curl, so plain `#[test]`s can use
    /// it) with the test token; returns the HTTP status and the JSON body
    /// (null when the body is not JSON).
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, serde_json::Value) {
        let mut command = Command::new("curl");
        command
            .args([
                "-s",
                "-w",
                "\n%{http_code}",
                "-X",
                method,
                "-H",
                &format!("Authorization: aivenv1 {TOKEN}"),
            ])
            .arg(format!("{}{path}", self.url));
        if let Some(body) = body {
            command.args(["-d", body]);
        }
        let output = command.output().expect("run curl");
        let text = String::from_utf8_lossy(&output.stdout);
        let (json, status) = text.rsplit_once('\n').unwrap_or(("", &text));
        (
            status.trim().parse().unwrap_or(0),
            serde_json::from_str(json).unwrap_or_default(),
        )
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

/// A fault to inject in place of, or after, forwarding a request.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer with this status (and `Retry-After` seconds, if given)
    /// without forwarding.
    Status(u16, Option<u64>),
    /// Forward the request, then close the connection without answering:
    /// the request took effect but the client cannot know.
    DropAfterForwarding,
}

/// Injects `fault` into the next `times` requests whose request line
/// starts with `method` and contains `path`.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub method: &'static str,
    pub path: &'static str,
    pub fault: Fault,
    pub times: usize,
}

/// A fake, used only to inject faults the real aiven-local cannot produce
/// on demand: an HTTP/1.1 proxy in front of it that follows a script of
/// [`FaultRule`]s and records every request line it saw.
pub struct FaultProxy {
    pub url: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FaultProxy {
    pub fn start(upstream_url: &str, rules: Vec<FaultRule>) -> FaultProxy {
        use std::sync::{Arc, Mutex};
        let upstream = upstream_url.trim_start_matches("http://").to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fault proxy");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rules = Arc::new(Mutex::new(rules));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, rules, log) =
                    (upstream.clone(), Arc::clone(&rules), Arc::clone(&log));
                std::thread::spawn(move || serve_connection(client, &upstream, &rules, &log));
            }
        });
        FaultProxy { url, seen }
    }

    /// Request lines seen so far, e.g. `POST /v1/project/p/service`.
    pub fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }
}

/// Reads one HTTP/1.1 message (headers and a Content-Length body).
fn read_message(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut message = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        message.extend_from_slice(line.as_bytes());
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    std::io::Read::read_exact(reader, &mut body).ok()?;
    message.extend_from_slice(&body);
    Some(message)
}

fn serve_connection(
    client: std::net::TcpStream,
    upstream: &str,
    rules: &std::sync::Mutex<Vec<FaultRule>>,
    seen: &std::sync::Mutex<Vec<String>>,
) {
    use std::io::Write;
    let mut reader = BufReader::new(client.try_clone().expect("clone stream"));
    let mut client = client;
    while let Some(request) = read_message(&mut reader) {
        let request_line = String::from_utf8_lossy(&request)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        let line = request_line
            .rsplit_once(' ')
            .map_or(request_line.as_str(), |(line, _)| line)
            .to_owned();
        if let Ok(mut seen) = seen.lock() {
            seen.push(line.clone());
        }
        let fault = rules.lock().ok().and_then(|mut rules| {
            let rule = rules
                .iter_mut()
                .find(|r| r.times > 0 && line.starts_with(r.method) && line.contains(r.path))?;
            rule.times -= 1;
            Some(rule.fault)
        });
        if let Some(Fault::Status(status, retry_after)) = fault {
            let body = format!(
                r#"{{"message":"injected fault","errors":[{{"message":"injected fault","status":{status}}}]}}"#
            );
            let retry = retry_after
                .map(|s| format!("Retry-After: {s}\r\n"))
                .unwrap_or_default();
            let _ = write!(
                client,
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            return;
        }
        let Ok(mut upstream_stream) = std::net::TcpStream::connect(upstream) else {
            return;
        };
        if upstream_stream.write_all(&request).is_err() {
            return;
        }
        let Some(response) = read_message(&mut BufReader::new(&upstream_stream)) else {
            return;
        };
        if matches!(fault, Some(Fault::DropAfterForwarding)) {
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        if client.write_all(&response).is_err() {
            return;
        }
    }
}
