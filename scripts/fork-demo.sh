#!/usr/bin/env bash
# End-to-end fork demo: builds the provider and aiven-local, starts
# aiven-local on a temporary data directory, applies examples/fork with a
# row written before a backup and two more around a chosen instant, prints
# the rows each service holds (the latest-backup fork, the
# latest-transaction fork and the point-in-time fork), and cleans up.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh

echo "==> building"
cargo build --quiet --workspace --bins
bin="$repo/target/debug"

work=$(mktemp -d /tmp/fork-demo.XXXXXX)
chmod 711 "$work"
token=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
local_pid=""
cleanup() {
  if [ -n "$local_pid" ]; then
    kill -TERM "$local_pid" 2>/dev/null || true
    wait "$local_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> starting aiven-local on 127.0.0.1:$port (data in $work/data)"
"$bin/aiven-local" serve --listen "127.0.0.1:$port" --data-dir "$work/data" --token "$token" >"$work/aiven-local.log" 2>&1 &
local_pid=$!
for _ in $(seq 1 50); do
  curl -sf -H "Authorization: aivenv1 $token" "http://127.0.0.1:$port/v1/project" >/dev/null && break
  sleep 0.1
done

mkdir -p "$work/plugins" "$work/tf"
ln -s "$bin/terraform-provider-aiven" "$work/plugins/terraform-provider-aiven"
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides { "registry.terraform.io/aiven-rs/aiven" = "$work/plugins" }
  direct {}
}
CFG
cp examples/fork/main.tf "$work/tf/"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_DATA_DIR="$work/tf/.terraform" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
export AIVEN_WEB_URL="http://127.0.0.1:$port" AIVEN_TOKEN="$token"
tf() { terraform -chdir="$work/tf" "$@"; }

echo "==> creating the source"
tf apply -auto-approve -no-color -compact-warnings -target=aiven_pg.source | grep -E '^(aiven_|Apply)' || true
source_uri=$(tf output -raw source_uri)
psql -X -q "$source_uri" -c "CREATE TABLE orders (id int, note text, at timestamptz DEFAULT clock_timestamp())" \
  -c "INSERT INTO orders (id, note) VALUES (1, 'before the latest backup')"
# aiven-local backs up every running service now on SIGUSR1 (the hosted
# platform takes its backups on its own schedule).
backups() {
  curl -sf -H "Authorization: aivenv1 $token" "http://127.0.0.1:$port/v1/project/fork-demo/service/orders/backups" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["backups"]))'
}
before=$(backups)
kill -USR1 "$local_pid"
for _ in $(seq 1 300); do [ "$(backups)" -gt "$before" ] && break; sleep 0.1; done
echo "    aiven-local took a backup"
psql -X -q "$source_uri" -c "INSERT INTO orders (id, note) VALUES (2, 'after the backup, before the chosen instant')"
sleep 1.2
target=$(date -u '+%Y-%m-%d %H:%M:%S')
sleep 1.2
psql -X -q "$source_uri" -c "INSERT INTO orders (id, note) VALUES (3, 'after the chosen instant')"
echo "    chose recovery_target_time = $target"

echo "==> the plan says what the latest-backup fork will hold"
tf plan -no-color -var "recovery_target_time=$target" |
  awk '/^Warning: The fork will hold/ {on = 1} on && /^$/ {blank++} on && blank == 3 {exit} on {print "    " $0}'

echo "==> forking: latest backup, latest transaction, and point in time"
start=$(date +%s.%N)
tf apply -auto-approve -no-color -compact-warnings -var "recovery_target_time=$target" | grep -E '^(aiven_|Apply|data)' || true
echo "    forks applied in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"

show() {
  printf '\n%s\n' "$1"
  psql -X "$2" -c "SELECT id, note, at FROM orders ORDER BY id"
}
show "source (orders):" "$source_uri"
show "fork of the latest backup, as the API forks by default (orders-backup):" "$(tf output -raw backup_uri)"
echo "restored to: $(tf output -json backup_restored_to)"
show "fork to the latest transaction, fork_point = \"latest_transaction\" (orders-latest):" "$(tf output -raw latest_uri)"
echo "restored to: $(tf output -json latest_restored_to)"
show "fork to $target (orders-pitr):" "$(tf output -raw point_in_time_uri)"
echo "recovery window starts at $(tf output -raw recovery_window_start)"

echo "==> second plan (must be empty)"
if tf plan -detailed-exitcode -no-color -compact-warnings -var "recovery_target_time=$target" >"$work/plan.txt"; then
  echo "    no changes"
else
  echo "    UNEXPECTED: the second plan is not empty" >&2
  cat "$work/plan.txt" >&2
  exit 1
fi
echo "==> cleaning up"
tf destroy -auto-approve -no-color -compact-warnings -var "recovery_target_time=$target" | grep -E '^Destroy' || true
