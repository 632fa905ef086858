//! The official Aiven CLI (`avn`, PyPI package aiven-client) works against
//! aiven-local, including forks. `.ci/run` installs it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use testkit::{LocalServer, TOKEN, mariadb, psql};

struct Avn<'a> {
    server: &'a LocalServer,
    home: std::path::PathBuf,
}

impl Avn<'_> {
    fn run(&self, args: &[String]) -> String {
        let output = Command::new("avn")
            .args(args)
            .env("AIVEN_WEB_URL", &self.server.url)
            .env("AIVEN_AUTH_TOKEN", TOKEN)
            // Keep the user's own avn configuration out of it.
            .env("HOME", &self.home)
            .output()
            .expect("avn is not installed: pip install aiven-client");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "avn {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    fn json(&self, args: &[String]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json".to_owned());
        serde_json::from_str(&self.run(&with_json)).expect("avn --json prints JSON")
    }
}

/// `args` for the tests' project.
fn with(args: &[&str]) -> Vec<String> {
    args.iter()
        .chain(&["--project", "cli"])
        .map(|a| a.to_string())
        .collect()
}

/// aiven-local for the official CLI. Under contract variations
/// (AIVEN_LOCAL_VARY) the CLI gets the unknown fields, nulls and slow
/// answers, but not what it does not handle: it retries only failed
/// connections, `service user-list` reads the service's optional `users`
/// unconditionally, and these tests read a service right after updating
/// it.
fn start_for_avn() -> LocalServer {
    let vary = std::env::var("AIVEN_LOCAL_VARY")
        .ok()
        .map(|spec| format!("{spec},drop=0,faults=0,lost=0,stale=0"));
    let args: Vec<&str> = match &vary {
        Some(spec) => vec!["--vary", spec],
        None => Vec::new(),
    };
    LocalServer::start(Path::new(env!("CARGO_BIN_EXE_aiven-local")), &args)
}

/// `avn service create NAME -t TYPE --plan startup-4 --service-to-fork-from
/// SOURCE`, and `--recovery-target-time` when given.
fn fork_with_avn(avn: &Avn, service_type: &str, name: &str, source: &str, target: Option<&str>) {
    let mut args = vec![
        "service",
        "create",
        name,
        "-t",
        service_type,
        "--plan",
        "startup-4",
        "--service-to-fork-from",
        source,
    ];
    if let Some(target) = target {
        args.extend(["--recovery-target-time", target]);
    }
    avn.run(&with(&args));
}

#[test]
fn the_official_cli_creates_manages_and_forks_services() {
    let server = start_for_avn();
    let avn = Avn {
        server: &server,
        home: testkit::temp_dir("avn-home"),
    };

    let types = avn.json(&with(&["service", "types"]));
    assert!(types["pg"]["user_config_schema"]["properties"]["service_to_fork_from"].is_object());
    assert!(
        avn.run(&with(&[
            "service",
            "plans",
            "--service-type",
            "pg",
            "--cloud",
            "google-europe-west1"
        ]))
        .contains("pg:business-4")
    );

    avn.run(&with(&[
        "service",
        "create",
        "src",
        "-t",
        "pg",
        "--plan",
        "startup-4",
        "--cloud",
        "google-europe-west1",
        "-c",
        "pg.max_connections=200",
    ]));
    avn.run(&with(&["service", "wait", "src"]));
    let service = avn.json(&with(&["service", "get", "src"]));
    assert_eq!(service["state"], "RUNNING");
    assert_eq!(service["user_config"]["pg"]["max_connections"], 200);
    let uri = service["service_uri"].as_str().unwrap().to_owned();

    avn.run(&with(&[
        "service",
        "user-create",
        "src",
        "--username",
        "app",
    ]));
    assert!(
        avn.run(&with(&["service", "user-list", "src"]))
            .contains("app")
    );
    avn.run(&with(&[
        "service",
        "database-create",
        "src",
        "--dbname",
        "appdb",
    ]));
    assert!(
        avn.run(&with(&["service", "database-list", "src"]))
            .contains("appdb")
    );
    assert_eq!(
        psql(
            &uri,
            "SELECT count(*) FROM pg_database WHERE datname = 'appdb'"
        ),
        "1",
        "a real database"
    );
    avn.run(&with(&[
        "service",
        "connection-pool-create",
        "src",
        "--pool-name",
        "pool1",
        "--dbname",
        "appdb",
        "--username",
        "app",
    ]));
    assert!(
        avn.run(&with(&["service", "connection-pool-list", "src"]))
            .contains("pool1")
    );

    psql(&uri, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
    server.back_up_now("cli", "src");
    let backups = avn.json(&with(&["service", "backup-list", "src"]));
    assert!(backups[0]["data_size"].as_i64().unwrap() > 0, "{backups}");
    psql(&uri, "INSERT INTO t VALUES (2)");
    // As against the hosted API: without --recovery-target-time, the
    // newest backup and nothing after it.
    fork_with_avn(&avn, "pg", "copy", "src", None);
    let target = testkit::moment_between_writes()
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
        ))
        .unwrap();
    psql(&uri, "INSERT INTO t VALUES (3)");
    fork_with_avn(&avn, "pg", "past", "src", Some(&target));
    let now = server.latest_transaction("cli", "src");
    fork_with_avn(&avn, "pg", "now", "src", Some(&now));
    avn.run(&with(&["service", "wait", "copy", "past", "now"]));
    let ids = |name: &str| {
        let service = avn.json(&with(&["service", "get", name]));
        let uri = service["service_uri"].as_str().unwrap().to_owned();
        psql(&uri, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t")
    };
    assert_eq!(ids("copy"), "1", "the latest backup");
    assert_eq!(ids("past"), "1,2", "the point in time");
    assert_eq!(ids("now"), "1,2,3", "the latest transaction");
    let copy = avn.json(&with(&["service", "get", "copy"]));
    assert!(
        copy["connection_pools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["pool_name"] == "pool1"),
        "pools come along"
    );

    avn.run(&with(&["service", "update", "src", "--plan", "business-4"]));
    assert_eq!(
        avn.json(&with(&["service", "get", "src"]))["plan"],
        "business-4"
    );
    let listed = avn.json(&with(&["service", "list"]));
    assert_eq!(listed.as_array().unwrap().len(), 4);
    avn.run(&with(&["service", "terminate", "--force", "copy"]));
    assert_eq!(
        avn.json(&with(&["service", "list"]))
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let _ = std::fs::remove_dir_all(&avn.home);
}

#[test]
fn the_official_cli_forks_mysql_to_its_latest_backup_a_point_in_time_and_its_latest_transaction() {
    let server = start_for_avn();
    let avn = Avn {
        server: &server,
        home: testkit::temp_dir("avn-home"),
    };
    avn.run(&with(&[
        "service",
        "create",
        "shop",
        "-t",
        "mysql",
        "--plan",
        "startup-4",
    ]));
    avn.run(&with(&["service", "wait", "shop"]));
    let uri = avn.json(&with(&["service", "get", "shop"]))["service_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..600 {
        let backups = avn.json(&with(&["service", "backup-list", "shop"]));
        if backups.as_array().is_some_and(|b| !b.is_empty()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    mariadb(
        &uri,
        "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)",
    );
    server.back_up_now("cli", "shop");
    mariadb(&uri, "INSERT INTO t VALUES (2)");
    fork_with_avn(&avn, "mysql", "shop-copy", "shop", None);
    let target = testkit::moment_between_writes()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    mariadb(&uri, "INSERT INTO t VALUES (3)");
    fork_with_avn(&avn, "mysql", "shop-then", "shop", Some(&target));
    let now = server.latest_transaction("cli", "shop");
    fork_with_avn(&avn, "mysql", "shop-now", "shop", Some(&now));
    avn.run(&with(&[
        "service",
        "wait",
        "shop-copy",
        "shop-then",
        "shop-now",
    ]));
    let rows = |name: &str| {
        let service = avn.json(&with(&["service", "get", name]));
        mariadb(
            service["service_uri"].as_str().unwrap(),
            "SELECT group_concat(id ORDER BY id) FROM t",
        )
    };
    assert_eq!(rows("shop-copy"), "1", "the latest backup");
    assert_eq!(rows("shop-then"), "1,2", "the point in time");
    assert_eq!(rows("shop-now"), "1,2,3", "the latest transaction");
    let _ = std::fs::remove_dir_all(&avn.home);
}
