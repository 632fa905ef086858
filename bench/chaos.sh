#!/usr/bin/env bash
# The crash loop at full length: ROUNDS rounds (default 30) of a fork
# workflow for each of pg, mysql, valkey, clickhouse, opensearch and
# cassandra (the last four: a backup and forks of it) with aiven-local killed (kill -9)
# at a random moment of each,
# restarted, and checked for settled services, exact rows, a catalog that
# agrees with the disk and no server left behind; then Terraform
# interrupted mid-apply (SIGINT, then SIGKILL) and applied again.
# Prints rounds, failures and recovery times. Usage: bench/chaos.sh [ROUNDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-30}"
seed="${2:-1}"
CHAOS_ROUNDS="$rounds" CHAOS_SEED="$seed" \
  cargo test --release -p aiven-local --test chaos -- --nocapture --test-threads=1 2>&1 |
  grep -oE 'chaos: .*|panicked.*|round [0-9]+:.*'
INTERRUPT_ROUNDS="$rounds" INTERRUPT_SEED="$seed" \
  cargo test --release --test interrupt -- --nocapture 2>&1 | grep -E '^interrupt:|panicked|round [0-9]+:'
