//! Metrics (thanos) services run a real Prometheus: samples arrive by
//! remote write behind basic auth, backups are copies of the live TSDB
//! (the admin API stays off), and a fork answers the same PromQL for every
//! series written before its backup.

mod support;

use serde_json::{Value, json};
use support::Local;
use testkit::{Sample, promql, remote_write};

fn base(service: &Value) -> String {
    service["service_uri"]
        .as_str()
        .expect("service_uri")
        .to_owned()
}

/// The value of `query` at `at` (seconds), as Prometheus prints it.
fn value_at(base: &str, query: &str, at: i64) -> Value {
    let (status, answer) = promql(base, query, at);
    assert_eq!(status, 200, "{answer}");
    answer["data"]["result"].clone()
}

#[tokio::test]
async fn a_thanos_fork_answers_the_same_promql_for_what_its_backup_holds() {
    let local = Local::start();
    let (status, body) = local
        .create(json!({"service_name": "metrics", "service_type": "thanos", "plan": "startup-4"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let source = base(&local.wait_ready("metrics").await);
    let userinfo = source.find("://").unwrap() + 3..source.rfind('@').unwrap() + 1;
    let anonymous = source.replacen(&source[userinfo], "", 1);
    assert_eq!(
        promql(&anonymous, "up", 0).0,
        401,
        "basic auth: {anonymous}"
    );
    // HTTPS, its certificate the project CA's, as everything on the platform.
    assert!(source.starts_with("https://"), "{source}");
    let (_, ca) = local
        .call(reqwest::Method::GET, "/v1/project/test/kms/ca", None)
        .await;
    let ca_file = std::env::temp_dir().join(format!("thanos-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca["certificate"].as_str().unwrap()).unwrap();
    let curl_as = |method: &str, url: String| {
        let output = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method])
            .arg("--cacert")
            .arg(&ca_file)
            .arg(url)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let curl = |url: String| curl_as("GET", url);
    assert_eq!(
        curl(format!("{source}/api/v1/query?query=up")),
        "200",
        "verified by the project's CA"
    );
    let plain = source.replacen("https://", "http://", 1);
    assert_ne!(
        curl(format!("{plain}/api/v1/query?query=up")),
        "200",
        "no plain HTTP"
    );
    // The admin API is off: basic auth cannot keep a metrics user from it.
    for admin in ["snapshot", "delete_series?match[]=up", "clean_tombstones"] {
        let status = curl_as("POST", format!("{source}/api/v1/admin/tsdb/{admin}"));
        assert!(
            !status.starts_with('2'),
            "the service's own user calls admin {admin}: {status}"
        );
    }
    let _ = std::fs::remove_file(&ca_file);

    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let labels = [("__name__", "orders_total"), ("shop", "north")];
    let samples: Vec<Sample> = (0..3)
        .map(|i| Sample {
            labels: &labels,
            value: 10.0 * f64::from(i + 1),
            timestamp_ms: now_ms - 30_000 + i64::from(i) * 10_000,
        })
        .collect();
    // Blocking for a moment is fine: the server is another process.
    let status = remote_write(&source, &samples);
    assert!(
        matches!(status, 200 | 204),
        "remote write answered {status}"
    );
    let at = now_ms / 1000;
    let sum = "sum_over_time(orders_total[1m])";
    let expected = value_at(&source, sum, at);
    assert_eq!(expected[0]["value"][1], "60", "{expected}");
    local.back_up_now("metrics").await;

    let (status, body) = local
        .create(
            json!({"service_name": "metrics-copy", "service_type": "thanos", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "metrics"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // A crash in the middle of the fork loses nothing.
    let local = local.kill9_and_restart();
    let copy = base(&local.wait_ready("metrics-copy").await);
    assert_ne!(copy, source);
    assert_eq!(
        value_at(&copy, sum, at),
        expected,
        "the same answer from the fork"
    );
    assert_eq!(
        value_at(&copy, "orders_total", at)[0]["metric"]["shop"],
        "north"
    );

    let only = [("__name__", "fork_only"), ("shop", "south")];
    let status = remote_write(
        &copy,
        &[Sample {
            labels: &only,
            value: 1.0,
            timestamp_ms: now_ms,
        }],
    );
    assert!(matches!(status, 200 | 204));
    assert_eq!(
        value_at(&copy, "fork_only", at).as_array().unwrap().len(),
        1
    );
    assert_eq!(
        value_at(&source, "fork_only", at).as_array().unwrap().len(),
        0,
        "the source never sees the fork's samples"
    );

    // A restart in the middle of a fork loses nothing either.
    let (status, body) = local
        .create(
            json!({"service_name": "metrics-copy2", "service_type": "thanos", "plan": "startup-4",
                       "user_config": {"service_to_fork_from": "metrics"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let local = local.restart();
    let copy2 = base(&local.wait_ready("metrics-copy2").await);
    assert_eq!(value_at(&copy2, sum, at), expected);
    local.wait_ready("metrics").await;
    assert_eq!(
        value_at(&source, sum, at),
        expected,
        "the source after a restart"
    );
}
