#!/usr/bin/env bash
# The test suite, twice: once against aiven-local as it answers by default,
# and once with its contract variations on (AIVEN_LOCAL_VARY: replies as
# loose as the real API's contract allows, stale reads after updates,
# refused and lost answers, slow ones). Every test server also checks each
# request and reply against the contract and fails the test on a breach.
# Set AIVEN_LOCAL_VARY_SEED to replay a varied run. Then the suites that
# drive the client run under OpenTofu too (scripts/tofu-versions), and the
# commands of the README's install, switching and aiven-local sections run
# as written.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

cargo test --workspace -- --test-threads=2

seed="${AIVEN_LOCAL_VARY_SEED:-20261126}"
echo "== again with contract variations: AIVEN_LOCAL_VARY=seed=$seed"
AIVEN_LOCAL_VARY="seed=$seed" cargo test --workspace -- --test-threads=2

# The suites that drive the client, again under each OpenTofu version
# (setup built them): forks, the engines' forks, the examples, migration
# from the official provider, the objects, identity, ephemeral resources
# and the release; and the plugin layer's own run of the real client.
for tofu_version in $(cat scripts/tofu-versions); do
  echo "== again under OpenTofu $tofu_version"
  TERRAFORM="/opt/aiven-local/tofu-$tofu_version/tofu" cargo test \
    --test fork --test engine_forks --test examples --test migrate \
    --test objects --test identity --test ephemeral --test release \
    -- --test-threads=2
  TERRAFORM="/opt/aiven-local/tofu-$tofu_version/tofu" cargo test \
    -p tfplugin --test terraform -- --test-threads=2
done

echo "== the README's install, switching and aiven-local commands, as written"
scripts/check-readme.sh
