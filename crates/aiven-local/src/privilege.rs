//! aiven-local never runs as root. Started as root (as CI starts it), it
//! hands its data directory to the engine user once, then executes itself
//! again as that user, before anything else happens. Nothing that a
//! cluster's files, a symlink planted in them or a superuser's `COPY ...
//! FROM PROGRAM` can reach is then more privileged than the clusters
//! themselves, and every file aiven-local writes belongs to that user with
//! the data directory closed to everyone else (mode 0700).

use std::ffi::OsString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;

use crate::error::StartError;

/// The environment variable that carries the token across the re-execution,
/// so that it is not on the new process's command line.
const TOKEN_ENV: &str = "AIVEN_LOCAL_TOKEN";

/// An account from /etc/passwd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub uid: u32,
    pub gid: u32,
}

/// Finds `user` in /etc/passwd.
pub fn lookup_user(user: &str) -> Option<Account> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&user) && fields.len() > 3)
            .then(|| {
                Some(Account {
                    uid: fields[2].parse().ok()?,
                    gid: fields[3].parse().ok()?,
                })
            })
            .flatten()
    })
}

/// The name of the OS user this process runs as, from /etc/passwd.
pub fn current_user_name() -> Option<String> {
    let uid = rustix::process::geteuid().as_raw();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2].parse() == Ok(uid)).then(|| fields[0].to_owned())
    })
}

/// Whether this process runs as root (the owner of `/proc/self`).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// As root: makes `data_dir` the engine user's and re-executes this
/// program as that user, handing it `token` (read as root, from
/// `--token`, the environment or `--token-file`) in the environment;
/// returns only with the reason it could not. Not as root: closes
/// `data_dir` to other users and returns `Ok`.
pub fn become_engine_user(
    user: &str,
    data_dir: &Path,
    token: Option<&str>,
) -> Result<(), StartError> {
    if !is_root() {
        return prepare_own_dir(data_dir);
    }
    let account = lookup_user(user).ok_or_else(|| {
        StartError::Refused(format!(
            "running as root, aiven-local runs as the engine user {user:?}, which does not exist; \
             create it (useradd --system {user}) or name another with --pg-user"
        ))
    })?;
    if account.uid == 0 {
        return Err(StartError::Refused(format!(
            "--pg-user {user:?} is root; name an unprivileged user"
        )));
    }
    hand_over(data_dir, user, account)?;
    let args = without_token(std::env::args_os().skip(1));
    let program = std::env::current_exe()
        .map_err(|err| StartError::io("find this program at", "/proc/self/exe", err))?;
    let mut command = std::process::Command::new(&program);
    command.args(args).uid(account.uid).gid(account.gid);
    if let Some(token) = token {
        command.env(TOKEN_ENV, token);
    }
    // std drops root's supplementary groups when it sets the uid.
    let failed = command.exec();
    Err(StartError::io("run as the engine user", program, failed))
}

/// Creates `data_dir` for `account`, or checks that it already is theirs,
/// and closes it (0700). An existing directory belonging to someone else is
/// refused rather than taken over: walking a tree as root to change its
/// owner is what a planted symlink exploits.
fn hand_over(data_dir: &Path, user: &str, account: Account) -> Result<(), StartError> {
    // A symlink the engine user planted would have root change the mode of
    // whatever it points at: root follows none.
    if std::fs::symlink_metadata(data_dir).is_ok_and(|m| m.file_type().is_symlink()) {
        let target = std::fs::canonicalize(data_dir).map_or_else(
            |_| "the directory itself".to_owned(),
            |t| t.display().to_string(),
        );
        return Err(StartError::Refused(format!(
            "data dir {} is a symbolic link, which aiven-local started as root does not follow; \
             give {target}",
            data_dir.display()
        )));
    }
    if !data_dir.exists() {
        std::fs::create_dir_all(data_dir)
            .map_err(|err| StartError::io("create data dir", data_dir, err))?;
    }
    let meta = std::fs::metadata(data_dir)
        .map_err(|err| StartError::io("read data dir", data_dir, err))?;
    let empty = std::fs::read_dir(data_dir)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false);
    if meta.uid() != account.uid {
        if meta.uid() != 0 || !empty {
            return Err(StartError::Refused(format!(
                "data dir {} belongs to uid {}, not to {user}, which aiven-local runs as; \
                 run `chown -R {user}: {}` once, or choose a new or empty directory",
                data_dir.display(),
                meta.uid(),
                data_dir.display()
            )));
        }
        std::os::unix::fs::lchown(data_dir, Some(account.uid), Some(account.gid))
            .map_err(|err| StartError::io("hand to the engine user", data_dir, err))?;
    }
    close(data_dir)
}

/// The data directory, as the user that runs aiven-local: reachable, and
/// closed to everyone else.
fn prepare_own_dir(data_dir: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(data_dir).map_err(|err| unreachable_dir(data_dir, &err))?;
    std::fs::read_dir(data_dir).map_err(|err| unreachable_dir(data_dir, &err))?;
    close(data_dir)
}

/// A data directory this user cannot reach, with the likely reason: a
/// refusal rather than a bare IO error, because the fix is a choice.
fn unreachable_dir(data_dir: &Path, err: &std::io::Error) -> StartError {
    let whoami = if is_root() { "root" } else { "this user" };
    let hint = if err.kind() == std::io::ErrorKind::PermissionDenied {
        " (a parent directory may be closed to it: /root, for one, is mode 700); \
         choose a data directory it can reach, e.g. under /var/tmp"
    } else {
        ""
    };
    StartError::Refused(format!(
        "{whoami} cannot use data dir {}: {err}{hint}",
        data_dir.display()
    ))
}

fn close(data_dir: &Path) -> Result<(), StartError> {
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|err| StartError::io("close data dir", data_dir, err))
}

/// The arguments without the token's: `--token` and `--token-file`, each
/// as `--flag VALUE` or `--flag=VALUE` (the token goes in the environment,
/// already read).
fn without_token(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    const FLAGS: [&str; 2] = ["--token", "--token-file"];
    let mut kept = Vec::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let text = arg.to_str().unwrap_or_default();
        if FLAGS.contains(&text) {
            args.next();
        } else if !FLAGS.iter().any(|flag| {
            text.strip_prefix(flag)
                .is_some_and(|rest| rest.starts_with('='))
        }) {
            kept.push(arg);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_and_its_file_leave_the_command_line_in_either_form() {
        let args = ["serve", "--token", "s3cret", "--data-dir", "d"].map(OsString::from);
        let kept = without_token(args.into_iter());
        assert_eq!(kept, ["serve", "--data-dir", "d"].map(OsString::from));
        let kept = without_token(["serve", "--token=s3cret"].map(OsString::from).into_iter());
        assert_eq!(kept, [OsString::from("serve")]);
        let args = [
            "serve",
            "--token-file",
            "/root/t",
            "--token-file=/root/t",
            "--tokens",
        ];
        let kept = without_token(args.map(OsString::from).into_iter());
        assert_eq!(kept, ["serve", "--tokens"].map(OsString::from));
    }
}
