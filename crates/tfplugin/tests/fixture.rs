//! Locates the fixture provider that `cargo test` builds from
//! `examples/fixture_provider.rs`.

use std::path::PathBuf;

pub const ADDRESS: &str = "registry.terraform.io/aiven-rs/fixture";

pub fn provider_binary() -> PathBuf {
    // Test binaries live in target/<profile>/deps; examples one level up.
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let binary = profile_dir.join("examples").join("fixture_provider");
    assert!(
        binary.exists(),
        "{} missing: run through `cargo test`, which builds examples",
        binary.display()
    );
    binary
}
