# Shared by the bench scripts (sourced, not run): a work directory and an
# aiven-local on a free loopback port, both gone when the script exits.
#
#   start_aiven_local NAME [SERVE ARGS...]
#
# sets `work` (a temporary directory, mode 711 so the engine user that
# aiven-local runs as can reach its data under it), `token`, `port` and
# `url`, and starts target/release/aiven-local with its data in
# "$work/data" and its log in "$work/log". A script with more to tidy up
# defines `bench_cleanup` before calling it. BENCH_KEEP=1 keeps the work
# directory (the engines' logs among it) for a look after the run.

start_aiven_local() {
  local name=$1
  shift
  work=$(mktemp -d "/tmp/bench-$name.XXXXXX")
  chmod 711 "$work"
  token=bench-token-long-enough-for-aiven-local
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  url="http://127.0.0.1:$port"
  aiven_local_pid=""
  trap stop_aiven_local EXIT
  AIVEN_LOCAL_TOKEN="$token" target/release/aiven-local serve --listen "127.0.0.1:$port" \
    --data-dir "$work/data" "$@" >"$work/log" 2>&1 &
  aiven_local_pid=$!
  sleep 1
}

# The API of that aiven-local, for scripts that set `api` to a project's
# URL: `call` curls it with the token, `field` picks from a JSON reply,
# `wait_running` waits for a service; `now` and `elapsed` time steps.
call() { curl -sf -H "Authorization: aivenv1 $token" "$@"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
wait_running() {
  until [ "$(call "$api/service/$1" | field "['service']['state']")" = RUNNING ]; do sleep 0.05; done
}
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$(now) - $1:.2f}')"; }

# use_provider_from DIR: terraform, run from here on, takes the provider
# binary in DIR (a dev override, no install) and talks to this aiven-local.
use_provider_from() {
  printf 'provider_installation {\n  dev_overrides { "registry.terraform.io/aiven-rs/aiven" = "%s" }\n  direct {}\n}\n' "$1" >"$work/cli.tfrc"
  export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
  export AIVEN_WEB_URL="$url" AIVEN_TOKEN="$token"
}

stop_aiven_local() {
  if [ -n "$aiven_local_pid" ]; then
    kill -TERM "$aiven_local_pid" 2>/dev/null && wait "$aiven_local_pid" 2>/dev/null
  fi
  if declare -F bench_cleanup >/dev/null; then bench_cleanup; fi
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
