//! Running engine programs and handling their files, the same way for
//! every engine: secrets reach a program on its standard input or in a
//! file only its owner reads, never on a command line every local user
//! can see.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;

use super::EngineError;

/// A command for an engine program: no standard input, output captured,
/// killed if the caller gives up on it, in the C locale.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    own_environment(&mut command);
    command
}

/// What an engine's environment holds: `PATH` (its shell commands, such
/// as PostgreSQL's archive command, need it) and the locale, nothing else
/// of aiven-local's. Everything an engine runs inherits this, so the API
/// token, the Console's secrets and whatever else aiven-local was started
/// with stay out of reach of a service's users (a superuser's `COPY ...
/// FROM PROGRAM 'env'` read them before).
pub fn own_environment(command: &mut Command) {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    command
        .env_clear()
        .env("PATH", path)
        .env("LC_ALL", "C.UTF-8");
}

/// Runs `command` to its end and returns its standard output; `what` names
/// it in errors.
pub async fn run(command: Command, what: &str) -> Result<String, EngineError> {
    run_with_input(command, None, what).await
}

/// Runs `command`, writing `input` to its standard input if given (the
/// way to hand it a secret).
pub async fn run_with_input(
    mut command: Command,
    input: Option<&[u8]>,
    what: &str,
) -> Result<String, EngineError> {
    use tokio::io::AsyncWriteExt;
    if input.is_some() {
        command.stdin(Stdio::piped());
    }
    let spawn = |source| EngineError::Spawn {
        program: what.to_owned(),
        source,
    };
    let mut child = command.spawn().map_err(spawn)?;
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(input).await.map_err(spawn)?;
    }
    let output = child.wait_with_output().await.map_err(spawn)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(EngineError::Failed {
            program: what.to_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Writes a file only its owner can read, created afresh (a leftover is
/// replaced, never written through).
pub fn write_secret(path: &Path, secret: &str) -> Result<(), EngineError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(secret.as_bytes()))
        .map_err(|err| EngineError::io("write", path, err))
}

/// Removes `dir` and everything in it; gone already counts as removed. A
/// process a crashed or ended provisioning left behind (a `tar` unpacking
/// a fork, say) may still be writing into it for a moment, so a directory
/// that is not empty yet is tried again, for up to five seconds.
pub async fn remove_dir_settling(dir: &Path) -> std::io::Result<()> {
    let mut tries = 0;
    loop {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) if tries >= 100 => return Err(err),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// Hard-links every file under `from` into `into` (the same tree, its
/// directories made anew) that `into` lacks yet.
pub fn link_missing(from: &Path, into: &Path) -> Result<(), EngineError> {
    std::fs::create_dir_all(into).map_err(|err| EngineError::io("create", into, err))?;
    let entries = std::fs::read_dir(from).map_err(|err| EngineError::io("read", from, err))?;
    for entry in entries {
        let entry = entry.map_err(|err| EngineError::io("read", from, err))?;
        let target = into.join(entry.file_name());
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            link_missing(&entry.path(), &target)?;
            continue;
        }
        match std::fs::hard_link(entry.path(), &target) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            // The archiver or retention may add or remove a file between
            // listing and linking; a vanished file is simply not needed.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(EngineError::io("link", target, err)),
        }
    }
    Ok(())
}

/// The total size of the files under `dir`.
pub fn files_size(dir: &Path) -> Result<i64, EngineError> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|err| EngineError::io("read", dir, err))? {
        let Ok(entry) = entry else { continue };
        match entry.metadata() {
            Ok(metadata) if metadata.is_dir() => total += files_size(&entry.path())?,
            Ok(metadata) => total += metadata.len() as i64,
            Err(_) => {}
        }
    }
    Ok(total)
}

/// The pid in `pid_file`, if that process runs and is `program` (a pid is
/// reused once its process is gone).
pub fn running_pid(pid_file: &Path, program: &str) -> Option<rustix::process::Pid> {
    let text = std::fs::read_to_string(pid_file).ok()?;
    let pid = rustix::process::Pid::from_raw(text.trim().parse().ok()?)?;
    alive(pid, program).then_some(pid)
}

/// Whether `pid` is still `program` and has not exited. A zombie has: a
/// server that exited and whose parent has not reaped it (aiven-local
/// itself, or, for a server whose aiven-local was killed, an init that
/// never reaps, as in some containers) holds no port and no files, and
/// must be started again, not waited for.
fn alive(pid: rustix::process::Pid, program: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_nonzero())) else {
        return false;
    };
    // `PID (COMM) STATE ...`: the name may hold spaces and parentheses.
    let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
        return false;
    };
    let state = stat[close + 1..].trim_start().chars().next();
    &stat[open + 1..close] == program && !matches!(state, Some('Z' | 'X') | None)
}

/// Sends `signal` to the `program` whose pid is in `pid_file`, if it runs,
/// and waits up to `patience` for it to exit.
pub async fn stop_pid(
    pid_file: &Path,
    program: &str,
    signal: rustix::process::Signal,
    patience: std::time::Duration,
) -> Result<(), EngineError> {
    let Some(pid) = running_pid(pid_file, program) else {
        return Ok(());
    };
    rustix::process::kill_process(pid, signal).map_err(|err| EngineError::Spawn {
        program: program.to_owned(),
        source: err.into(),
    })?;
    // The process itself, not its pid file: a server may remove that
    // file as it begins to stop (Cassandra's launcher does, while the
    // node still drains), and is stopped only once it has exited.
    let started = std::time::Instant::now();
    while started.elapsed() < patience {
        if !alive(pid, program) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Err(EngineError::TimedOut {
        waiting_for: format!("{program} to stop ({} s)", patience.as_secs()),
    })
}

/// Waits up to `patience` until something accepts connections on
/// `127.0.0.1:port`.
pub async fn wait_listening(port: u16, patience: std::time::Duration) -> Result<(), EngineError> {
    let started = std::time::Instant::now();
    while started.elapsed() < patience {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Err(EngineError::TimedOut {
        waiting_for: format!("port {port} to accept connections"),
    })
}

/// Copies `from` to `to` as an archive does: under a temporary name, made
/// durable, then renamed, so a crash never leaves a partial file under its
/// real name. An existing `to` is left alone. Two archivers may copy the
/// same file at once (the schedule and a fork's flush): each writes its
/// own temporary file, and the second rename replaces the first with the
/// same bytes.
pub fn archive_file(from: &Path, to: &Path) -> Result<(), EngineError> {
    if to.exists() {
        return Ok(());
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(format!(".part-{:08x}", fastrand::u32(..)));
    let partial = std::path::PathBuf::from(partial);
    let copied = std::fs::copy(from, &partial)
        .map_err(|err| EngineError::io("copy", from, err))
        .and_then(|_| {
            std::fs::File::open(&partial)
                .and_then(|file| file.sync_all())
                .map_err(|err| EngineError::io("sync", &partial, err))
        })
        .and_then(|()| {
            std::fs::rename(&partial, to).map_err(|err| EngineError::io("rename", &partial, err))
        });
    if copied.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    copied?;
    if let Some(dir) = to.parent() {
        std::fs::File::open(dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|err| EngineError::io("sync", dir, err))?;
    }
    Ok(())
}

/// Packs the contents of `dir` into `archive` (tar, LZ4: a fork's restore
/// waits on unpacking, and LZ4 unpacks several times faster than gzip).
pub async fn pack(dir: &Path, archive: &Path) -> Result<(), EngineError> {
    let mut tar = command("tar");
    tar.args(["-I", "lz4", "-cf"])
        .arg(archive)
        .arg("-C")
        .arg(dir)
        .arg(".");
    run(tar, "packing a backup").await.map(drop)
}

/// Unpacks a [`pack`]ed `archive` into `dir`.
pub async fn unpack(archive: &Path, dir: &Path) -> Result<(), EngineError> {
    let mut tar = command("tar");
    tar.args(["-I", "lz4", "-xf"])
        .arg(archive)
        .arg("-C")
        .arg(dir);
    run(tar, "unpacking a backup").await.map(drop)
}

/// What `program --version` prints, for `pick` to find the version in.
pub fn version_of(program: &Path, pick: fn(&str) -> Option<String>) -> Option<String> {
    let output = std::process::Command::new(program)
        .arg("--version")
        .output()
        .ok()?;
    pick(&String::from_utf8_lossy(&output.stdout))
}

/// An engine's name with its version, when known: "MariaDB 10.11.14".
pub fn product(name: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("{name} {version}"),
        None => name.to_owned(),
    }
}

/// `curl`, for engines whose own API is HTTPS (Prometheus, OpenSearch).
pub fn find_curl() -> Option<std::path::PathBuf> {
    ["/usr/bin/curl", "/bin/curl"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|path| path.is_file())
}

/// A value as a quoted string of a curl configuration file.
fn curl_quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One call to an engine's HTTPS API on `127.0.0.1:port` as `login`, with
/// an optional JSON `body`; the reply's status and body. curl takes the
/// credentials and the body from its standard input, never its command
/// line, and sends them only to a server whose certificate `ca` signed,
/// never to another process holding the port. `what` names the call in
/// errors.
pub async fn https_call(
    curl: &Path,
    ca: &Path,
    port: u16,
    login: super::Login<'_>,
    request: (&str, &str, Option<&str>),
    what: &str,
) -> Result<(u16, String), EngineError> {
    let (method, path, body) = request;
    let mut command = command(curl);
    command
        .args(["-sS", "--max-time", "300", "-K", "-", "-X", method])
        .args(["-w", "\n%{http_code}", "--cacert"])
        .arg(ca)
        .arg(format!("https://127.0.0.1:{port}{path}"));
    let mut config = format!(
        "user = {}\n",
        curl_quoted(&format!("{}:{}", login.user, login.password))
    );
    if let Some(body) = body {
        config.push_str("header = \"Content-Type: application/json\"\n");
        config.push_str(&format!("data-binary = {}\n", curl_quoted(body)));
    }
    let output = run_with_input(command, Some(config.as_bytes()), what).await?;
    let (reply, status) = output.rsplit_once('\n').unwrap_or(("", &output));
    let status = status.trim().parse().map_err(|_| EngineError::Failed {
        program: what.to_owned(),
        stderr: format!("no HTTP status in curl's answer: {status:?}"),
    })?;
    Ok((status, reply.to_owned()))
}

/// One request on a server's control socket, one JSON line each way (our
/// servers beside chDB and Cassandra): what the server answered, its
/// `ok`, or its refusal, its `error`, in the words of `program`.
pub async fn ask_control(
    socket: &Path,
    request: &serde_json::Value,
    program: &str,
) -> Result<serde_json::Value, EngineError> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let io = |doing| move |err| EngineError::io(doing, socket, err);
    let stream = tokio::net::UnixStream::connect(socket)
        .await
        .map_err(io("connect to"))?;
    let (read, mut write) = stream.into_split();
    let mut line = request.to_string();
    line.push('\n');
    write
        .write_all(line.as_bytes())
        .await
        .map_err(io("write to"))?;
    let mut answer = String::new();
    BufReader::new(read)
        .read_line(&mut answer)
        .await
        .map_err(io("read from"))?;
    let mut answer: serde_json::Value = serde_json::from_str(&answer)
        .map_err(|_| EngineError::Gone("a server closed its control socket"))?;
    if let Some(ok) = answer.get_mut("ok") {
        return Ok(ok.take());
    }
    match answer.get("error") {
        Some(serde_json::Value::String(reason)) => Err(EngineError::Refused {
            program: program.to_owned(),
            reason: reason.clone(),
        }),
        _ => Err(EngineError::Gone(
            "a server answered nothing on its control socket",
        )),
    }
}

/// Why a server exited before it answered on `port`: its exit status and
/// the most telling line of its log (the last one naming an error, else
/// the last one).
pub fn exited_early(
    program: &str,
    what: &str,
    log_file: &Path,
    port: u16,
    status: std::process::ExitStatus,
) -> EngineError {
    let log = std::fs::read_to_string(log_file).unwrap_or_default();
    let mut lines = log.lines().rev();
    let telling = lines
        .clone()
        .find(|l| l.contains("Exception") || l.contains("ERROR"))
        .or_else(|| lines.find(|l| !l.trim().is_empty()))
        .unwrap_or_default();
    EngineError::Refused {
        program: program.to_owned(),
        reason: format!(
            "{what} exited ({status}; is port {port} held by another process?): {telling}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_directory_still_written_by_a_left_over_process_is_removed_once_it_stops() {
        let dir = testkit::temp_dir("settling");
        let writing = dir.join("data");
        std::fs::create_dir_all(&writing).unwrap();
        // As a `tar` a crash left behind: files keep coming for a while.
        let writer = {
            let writing = writing.clone();
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let mut n = 0;
                while started.elapsed() < std::time::Duration::from_millis(400) {
                    let _ = std::fs::create_dir_all(writing.join("sub"));
                    let _ = std::fs::write(writing.join("sub").join(n.to_string()), "x");
                    n += 1;
                }
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        remove_dir_settling(&writing).await.unwrap();
        writer.join().unwrap();
        remove_dir_settling(&writing).await.unwrap();
        assert!(!writing.exists());
        remove_dir_settling(&writing).await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_stop_waits_for_the_process_to_exit_not_for_its_pid_file_to_go() {
        let dir = testkit::temp_dir("stop-pid");
        let pid_file = dir.join("server.pid");
        // A server that removes its pid file as soon as it is asked to
        // stop, and exits a moment later, as Cassandra's launcher does.
        let mut server = std::process::Command::new("sh")
            .arg("-c")
            .arg("trap 'rm -f \"$0\"; sleep 0.5; exit 0' TERM; while :; do sleep 0.05; done")
            .arg(&pid_file)
            .spawn()
            .unwrap();
        std::fs::write(&pid_file, server.id().to_string()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        let patience = std::time::Duration::from_secs(10);
        stop_pid(&pid_file, "sh", rustix::process::Signal::TERM, patience)
            .await
            .unwrap();
        assert!(
            server.try_wait().unwrap().is_some(),
            "stop_pid returned while the server was still stopping"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn archivers_copying_the_same_file_at_once_all_succeed() {
        let dir = testkit::temp_dir("archive-race");
        let from = dir.join("mysql-bin.000002");
        std::fs::write(&from, vec![7u8; 1 << 20]).unwrap();
        let to = dir.join("archived");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (from, to) = (from.clone(), to.clone());
                std::thread::spawn(move || archive_file(&from, &to))
            })
            .collect();
        for thread in threads {
            thread.join().unwrap().unwrap();
        }
        assert_eq!(std::fs::read(&to).unwrap(), vec![7u8; 1 << 20]);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.contains(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
