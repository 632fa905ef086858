//! The API's regular expressions for string keys, compiled once each.
//!
//! The API writes them for a JavaScript-like engine. The `regex` crate
//! takes all but lookaround; the one pattern that uses it (an e-mail
//! address's length) is not enforced here, and the API still checks it.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;

/// Whether `text` matches `pattern`; true for a pattern `regex` cannot
/// compile.
pub fn matches(pattern: &'static str, text: &str) -> bool {
    static COMPILED: OnceLock<Mutex<HashMap<&'static str, Option<Regex>>>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| Mutex::new(HashMap::new()));
    let mut compiled = compiled
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let regex = compiled
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).ok());
    regex.as_ref().is_none_or(|regex| regex.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apis_patterns_decide_what_matches() {
        assert!(matches("^[a-zA-Z0-9-_]+$", "s3cret-pass_word"));
        assert!(!matches("^[a-zA-Z0-9-_]+$", "has space"));
        assert!(matches("(?i)^(Etc/)?(UTC|GMT)$", "utc"));
    }

    #[test]
    fn a_pattern_with_lookahead_is_left_to_the_api() {
        assert!(matches("^(?=.{1,3}@)x@y$", "anything"));
    }
}
