#!/usr/bin/env bash
# Writes PNG screenshots of the Console (the services list, a service's
# Backups timeline, the Fork & restore dialog) into docs/images/, taken by
# the browser test as it walks the seed's fork steps in headless chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out="$(pwd)/docs/images"
mkdir -p "$out"
CONSOLE_SCREENSHOTS="$out" cargo test --quiet -p aiven-local --test browser \
  the_consoles_fork_and_restore_in_a_browser_forks_to_a_point_in_time_the_latest_transaction_and_the_latest_backup -- --exact
ls -l "$out"/console-*.png
