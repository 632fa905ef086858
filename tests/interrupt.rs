//! Terraform interrupted mid-apply, as a CI job that is cancelled would
//! be: SIGINT, then SIGKILL if it has not stopped within two seconds. The
//! next apply must converge with no duplicate and no orphan, or fail with
//! the `import` block that adopts the service; after that, the plan is
//! empty and aiven-local holds exactly the services state knows.
//! INTERRUPT_ROUNDS (default 2) and INTERRUPT_SEED set the run.

mod support;

use std::time::{Duration, Instant};

use support::env;

const PG: &str = r#"
resource "aiven_pg" "db" {
  project      = "acme"
  service_name = "db"
  plan         = "startup-4"
}
"#;

fn signal(pid: u32, name: &str) {
    let _ = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

/// Provider processes still running from this working directory's runs.
fn providers_left(work_dir: &std::path::Path) -> usize {
    let plugins = work_dir.parent().unwrap().join("plugins");
    let needle = plugins.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            std::fs::read_link(e.path().join("exe"))
                .ok()
                .map(|exe| (e, exe))
        })
        .filter(|(entry, _)| {
            std::fs::read(entry.path().join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(&needle))
                .unwrap_or(false)
        })
        .count()
}

#[test]
fn an_apply_interrupted_at_any_moment_converges_on_the_next_with_nothing_orphaned() {
    let rounds: u64 = std::env::var("INTERRUPT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let seed: u64 = std::env::var("INTERRUPT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut converged, mut adopted, mut killed) = (0, 0, 0);
    let mut recoveries = Vec::new();
    for round in 0..rounds {
        let e = env();
        e.configure(PG);
        let mut apply =
            e.tf.spawn(&["apply", "-auto-approve", "-no-color", "-input=false"]);
        std::thread::sleep(Duration::from_millis(rng.u64(50..1500)));
        signal(apply.id(), "INT");
        let interrupted = Instant::now();
        while apply.try_wait().ok().flatten().is_none() {
            if interrupted.elapsed() > Duration::from_secs(2) {
                signal(apply.id(), "KILL");
                killed += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = apply.wait();
        let started = Instant::now();
        let again = e.tf.apply();
        if again.code != 0 {
            let text = format!("{}{}", again.stdout, again.stderr);
            assert!(
                text.contains("import {") && text.contains("id = \"acme/db\""),
                "round {round}: the next apply neither converged nor said how to adopt:\n{text}"
            );
            e.tf.import("aiven_pg.db", "acme/db").assert_ok();
            e.tf.apply().assert_ok();
            adopted += 1;
        } else {
            converged += 1;
        }
        recoveries.push(started.elapsed());
        assert_eq!(e.tf.plan().code, 0, "round {round}: an empty plan after");
        let (_, listed) = e.local.call("GET", "/v1/project/acme/service", None);
        let names: Vec<&str> = listed["services"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["service_name"].as_str())
            .collect();
        assert_eq!(names, vec!["db"], "round {round}: no duplicate, no orphan");
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            providers_left(&e.tf.work_dir()),
            0,
            "round {round}: no provider process outlived terraform"
        );
    }
    recoveries.sort();
    println!(
        "interrupt: {rounds} rounds (seed {seed}): {converged} converged, {adopted} adopted by import, \
         {killed} needed SIGKILL; next apply median {:.1} s",
        recoveries[recoveries.len() / 2].as_secs_f64()
    );
}
