//! Every example under examples/ applies against aiven-local as shipped,
//! and a second plan is empty.

mod support;

use std::path::PathBuf;

use support::env;

/// The configuration files of examples: scenarios' `main.tf`, and the
/// registry layout's `resource.tf`, `data-source.tf` and
/// `ephemeral-resource.tf`.
const EXAMPLE_FILES: [&str; 4] = [
    "main.tf",
    "resource.tf",
    "data-source.tf",
    "ephemeral-resource.tf",
];

fn example_files() -> Vec<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"));
    let mut files = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| EXAMPLE_FILES.iter().any(|f| n == *f))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_example_applies_and_replans_empty() {
    let e = env();
    let files = example_files();
    assert!(
        files.len() >= 21,
        "resources, data sources and scenarios: {files:?}"
    );
    for (index, file) in files.iter().enumerate() {
        let project = format!("example-{index}");
        let tf = e.terraform_with(&[("TF_VAR_project", &project)]);
        tf.write("main.tf", &std::fs::read_to_string(file).unwrap());
        let apply = tf.apply();
        assert_eq!(
            apply.code,
            0,
            "{} failed to apply:\n{}\n{}",
            file.display(),
            apply.stdout,
            apply.stderr
        );
        let plan = tf.plan();
        assert_eq!(
            plan.code,
            0,
            "{}: second plan not empty:\n{}",
            file.display(),
            plan.stdout
        );
    }
}
