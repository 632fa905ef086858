//! valkey services run a real redis-server: its users are the API's ACL
//! users, its backups RDB snapshots, and a fork holds exactly one backup's
//! keys, checked with `redis-cli`.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::Local;
use testkit::redis_cli as redis;

fn service_uri(service: &Value) -> String {
    service["service_uri"]
        .as_str()
        .expect("service_uri")
        .to_owned()
}

/// The keys a service holds, sorted, as `k=v` pairs.
fn keys(uri: &str) -> Vec<String> {
    let mut names: Vec<String> = redis(uri, &["--scan"])
        .lines()
        .map(str::to_owned)
        .filter(|k| !k.is_empty())
        .collect();
    names.sort();
    names
        .iter()
        .map(|k| format!("{k}={}", redis(uri, &["GET", k])))
        .collect()
}

async fn create_valkey(local: &Local, name: &str, user_config: Value) -> Value {
    let (status, body) = local
        .create(json!({"service_name": name, "service_type": "valkey", "plan": "startup-4", "user_config": user_config}))
        .await;
    assert_eq!(status, 200, "{body}");
    local.wait_ready(name).await
}

#[tokio::test]
async fn a_valkey_fork_holds_exactly_its_backups_keys_and_is_independent() {
    let local = Local::start();
    let source = create_valkey(&local, "cache", json!({})).await;
    let uri = service_uri(&source);
    assert!(uri.starts_with("valkeys://default:"), "{uri}");
    redis(&uri, &["SET", "a", "1"]);
    redis(&uri, &["SET", "b", "2"]);
    let first = local.back_up_now("cache").await;
    redis(&uri, &["SET", "c", "3"]);
    redis(&uri, &["DEL", "a"]);
    local.back_up_now("cache").await;

    let named = create_valkey(
        &local,
        "cache-then",
        json!({"service_to_fork_from": "cache", "recovery_basebackup_name": first}),
    )
    .await;
    let named_uri = service_uri(&named);
    assert_ne!(named_uri, uri);
    assert_eq!(keys(&named_uri), ["a=1", "b=2"]);

    let latest = create_valkey(
        &local,
        "cache-now",
        json!({"service_to_fork_from": "cache"}),
    )
    .await;
    let latest_uri = service_uri(&latest);
    assert_eq!(keys(&latest_uri), ["b=2", "c=3"]);
    redis(&latest_uri, &["SET", "only-in-fork", "x"]);
    assert_eq!(
        keys(&uri),
        ["b=2", "c=3"],
        "the source never sees the fork's writes"
    );
}

#[tokio::test]
async fn valkey_users_are_acl_users_and_settings_are_applied() {
    let local = Local::start();
    let service = create_valkey(
        &local,
        "guarded",
        json!({"valkey_maxmemory_policy": "allkeys-lru"}),
    )
    .await;
    let uri = service_uri(&service);
    let port = service["service_uri_params"]["port"]
        .as_str()
        .unwrap()
        .to_owned();
    let anonymous = Command::new("redis-cli")
        .args(["--tls", "--insecure", "-p", &port, "GET", "x"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&anonymous.stdout);
    assert!(
        said.contains("NOAUTH"),
        "no passwordless default user: {said}"
    );
    assert_eq!(
        redis(&uri, &["CONFIG", "GET", "maxmemory-policy"]),
        "maxmemory-policy\nallkeys-lru"
    );
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            "/v1/project/test/service/guarded",
            Some(json!({"user_config": {"valkey_maxmemory_policy": "volatile-ttl"}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        redis(&uri, &["CONFIG", "GET", "maxmemory-policy"]),
        "maxmemory-policy\nvolatile-ttl"
    );

    let (status, body) = local
        .call(
            reqwest::Method::POST,
            "/v1/project/test/service/guarded/user",
            Some(json!({"username": "sessions", "access_control": {
                "valkey_acl_keys": ["session:*"],
                "valkey_acl_categories": ["+@read", "+@write"],
            }})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let password = body["user"]["password"].as_str().unwrap();
    let host_port = uri.rsplit_once('@').unwrap().1;
    let sessions = format!("valkeys://sessions:{password}@{host_port}");
    assert_eq!(redis(&sessions, &["SET", "session:1", "on"]), "OK");
    let refused = redis(&sessions, &["SET", "other", "x"]);
    assert!(
        refused.contains("NOPERM"),
        "keys outside its pattern: {refused}"
    );

    let (status, body) = local
        .call(
            reqwest::Method::DELETE,
            "/v1/project/test/service/guarded/user/sessions",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let gone = redis(&sessions, &["GET", "session:1"]);
    assert!(
        gone.contains("WRONGPASS") || gone.contains("NOAUTH"),
        "a deleted user cannot log in: {gone}"
    );
}

#[tokio::test]
async fn valkey_keys_survive_a_restart_and_a_kill_9_in_the_middle_of_a_fork() {
    let local = Local::start();
    let source = create_valkey(&local, "steady", json!({})).await;
    let uri = service_uri(&source);
    // The first backup was taken when the service came up; the fork
    // holds what it held (nothing), the source keeps what comes after.
    redis(&uri, &["SET", "kept", "yes"]);
    let (status, body) = local
        .create(
            json!({"service_name": "steady-fork", "service_type": "valkey", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "steady"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.kill9_and_restart();
    let fork = local.wait_ready("steady-fork").await;
    assert_eq!(keys(&service_uri(&fork)), Vec::<String>::new());
    assert_eq!(keys(&uri), ["kept=yes"], "after kill -9");
    let (status, body) = local
        .create(
            json!({"service_name": "steady-fork2", "service_type": "valkey", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "steady-fork"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.restart();
    let fork = local.wait_ready("steady-fork2").await;
    assert_eq!(
        keys(&service_uri(&fork)),
        Vec::<String>::new(),
        "a fork a restart interrupted"
    );
    local.wait_ready("steady").await;
    assert_eq!(keys(&uri), ["kept=yes"], "after a restart");
}

#[tokio::test]
async fn acl_rules_that_would_switch_passwords_off_or_add_users_are_refused_and_change_nothing() {
    let local = Local::start();
    let service = create_valkey(&local, "guarded", json!({})).await;
    let uri = service_uri(&service);
    let users = format!("/v1/project/{}/service/guarded/user", support::PROJECT);
    let hostile = [
        json!({"valkey_acl_categories": ["nopass"]}),
        json!({"valkey_acl_commands": ["+get resetpass"]}),
        json!({"valkey_acl_keys": ["x\nuser evil on nopass ~* +@all"]}),
    ];
    for access in &hostile {
        let (status, body) = local
            .call(
                reqwest::Method::POST,
                &users,
                Some(json!({"username": "app", "access_control": access})),
            )
            .await;
        assert_eq!(status, 400, "{access}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("access_control.valkey_acl_"),
            "{body}"
        );
    }
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            &users,
            Some(json!({"username": "app"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .call(
            reqwest::Method::PUT,
            &format!("{users}/app"),
            Some(json!({"operation": "set-access-control", "access_control": hostile[2]})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let acl = redis(&uri, &["ACL", "LIST"]);
    assert!(!acl.contains("evil") && !acl.contains("nopass"), "{acl}");
    assert_eq!(acl.lines().count(), 2, "default and app only: {acl}");
}

#[tokio::test]
async fn a_valkey_port_held_by_another_process_gets_no_password_and_the_service_says_why() {
    let mut local = Local::start();
    let service = create_valkey(&local, "squatted", json!({})).await;
    let uri = service_uri(&service);
    let port: u16 = uri.rsplit(':').next().unwrap().parse().unwrap();
    let password = uri
        .strip_prefix("valkeys://default:")
        .and_then(|rest| rest.split('@').next())
        .unwrap()
        .to_owned();
    let dir = local.server.data_dir.clone();
    local.server.stop();

    // A local process takes the port while aiven-local is down and
    // records everything sent to it.
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
    squatter.set_nonblocking(true).unwrap();
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let sink = std::sync::Arc::clone(&received);
    let leave = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let left = std::sync::Arc::clone(&leave);
    let squatting = std::thread::spawn(move || {
        while !left.load(std::sync::atomic::Ordering::Relaxed) {
            let Ok((stream, _)) = squatter.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            let sink = std::sync::Arc::clone(&sink);
            std::thread::spawn(move || {
                use std::io::Read;
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
            });
        }
    });

    let again = Local::restart_in(&dir, false);
    let (status, body) = again
        .call(
            reqwest::Method::GET,
            &format!("/v1/project/{}/service/squatted", support::PROJECT),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let notices = body["service"]["service_notifications"].to_string();
    assert!(
        notices.contains("did not start") && notices.contains(&port.to_string()),
        "the service says why its engine is down: {notices}"
    );
    assert_eq!(
        body["service"]["state"], "REBUILDING",
        "a service whose engine is down does not read RUNNING"
    );
    let sent = String::from_utf8_lossy(&received.lock().unwrap()).into_owned();
    assert!(
        !sent.contains(&password) && !sent.contains("AUTH"),
        "the squatter was sent: {sent:?}"
    );

    // Once the port is free again, the next start brings it back whole.
    let mut again = again;
    again.server.stop();
    leave.store(true, std::sync::atomic::Ordering::Relaxed);
    squatting.join().unwrap();
    let back = Local::restart_in(&dir, false);
    let service = back.wait_ready("squatted").await;
    let notices = service["service_notifications"].to_string();
    assert!(!notices.contains("did not start"), "{notices}");
    assert_eq!(redis(&service_uri(&service), &["PING"]), "PONG");
    drop(back);
}
