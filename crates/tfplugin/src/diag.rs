//! Diagnostics: what a provider tells the user, tied to the attribute that
//! caused it so Terraform can point at the offending line of configuration.

use std::fmt;

/// One step into a value: an object attribute, a list/set/tuple index or a
/// map key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attribute(String),
    Index(i64),
    Key(String),
}

/// Where inside a resource's value something applies, e.g.
/// `pg_user_config[0].recovery_target_time`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath(Vec<PathStep>);

impl AttributePath {
    pub fn root() -> AttributePath {
        AttributePath(Vec::new())
    }

    /// A path to a top-level attribute.
    pub fn attr(name: &str) -> AttributePath {
        AttributePath(vec![PathStep::Attribute(name.to_owned())])
    }

    /// Extends the path by an attribute step.
    pub fn then(mut self, name: &str) -> AttributePath {
        self.0.push(PathStep::Attribute(name.to_owned()));
        self
    }

    /// Extends the path by an index step.
    pub fn index(mut self, index: i64) -> AttributePath {
        self.0.push(PathStep::Index(index));
        self
    }

    pub fn push(&mut self, step: PathStep) {
        self.0.push(step);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if position == 0 => write!(f, "{name}")?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A message for the user. Never carries a backtrace or a debug dump: the
/// summary says what went wrong, the detail what to do about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// Attaches the attribute the diagnostic is about.
    pub fn at(mut self, path: AttributePath) -> Diagnostic {
        self.path = Some(path);
        self
    }
}

/// The diagnostics collected while handling one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds an error about the attribute at `path`.
    pub fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Diagnostics {
        Diagnostics(vec![diagnostic])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_terraform_addresses() {
        let mut path = AttributePath::attr("pg_user_config")
            .index(0)
            .then("ip_filter");
        path.push(PathStep::Key("k".into()));
        assert_eq!(path.to_string(), "pg_user_config[0].ip_filter[\"k\"]");
    }
}
