//! Test support: runs the real aiven-local binary on a throwaway data
//! directory, and reads data back through the engines' own clients
//! (`psql`, `mariadb`, `redis-cli`, clickhouse-connect).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The API token every test server uses.
pub const TOKEN: &str = "test-token-of-the-suite-0123456789";

/// The header with which a test looks at aiven-local's truth, exempt from
/// its contract variations (`AIVEN_LOCAL_VARY`).
pub const EXACT_HEADER: &str = "X-Aiven-Local-Exact";

/// Where each test server logs departures from the API contract.
const CONTRACT_LOG: &str = "contract-violations.jsonl";

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
    /// left in place on drop. Every request and reply is checked against
    /// the API contract, and the server answers with contract variations
    /// when `AIVEN_LOCAL_VARY` is set (it reads that itself).
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
            .arg("--contract-log")
            .arg(contract_log(data_dir))
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

    /// Ends this server (`kill9`: SIGKILL, leaving every engine running;
    /// else SIGTERM) and starts `binary` again on the same data directory
    /// with `args`; the new server removes the directory if this one would
    /// have.
    pub fn restart(mut self, binary: &Path, args: &[&str], kill9: bool) -> LocalServer {
        if kill9 {
            self.kill9();
        } else {
            self.stop();
        }
        let owned = std::mem::replace(&mut self.owns_dir, false);
        let mut next = LocalServer::start_in(binary, &self.data_dir, args);
        next.owns_dir = owned;
        next
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
                "-H",
                &format!("{EXACT_HEADER}: 1"),
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

    /// The names of a service's backups, oldest first.
    pub fn backup_names(&self, project: &str, service: &str) -> Vec<String> {
        let path = format!("/v1/project/{project}/service/{service}/backups");
        let (_, body) = self.call("GET", &path, None);
        let backups = body["backups"].as_array().cloned().unwrap_or_default();
        backups
            .iter()
            .filter_map(|b| b["backup_name"].as_str().map(str::to_owned))
            .collect()
    }

    /// Has the server back up every running service now (SIGUSR1) and
    /// returns the name of `service`'s new backup, which holds everything
    /// committed before this call (on a server whose schedule is not
    /// taking a backup meanwhile: the default interval is an hour).
    pub fn back_up_now(&self, project: &str, service: &str) -> String {
        let before = self.backup_names(project, service);
        let pid = self.pid().expect("the server runs").to_string();
        let sent = Command::new("kill").args(["-USR1", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "SIGUSR1 to {pid}");
        let started = std::time::Instant::now();
        loop {
            let now = self.backup_names(project, service);
            if let Some(new) = now.iter().rev().find(|b| !before.contains(b)) {
                return new.clone();
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "no backup of {service} after SIGUSR1"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// The `recovery_target_time` the provider and the Console send for a
    /// service's latest transaction: the end of its recovery window as
    /// `aiven_api::fork_point` resolves it, returned once it has passed.
    pub fn latest_transaction(&self, project: &str, service: &str) -> String {
        let (_, got) = self.call(
            "GET",
            &format!("/v1/project/{project}/service/{service}"),
            None,
        );
        let type_name = got["service"]["service_type"].as_str().unwrap_or_default();
        let service_type = aiven_api::catalog::service_type(type_name).expect("a known type");
        let path = format!("/v1/project/{project}/service/{service}/backups");
        let (_, backups) = self.call("GET", &path, None);
        let end = backups["pitr"]["primary_region"]["pitr_range_end"]
            .as_str()
            .and_then(|t| aiven_api::timestamp::parse(t).ok());
        let now = time::OffsetDateTime::now_utc();
        let resolved = aiven_api::fork_point::latest_transaction(service_type, end, now);
        let wait = resolved.not_before - time::OffsetDateTime::now_utc();
        if wait.is_positive() {
            std::thread::sleep(wait.unsigned_abs());
        }
        aiven_api::timestamp::format(resolved.target)
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
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

/// The contract log of the server on `data_dir`.
fn contract_log(data_dir: &Path) -> PathBuf {
    data_dir.join(CONTRACT_LOG)
}

impl LocalServer {
    /// Every departure from the API contract this server logged so far,
    /// one line each.
    pub fn contract_violations(&self) -> Vec<String> {
        std::fs::read_to_string(contract_log(&self.data_dir))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
        let violations = self.contract_violations();
        if !violations.is_empty() && !std::thread::panicking() {
            if self.owns_dir {
                let _ = std::fs::remove_dir_all(&self.data_dir);
            }
            panic!(
                "aiven-local saw {} request(s) or reply(ies) outside the API contract:\n{}",
                violations.len(),
                violations.join("\n")
            );
        }
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// A fault: a `--pg-bin` directory whose `postgres` answers as
/// PostgreSQL 15 but which has no `initdb`, so that aiven-local takes
/// PostgreSQL as installed and every pg service's provisioning fails.
/// (A directory with no `postgres` at all means PostgreSQL is missing,
/// and pg services keep the lifecycle only.)
pub fn pg_bin_without_initdb() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("pg-bin-without-initdb");
    let postgres = dir.join("postgres");
    std::fs::write(&postgres, "#!/bin/sh\necho 'postgres (PostgreSQL) 15.0'\n").expect("write");
    // The engine user aiven-local runs as (when started as root) must
    // reach and run it.
    std::fs::set_permissions(&postgres, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
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

/// An instant between two writes, for a point-in-time fork: a pause, now
/// in UTC cut to whole seconds (the way the CLI writes it; MySQL's binary
/// log stamps whole seconds too), another pause. Whatever was written
/// before the call is before it, whatever after is after it.
pub fn moment_between_writes() -> time::OffsetDateTime {
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let now = time::OffsetDateTime::now_utc();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    now.replace_nanosecond(0)
        .expect("zero is a valid nanosecond")
}

/// The parts of a `mysql://user:password@host:port/database` URI, which
/// the `mariadb` client takes as options.
pub struct MysqlUri {
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: String,
    pub database: String,
}

impl MysqlUri {
    pub fn parse(uri: &str) -> MysqlUri {
        let rest = uri.strip_prefix("mysql://").expect("a mysql:// URI");
        let (login, rest) = rest.rsplit_once('@').expect("user@host");
        let (user, password) = login.split_once(':').expect("user:password");
        let (address, database) = rest.split_once('/').expect("host:port/database");
        let (host, port) = address.split_once(':').expect("host:port");
        MysqlUri {
            user: aiven_api::userinfo::decode(user),
            password: aiven_api::userinfo::decode(password),
            host: host.into(),
            port: port.into(),
            database: database.split('?').next().unwrap_or_default().into(),
        }
    }
}

/// Runs SQL through the `mariadb` client at a `mysql://` URI (its
/// password in the environment); batch output without column names, or
/// the client's message when it fails.
pub fn try_mariadb(uri: &str, sql: &str) -> Result<String, String> {
    let uri = MysqlUri::parse(uri);
    let output = Command::new("mariadb")
        .args([
            "--batch",
            "--skip-column-names",
            "-h",
            &uri.host,
            "-P",
            &uri.port,
        ])
        .args(["-u", &uri.user, &uri.database, "-e", sql])
        .env("MYSQL_PWD", &uri.password)
        .output()
        .expect("run mariadb");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// [`try_mariadb`], failing the test when the client fails.
pub fn mariadb(uri: &str, sql: &str) -> String {
    try_mariadb(uri, sql).unwrap_or_else(|err| panic!("mariadb {sql}: {err}"))
}

/// A Valkey URI as Debian's `redis-cli` 7.0 takes it: the platform's
/// `valkeys://` and `valkey://` (which valkey-cli takes as they are) are
/// the same protocol as `rediss://` and `redis://`.
pub fn redis_cli_uri(uri: &str) -> String {
    match uri.split_once("://") {
        Some(("valkeys", rest)) => format!("rediss://{rest}"),
        Some(("valkey", rest)) => format!("redis://{rest}"),
        _ => uri.to_owned(),
    }
}

/// `redis-cli -u URI ARGS...`: its output, trimmed (an error reply is
/// output too, as redis-cli prints it). A TLS URI (`valkeys://`,
/// `rediss://`) is encrypted without checking the certificate, as psql's
/// `sslmode=require` does (tests that check it pass `--cacert`).
pub fn redis_cli(uri: &str, args: &[&str]) -> String {
    let uri = redis_cli_uri(uri);
    let tls: &[&str] = if uri.starts_with("rediss://") {
        &["--insecure"]
    } else {
        &[]
    };
    let output = Command::new("redis-cli")
        .args(["--no-auth-warning", "-u", &uri])
        .args(tls)
        .args(args)
        .output()
        .expect("run redis-cli");
    assert!(output.status.success(), "redis-cli {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// One sample of a series for [`remote_write`]: its labels (`__name__`
/// among them), value and time in milliseconds.
pub struct Sample<'a> {
    pub labels: &'a [(&'a str, &'a str)],
    pub value: f64,
    pub timestamp_ms: i64,
}

/// Protocol buffers' base-128 varint.
fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A length-delimited protocol buffers field.
fn field(number: u64, bytes: &[u8], out: &mut Vec<u8>) {
    varint((number << 3) | 2, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// A Prometheus remote-write `WriteRequest` (protocol buffers: time
/// series of sorted labels and samples) in snappy's block format, written
/// as literals only, which every snappy decoder reads.
pub fn remote_write_body(samples: &[Sample]) -> Vec<u8> {
    let mut request = Vec::new();
    for sample in samples {
        let mut labels = sample.labels.to_vec();
        labels.sort();
        let mut series = Vec::new();
        for (name, value) in labels {
            let mut label = Vec::new();
            field(1, name.as_bytes(), &mut label);
            field(2, value.as_bytes(), &mut label);
            field(1, &label, &mut series);
        }
        let mut point = vec![0x09];
        point.extend_from_slice(&sample.value.to_le_bytes());
        point.push(0x10);
        varint(sample.timestamp_ms as u64, &mut point);
        field(2, &point, &mut series);
        field(1, &series, &mut request);
    }
    let mut snappy = Vec::new();
    varint(request.len() as u64, &mut snappy);
    for chunk in request.chunks(65536) {
        let n = chunk.len() - 1;
        if n < 60 {
            snappy.push((n as u8) << 2);
        } else if n < 256 {
            snappy.extend_from_slice(&[60 << 2, n as u8]);
        } else {
            snappy.push(61 << 2);
            snappy.extend_from_slice(&(n as u16).to_le_bytes());
        }
        snappy.extend_from_slice(chunk);
    }
    snappy
}

/// curl's TLS arguments for `base`: an `https://` URI is encrypted
/// without checking the certificate, as psql's `sslmode=require` does
/// (tests that check it pass `--cacert` themselves).
fn curl_tls(base: &str) -> &'static [&'static str] {
    if base.starts_with("https://") {
        &["--insecure"]
    } else {
        &[]
    }
}

/// Sends `samples` to a Prometheus remote-write endpoint (`base` is a
/// `https://user:password@host:port` URI) with curl; the HTTP status.
pub fn remote_write(base: &str, samples: &[Sample]) -> u16 {
    use std::io::Write;
    let mut child = Command::new("curl")
        .args(curl_tls(base))
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--data-binary",
            "@-",
        ])
        .args([
            "-H",
            "Content-Encoding: snappy",
            "-H",
            "Content-Type: application/x-protobuf",
        ])
        .args(["-H", "X-Prometheus-Remote-Write-Version: 0.1.0"])
        .arg(format!("{base}/api/v1/write"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run curl");
    let body = remote_write_body(samples);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&body)
        .expect("send the samples");
    let output = child.wait_with_output().expect("curl");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// A PromQL instant query at `time` (seconds) against `base` (a
/// `https://user:password@host:port` URI): Prometheus's answer, and the
/// HTTP status.
pub fn promql(base: &str, query: &str, time: i64) -> (u16, serde_json::Value) {
    let output = Command::new("curl")
        .args(curl_tls(base))
        .args(["-s", "-w", "\n%{http_code}", "-G", "--data-urlencode"])
        .arg(format!("query={query}"))
        .args(["--data-urlencode", &format!("time={time}")])
        .arg(format!("{base}/api/v1/query"))
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&output.stdout);
    let (json, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (
        status.trim().parse().unwrap_or(0),
        serde_json::from_str(json).unwrap_or_default(),
    )
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
    /// Forward the request, then answer 200 with a body that is JSON but
    /// not the API's: the request took effect, the answer cannot be read.
    GarbledAfterForwarding,
    /// Answer with this status and an HTML page, as a proxy in the way
    /// would, without forwarding.
    Page(u16),
    /// Answer 200 with this JSON body without forwarding: a reply the real
    /// API may give that aiven-local does not produce on demand.
    Json(&'static str),
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
    messages: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FaultProxy {
    pub fn start(upstream_url: &str, rules: Vec<FaultRule>) -> FaultProxy {
        use std::sync::{Arc, Mutex};
        let upstream = upstream_url.trim_start_matches("http://").to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fault proxy");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let messages = Arc::new(Mutex::new(Vec::new()));
        let rules = Arc::new(Mutex::new(rules));
        let (log, full) = (Arc::clone(&seen), Arc::clone(&messages));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, rules, log, full) = (
                    upstream.clone(),
                    Arc::clone(&rules),
                    Arc::clone(&log),
                    Arc::clone(&full),
                );
                std::thread::spawn(move || {
                    serve_connection(client, &upstream, &rules, &Seen { log, full });
                });
            }
        });
        FaultProxy {
            url,
            seen,
            messages,
        }
    }

    /// Whole requests seen so far (request line, headers and body), for
    /// checking what a client sent.
    pub fn messages(&self) -> Vec<String> {
        self.messages
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
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

/// What the proxy records: request lines, and whole requests.
struct Seen {
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    full: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// What the proxy does with a connection after answering one request.
enum Next {
    KeepOpen,
    Close,
}

fn serve_connection(
    client: std::net::TcpStream,
    upstream: &str,
    rules: &std::sync::Mutex<Vec<FaultRule>>,
    seen: &Seen,
) {
    let mut reader = BufReader::new(client.try_clone().expect("clone stream"));
    let mut client = client;
    while let Some(request) = read_message(&mut reader) {
        let line = seen.record(&request);
        let fault = take_fault(rules, &line);
        let next = match fault {
            Some(fault) if fault.answers_instead() => answer_instead(&mut client, fault),
            _ => forward(&mut client, upstream, &request, fault),
        };
        if let Next::Close = next {
            return;
        }
    }
}

impl Seen {
    /// Records a request; returns its request line without the version.
    fn record(&self, request: &[u8]) -> String {
        let text = String::from_utf8_lossy(request);
        let request_line = text.lines().next().unwrap_or_default();
        let line = request_line
            .rsplit_once(' ')
            .map_or(request_line, |(line, _)| line)
            .to_owned();
        if let Ok(mut log) = self.log.lock() {
            log.push(line.clone());
        }
        if let Ok(mut full) = self.full.lock() {
            full.push(text.into_owned());
        }
        line
    }
}

/// The fault the first matching rule with uses left injects, using one.
fn take_fault(rules: &std::sync::Mutex<Vec<FaultRule>>, line: &str) -> Option<Fault> {
    let mut rules = rules.lock().ok()?;
    let rule = rules
        .iter_mut()
        .find(|r| r.times > 0 && line.starts_with(r.method) && line.contains(r.path))?;
    rule.times -= 1;
    Some(rule.fault)
}

impl Fault {
    /// Whether the fault answers without the request reaching upstream.
    fn answers_instead(self) -> bool {
        matches!(self, Fault::Json(_) | Fault::Page(_) | Fault::Status(..))
    }
}

fn answer_instead(client: &mut std::net::TcpStream, fault: Fault) -> Next {
    use std::io::Write;
    match fault {
        Fault::Json(body) => {
            let _ = write!(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            Next::KeepOpen
        }
        Fault::Page(status) => {
            let body = format!(
                "<html><head><title>{status} Denied by proxy</title></head><body><h1>Denied</h1></body></html>"
            );
            let _ = write!(
                client,
                "HTTP/1.1 {status} Denied\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            Next::Close
        }
        Fault::Status(status, retry_after) => {
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
            Next::Close
        }
        _ => Next::Close,
    }
}

/// Sends the request upstream and relays the answer, unless the fault is
/// one that spoils the answer after the request had its effect.
/// `request` with its `Host` header naming `upstream`, as a reverse proxy
/// sets it by default (nginx's `$proxy_host`).
fn addressed_to(request: &[u8], upstream: &str) -> Vec<u8> {
    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
        return request.to_vec();
    };
    let head = String::from_utf8_lossy(&request[..end]);
    let lines: Vec<String> = head
        .split("\r\n")
        .map(|line| match line.split_once(':') {
            Some((name, _)) if name.eq_ignore_ascii_case("host") => format!("Host: {upstream}"),
            _ => line.to_owned(),
        })
        .collect();
    let mut rewritten = lines.join("\r\n").into_bytes();
    rewritten.extend_from_slice(&request[end..]);
    rewritten
}

fn forward(
    client: &mut std::net::TcpStream,
    upstream: &str,
    request: &[u8],
    fault: Option<Fault>,
) -> Next {
    use std::io::Write;
    let Ok(mut upstream_stream) = std::net::TcpStream::connect(upstream) else {
        return Next::Close;
    };
    if upstream_stream
        .write_all(&addressed_to(request, upstream))
        .is_err()
    {
        return Next::Close;
    }
    let Some(response) = read_message(&mut BufReader::new(&upstream_stream)) else {
        return Next::Close;
    };
    match fault {
        Some(Fault::DropAfterForwarding) => {
            let _ = client.shutdown(std::net::Shutdown::Both);
            Next::Close
        }
        Some(Fault::GarbledAfterForwarding) => {
            let body = r#"{"service": {"service_name": 42}}"#;
            let _ = write!(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            Next::KeepOpen
        }
        _ if client.write_all(&response).is_err() => Next::Close,
        _ => Next::KeepOpen,
    }
}

/// The Python with chDB and clickhouse-connect that `scripts/setup.sh`
/// installs (`AIVEN_LOCAL_CHDB_PYTHON` overrides it, as `--chdb-python`
/// does aiven-local's).
pub fn chdb_python() -> PathBuf {
    std::env::var_os("AIVEN_LOCAL_CHDB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/aiven-local/chdb/bin/python"))
}

/// What every [`clickhouse_connect`] script starts with: a client of
/// ClickHouse's own Python library for the service's `https://` URI,
/// verifying its certificate against the project CA when one is given.
const CLICKHOUSE_PRELUDE: &str = r#"
import os, sys
from urllib.parse import urlsplit, unquote
import clickhouse_connect
_uri = urlsplit(os.environ["CH_URI"])
assert _uri.scheme == "https", _uri.scheme
client = clickhouse_connect.get_client(
    host=_uri.hostname, port=_uri.port,
    username=unquote(_uri.username), password=unquote(_uri.password or ""),
    secure=True, verify="CH_CA" in os.environ, ca_cert=os.environ.get("CH_CA"))
"#;

/// Runs a Python `script` with `client`, a clickhouse-connect client of
/// the service at `uri` (an `https://user:password@host:port` URI, the
/// password in the environment, never in arguments), checking the
/// server's certificate against `ca_file` (without one, not at all:
/// `redis-cli --insecure`'s counterpart, for tests about data, not TLS);
/// what the script prints, trimmed, or the error it ended with.
pub fn clickhouse_connect(
    uri: &str,
    ca_file: Option<&Path>,
    script: &str,
) -> Result<String, String> {
    let mut command = Command::new(chdb_python());
    command
        .arg("-c")
        .arg(format!("{CLICKHOUSE_PRELUDE}\n{script}"))
        .env("CH_URI", uri);
    if let Some(ca_file) = ca_file {
        command.env("CH_CA", ca_file);
    }
    python_output(command)
}

/// What a Python script printed, trimmed, or the error it ended with: the
/// exception's own line, not the traceback above it.
fn python_output(mut command: Command) -> Result<String, String> {
    let output = command.output().expect("run a venv's python");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        Err(last.unwrap_or_default().to_owned())
    }
}

/// `SELECT`s through [`clickhouse_connect`], one row per line with tabs
/// between values; panics when the query fails.
pub fn clickhouse_query(uri: &str, ca_file: &Path, sql: &str) -> String {
    let script = format!(
        "for row in client.query({sql:?}).result_rows:\n    print('\\t'.join(str(v) for v in row))"
    );
    clickhouse_connect(uri, Some(ca_file), &script).unwrap_or_else(|err| panic!("{sql}: {err}"))
}

/// The Python with cassandra-driver (and cqlsh) that `scripts/setup.sh`
/// installs (`AIVEN_LOCAL_CQL_PYTHON` overrides it).
pub fn cql_python() -> PathBuf {
    std::env::var_os("AIVEN_LOCAL_CQL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/aiven-local/cqlsh/bin/python"))
}

/// What every [`cql`] script starts with: `session`, a session of
/// Cassandra's own Python driver (the one cqlsh runs on) with the
/// service at `host:port` over TLS, verifying the certificate and host
/// name against the project CA when one is given.
const CQL_PRELUDE: &str = r#"
import os, ssl, logging
from urllib.parse import urlsplit, unquote
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
logging.basicConfig(level=logging.ERROR)
_uri = urlsplit(os.environ["CQL_URI"])
_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
if "CQL_CA" in os.environ:
    _tls.load_verify_locations(os.environ["CQL_CA"])
else:
    _tls.check_hostname = False
    _tls.verify_mode = ssl.CERT_NONE
cluster = Cluster([_uri.hostname], port=_uri.port, protocol_version=5,
                  ssl_context=_tls, ssl_options={"server_hostname": _uri.hostname},
                  auth_provider=PlainTextAuthProvider(unquote(_uri.username), unquote(_uri.password or "")))
session = cluster.connect()
"#;

/// Runs a Python `script` with `session`, a cassandra-driver session with
/// the service at `uri` (a `scheme://user:password@host:port` URI, the
/// password in the environment, never in arguments), checking the
/// certificate against `ca_file` (without one, not at all, as
/// [`clickhouse_connect`]); what the script prints, trimmed, or the
/// error it ended with.
pub fn cql(uri: &str, ca_file: Option<&Path>, script: &str) -> Result<String, String> {
    let mut command = Command::new(cql_python());
    command
        .arg("-c")
        .arg(format!("{CQL_PRELUDE}\n{script}\ncluster.shutdown()"))
        .env("CQL_URI", uri);
    if let Some(ca_file) = ca_file {
        command.env("CQL_CA", ca_file);
    }
    python_output(command)
}

/// One call to an OpenSearch service's REST API with curl, as the
/// platform's docs connect: `uri` is the service's `https://user:password@
/// host:port` URI, whose credentials curl reads from its standard input,
/// never its arguments; the certificate is checked against `ca_file`.
/// The reply's status and its JSON (a string where it is none).
pub fn opensearch(
    uri: &str,
    ca_file: &Path,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let body = body.map(serde_json::Value::to_string);
    let body = body.as_deref().map(|text| ("application/json", text));
    opensearch_call(uri, Some(ca_file), (method, path, body))
}

/// [`opensearch`] without checking the certificate (`curl --insecure`,
/// as `redis-cli --insecure`), for tests about data, not TLS.
pub fn opensearch_unverified(
    uri: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let body = body.map(serde_json::Value::to_string);
    let body = body.as_deref().map(|text| ("application/json", text));
    opensearch_call(uri, None, (method, path, body))
}

/// A `POST` of newline-delimited JSON (`_bulk`) through [`opensearch`].
pub fn opensearch_ndjson(
    uri: &str,
    ca_file: &Path,
    path: &str,
    lines: &str,
) -> (u16, serde_json::Value) {
    let body = Some(("application/x-ndjson", lines));
    opensearch_call(uri, Some(ca_file), ("POST", path, body))
}

/// A method, a path and a body with its content type.
type OpenSearchRequest<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);

fn opensearch_call(
    uri: &str,
    ca_file: Option<&Path>,
    (method, path, body): OpenSearchRequest<'_>,
) -> (u16, serde_json::Value) {
    let (scheme, rest) = uri.split_once("://").expect("a URI");
    let (userinfo, host) = rest.rsplit_once('@').expect("credentials in the URI");
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let decode = aiven_api::userinfo::decode;
    let quoted = |text: &str| {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        format!("\"{escaped}\"")
    };
    let credentials = format!("{}:{}", decode(user), decode(password));
    let mut config = format!("user = {}\n", quoted(&credentials));
    if let Some((content_type, text)) = body {
        config.push_str(&format!("header = \"Content-Type: {content_type}\"\n"));
        config.push_str(&format!("data-binary = {}\n", quoted(text)));
    }
    let mut command = Command::new("curl");
    command.args([
        "-sS",
        "--max-time",
        "120",
        "-K",
        "-",
        "-w",
        "\n%{http_code}",
        "-X",
        method,
    ]);
    match ca_file {
        Some(ca_file) => command.arg("--cacert").arg(ca_file),
        None => command.arg("--insecure"),
    };
    let mut child = command
        .arg(format!("{scheme}://{}{path}", host.trim_end_matches('/')))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run curl");
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(config.as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let (reply, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    let reply = serde_json::from_str(reply).unwrap_or_else(|_| reply.into());
    (status.trim().parse().unwrap_or(0), reply)
}
