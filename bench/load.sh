#!/usr/bin/env bash
# Load on aiven-local, two ways, printing figures (no assertion):
# 1. CLIENTS concurrent API clients for SECONDS, mixing service reads (70%),
#    lists (10%), engine-less creates and deletes (10%) and pg forks of a
#    source with rows, deleted again (10%): p50/p99 latency per kind, the
#    error count and aiven-local's peak RSS.
# 2. `terraform apply` of COUNT pg services at -parallelism=20, timed, and
#    the memory each idle service costs (PSS of its PostgreSQL processes;
#    the other types run no engine).
# 3. A connection flood: FLOOD idle connections and 100 requests sent
#    half, held open while real requests are timed against the same
#    requests on a quiet server (p50/p99), with the descriptors
#    aiven-local holds and how many real requests failed.
# Usage: bench/load.sh [CLIENTS=16] [SECONDS=30] [COUNT=50] [FLOOD=600]
#        bench/load.sh flood [FLOOD=600]   (the flood alone)
set -euo pipefail
only_flood=false
if [ "${1:-}" = flood ]; then
  only_flood=true
  shift
  flood=${1:-600}
else
  clients=${1:-16}
  seconds=${2:-30}
  count=${3:-50}
  flood=${4:-600}
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo build --quiet --release --workspace --bins
. bench/lib.sh
start_aiven_local load --provision-delay 200ms

flood() {
python3 - "$port" "$token" "$aiven_local_pid" "$flood" <<'PY'
import os, socket, sys, time, http.client
port, token, pid, flood = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def timed(n):
    times, failed = [], 0
    for _ in range(n):
        started = time.time()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/v1/project", headers={"Authorization": f"aivenv1 {token}"})
            ok = c.getresponse().status == 200
            c.close()
        except Exception:
            ok = False
        failed += not ok
        times.append((time.time() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(0.99 * len(times)))], failed
quiet = timed(100)
held, refused = [], 0
for i in range(flood + 100):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i >= flood:
            s.sendall(b"GET /v1/project HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        held.append(s)
    except OSError:
        refused += 1
time.sleep(1)
during = timed(100)
fds = len(os.listdir(f"/proc/{pid}/fd"))
for s in held:
    s.close()
time.sleep(2)
after_fds = len(os.listdir(f"/proc/{pid}/fd"))
print(f"flood: {flood} idle connections and 100 half-sent requests ({refused} not accepted): "
      f"real requests p50 {during[0]:.1f} ms, p99 {during[1]:.1f} ms, {during[2]} failed of 100 "
      f"(quiet: p50 {quiet[0]:.1f} ms, p99 {quiet[1]:.1f} ms); "
      f"aiven-local held {fds} descriptors, {after_fds} once they closed")
PY
}
if $only_flood; then
  flood
  exit 0
fi

python3 - "$url" "$token" "$clients" "$seconds" "$aiven_local_pid" <<'PY'
import json, random, subprocess, sys, threading, time, urllib.request, urllib.error
url, token, clients, seconds, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Authorization": f"aivenv1 {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except Exception:
        return 0, None
def wait_ready(name):
    while True:
        s, b = call("GET", f"/v1/project/load/service/{name}")
        if s == 200 and b["service"]["state"] == "RUNNING" and b["service"].get("backups"):
            return b["service"]
        time.sleep(0.2)
call("POST", "/v1/project/load/service", {"service_name": "source", "service_type": "pg", "plan": "startup-4"})
source = wait_ready("source")
subprocess.run(["psql", source["service_uri"], "-qXc", "CREATE TABLE t AS SELECT generate_series(1, 10000) id"], check=True)
latencies, errors, lock = {}, [0], threading.Lock()
error_kinds = {}
deadline = time.time() + seconds
rss_peak = [0]
def rss():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
def worker(n):
    rng = random.Random(n)
    i = 0
    while time.time() < deadline:
        i += 1
        roll = rng.random()
        started = time.time()
        if roll < 0.7:
            kind, (s, _) = "read", call("GET", "/v1/project/load/service/source")
            ok = s == 200
        elif roll < 0.8:
            kind, (s, _) = "list", call("GET", "/v1/project/load/service")
            ok = s == 200
        elif roll < 0.9:
            kind = "create+delete"
            name = f"kv-{n}-{i}"
            s, _ = call("POST", "/v1/project/load/service", {"service_name": name, "service_type": "valkey", "plan": "startup-4"})
            s2, _ = call("DELETE", f"/v1/project/load/service/{name}")
            ok = s == 200 and s2 == 200
            status = (s, s2)
        else:
            kind = "fork+delete"
            name = f"fork-{n}-{i}"
            s, _ = call("POST", "/v1/project/load/service", {"service_name": name, "service_type": "pg", "plan": "startup-4",
                                                          "user_config": {"service_to_fork_from": "source"}})
            s2, _ = call("DELETE", f"/v1/project/load/service/{name}")
            ok = s == 200 and s2 == 200
            status = (s, s2)
        with lock:
            latencies.setdefault(kind, []).append(time.time() - started)
            if not ok:
                errors[0] += 1
                key = f"{kind} {status if roll >= 0.8 else s}"
                error_kinds[key] = error_kinds.get(key, 0) + 1
            rss_peak[0] = max(rss_peak[0], rss())
threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
total = sum(len(v) for v in latencies.values())
print(f"load: {clients} clients for {seconds:.0f} s: {total} operations, {errors[0]} errors, aiven-local peak RSS {rss_peak[0]/1024:.1f} MiB")
for kind, values in sorted(latencies.items()):
    values.sort()
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000
    print(f"  {kind:14} {len(values):6} ops  p50 {p(0.5):8.1f} ms  p99 {p(0.99):8.1f} ms")
for key, n in sorted(error_kinds.items()):
    print(f"  errors: {n} x {key}")
PY

mkdir -p "$work/tf"
use_provider_from "$repo/target/release"
cat >"$work/tf/main.tf" <<TF
terraform {
  required_providers {
    aiven = { source = "aiven-rs/aiven" }
  }
}
resource "aiven_pg" "db" {
  count        = $count
  project      = "apply"
  service_name = "db-\${count.index}"
  plan         = "startup-4"
}
TF
started=$(date +%s.%N)
(cd "$work/tf" && terraform apply -auto-approve -parallelism=20 -no-color >"$work/apply.log" 2>&1) || { tail -20 "$work/apply.log"; exit 1; }
ended=$(date +%s.%N)
sleep 5
# PSS of every PostgreSQL process of the apply's services, per service.
pss_kb=0
for proc in /proc/[0-9]*; do
  cmd=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null || true)
  case "$cmd" in
    *postgres*"$work/data/services/apply/"*|postgres:*) ;;
    *) continue ;;
  esac
  # Child processes name themselves "postgres: ..."; count those under a
  # postmaster of this run only.
  parent=$(awk '/^PPid:/ {print $2}' "$proc/status" 2>/dev/null || echo 0)
  pcmd=$(tr '\0' ' ' <"/proc/$parent/cmdline" 2>/dev/null || true)
  case "$cmd$pcmd" in *"$work/data/services/apply/"*) ;; *) continue ;; esac
  kb=$(awk '/^Pss:/ {sum += $2} END {print sum + 0}' "$proc/smaps_rollup" 2>/dev/null || echo 0)
  pss_kb=$((pss_kb + kb))
done
python3 - "$started" "$ended" "$count" "$pss_kb" <<'PY'
import sys
started, ended, count, pss = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"apply: {count} pg services at -parallelism=20 in {ended - started:.1f} s; "
      f"idle pg service {pss / count / 1024:.1f} MiB PSS; other types run no engine (0 MiB)")
PY
flood
