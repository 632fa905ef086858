//! A bounded HTTP fuzz run against a live aiven-local: random methods,
//! paths, headers and bodies, most of them near the API's real shapes so
//! they get past the first check, aimed at a pg, a mysql and a valkey
//! service (their users, databases, pools, backups, and forks of them).
//! No answer may be a 5xx, the server must stay up, and no error body may
//! carry a secret. FUZZ_CASES and FUZZ_SEED set the run; it prints what it
//! did.

mod support;

use serde_json::{Value, json};
use support::{Local, PROJECT};

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

/// The services the fuzz aims at, one per engine that keeps data.
const TARGETS: [&str; 3] = ["target", "target-sql", "target-kv"];

/// A random piece of text: short, long, odd bytes, path tricks.
fn text(rng: &mut fastrand::Rng) -> String {
    match rng.u8(0..8) {
        0 => String::new(),
        1 => "../".repeat(rng.usize(1..6)) + "etc/passwd",
        2 => "x".repeat(rng.usize(60..2000)),
        3 => "%00%2F%2e%2e".to_owned(),
        4 => "pg_".to_owned() + &rng.u32(..).to_string(),
        5 => (0..rng.usize(1..12))
            .map(|_| rng.char('\u{1}'..'\u{2fff}'))
            .collect(),
        6 => [
            "public",
            "none",
            "defaultdb",
            "postgres",
            "avnadmin",
            "target",
        ][rng.usize(..6)]
        .to_owned(),
        _ => (0..rng.usize(1..12)).map(|_| rng.lowercase()).collect(),
    }
}

fn segment(rng: &mut fastrand::Rng) -> String {
    let raw = text(rng);
    raw.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || "-_.%".contains(c) => c.to_string(),
            c => format!("%{:02X}", c as u32 & 0xff),
        })
        .collect()
}

fn path(rng: &mut fastrand::Rng) -> String {
    let service = if rng.bool() {
        TARGETS[rng.usize(..TARGETS.len())].to_owned()
    } else {
        segment(rng)
    };
    let project = if rng.u8(0..4) > 0 {
        PROJECT.to_owned()
    } else {
        segment(rng)
    };
    let base = format!("/v1/project/{project}/service/{service}");
    match rng.u8(0..10) {
        0 => "/v1/project".to_owned(),
        1 => format!("/v1/project/{project}"),
        2 => format!("/v1/project/{project}/service"),
        3 => base,
        4 => format!("{base}/user/{}", segment(rng)),
        5 => format!("{base}/db/{}", segment(rng)),
        6 => format!("{base}/connection_pool/{}", segment(rng)),
        7 => format!(
            "{base}/{}",
            ["tags", "backups", "user", "db", "connection_pool"][rng.usize(..5)]
        ),
        8 => format!("/v1/project/{project}/service-types/{}", segment(rng)),
        _ => format!("/{}/{}", segment(rng), segment(rng)),
    }
}

fn scalar(rng: &mut fastrand::Rng) -> Value {
    match rng.u8(0..6) {
        0 => Value::Null,
        1 => json!(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!(rng.f64() * 1e6 - 5e5),
        4 => json!(text(rng)),
        _ => json!([text(rng), rng.i32(..)]),
    }
}

/// A create that is whole but for its fork's details, so that forks of
/// the valkey target are made (and of the others refused: another type).
fn fork_create(rng: &mut fastrand::Rng) -> Vec<u8> {
    let source = if rng.bool() {
        "target-kv"
    } else {
        TARGETS[rng.usize(..TARGETS.len())]
    };
    let mut fork = json!({"service_to_fork_from": source});
    if rng.u8(0..4) == 0 {
        fork["recovery_basebackup_name"] = json!(text(rng));
    }
    let plans = ["startup-4".to_owned(), "business-4".to_owned(), text(rng)];
    let create = json!({
        "service_name": format!("fz-{}", rng.u16(..1000)),
        "service_type": "valkey",
        "plan": plans[rng.usize(..plans.len())],
        "user_config": fork,
    });
    create.to_string().into_bytes()
}

/// A body near a real one, with random values and sometimes stray keys.
fn body(rng: &mut fastrand::Rng) -> Vec<u8> {
    let keys = [
        "service_name",
        "service_type",
        "plan",
        "cloud",
        "user_config",
        "maintenance",
        "disk_space_mb",
        "tags",
        "username",
        "database",
        "pool_name",
        "pool_mode",
        "pool_size",
        "termination_protection",
        "project_vpc_id",
        "tech_emails",
    ];
    let mut object = serde_json::Map::new();
    for _ in 0..rng.usize(0..6) {
        let key = keys[rng.usize(..keys.len())];
        let value = match key {
            "user_config" if rng.bool() => {
                // A fork of one of the targets; only a valkey one can be
                // made here (see service_type), the rest are refused.
                let source = TARGETS[rng.usize(..TARGETS.len())];
                let mut fork = json!({"service_to_fork_from": source});
                match rng.u8(0..3) {
                    0 => fork["recovery_target_time"] = scalar(rng),
                    1 => fork["recovery_basebackup_name"] = json!(text(rng)),
                    _ => {}
                }
                fork
            }
            "user_config" => json!({"pg": {"timezone": text(rng)}, "work_mem": scalar(rng),
                                    "ip_filter": [text(rng)], "pg_version": scalar(rng)}),
            "maintenance" => json!({"dow": text(rng), "time": text(rng)}),
            "tags" => json!({ text(rng): scalar(rng) }),
            // Engine-less types only: the fuzz must not start clusters.
            "service_type" => json!(["valkey", "grafana", "bogus", ""][rng.usize(..4)]),
            _ => scalar(rng),
        };
        object.insert(key.to_owned(), value);
    }
    match rng.u8(0..10) {
        0 => (0..rng.usize(0..64)).map(|_| rng.u8(..)).collect(),
        1 => b"{\"unterminated\": ".to_vec(),
        _ => Value::Object(object).to_string().into_bytes(),
    }
}

#[tokio::test]
async fn random_requests_get_no_5xx_and_no_secret_in_any_error() {
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let local = Local::start();
    let mut secrets = vec![testkit::TOKEN.to_owned()];
    for (name, service_type) in TARGETS.into_iter().zip(["pg", "mysql", "valkey"]) {
        let (status, body) = local
            .create(
                json!({"service_name": name, "service_type": service_type, "plan": "startup-4"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let target = local.wait_ready(name).await;
        let password = target["service_uri_params"]["password"].as_str();
        secrets.push(password.unwrap().to_owned());
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let client = reqwest::Client::new();
    let (mut by_class, mut failures, mut made) = ([0usize; 6], Vec::new(), 0);
    for case in 0..cases {
        let method = METHODS[rng.usize(..METHODS.len())];
        let path = path(&mut rng);
        let mut request = client
            .request(method.parse().unwrap(), format!("{}{path}", local.base()))
            .header("Authorization", format!("aivenv1 {}", testkit::TOKEN))
            .header(testkit::EXACT_HEADER, "1");
        if rng.u8(0..5) == 0 {
            // Any bytes a header may hold: what the client itself would
            // refuse to send is no case for the server.
            let value: String = text(&mut rng)
                .chars()
                .filter(|c| c.is_ascii_graphic() || *c == ' ')
                .collect();
            request = request.header("Content-Type", value);
        }
        if method == "POST" && path.ends_with("/service") && rng.bool() {
            request = request.body(fork_create(&mut rng));
        } else if method != "GET" && method != "HEAD" {
            request = request.body(body(&mut rng));
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => {
                let shown: String = path.chars().take(120).collect();
                failures.push(format!(
                    "case {case}: {method} {shown}: no answer ({err:?})"
                ));
                continue;
            }
        };
        let status = response.status().as_u16();
        by_class[usize::from(status / 100).min(5)] += 1;
        if method == "POST" && path.ends_with("/service") && status == 200 {
            made += 1;
        }
        let text = response.text().await.unwrap_or_default();
        if status >= 500 {
            failures.push(format!("case {case}: {method} {path}: {status} {text}"));
        }
        if status >= 400 && secrets.iter().any(|s| text.contains(s.as_str())) {
            failures.push(format!("case {case}: {method} {path}: a secret in {text}"));
        }
    }
    let (status, _) = local.call(reqwest::Method::GET, "/v1/project", None).await;
    println!(
        "http fuzz: {cases} cases (seed {seed}): {} 2xx, {} 4xx, {} 5xx; {made} services made (forks of the valkey target); server {}",
        by_class[2],
        by_class[4],
        by_class[5],
        if status == 200 { "up" } else { "DOWN" }
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(status, 200, "the server is still up");
}
