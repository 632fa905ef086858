//! Console sessions: who logged in with the token, each with its own
//! CSRF token and key. Kept in memory: a restart of aiven-local logs
//! everyone out, which for a local tool is the safe side. The session
//! cookie is HttpOnly and SameSite=Strict; the token itself never leaves
//! the login form's POST body.
//!
//! A browser sends a host's cookies to every port of it, so a server on
//! another loopback port receives the session cookie and can replay it.
//! What reveals a secret therefore also needs the session's key, which the
//! login's answer hands to the Console's script once; the script keeps it
//! in the origin's storage (an origin includes its port) and sends it in
//! [`KEY_HEADER`], which no other origin can make a browser send.

use crate::random::random_token;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "aiven_local_session";
/// The login form's double-submit cookie: the form's CSRF token before a
/// session exists.
pub const LOGIN_COOKIE: &str = "aiven_local_login";
/// The request header that carries a session's key.
pub const KEY_HEADER: &str = "x-console-key";
/// How long a login form stays good.
const LOGIN_LIMIT: Duration = Duration::from_secs(3600);
/// How many login forms may be outstanding; beyond that the oldest go.
const LOGINS_KEPT: usize = 1024;
/// How long a session lasts without being used.
const IDLE_LIMIT: Duration = Duration::from_secs(12 * 3600);

/// A logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// Every state-changing form carries it; a POST without it is refused.
    pub csrf: String,
    /// What reveals a secret needs beside the cookie (see the module's
    /// docs); never in a page but the login's answer.
    pub key: String,
    last_used: Instant,
}

impl Session {
    /// Whether a request carries this session's key in [`KEY_HEADER`].
    pub fn holds_key(&self, headers: &HeaderMap) -> bool {
        let presented = headers.get(KEY_HEADER).and_then(|v| v.to_str().ok());
        self.is_key(presented)
    }

    /// Whether `presented` (a header's or a form field's) is this
    /// session's key.
    pub fn is_key(&self, presented: Option<&str>) -> bool {
        presented.is_some_and(|presented| same_secret(presented, &self.key))
    }
}

/// All sessions, by id, and the login forms handed out.
#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
    /// Each login form's CSRF token, and when it was handed out: a login
    /// is taken only with one of these, once, not with any value a page
    /// elsewhere on the host set as both cookie and field.
    logins: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    /// Starts a session: its id, for the cookie, and the session.
    pub fn start(&self) -> (String, Session) {
        let id = random_token();
        let session = Session {
            csrf: random_token(),
            key: random_token(),
            last_used: Instant::now(),
        };
        self.lock().insert(id.clone(), session.clone());
        (id, session)
    }

    /// The session a request's cookie names, if it is live.
    pub fn find(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let mut sessions = self.lock();
        sessions.retain(|_, s| s.last_used.elapsed() < IDLE_LIMIT);
        let session = sessions.get_mut(&id)?;
        session.last_used = Instant::now();
        Some((id, session.clone()))
    }

    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    /// A new login form's CSRF token.
    pub fn issue_login(&self) -> String {
        let nonce = random_token();
        let mut logins = lock(&self.logins);
        logins.retain(|_, issued| issued.elapsed() < LOGIN_LIMIT);
        if logins.len() >= LOGINS_KEPT
            && let Some(oldest) = logins
                .iter()
                .min_by_key(|(_, t)| **t)
                .map(|(n, _)| n.clone())
        {
            logins.remove(&oldest);
        }
        logins.insert(nonce.clone(), Instant::now());
        nonce
    }

    /// Whether `nonce` is a login form's token handed out here and still
    /// good; it is used up either way.
    pub fn take_login(&self, nonce: &str) -> bool {
        lock(&self.logins)
            .remove(nonce)
            .is_some_and(|issued| issued.elapsed() < LOGIN_LIMIT)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        lock(&self.by_id)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
}

/// A `Set-Cookie` value for a console cookie: HttpOnly, SameSite=Strict,
/// the whole site; `None` clears it.
pub fn set_cookie(name: &str, value: Option<&str>) -> String {
    match value {
        Some(value) => format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    }
}

/// Compares a presented secret with the real one in time that depends on
/// the length alone.
pub fn same_secret(presented: &str, real: &str) -> bool {
    presented.len() == real.len()
        && presented
            .bytes()
            .zip(real.bytes())
            .fold(0u8, |differs, (a, b)| differs | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_cookie_and_gone_once_ended() {
        let sessions = Sessions::default();
        let (id, started) = sessions.start();
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            format!("other=1; {SESSION_COOKIE}={id}").parse().unwrap(),
        );
        let (found, session) = sessions.find(&headers).unwrap();
        assert_eq!(found, id);
        assert_eq!(session.csrf.len(), 32);
        assert_ne!(session.csrf, id);
        assert_eq!(session.key, started.key);
        assert!(!session.holds_key(&headers), "the cookie alone is no key");
        headers.insert(KEY_HEADER, started.key.parse().unwrap());
        assert!(session.holds_key(&headers));
        headers.insert(KEY_HEADER, session.csrf.parse().unwrap());
        assert!(!session.holds_key(&headers), "nor is the CSRF token");
        sessions.end(&id);
        assert!(sessions.find(&headers).is_none());
    }

    #[test]
    fn a_login_form_token_is_good_once_and_only_if_handed_out_here() {
        let sessions = Sessions::default();
        assert!(!sessions.take_login("made-up"));
        let nonce = sessions.issue_login();
        assert!(sessions.take_login(&nonce));
        assert!(!sessions.take_login(&nonce), "used up");
    }

    #[test]
    fn cookies_are_http_only_and_strict() {
        let set = set_cookie(SESSION_COOKIE, Some("abc"));
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        assert!(set_cookie(SESSION_COOKIE, None).contains("Max-Age=0"));
    }
}
