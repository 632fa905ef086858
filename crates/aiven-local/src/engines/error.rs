//! What can go wrong running a database engine: what was being done,
//! where, and the underlying cause, kept as data so that callers choose
//! what a user may see (an engine's stderr can quote a statement, and a
//! statement can hold a password; see [`EngineError::reason`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

#[derive(Debug)]
pub enum EngineError {
    /// A file or directory operation failed.
    Io {
        doing: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A program could not be started, fed its input or waited for.
    Spawn { program: String, source: io::Error },
    /// A program ran and exited with a failure; `stderr` is in its words.
    Failed { program: String, stderr: String },
    /// The engine answered a request with an error of its own, fit to show
    /// a user (it never quotes the request back).
    Refused { program: String, reason: String },
    /// Something did not happen in the time allowed.
    TimedOut { waiting_for: String },
    /// Another process listens on a port the service serves on; starting
    /// there would hand it the service's clients and their passwords.
    PortHeld {
        port: u16,
        serving: &'static str,
        source: io::Error,
    },
    /// The engine cannot take a value, such as a time it cannot parse.
    Invalid(String),
    /// The service went away while its engine was still being used.
    Gone(&'static str),
    /// An error together with the server log's last FATAL or ERROR line,
    /// which is where PostgreSQL says why it would not start or recover.
    Logged {
        error: Box<EngineError>,
        log_line: String,
    },
}

impl EngineError {
    pub fn io(doing: &'static str, path: impl Into<PathBuf>, source: io::Error) -> EngineError {
        EngineError::Io {
            doing,
            path: path.into(),
            source,
        }
    }

    /// The engine's own reason, fit to show a user: its ERROR and DETAIL
    /// lines, without the statement a client quotes back. `None` when the
    /// failure has no such line.
    pub fn reason(&self) -> Option<String> {
        match self {
            EngineError::Failed { stderr, .. } => engine_reason(stderr),
            EngineError::Refused { reason, .. } => Some(reason.clone()),
            EngineError::PortHeld { .. } => Some(self.to_string()),
            EngineError::Logged { error, .. } => error.reason(),
            _ => None,
        }
    }
}

impl EngineError {
    /// Whether the engine refused because of what it already holds: an
    /// object made in the engine behind the API's back, or one that others
    /// depend on or are using. The request can be changed for it; sending
    /// it again changes nothing, so it is no failure to retry.
    pub fn is_conflict(&self) -> bool {
        if matches!(self, EngineError::PortHeld { .. }) {
            return true;
        }
        const CONFLICTS: [&str; 6] = [
            // PostgreSQL: duplicate_object, duplicate_database.
            "already exists",
            // PostgreSQL: dependent_objects_still_exist.
            "some objects depend on it",
            // PostgreSQL: object_in_use.
            "is being accessed by other users",
            // MariaDB 1007.
            "database exists",
            // MariaDB 1396: a user that exists, or does not.
            "Operation CREATE USER failed",
            "Operation DROP USER failed",
        ];
        let text = self.reason().unwrap_or_else(|| self.to_string());
        CONFLICTS.iter().any(|conflict| text.contains(conflict))
    }

    /// Whether PostgreSQL refused a locale the machine does not have (its
    /// `invalid locale name` error for a database's collation or ctype).
    pub fn is_unknown_locale(&self) -> bool {
        self.reason()
            .is_some_and(|reason| reason.contains("locale name"))
    }
}

/// MariaDB errors whose text names only objects, never the statement
/// (its syntax errors quote the statement, which may hold a password):
/// database exists, database does not exist, user operation failed.
const MARIADB_ERRORS_SHOWN: [&str; 3] = ["ERROR 1007 ", "ERROR 1008 ", "ERROR 1396 "];

/// PostgreSQL's ERROR and DETAIL lines in a client's output, and the
/// MariaDB errors that quote nothing.
fn engine_reason(output: &str) -> Option<String> {
    let kept: Vec<&str> = output
        .lines()
        .filter_map(|line| {
            let at = line
                .find("ERROR:")
                .or_else(|| line.find("DETAIL:"))
                .or_else(|| MARIADB_ERRORS_SHOWN.iter().find_map(|code| line.find(code)))?;
            Some(line[at..].trim())
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Io {
                doing,
                path,
                source,
            } => write!(f, "cannot {doing} {}: {source}", path.display()),
            EngineError::Spawn { program, source } => write!(f, "{program}: cannot run: {source}"),
            EngineError::Failed { program, stderr } => write!(f, "{program} failed: {stderr}"),
            EngineError::Refused { program, reason } => write!(f, "{program} refused: {reason}"),
            EngineError::TimedOut { waiting_for } => {
                write!(f, "timed out waiting for {waiting_for}")
            }
            EngineError::PortHeld {
                port,
                serving,
                source,
            } => write!(
                f,
                "port {port}, where this service's {serving} are served, is held by another process ({source}); free it and try again"
            ),
            EngineError::Invalid(message) => f.write_str(message),
            EngineError::Gone(message) => f.write_str(message),
            EngineError::Logged { error, log_line } => write!(f, "{error}: {log_line}"),
        }
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EngineError::Io { source, .. }
            | EngineError::Spawn { source, .. }
            | EngineError::PortHeld { source, .. } => Some(source),
            EngineError::Logged { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_keeps_errors_and_details_and_drops_the_quoted_statement() {
        let failed = EngineError::Failed {
            program: "psql".into(),
            stderr: "psql:<stdin>:1: ERROR:  syntax error at or near \"x\"\n\
                     LINE 1: CREATE ROLE \"x\" LOGIN PASSWORD 'hunter2hunter2'\n\
                     DETAIL:  more"
                .into(),
        };
        let reason = failed.reason().unwrap();
        assert_eq!(
            reason,
            "ERROR:  syntax error at or near \"x\" DETAIL:  more"
        );
        let logged = EngineError::Logged {
            error: Box::new(failed),
            log_line: "FATAL: x".into(),
        };
        assert_eq!(logged.reason().unwrap(), reason);
    }

    #[test]
    fn a_held_port_is_a_conflict_whose_reason_names_the_port() {
        let held = EngineError::PortHeld {
            port: 20001,
            serving: "connection pools",
            source: io::Error::from(io::ErrorKind::AddrInUse),
        };
        assert!(held.is_conflict(), "freeing the port, not retrying, helps");
        let reason = held.reason().unwrap();
        assert!(
            reason.contains("port 20001") && reason.contains("held by another process"),
            "{reason}"
        );
    }

    #[test]
    fn io_errors_say_what_was_being_done_where() {
        let err = EngineError::io(
            "create",
            "/srv/x/archive",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(
            err.to_string(),
            "cannot create /srv/x/archive: permission denied"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
