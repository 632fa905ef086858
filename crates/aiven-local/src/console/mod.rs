//! The Console: aiven-local's web pages, served beside the API (which
//! stays under `/v1`). Log in with the API token, see the services, open
//! one, look at its backups and recovery window, and fork it through the
//! same service layer the API uses, with the fork also written as
//! Terraform, `avn` and curl. HTML is rendered here with maud (every value
//! escaped); one small stylesheet and one small script are embedded; every
//! page works without the script, which adds live states, copying and the
//! timeline's click, and alone can reveal a secret or make a fork (see
//! `session`: the session's key lives with it, not in a cookie).

mod pages;
pub mod session;
pub mod snippets;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::error::Error;
use crate::services::Services;
use crate::wrong_guesses::WrongGuesses;
use session::{LOGIN_COOKIE, SESSION_COOKIE, Session, Sessions, set_cookie};
use snippets::{Fork, Restore};

#[derive(Clone)]
struct Console {
    services: Arc<Services>,
    token: Arc<str>,
    sessions: Arc<Sessions>,
    guesses: Arc<WrongGuesses>,
}

/// The Console's routes; `token` is the API token a login must present.
pub fn router(services: Arc<Services>, token: String, guesses: Arc<WrongGuesses>) -> Router {
    let console = Console {
        services,
        token: token.into(),
        sessions: Arc::default(),
        guesses,
    };
    let service = "/console/project/{project}/service/{service}";
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/console", get(home))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", axum::routing::post(logout))
        .route("/console/project/{project}", get(services_page))
        .route("/console/project/{project}/states", get(states))
        .route(service, get(service_page))
        .route(&format!("{service}/secrets"), axum::routing::post(secrets))
        .route(&format!("{service}/backups"), get(backups_page))
        .route(&format!("{service}/fork"), get(fork_page).post(create_fork))
        .route("/console/app.css", get(stylesheet))
        .route("/console/app.js", get(script))
        .with_state(console)
}

/// Why a Console request gets no page.
enum Refusal {
    /// No live session: off to the login page.
    LoggedOut,
    /// A form posted without its session's CSRF token.
    BadCsrf,
    /// A request for secrets without the session's key: a replayed
    /// cookie, or a browser that logged in before keys or elsewhere.
    NoKey,
    /// A form that changes something, sent without the session's key
    /// (which the script adds): the same, for a page.
    FormWithoutKey,
    /// What the service layer refused.
    Domain(Error),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::LoggedOut => Redirect::to("/console/login").into_response(),
            Refusal::BadCsrf => (
                StatusCode::FORBIDDEN,
                Html(pages::message("Refused", "The form was not sent from this session's page (its CSRF token is missing or wrong). Reload the page and try again.").into_string()),
            )
                .into_response(),
            Refusal::NoKey => (
                StatusCode::FORBIDDEN,
                [(header::CACHE_CONTROL, "no-store")],
                axum::Json(serde_json::json!({
                    "message": "This browser holds no key for this session: log out and log in again here to reveal secrets."
                })),
            )
                .into_response(),
            Refusal::FormWithoutKey => (
                StatusCode::FORBIDDEN,
                Html(pages::message("Refused", "This browser holds no key for this session, which the Console's script adds to the form: enable the script, or log out and log in again here.").into_string()),
            )
                .into_response(),
            Refusal::Domain(err) => {
                let status = crate::api::status_of(&err);
                (status, Html(pages::message("Not possible", &err.to_string()).into_string())).into_response()
            }
        }
    }
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Refusal {
        Refusal::Domain(err)
    }
}

type Page = Result<Response, Refusal>;

impl Console {
    /// The request's session, or the login page.
    fn session(&self, headers: &HeaderMap) -> Result<(String, Session), Refusal> {
        self.sessions.find(headers).ok_or(Refusal::LoggedOut)
    }

    /// Resolves a latest-transaction fork to the instant the provider
    /// would send: the end of the source's recovery window. With `wait`
    /// (the fork is about to be created) it returns once that instant has
    /// passed, so the request never names the source's future.
    async fn resolve(
        &self,
        fork: &mut Fork,
        source: &crate::store::ServiceRecord,
        backups: &aiven_api::types::BackupsResponse,
        wait: bool,
    ) {
        let Restore::LatestTransaction { resolved } = &mut fork.restore else {
            return;
        };
        let Some(service_type) = aiven_api::catalog::service_type(&source.service_type) else {
            return;
        };
        let end = backups
            .pitr
            .as_ref()
            .and_then(|p| p.primary_region.pitr_range_end.as_deref())
            .and_then(|t| aiven_api::timestamp::parse(t).ok());
        let now = time::OffsetDateTime::now_utc();
        let latest = aiven_api::fork_point::latest_transaction(service_type, end, now);
        let ahead = latest.not_before - time::OffsetDateTime::now_utc();
        if wait && ahead.is_positive() {
            tokio::time::sleep(ahead.unsigned_abs()).await;
        }
        *resolved = Some(aiven_api::timestamp::format(latest.target));
    }
}

/// A form field's value from a URL-encoded body.
fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Checks a form's CSRF token against its session's.
fn check_csrf(fields: &[(String, String)], session: &Session) -> Result<(), Refusal> {
    match field(fields, "csrf") {
        Some(token) if session::same_secret(token, &session.csrf) => Ok(()),
        _ => Err(Refusal::BadCsrf),
    }
}

fn html(markup: maud::Markup) -> Response {
    let mut response = Html(markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    response
}

/// As the hosted Console does, it opens on a project's services; the list
/// of projects is for when there is more than one to choose from.
async fn home(State(console): State<Console>, headers: HeaderMap) -> Page {
    let (_, session) = console.session(&headers)?;
    let projects = console.services.project_names()?;
    if let [only] = projects.as_slice() {
        // Project names are letters, digits and hyphens: safe in a path.
        let path = format!("/console/project/{only}");
        return Ok(Redirect::to(&path).into_response());
    }
    Ok(html(pages::projects(&session, &projects)))
}

async fn login_page(State(console): State<Console>) -> Response {
    let nonce = console.sessions.issue_login();
    let mut response = html(pages::login(&nonce, None));
    if let Ok(cookie) = set_cookie(LOGIN_COOKIE, Some(&nonce)).parse() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn login(State(console): State<Console>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let nonce = session::cookie(&headers, LOGIN_COOKIE);
    let form_ok = matches!((&nonce, field(&fields, "csrf")), (Some(a), Some(b)) if session::same_secret(b, a));
    if !form_ok
        || !nonce
            .as_deref()
            .is_some_and(|n| console.sessions.take_login(n))
    {
        return Refusal::BadCsrf.into_response();
    }
    let token = field(&fields, "token").unwrap_or_default().trim();
    if !session::same_secret(token, &console.token) {
        tracing::warn!("console login refused: wrong token");
        console.guesses.answer_later().await;
        // The form's token is used up: the next try gets a new one.
        let nonce = console.sessions.issue_login();
        let mut response = html(pages::login(&nonce, Some("That token was not accepted.")));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        if let Ok(cookie) = set_cookie(LOGIN_COOKIE, Some(&nonce)).parse() {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return response;
    }
    // The answer is a page, not a redirect: it hands the session's key
    // to the script, which keeps it and moves on to the Console.
    let (id, session) = console.sessions.start();
    let mut response = html(pages::logged_in(&session.key));
    for cookie in [
        set_cookie(SESSION_COOKIE, Some(&id)),
        set_cookie(LOGIN_COOKIE, None),
    ] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn logout(State(console): State<Console>, headers: HeaderMap, body: Bytes) -> Page {
    let (id, session) = console.session(&headers)?;
    check_csrf(&form_fields(&body), &session)?;
    console.sessions.end(&id);
    let mut response = Redirect::to("/console/login").into_response();
    if let Ok(value) = set_cookie(SESSION_COOKIE, None).parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn services_page(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(project): Path<String>,
) -> Page {
    let (_, session) = console.session(&headers)?;
    let services = console.services.services_of(Some(&project))?;
    Ok(html(pages::services(&session, &project, &services)))
}

/// Each service's state, for the script that keeps pages live.
async fn states(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(project): Path<String>,
) -> Page {
    console.session(&headers)?;
    let states: serde_json::Map<String, serde_json::Value> = console
        .services
        .services_of(Some(&project))?
        .into_iter()
        .map(|r| (r.name, r.state.to_string().into()))
        .collect();
    Ok(crate::api::reply(&states)?)
}

async fn service_page(
    State(console): State<Console>,
    headers: HeaderMap,
    Path((project, name)): Path<(String, String)>,
) -> Page {
    let (_, session) = console.session(&headers)?;
    let record = console.services.get(&project, &name)?;
    let api = console.services.to_api(&record, true);
    let forks = console.services.forks_of(&project, &name)?;
    Ok(html(pages::service(&session, &record, &api, &forks)))
}

/// A service's password and URI, for the script's Reveal and Copy: only
/// to a request that carries the session's key beside its cookie.
async fn secrets(
    State(console): State<Console>,
    headers: HeaderMap,
    Path((project, name)): Path<(String, String)>,
) -> Page {
    let (_, session) = console.session(&headers)?;
    if !session.holds_key(&headers) {
        tracing::warn!("console: secrets of {project}/{name} refused: no session key");
        return Err(Refusal::NoKey);
    }
    let record = console.services.get(&project, &name)?;
    let api = console.services.to_api(&record, true);
    let password = api
        .service_uri_params
        .as_ref()
        .and_then(|params| params.get("password"))
        .cloned()
        .unwrap_or_default();
    let secrets = serde_json::json!({"password": password, "uri": api.service_uri});
    let mut reply = crate::api::reply(&secrets)?;
    reply.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(reply)
}

async fn backups_page(
    State(console): State<Console>,
    headers: HeaderMap,
    Path((project, name)): Path<(String, String)>,
) -> Page {
    let (_, session) = console.session(&headers)?;
    let record = console.services.get(&project, &name)?;
    let backups = console.services.backups(&project, &name)?;
    Ok(html(pages::backups(&session, &record, &backups)))
}

/// The fork dialog's fields, from its form or its URL.
#[derive(Debug, Default, Deserialize)]
struct ForkForm {
    name: Option<String>,
    cloud: Option<String>,
    plan: Option<String>,
    /// `latest_backup`, `latest_transaction`, `time` or `backup`.
    restore: Option<String>,
    /// `YYYY-MM-DDTHH:MM[:SS]`, in UTC.
    at: Option<String>,
    backup: Option<String>,
}

impl ForkForm {
    fn from_fields(fields: &[(String, String)]) -> ForkForm {
        let get = |name: &str| field(fields, name).map(str::to_owned);
        ForkForm {
            name: get("name"),
            cloud: get("cloud"),
            plan: get("plan"),
            restore: get("restore"),
            at: get("at"),
            backup: get("backup"),
        }
    }

    /// The fork these fields ask for, defaults filled from the source.
    fn fork(&self, source: &crate::store::ServiceRecord) -> Fork {
        let text = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        let restore = match self.restore.as_deref() {
            Some("time") => Restore::At(utc_time(text(&self.at).as_deref().unwrap_or_default())),
            Some("backup") => Restore::Backup(text(&self.backup).unwrap_or_default()),
            Some("latest_transaction") => Restore::LatestTransaction { resolved: None },
            // The API's own default.
            _ => Restore::LatestBackup,
        };
        Fork {
            project: source.project.clone(),
            service_type: source.service_type.clone(),
            name: text(&self.name).unwrap_or_else(|| format!("{}-fork", source.name)),
            plan: text(&self.plan).unwrap_or_else(|| source.plan.clone()),
            cloud: text(&self.cloud).unwrap_or_else(|| source.cloud.clone()),
            source: source.name.clone(),
            restore,
        }
    }
}

/// A `datetime-local` value, read as UTC, in RFC 3339.
fn utc_time(local: &str) -> String {
    let local = local.trim();
    match local.len() {
        16 => format!("{local}:00Z"),
        0 => String::new(),
        _ if local.ends_with('Z') => local.to_owned(),
        _ => format!("{local}Z"),
    }
}

async fn fork_page(
    State(console): State<Console>,
    headers: HeaderMap,
    Path((project, name)): Path<(String, String)>,
    Query(form): Query<ForkForm>,
) -> Page {
    let (_, session) = console.session(&headers)?;
    let record = console.services.get(&project, &name)?;
    let backups = console.services.backups(&project, &name)?;
    let mut fork = form.fork(&record);
    console.resolve(&mut fork, &record, &backups, false).await;
    let api_url = api_url(&headers);
    Ok(html(pages::fork(
        &session, &record, &backups, &fork, None, &api_url,
    )))
}

async fn create_fork(
    State(console): State<Console>,
    headers: HeaderMap,
    Path((project, name)): Path<(String, String)>,
    body: Bytes,
) -> Page {
    let (_, session) = console.session(&headers)?;
    let fields = form_fields(&body);
    check_csrf(&fields, &session)?;
    let preview = field(&fields, "preview").is_some();
    // Making a fork needs the session's key as well: the cookie and the
    // page's CSRF token are both within reach of a replayed cookie.
    if !preview && !session.is_key(field(&fields, "key")) {
        tracing::warn!("console: a fork of {project}/{name} refused: no session key");
        return Err(Refusal::FormWithoutKey);
    }
    let record = console.services.get(&project, &name)?;
    let mut fork = ForkForm::from_fields(&fields).fork(&record);
    let backups = console.services.backups(&project, &name)?;
    console
        .resolve(&mut fork, &record, &backups, !preview)
        .await;
    if preview {
        // "Update the code below": the same page, the snippets written
        // for what the form says now; nothing is created.
        let api_url = api_url(&headers);
        return Ok(html(pages::fork(
            &session, &record, &backups, &fork, None, &api_url,
        )));
    }
    let request = serde_json::from_value(fork.request())
        .map_err(|err| Error::internal(format!("fork request: {err}")))?;
    match console.services.create(&project, request).await {
        Ok(created) => Ok(Redirect::to(&format!(
            "/console/project/{}/service/{}",
            created.project, created.name
        ))
        .into_response()),
        Err(err) => {
            let api_url = api_url(&headers);
            let page = pages::fork(&session, &record, &backups, &fork, Some(&err), &api_url);
            let mut response = html(page);
            *response.status_mut() = crate::api::status_of(&err);
            Ok(response)
        }
    }
}

/// This aiven-local's address as the browser reached it, for the curl
/// and CLI snippets.
fn api_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8090");
    format!("http://{host}")
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("app.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("app.js"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_time_input_reads_as_utc() {
        assert_eq!(utc_time("2026-11-26T15:04"), "2026-11-26T15:04:00Z");
        assert_eq!(utc_time("2026-11-26T15:04:05"), "2026-11-26T15:04:05Z");
        assert_eq!(utc_time(""), "");
    }
}
