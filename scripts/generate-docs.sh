#!/usr/bin/env bash
# Regenerates docs/ (registry layout) from the provider's schema as
# Terraform loads it, and from examples/. tests/docs.rs fails while docs/
# is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --workspace --bins
UPDATE_DOCS=1 cargo test --quiet --test docs
