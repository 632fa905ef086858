//! The Console's pages, rendered with maud: every value a user or the API
//! supplied goes through maud's escaping, so a tag or a notification
//! holding markup shows as text.

use aiven_api::catalog;
use aiven_api::types::{BackupsResponse, Service};
use maud::{DOCTYPE, Markup, html};

use super::session::Session;
use super::snippets::{Fork, Restore};
use crate::error::Error;
use crate::store::ServiceRecord;

/// The frame every page shares; `session` adds the logout button.
fn layout(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · aiven-local" }
                link rel="stylesheet" href="/console/app.css";
                script src="/console/app.js" defer {}
            }
            body {
                header {
                    a.brand href="/console" { "aiven-local" }
                    @if let Some(session) = session {
                        form.logout method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page that only says something.
pub fn message(title: &str, text: &str) -> Markup {
    layout(
        title,
        None,
        html! { h1 { (title) } p.error { (text) } p { a href="/console" { "Back" } } },
    )
}

pub fn login(nonce: &str, error: Option<&str>) -> Markup {
    layout(
        "Log in",
        None,
        html! {
            h1 { "Log in" }
            form.card method="post" action="/console/login" {
                input type="hidden" name="csrf" value=(nonce);
                label for="token" { "API token" }
                input #token type="password" name="token" autocomplete="current-password" required autofocus;
                @if let Some(error) = error { p.error role="alert" { (error) } }
                button type="submit" { "Log in" }
            }
        },
    )
}

/// The answer to a successful login: the session's key, for the script
/// to keep (see `session`), and the way on.
pub fn logged_in(key: &str) -> Markup {
    layout(
        "Logged in",
        None,
        html! {
            h1 { "Logged in" }
            div #console-key hidden data-key=(key) data-next="/console" {}
            p { a href="/console" { "Continue to the Console" } }
        },
    )
}

pub fn projects(session: &Session, projects: &[String]) -> Markup {
    layout(
        "Projects",
        Some(session),
        html! {
            h1 { "Projects" }
            @if projects.is_empty() { p { "No projects yet: create a service through the API, the CLI or Terraform." } }
            ul {
                @for project in projects {
                    li { a href={ "/console/project/" (project) } { (project) } }
                }
            }
        },
    )
}

fn service_link(project: &str, name: &str) -> String {
    format!("/console/project/{project}/service/{name}")
}

pub fn services(session: &Session, project: &str, services: &[ServiceRecord]) -> Markup {
    layout(
        "Services",
        Some(session),
        html! {
            nav { a href="/console" { "Projects" } " / " (project) }
            h1 { "Services" }
            table data-states={ "/console/project/" (project) "/states" } {
                thead { tr { th { "Name" } th { "Type" } th { "Plan" } th { "Cloud" } th { "State" } th { "Created" } } }
                tbody {
                    @for s in services {
                        tr {
                            td { a href=(service_link(project, &s.name)) { (s.name) } }
                            td { (s.service_type) }
                            td { (s.plan) }
                            td { (s.cloud) }
                            td { span.state data-service=(s.name) { (s.state) } }
                            td { (s.create_time) }
                        }
                    }
                }
            }
        },
    )
}

/// The tabs of a service's pages.
fn tabs(record: &ServiceRecord, current: &str) -> Markup {
    let base = service_link(&record.project, &record.name);
    html! {
        nav.tabs {
            @for (label, path) in [("Overview", String::new()), ("Backups", "/backups".to_owned()), ("Fork & restore", "/fork".to_owned())] {
                @if label == current { span.current { (label) } } @else { a href={ (base) (path) } { (label) } }
            }
        }
    }
}

fn heading(record: &ServiceRecord) -> Markup {
    html! {
        nav { a href="/console" { "Projects" } " / " a href={ "/console/project/" (record.project) } { (record.project) } " / " (record.name) }
        h1 { (record.name) " " span.state data-service=(record.name) data-states={ "/console/project/" (record.project) "/states" } { (record.state) } }
    }
}

/// A URI with the password of its user info masked, however it was
/// encoded there.
fn without_password(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:••••••••@{host}{path}")
        }
        None => uri.to_owned(),
    }
}

pub fn service(
    session: &Session,
    record: &ServiceRecord,
    api: &Service,
    forks: &[String],
) -> Markup {
    let params = api.service_uri_params.clone().unwrap_or_default();
    let param = |key: &str| {
        params
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let hidden_uri = without_password(api.service_uri.as_deref().unwrap_or_default());
    let secrets = format!("{}/secrets", service_link(&record.project, &record.name));
    layout(
        &record.name,
        Some(session),
        html! {
            (heading(record))
            (tabs(record, "Overview"))
            section {
                h2 { "Connection" }
                noscript { p { "Revealing or copying the password needs the Console's script." } }
                dl {
                    dt { "Host" } dd { code { (param("host")) } }
                    dt { "Port" } dd { code { (param("port")) } }
                    dt { "User" } dd { code { (param("user")) } }
                    // The page never holds the password: the script asks
                    // for it with the session's key (see `session`).
                    dt { "Password" } dd {
                        code #password { "••••••••" } " "
                        button.reveal type="button" data-secrets=(secrets) { "Reveal" }
                        " " button.copy type="button" data-secrets=(secrets) data-secret="password" { "Copy" }
                    }
                    dt { "URI" } dd {
                        code #uri { (hidden_uri) }
                        " " button.copy type="button" data-secrets=(secrets) data-secret="uri" { "Copy" }
                    }
                    dt { "Type, plan, cloud" } dd { (record.service_type) ", " (record.plan) ", " (record.cloud) }
                }
            }
            section {
                h2 { "Users" }
                table { thead { tr { th { "User" } th { "Type" } } } tbody {
                    @for u in &record.users { tr { td { (u.username) } td { (u.kind) } } }
                } }
                h2 { "Databases" }
                ul { @for d in &record.databases { li { (d.database_name) } } }
                h2 { "Connection pools" }
                @if record.pools.is_empty() { p { "None." } } @else {
                    table { thead { tr { th { "Pool" } th { "Database" } th { "User" } th { "Mode" } th { "Size" } } } tbody {
                        @for p in &record.pools { tr { td { (p.pool_name) } td { (p.database) } td { (p.username.as_deref().unwrap_or("(any)")) } td { (p.pool_mode) } td { (p.pool_size) } } }
                    } }
                }
            }
            section {
                h2 { "Lineage" }
                @match &record.fork {
                    Some(fork) => p {
                        "Forked from " a href=(service_link(&fork.project, &fork.service)) { (fork.project) "/" (fork.service) }
                        @match &fork.target_time {
                            Some(t) => { ": every transaction committed at or before " (t) ", replayed onto backup " (fork.backup_name) "." }
                            None => {
                                ": backup " (fork.backup_name)
                                @if let Some(taken) = &fork.backup_time { ", taken " (taken) }
                                ", and nothing written after it."
                            }
                        }
                    },
                    None => p { "Not a fork." },
                }
                @if !forks.is_empty() {
                    p { "Forks made from it:" }
                    ul { @for f in forks {
                        @let (p, n) = f.split_once('/').unwrap_or(("", f));
                        li { a href=(service_link(p, n)) { (f) } }
                    } }
                }
            }
            section {
                h2 { "Tags and notifications" }
                ul {
                    @for (k, v) in &record.tags { li { code { (k) } " = " (v) } }
                    @for n in &record.notifications { li.notice { strong { (n.level) } ": " (n.message) } }
                }
            }
        },
    )
}

/// Seconds since the epoch of an RFC 3339 time.
fn epoch(time: &str) -> Option<i64> {
    aiven_api::timestamp::parse(time)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// The recovery window as a timeline: backups as marks, the
/// point-in-time range as a band (a link per slice: clicking picks that
/// time in the fork dialog), and now at the end.
fn timeline(record: &ServiceRecord, backups: &BackupsResponse) -> Markup {
    let Some(pitr) = &backups.pitr else {
        return html! {};
    };
    let (Some(start), Some(end)) = (
        pitr.primary_region
            .pitr_range_start
            .as_deref()
            .and_then(epoch),
        pitr.primary_region
            .pitr_range_end
            .as_deref()
            .and_then(epoch),
    ) else {
        return html! { p { "No recovery window yet: it opens with the first backup." } };
    };
    let span = (end - start).max(1) as f64;
    let x = |t: i64| 10.0 + 780.0 * ((t - start) as f64 / span);
    let fork = format!("{}/fork", service_link(&record.project, &record.name));
    let slices = 24;
    html! {
        figure.timeline {
            svg viewBox="0 0 800 70" role="img" aria-label="Recovery window" data-start=(start) data-end=(end) data-fork=(fork) {
                rect.band x="10" y="20" width="780" height="20" {}
                @for i in 0..slices {
                    @let t = start + (end - start) * i / slices;
                    @let at = time::OffsetDateTime::from_unix_timestamp(t).ok()
                        .and_then(|t| t.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]")).ok())
                        .unwrap_or_default();
                    a href={ (fork) "?restore=time&at=" (at) } {
                        title { "Fork at " (at) " UTC" }
                        rect.slice x=(format!("{:.1}", x(t))) y="20" width=(format!("{:.1}", 780.0 / slices as f64)) height="20" {}
                    }
                }
                @for b in &backups.backups {
                    @if let Some(t) = epoch(&b.backup_time) {
                        line.backup x1=(format!("{:.1}", x(t))) x2=(format!("{:.1}", x(t))) y1="12" y2="48" { title { (b.backup_name) } }
                    }
                }
                line.now x1="790" x2="790" y1="8" y2="52" {}
                text x="10" y="64" { (pitr.primary_region.pitr_range_start.as_deref().unwrap_or("")) }
                text x="790" y="64" text-anchor="end" { "now" }
            }
            figcaption { "Recovery window, UTC: backups are marks, the band is every point in time a fork can restore to. Click it to fork at that time." }
        }
    }
}

pub fn backups(session: &Session, record: &ServiceRecord, backups: &BackupsResponse) -> Markup {
    layout(
        &format!("{} backups", record.name),
        Some(session),
        html! {
            (heading(record))
            (tabs(record, "Backups"))
            (timeline(record, backups))
            table {
                thead { tr { th { "Backup" } th { "Time (UTC)" } th { "Size" } } }
                tbody {
                    @for b in backups.backups.iter().rev() {
                        tr { td { (b.backup_name) } td { (b.backup_time) } td { (format!("{:.1} MB", b.data_size as f64 / 1e6)) } }
                    }
                }
            }
            p { a.button href={ (service_link(&record.project, &record.name)) "/fork" } { "Fork & restore" } }
        },
    )
}

/// The error of a failed fork, at the field it concerns.
fn error_for<'a>(error: Option<&'a Error>, field: &str) -> Option<&'a Error> {
    let error = error?;
    let at = match error {
        Error::Invalid {
            field: Some(path), ..
        } if path.ends_with("recovery_target_time") => "at",
        Error::Invalid {
            field: Some(path), ..
        } if path.ends_with("recovery_basebackup_name") => "backup",
        Error::Invalid { message, .. } if message.contains("plan") || message.contains("nodes") => {
            "plan"
        }
        Error::Invalid {
            field: Some(path), ..
        } if path == "cloud" => "cloud",
        Error::Conflict(_) => "name",
        Error::Invalid { message, .. }
            if message.contains("service_name") || message.contains("name") =>
        {
            "name"
        }
        _ => "form",
    };
    (at == field).then_some(error)
}

fn field_error(error: Option<&Error>, field: &str) -> Markup {
    html! { @if let Some(e) = error_for(error, field) { p.error role="alert" id={ (field) "-error" } { (e) } } }
}

pub fn fork(
    session: &Session,
    record: &ServiceRecord,
    backups: &BackupsResponse,
    fork: &Fork,
    error: Option<&Error>,
    api_url: &str,
) -> Markup {
    let kind = catalog::service_type(&record.service_type);
    let pitr = kind.is_some_and(|k| k.point_in_time_recovery);
    let named = kind.is_some_and(|k| k.named_backup_recovery);
    let keep_nodes = kind.is_some_and(|k| k.forks_keep_node_count);
    let plans = kind.map(catalog::plans).unwrap_or_default();
    let action = format!("{}/fork", service_link(&record.project, &record.name));
    let window = backups.pitr.as_ref().map(|p| &p.primary_region);
    let bound = |t: Option<&String>| {
        t.map(|t| t.chars().take(19).collect::<String>())
            .unwrap_or_default()
    };
    let (at, backup) = match &fork.restore {
        Restore::At(t) => (
            t.trim_end_matches('Z').chars().take(19).collect::<String>(),
            String::new(),
        ),
        Restore::Backup(b) => (String::new(), b.clone()),
        Restore::LatestBackup | Restore::LatestTransaction { .. } => (String::new(), String::new()),
    };
    let chosen = match &fork.restore {
        Restore::LatestBackup => "latest_backup",
        Restore::LatestTransaction { .. } => "latest_transaction",
        Restore::At(_) => "time",
        Restore::Backup(_) => "backup",
    };
    let newest = backups.backups.last();
    layout(
        &format!("Fork {}", record.name),
        Some(session),
        html! {
            (heading(record))
            (tabs(record, "Fork & restore"))
            @if let Some(e) = error_for(error, "form") { p.error role="alert" { (e) } }
            noscript { p { "Creating the fork needs the Console's script, which signs the form with this browser's session key; updating the code below works without it." } }
            form.card.fork method="post" action=(action) data-signed {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="name" { "New service name" }
                input #name name="name" value=(fork.name) required aria-describedby="name-error";
                (field_error(error, "name"))
                label for="cloud" { "Cloud" }
                input #cloud name="cloud" value=(fork.cloud) required;
                (field_error(error, "cloud"))
                label for="plan" { "Plan" }
                select #plan name="plan" {
                    @for p in &plans {
                        @let fewer = keep_nodes && p.node_count < record.node_count;
                        option value=(p.name) selected[p.name == fork.plan] disabled[fewer] {
                            (p.name) " (" (p.node_count) @if p.node_count == 1 { " node)" } @else { " nodes)" }
                            @if fewer { " — fewer nodes than the source's " (record.node_count) ", which this type cannot fork to" }
                        }
                    }
                }
                (field_error(error, "plan"))
                fieldset {
                    legend { "Restore point" }
                    label {
                        input type="radio" name="restore" value="latest_backup" checked[chosen == "latest_backup"];
                        " Latest backup"
                        @if let Some(b) = newest { " (" (b.backup_name) ", " (b.backup_time) ")" }
                    }
                    @if pitr {
                        p.hint { "A fork of the latest backup holds nothing committed after it. Choose the latest transaction to include everything up to now." }
                        label { input type="radio" name="restore" value="latest_transaction" checked[chosen == "latest_transaction"]; " Latest transaction" }
                        label { input type="radio" name="restore" value="time" checked[chosen == "time"]; " Point in time (UTC)" }
                        input #at type="datetime-local" name="at" step="1" value=(at) min=(bound(window.and_then(|w| w.pitr_range_start.as_ref()))) max=(bound(window.and_then(|w| w.pitr_range_end.as_ref()))) aria-label="Point in time, UTC";
                        span.local-time data-for="at" {}
                        (field_error(error, "at"))
                    }
                    @if named {
                        label { input type="radio" name="restore" value="backup" checked[chosen == "backup"]; " A named backup" }
                        select name="backup" aria-label="Backup" {
                            @for b in backups.backups.iter().rev() {
                                option value=(b.backup_name) selected[b.backup_name == backup] { (b.backup_name) " (" (b.backup_time) ")" }
                            }
                        }
                        (field_error(error, "backup"))
                    }
                }
                @if record.service_type == "opensearch" {
                    p.warning role="note" { "Single sign-on (SSO) settings are not copied: they are linked to the source's URLs. Configure SSO for the fork, or users may lose access." }
                }
                div.actions {
                    button type="submit" { "Create fork" }
                    button type="submit" name="preview" value="1" { "Update the code below" }
                }
            }
            section.snippets {
                h2 { "The same fork as code" }
                @for (label, text) in [("Terraform", fork.hcl()), ("avn CLI", fork.avn()), ("curl", fork.curl(api_url))] {
                    h3 { (label) " " button.copy type="button" data-copy=(text) { "Copy" } }
                    pre { code { (text) } }
                }
                p.hint { "The CLI and curl read the token from " code { "$AIVEN_TOKEN" } "; point them here with " code { "AIVEN_WEB_URL=" (api_url) } " (this aiven-local's address)." }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_uri_keeps_its_user_host_and_path_but_no_password() {
        let uri = "postgres://avnadmin:p%40ss%2Fw0rd@127.0.0.1:5432/defaultdb?sslmode=require";
        assert_eq!(
            without_password(uri),
            "postgres://avnadmin:••••••••@127.0.0.1:5432/defaultdb?sslmode=require"
        );
        assert_eq!(
            without_password("http://127.0.0.1:9090"),
            "http://127.0.0.1:9090"
        );
    }
}
