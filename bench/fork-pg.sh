#!/usr/bin/env bash
# Benchmark: forking a ~1 GB PostgreSQL service on aiven-local, against
# the floor (a plain copy of the source's data directory, then crash
# recovery replaying its WAL), and idle memory per pg service.
# Usage: bench/fork.sh [pg] [pgbench scale, default 60 (~0.9 GB)]
set -euo pipefail
scale=${1:-60}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo build --quiet --release -p aiven-local
bin=/usr/lib/postgresql/15/bin
bench_cleanup() {
  [ -d "$work/floor" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$work/floor" -m immediate stop >/dev/null 2>&1 || true
}
. bench/lib.sh
start_aiven_local fork --backup-interval 15s
api="$url/v1/project/bench"

call -X POST "$api/service" -d '{"service_name":"big","service_type":"pg","plan":"startup-4"}' >/dev/null
wait_running big
uri=$(call "$api/service/big" | field "['service']['service_uri']")
t=$(now)
pgbench -q -i -s "$scale" "$uri" >/dev/null 2>&1
size=$(psql -X -At "$uri" -c "select pg_size_pretty(pg_database_size('defaultdb'))")
echo "loaded pgbench scale $scale ($size) in $(elapsed "$t") s"
loaded=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "waiting for a base backup taken after the load (every 15 s)..."
until call "$api/service/big/backups" | python3 -c "import json,sys; b=json.load(sys.stdin)['backups']; sys.exit(0 if b and b[-1]['backup_time'] > '$loaded' else 1)"; do sleep 1; done
call "$api/service/big/backups" | python3 -c "import json,sys; b=json.load(sys.stdin)['backups'][-1]; print(f\"backup {b['backup_name']}: {b['data_size']/1e6:.0f} MB (LZ4)\")"
# Writes during the next backup: one commit after another, each stamped;
# the longest gap between two is how long a backup held commits up.
psql -X -q "$uri" -c "create table w (n serial primary key, at timestamptz)"
during=$(date -u +%Y-%m-%dT%H:%M:%SZ)
( python3 -c "
import sys
for _ in range(int(sys.argv[1])): print('insert into w (at) values (clock_timestamp());')" 60000 | psql -X -q "$uri" >/dev/null ) &
writer=$!
until call "$api/service/big/backups" | python3 -c "import json,sys; b=json.load(sys.stdin)['backups']; sys.exit(0 if b and b[-1]['backup_time'] > '$during' else 1)"; do sleep 1; done
wait "$writer"
psql -X -At "$uri" -c "select 'longest stall between commits during the backup: ' || round(max(gap) * 1000) || ' ms (median ' || round((percentile_cont(0.5) within group (order by gap) * 1000)::numeric, 2) || ' ms)' from (select extract(epoch from at - lag(at) over (order by n)) as gap from w) g where gap is not null"
psql -X -q "$uri" -c "insert into pgbench_history (tid, bid, aid, delta, mtime) values (1, 1, 1, 42, now())"

t=$(now)
# The latest transaction, as the provider asks for it: now, as a point in time.
target=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
call -X POST "$api/service" -d "{\"service_name\":\"big-fork\",\"service_type\":\"pg\",\"plan\":\"startup-4\",\"user_config\":{\"service_to_fork_from\":\"big\",\"recovery_target_time\":\"$target\"}}" >/dev/null
wait_running big-fork
fork_s=$(elapsed "$t")
fork_uri=$(call "$api/service/big-fork" | field "['service']['service_uri']")
rows=$(psql -X -At "$fork_uri" -c "select count(*) from pgbench_accounts")
last=$(psql -X -At "$fork_uri" -c "select delta from pgbench_history order by mtime desc limit 1")
echo "fork (latest transaction): ${fork_s} s, $rows accounts, last delta $last"
grep "restored and promoted" "$work/log" | tail -1 | sed 's/.*unpack_ms=/    phases: unpack_ms=/'

# Floor: copy the live data directory as it is and let crash recovery
# replay its WAL; no backup, no archive, no promotion.
src_dir="$work/data/services/bench/big/pgdata"
# Quiesce WAL recycling so the copy sees a stable directory.
psql -X -q "$uri" -c "CHECKPOINT"
t=$(now)
# Segments recycled during the copy are ones recovery no longer needs.
cp -a "$src_dir" "$work/floor" 2>/dev/null || true
rm -f "$work/floor/postmaster.pid"
chown -R postgres:postgres "$work/floor"
floor_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$bin/pg_ctl" -D "$work/floor" -l "$work/floor/floor.log" -o "-p $floor_port -c archive_mode=off" -w start >/dev/null
echo "floor (cp -a + WAL replay): $(elapsed "$t") s"

pss() {
  local total=0
  for p in $(pgrep -f -- "-D $1" ; pgrep -P "$(pgrep -f -- "-D $1" | head -1)" 2>/dev/null); do
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + kb))
  done
  echo "$total"
}
sleep 2
echo "idle memory of one pg service (PSS of its postgres processes): $(( $(pss "$work/data/services/bench/big-fork/pgdata") / 1024 )) MB"
