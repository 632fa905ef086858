//! Every example under examples/ applies against aiven-local as shipped,
//! and a second plan is empty.

mod support;

use std::path::PathBuf;

use support::env;

fn example_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"));
    let mut dirs = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "main.tf") {
                dirs.push(dir.clone());
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn every_example_applies_and_replans_empty() {
    let e = env();
    let dirs = example_dirs();
    assert!(
        dirs.len() >= 21,
        "resources, data sources and scenarios: {dirs:?}"
    );
    for (index, dir) in dirs.iter().enumerate() {
        let project = format!("example-{index}");
        let tf = e.terraform_with(&[("TF_VAR_project", &project)]);
        tf.write(
            "main.tf",
            &std::fs::read_to_string(dir.join("main.tf")).unwrap(),
        );
        let apply = tf.apply();
        assert_eq!(
            apply.code,
            0,
            "{} failed to apply:\n{}\n{}",
            dir.display(),
            apply.stdout,
            apply.stderr
        );
        let plan = tf.plan();
        assert_eq!(
            plan.code,
            0,
            "{}: second plan not empty:\n{}",
            dir.display(),
            plan.stdout
        );
    }
}
