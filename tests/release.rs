//! The release artifacts `scripts/release.sh` builds install the way users
//! install them: `terraform init` from the filesystem mirror, with no
//! dev_overrides, then the provider runs; the checksums and the lock file's
//! hash describe the package that was built.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{binary, registry_host};
use tfplugin::harness::unique_temp_dir;

mod support;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-aiven");
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn ok(output: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `sha256sum`'s hex digest of `input`.
fn sha256_hex(input: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = ok(child.wait_with_output().unwrap(), "sha256sum");
    out.split_whitespace().next().unwrap().to_owned()
}

/// Terraform's `h1:` hash of a package holding one file: the SHA-256 of
/// the line `<sha256 of the file>  <name>\n`, in base64.
fn h1_of_single_file(name: &str, contents: &[u8]) -> String {
    use base64::Engine;
    let line = format!("{}  {name}\n", sha256_hex(contents));
    let digest = hex_bytes(&sha256_hex(line.as_bytes()));
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn terraform(dir: &Path, cli_config: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_REATTACH_PROVIDERS")
        .output()
        .expect("terraform")
}

fn build_release(out: &Path) {
    let script = Path::new(REPO).join("scripts/release.sh");
    let output = Command::new("bash")
        .arg(script)
        .args(["--binary", BINARY, "--out"])
        .arg(out)
        .output()
        .expect("release.sh");
    ok(output, "scripts/release.sh");
}

#[test]
fn terraform_installs_the_release_from_its_mirror_and_runs_it() {
    let root = unique_temp_dir("release").unwrap();
    let dist = root.join("dist");
    build_release(&dist);
    let zip = format!("terraform-provider-aiven_{VERSION}_linux_amd64.zip");
    let zip_bytes = std::fs::read(dist.join(&zip)).unwrap();

    let sums = std::fs::read_to_string(
        dist.join(format!("terraform-provider-aiven_{VERSION}_SHA256SUMS")),
    )
    .unwrap();
    assert!(
        sums.contains(&format!("{}  {zip}", sha256_hex(&zip_bytes))),
        "SHA256SUMS names the zip with its hash:\n{sums}"
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dist.join(format!("terraform-provider-aiven_{VERSION}_manifest.json")))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["metadata"]["protocol_versions"][0], "6.0");

    // A user's machine: only a filesystem mirror, no dev_overrides.
    let mirror: PathBuf = dist.join("mirror");
    let host = registry_host();
    let cli_config = root.join("cli.tfrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"{host}/aiven-rs/aiven\"]\n  }}\n}}\n",
            mirror.display().to_string()
        ),
    )
    .unwrap();
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    aiven = {{\n      source  = \"aiven-rs/aiven\"\n      version = \"{VERSION}\"\n    }}\n  }}\n}}\n\n\
             resource \"aiven_pg\" \"main\" {{\n  project      = \"p\"\n  service_name = \"pg-main\"\n  plan         = \"startup-4\"\n}}\n"
        ),
    )
    .unwrap();
    ok(
        terraform(&work, &cli_config, &["init", "-input=false"]),
        "terraform init",
    );
    // validate starts the installed provider for its schema.
    ok(
        terraform(&work, &cli_config, &["validate"]),
        "terraform validate",
    );
    let installed = work.join(format!(
        ".terraform/providers/{host}/aiven-rs/aiven/{VERSION}/linux_amd64/terraform-provider-aiven_v{VERSION}"
    ));
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(BINARY).unwrap(),
        "the mirror installs the binary that was packaged"
    );

    std::fs::remove_file(work.join(".terraform.lock.hcl")).unwrap();
    let fs_mirror = format!("-fs-mirror={}", mirror.display());
    let lock = ["providers", "lock", &fs_mirror, "-platform=linux_amd64"];
    ok(
        terraform(&work, &cli_config, &lock),
        "terraform providers lock",
    );
    let lock_file = std::fs::read_to_string(work.join(".terraform.lock.hcl")).unwrap();
    let member = format!("terraform-provider-aiven_v{VERSION}");
    let expected = h1_of_single_file(&member, &std::fs::read(BINARY).unwrap());
    assert!(
        lock_file.contains(&expected),
        "the lock records the package's hash {expected}:\n{lock_file}"
    );
    let _ = std::fs::remove_dir_all(root);
}
