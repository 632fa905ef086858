//! What can go wrong in aiven-local's domain, free of HTTP; and what stops
//! it from starting at all ([`StartError`]).
//!
//! The service layer says what happened (a thing missing, a conflict, a
//! value the API refuses); `api` decides, in one place, which status and
//! error body that is on the wire.

use std::fmt;

use aiven_api::user_config::ConfigError;

use crate::engines::EngineError;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A project, service, user, database, pool or endpoint that does not
    /// exist.
    NotFound(String),
    /// The request clashes with what exists (a name in use) or with the
    /// service's state (not running yet).
    Conflict(String),
    /// A request the API refuses as written. `field`, when known, is where
    /// in the request the problem is, e.g. `user_config.pg.work_mem`.
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// Allowed in general, refused for this object: termination protection.
    Forbidden(String),
    /// Cannot be done right now (no port, no disk room); nothing changed.
    Unavailable(String),
    /// A failure inside aiven-local or its engine. The message is fit to
    /// show: it never holds a statement or a secret.
    Internal(String),
}

impl Error {
    pub fn not_found(message: impl Into<String>) -> Error {
        Error::NotFound(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Error {
        Error::Conflict(message.into())
    }

    /// An invalid request whose message already says where.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid {
            field: None,
            message: message.into(),
        }
    }

    /// An invalid value at `field`.
    pub fn invalid_at(field: impl Into<String>, message: impl fmt::Display) -> Error {
        Error::Invalid {
            field: Some(field.into()),
            message: message.to_string(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Error {
        Error::Forbidden(message.into())
    }

    pub fn unavailable(message: impl Into<String>) -> Error {
        Error::Unavailable(message.into())
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error::Internal(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid {
                field: Some(field),
                message,
            } => write!(f, "{field}: {message}"),
            Error::NotFound(message)
            | Error::Conflict(message)
            | Error::Invalid { message, .. }
            | Error::Forbidden(message)
            | Error::Unavailable(message)
            | Error::Internal(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Error {
        match err {
            StoreError::Conflict => Error::conflict("already exists"),
            StoreError::Missing => Error::not_found("not found"),
            StoreError::Invalid(message) => Error::invalid(message),
            StoreError::Storage(message) => Error::internal(message),
        }
    }
}

impl From<ConfigError> for Error {
    fn from(err: ConfigError) -> Error {
        Error::invalid_at(err.dotted_path(), err.problem)
    }
}

/// Only the engine's own reason, when it gives one, reaches the API: a
/// client's full output can quote the statement it ran.
/// An engine's refusal because of what it already holds is a conflict
/// (409), which clients do not retry; anything else is a failure (500).
impl From<EngineError> for Error {
    fn from(err: EngineError) -> Error {
        let message = err.reason().unwrap_or_else(|| err.to_string());
        if err.is_conflict() {
            tracing::info!(error = %err, "the engine already holds what the request conflicts with");
            return Error::conflict(message);
        }
        tracing::warn!(error = %err, "engine failure");
        Error::internal(message)
    }
}

/// Why aiven-local could not start. Printed once, then it exits.
#[derive(Debug)]
pub enum StartError {
    /// A file or directory it needs could not be used.
    Io {
        doing: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The command line or the machine asks for something it refuses to
    /// do, such as listening on a public address unasked; the message says
    /// what to do instead.
    Refused(String),
}

impl StartError {
    pub fn io(
        doing: &'static str,
        path: impl Into<std::path::PathBuf>,
        source: std::io::Error,
    ) -> StartError {
        StartError::Io {
            doing,
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Io {
                doing,
                path,
                source,
            } => write!(f, "cannot {doing} {}: {source}", path.display()),
            StartError::Refused(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Io { source, .. } => Some(source),
            StartError::Refused(_) => None,
        }
    }
}
