#!/usr/bin/env bash
# Benchmark: forking a ~1 GB service on aiven-local, against each engine's
# floor, with the engine's start time, idle memory per service (PSS) and
# how long the source's writes stall while a backup is taken.
# Usage: bench/fork.sh [pg [SCALE] | mysql [ROWS] | valkey [KEYS] | clickhouse [ROWS] | opensearch [DOCS] | cassandra [ROWS] | idle]
#   pg          pgbench scale (default 60, ~0.9 GB): see bench/fork-pg.sh
#   mysql       1 kB rows (default 1000000, ~1 GB)
#   valkey      1 kB keys (default 1000000, ~1 GB)
#   clickhouse  rows of 1 kB of random text (default 1000000, ~1 GB on disk)
#   opensearch  documents of 1 kB of random text (default 1000000, ~1 GB on disk)
#   cassandra   rows of 10 kB of random bytes (default 100000, ~1 GB on disk)
#   idle        one empty service of each engine (a pg one with a pool): PSS
set -euo pipefail
case "${1:-pg}" in
  pg) shift || true; exec "$(dirname "$0")/fork-pg.sh" "$@" ;;
  [0-9]*) exec "$(dirname "$0")/fork-pg.sh" "$@" ;;
  mysql | valkey | clickhouse | opensearch) engine=$1; count=${2:-1000000} ;;
  cassandra) engine=$1; count=${2:-100000} ;;
  idle) engine=idle; count=0 ;;
  *) echo "usage: bench/fork.sh [pg [SCALE] | mysql [ROWS] | valkey [KEYS] | clickhouse [ROWS] | opensearch [DOCS] | cassandra [ROWS] | idle]" >&2; exit 2 ;;
esac
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo build --quiet --release -p aiven-local
floor_pid=""
# The floor's server runs under runuser, which a kill does not pass on:
# every process naming the floor's directory goes.
bench_cleanup() {
  if [ -n "$floor_pid" ]; then kill -KILL "$floor_pid" 2>/dev/null || true; fi
  if [ -n "${work:-}" ]; then pkill -KILL -f -- "$work/floor" 2>/dev/null || true; fi
}
. bench/lib.sh
start_aiven_local "fork-$engine" --backup-interval 20s
api="$url/v1/project/bench"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# PSS, in MB, of the processes whose command line names $1, or of the
# one whose pid is in the file $1 (redis-server rewrites its command line).
pss_of() {
  local total=0 kb pids
  if [ -f "$1" ] && [[ "$1" == *.pid ]]; then pids=$(cat "$1"); else pids=$(pgrep -f -- "$1"); fi
  for p in $pids; do
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + kb))
  done
  echo $((total / 1024))
}
# Waits for a backup finished after the time $1 (RFC 3339) and prints it.
# One finished after $1 may have started before it: for every write before
# $1, see wait_backup_started_after.
wait_backup_after() {
  until call "$api/service/$2/backups" | python3 -c "import json,sys; b=json.load(sys.stdin)['backups']; sys.exit(0 if b and b[-1]['backup_time'] > '$1' else 1)"; do sleep 1; done
  call "$api/service/$2/backups" | python3 -c "import json,sys; b=json.load(sys.stdin)['backups'][-1]; print(f\"backup {b['backup_name']}: {b['data_size']/1e6:.0f} MB\")"
}
# Waits for a backup started after the time $1, so holding every write
# made before it (the one after a backup finished after $1), and prints it.
wait_backup_started_after() {
  wait_backup_after "$1" "$2" >/dev/null
  wait_backup_after "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2"
}
create() { call -X POST "$api/service" -d "{\"service_name\":\"$1\",\"service_type\":\"$engine\",\"plan\":\"startup-4\"$2}" >/dev/null; }

if [ "$engine" = idle ]; then
  for kind in pg mysql valkey thanos clickhouse opensearch cassandra; do
    call -X POST "$api/service" -d "{\"service_name\":\"idle-$kind\",\"service_type\":\"$kind\",\"plan\":\"startup-4\"}" >/dev/null
    wait_running "idle-$kind"
  done
  call -X POST "$api/service/idle-pg/connection_pool" -d '{"pool_name":"p","database":"defaultdb","pool_mode":"transaction","pool_size":5}' >/dev/null
  sleep 10
  dir="$work/data/services/bench"
  # The processes of a pid and its children, as PSS in MB.
  tree_pss() {
    local total=0 kb
    for p in $1 $(pgrep -P "$1"); do
      kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
      total=$((total + kb))
    done
    echo $((total / 1024))
  }
  echo "idle PSS per service: pg $(tree_pss "$(head -1 "$dir/idle-pg/pgdata/postmaster.pid")") MB" \
    "(+ its PgBouncer $(tree_pss "$(cat "$dir/idle-pg/pgbouncer/pgbouncer.pid")") MB)," \
    "mysql $(tree_pss "$(cat "$dir/idle-mysql/mariadbd.pid")") MB," \
    "valkey $(tree_pss "$(cat "$dir/idle-valkey/valkey.pid")") MB," \
    "thanos $(tree_pss "$(cat "$dir/idle-thanos/prometheus.pid")") MB," \
    "clickhouse $(tree_pss "$(cat "$dir/idle-clickhouse/clickhouse.pid")") MB," \
    "opensearch $(tree_pss "$(cat "$dir/idle-opensearch/opensearch.pid")") MB," \
    "cassandra $(tree_pss "$(cat "$dir/idle-cassandra/cassandra.pid")") MB"
  exit 0
fi

t=$(now)
create empty ""
wait_running empty
echo "new empty $engine service running in $(elapsed "$t") s (engine start included)"
sleep 2
dir="$work/data/services/bench"

if [ "$engine" = mysql ]; then
  create big ""
  wait_running big
  uri=$(call "$api/service/big" | field "['service']['service_uri']")
  read -r user pass host mport db < <(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.username, p.password, p.hostname, p.port, p.path[1:])" "$uri")
  sql() { MYSQL_PWD=$pass mariadb -h "$host" -P "$mport" -u "$user" "$db" --batch --skip-column-names "$@"; }
  echo "idle memory of one mysql service (PSS of mariadbd): $(pss_of "$dir/empty/my.cnf") MB"
  t=$(now)
  sql -e "CREATE TABLE big (id INT PRIMARY KEY, pad CHAR(255), note VARCHAR(800)) ENGINE=InnoDB;
          INSERT INTO big SELECT seq, 'p', CONCAT(SHA2(seq, 512), SHA2(seq + 1, 512), SHA2(seq + 2, 512),
            SHA2(seq + 3, 512), SHA2(seq + 4, 512), LEFT(SHA2(seq + 5, 512), 110)) FROM seq_1_to_$count;
          ANALYZE TABLE big;" >/dev/null
  size=$(sql -e "SELECT ROUND(SUM(data_length + index_length)/1e6) FROM information_schema.tables WHERE table_schema='defaultdb'")
  echo "loaded $count rows (${size} MB) in $(elapsed "$t") s"
  # Writes during the next backup: one commit after another, each stamped;
  # the longest gap between two is how long a backup held commits up.
  sql -e "CREATE TABLE w (n INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(6))"
  loaded=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ( python3 -c "
import sys
for _ in range(int(sys.argv[1])): print('INSERT INTO w (at) VALUES (SYSDATE(6));')" 60000 | sql ) &
  writer=$!
  wait_backup_after "$loaded" big
  wait "$writer"
  sql -e "SELECT CONCAT('longest stall between commits during the backup: ', ROUND(MAX(gap)*1000), ' ms (', ROUND(AVG(gap)*1000, 2), ' ms mean)') FROM (SELECT TIMESTAMPDIFF(MICROSECOND, LAG(at) OVER (ORDER BY n), at)/1e6 AS gap FROM w) g"
  # The fork below starts from a backup taken after all of that.
  wait_backup_started_after "$(date -u +%Y-%m-%dT%H:%M:%SZ)" big
  sql -e "INSERT INTO big VALUES (0, 'last', 'after the backup')"
  # The latest transaction, as the provider asks for it on mysql: the
  # next whole second, sent once it has passed.
  target=$(date -u -d '+1 second' +%Y-%m-%dT%H:%M:%SZ)
  sleep 1.05
  t=$(now)
  create big-fork ",\"user_config\":{\"service_to_fork_from\":\"big\",\"recovery_target_time\":\"$target\"}"
  wait_running big-fork
  fork_s=$(elapsed "$t")
  fork_uri=$(call "$api/service/big-fork" | field "['service']['service_uri']")
  read -r _ _ _ fport _ < <(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.username, p.password, p.hostname, p.port, p.path[1:])" "$fork_uri")
  rows=$(MYSQL_PWD=$pass mariadb -h "$host" -P "$fport" -u "$user" "$db" -N -e "SELECT COUNT(*), MAX(note = 'after the backup') FROM big")
  echo "fork (latest transaction): $fork_s s; rows, last write present: $rows"
  grep "restored and started" "$work/log" | tail -1 | sed 's/.*unpack_ms=/    phases: unpack_ms=/'
  # Floor: the live data directory copied as it is, then the server's own
  # crash recovery; no backup, no binary log replay.
  t=$(now)
  cp -a "$dir/big/mysql" "$work/floor"
  chown -R postgres "$work/floor"
  floor_port=$(free_port)
  runuser -u postgres -- /usr/sbin/mariadbd --no-defaults --datadir="$work/floor" --port="$floor_port" \
    --bind-address=127.0.0.1 --socket="$work/floor/floor.sock" --innodb-buffer-pool-size=16M --skip-log-bin >/dev/null 2>&1 &
  floor_pid=$!
  until { mariadb -h 127.0.0.1 -P "$floor_port" -u nobody -e "SELECT 1" 2>&1 || true; } | grep -q "Access denied"; do sleep 0.05; done
  echo "floor (cp -a + crash recovery): $(elapsed "$t") s"
elif [ "$engine" = opensearch ]; then
  # curl as the platform's docs connect; the credentials reach it on its
  # standard input (no CA check: this measures data, not TLS).
  os() {
    local uri=$1 method=$2 path=$3
    shift 3
    python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(f'user = \"{u.unquote(p.username)}:{u.unquote(p.password)}\"')" "$uri" |
      curl -sS --fail-with-body --insecure -K - -X "$method" "$@" \
        "https://127.0.0.1:$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).port)" "$uri")$path"
  }
  create big ""
  wait_running big
  uri=$(call "$api/service/big" | field "['service']['service_uri']")
  echo "idle memory of one opensearch service (PSS of its JVM): $(pss_of "$dir/empty/opensearch.pid") MB"
  t=$(now)
  json=(-H 'Content-Type: application/json')
  # The text is kept in _source only, as a payload, not indexed.
  os "$uri" PUT /big "${json[@]}" -d '{"settings": {"number_of_replicas": 0, "refresh_interval": "30s"},
    "mappings": {"properties": {"note": {"type": "keyword", "index": false, "doc_values": false}}}}' >/dev/null
  batch=1000
  for ((first = 0; first < count; first += batch)); do
    python3 -c "
import json, os, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout
for i in range(first, first + n):
    out.write(json.dumps({'index': {'_index': 'big', '_id': str(i)}}) + '\n')
    out.write(json.dumps({'n': i, 'note': os.urandom(500).hex()}) + '\n')
" "$first" "$(( count - first < batch ? count - first : batch ))" >"$work/bulk.ndjson"
    # A bulk request answers 200 with the items it refused (429 when the
    # node is busy); the same ids are sent again until none is refused.
    until os "$uri" POST /_bulk -H 'Content-Type: application/x-ndjson' --data-binary @"$work/bulk.ndjson" |
      python3 -c "import json,sys; sys.exit(1 if json.load(sys.stdin)['errors'] else 0)"; do sleep 1; done
  done
  os "$uri" POST /big/_refresh >/dev/null
  size=$(os "$uri" GET "/big/_stats/store" | python3 -c "import json,sys; print(round(json.load(sys.stdin)['_all']['total']['store']['size_in_bytes']/1e6))")
  held=$(os "$uri" GET "/big/_count" | python3 -c "import json,sys; print(json.load(sys.stdin)['count'])")
  echo "loaded $held documents (${size} MB on disk) in $(elapsed "$t") s"
  loaded=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  wait_backup_started_after "$loaded" big
  os "$uri" PUT "/big/_doc/last?refresh=true" "${json[@]}" -d '{"n": -1, "note": "after the backup"}' >/dev/null
  name=$(call "$api/service/big/backups" | python3 -c "import json,sys; print(json.load(sys.stdin)['backups'][-1]['backup_name'])")
  t=$(now)
  create big-fork ",\"user_config\":{\"service_to_fork_from\":\"big\",\"recovery_basebackup_name\":\"$name\"}"
  wait_running big-fork
  fork_s=$(elapsed "$t")
  fork_uri=$(call "$api/service/big-fork" | field "['service']['service_uri']")
  docs=$(os "$fork_uri" GET "/big/_count" | python3 -c "import json,sys; print(json.load(sys.stdin)['count'])")
  echo "fork (named backup): $fork_s s; documents: $docs (written after it: $(os "$fork_uri" GET "/big/_count?q=note:after" | python3 -c "import json,sys; print(json.load(sys.stdin)['count'])"))"
  echo "idle memory of the 1 GB fork (PSS of its JVM): $(pss_of "$dir/big-fork/opensearch.pid") MB"
  # Floor: the source's data directory copied as it is, then a node of
  # the same jars started on it until it answers.
  t=$(now)
  cp -a "$dir/big/opensearch" "$work/floor"
  cp -a "$dir/big/opensearch-config" "$work/floor-config"
  floor_port=$(free_port)
  sed -i "s|^path.data: .*|path.data: \"$work/floor\"|; s|^http.port: .*|http.port: $floor_port|; s|^path.logs: .*|path.logs: \"$work/floor-logs\"|" "$work/floor-config/opensearch.yml"
  chown -R postgres "$work/floor" "$work/floor-config"
  home=/opt/aiven-local/opensearch-2.19.4
  runuser -u postgres -- java -Xms256m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.io.tmpdir="$work/floor" -cp "$home/classes:$home/lib/*:$home/security/*" \
    AivenLocalNode "$work/floor-config" "$work/floor/floor.pid" >"$work/floor.log" 2>&1 &
  floor_pid=$!
  until os "${uri%:*}:$floor_port" GET /big/_count >/dev/null 2>&1; do
    kill -0 "$floor_pid" 2>/dev/null || { echo "the floor's node exited:"; tail -3 "$work/floor.log"; exit 1; }
    sleep 0.1
  done
  echo "floor (cp -a + start a node on it): $(elapsed "$t") s"
elif [ "$engine" = cassandra ]; then
  # Cassandra's own Python driver, as the tests use it (no CA check: this
  # measures data, not TLS); the password stays in the environment.
  cqlpy=${AIVEN_LOCAL_CQL_PYTHON:-/opt/aiven-local/cqlsh/bin/python}
  cq() {
    CQL_URI=$1 "$cqlpy" -c "
import os, ssl, sys, urllib.parse as u
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
from cassandra.concurrent import execute_concurrent_with_args
p = u.urlsplit(os.environ['CQL_URI'])
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); tls.check_hostname = False; tls.verify_mode = ssl.CERT_NONE
s = Cluster([p.hostname], port=p.port, protocol_version=5, ssl_context=tls,
            auth_provider=PlainTextAuthProvider(u.unquote(p.username), u.unquote(p.password))).connect()
s.default_timeout = 600
exec(sys.argv[1])" "$2"
  }
  create big ""
  wait_running big
  uri=$(call "$api/service/big" | field "['service']['service_uri']")
  echo "idle memory of one cassandra service (PSS of its node): $(pss_of "$dir/empty/cassandra.pid") MB"
  t=$(now)
  cq "$uri" "
s.execute(\"CREATE KEYSPACE big WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}\")
s.execute('CREATE TABLE big.t (id int PRIMARY KEY, note blob)')
insert = s.prepare('INSERT INTO big.t (id, note) VALUES (?, ?)')
for start in range(0, $count, 5000):
    rows = [(i, os.urandom(10000)) for i in range(start, min(start + 5000, $count))]
    for ok, result in execute_concurrent_with_args(s, insert, rows, concurrency=16):
        assert ok, result"
  echo "loaded $count rows in $(elapsed "$t") s"
  loaded=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  wait_backup_started_after "$loaded" big
  cq "$uri" "s.execute('INSERT INTO big.t (id, note) VALUES (-1, 0x00)')"
  name=$(call "$api/service/big/backups" | python3 -c "import json,sys; print(json.load(sys.stdin)['backups'][-1]['backup_name'])")
  t=$(now)
  create big-fork ",\"user_config\":{\"service_to_fork_from\":\"big\",\"recovery_basebackup_name\":\"$name\"}"
  wait_running big-fork
  fork_s=$(elapsed "$t")
  fork_uri=$(call "$api/service/big-fork" | field "['service']['service_uri']")
  # Counted by the client, page by page: count(*) over 1 GB of blobs asks
  # more of a 256 MiB heap than the node has.
  counted="from cassandra.query import SimpleStatement
ids = [r.id for r in s.execute(SimpleStatement('SELECT id FROM big.t', fetch_size=500))]
print(len(ids), ids.count(-1))"
  echo "fork (named backup): $fork_s s; rows, written after it: $(cq "$fork_uri" "$counted")"
  echo "idle memory of the 1 GB fork (PSS of its node): $(pss_of "$dir/big-fork/cassandra.pid") MB"
  # Floor: the source's node files copied as they are (flushed first by
  # the backup above) and a node of the same jars and launcher started on
  # them, with the source's command line and settings pointed at the copy.
  t=$(now)
  mkdir "$work/floor"
  cp -a "$dir/big/cassandra" "$dir/big/cassandra-config" "$work/floor/"
  floor_port=$(free_port)
  src_port=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).port)" "$uri")
  sed -i "s|$dir/big/|$work/floor/|g; s|$src_port|$floor_port|g" "$work/floor/cassandra-config/cassandra.yaml"
  mapfile -d '' cmd < "/proc/$(cat "$dir/big/cassandra.pid")/cmdline"
  cmd=("${cmd[@]//$dir\/big/$work/floor}")
  cmd=("${cmd[@]//cassandra.$src_port.sock/cassandra.$floor_port.sock}")
  chown -R postgres "$work/floor"
  runuser -u postgres -- "${cmd[@]}" >"$work/floor.log" 2>&1 &
  floor_pid=$!
  # The launcher opens its control socket once CQL is open.
  until [ -S "$work/data/run/cassandra.$floor_port.sock" ]; do
    kill -0 "$floor_pid" 2>/dev/null || { echo "the floor's node exited:"; tail -3 "$work/floor.log"; exit 1; }
    sleep 0.1
  done
  echo "floor (cp -a + start a node on it): $(elapsed "$t") s; rows, written after the backup: $(cq "${uri%:*}:$floor_port" "$counted")"
elif [ "$engine" = clickhouse ]; then
  # ClickHouse's own Python client, as the tests use it (no CA check:
  # this measures data, not TLS); the password stays in the environment.
  chpy=${AIVEN_LOCAL_CHDB_PYTHON:-/opt/aiven-local/chdb/bin/python}
  ch() {
    CH_URI=$1 "$chpy" -c "
import os, sys, urllib.parse as u, clickhouse_connect
p = u.urlsplit(os.environ['CH_URI'])
c = clickhouse_connect.get_client(host=p.hostname, port=p.port, username=u.unquote(p.username),
    password=u.unquote(p.password), secure=True, verify=False, send_receive_timeout=3600)
for row in c.query(sys.argv[1]).result_rows: print(*row, sep='\t')" "$2"
  }
  create big ""
  wait_running big
  uri=$(call "$api/service/big" | field "['service']['service_uri']")
  echo "idle memory of one clickhouse service (PSS of chDB's server): $(pss_of "$dir/empty/clickhouse.pid") MB"
  t=$(now)
  ch "$uri" "CREATE TABLE defaultdb.big (id UInt64, note String) ENGINE = MergeTree ORDER BY id" >/dev/null
  ch "$uri" "INSERT INTO defaultdb.big SELECT number, randomPrintableASCII(1000) FROM numbers($count)" >/dev/null
  size=$(ch "$uri" "SELECT round(sum(bytes_on_disk) / 1e6) FROM system.parts WHERE database = 'defaultdb' AND active")
  echo "loaded $count rows (${size} MB on disk) in $(elapsed "$t") s"
  loaded=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  wait_backup_started_after "$loaded" big
  ch "$uri" "INSERT INTO defaultdb.big VALUES (0, 'after the backup')" >/dev/null
  name=$(call "$api/service/big/backups" | python3 -c "import json,sys; print(json.load(sys.stdin)['backups'][-1]['backup_name'])")
  t=$(now)
  create big-fork ",\"user_config\":{\"service_to_fork_from\":\"big\",\"recovery_basebackup_name\":\"$name\"}"
  wait_running big-fork
  fork_s=$(elapsed "$t")
  fork_uri=$(call "$api/service/big-fork" | field "['service']['service_uri']")
  echo "fork (named backup): $fork_s s; rows, written after it: $(ch "$fork_uri" "SELECT count(), countIf(id = 0) FROM defaultdb.big")"
  echo "idle memory of the 1 GB fork (PSS of chDB's server): $(pss_of "$dir/big-fork/clickhouse.pid") MB"
  # Floor: the source's data directory copied as it is and opened by a
  # bare chDB session, which counts the rows.
  t=$(now)
  cp -a "$dir/big/clickhouse" "$work/floor"
  chown -R postgres "$work/floor"
  runuser -u postgres -- "$chpy" -c "
import sys, chdb.state
print('floor rows:', chdb.state.connect(sys.argv[1]).query('SELECT count() FROM defaultdb.big', 'TSV').bytes().decode().strip())" "$work/floor"
  echo "floor (cp -a + open it in chDB): $(elapsed "$t") s"
else
  create big ""
  wait_running big
  uri=$(call "$api/service/big" | field "['service']['service_uri']")
  echo "idle memory of one valkey service (PSS of redis-server): $(pss_of "$dir/empty/valkey.pid") MB"
  t=$(now)
  python3 -c "
import os, sys
out = sys.stdout.buffer
for i in range(int(sys.argv[1])):
    k = f'key:{i}'
    pad = os.urandom(500).hex()
    out.write(f'*3\r\n\$3\r\nSET\r\n\${len(k)}\r\n{k}\r\n\${len(pad)}\r\n{pad}\r\n'.encode())
" "$count" | redis-cli --no-auth-warning -u "$uri" --pipe >/dev/null
  echo "loaded $count keys ($(redis-cli --no-auth-warning -u "$uri" INFO memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')) in $(elapsed "$t") s"
  loaded=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  wait_backup_started_after "$loaded" big
  redis-cli --no-auth-warning -u "$uri" SET last after-the-backup >/dev/null
  name=$(call "$api/service/big/backups" | python3 -c "import json,sys; print(json.load(sys.stdin)['backups'][-1]['backup_name'])")
  t=$(now)
  create big-fork ",\"user_config\":{\"service_to_fork_from\":\"big\",\"recovery_basebackup_name\":\"$name\"}"
  wait_running big-fork
  fork_s=$(elapsed "$t")
  fork_uri=$(call "$api/service/big-fork" | field "['service']['service_uri']")
  echo "fork (named backup): $fork_s s; keys: $(redis-cli --no-auth-warning -u "$fork_uri" DBSIZE), written after it: $(redis-cli --no-auth-warning -u "$fork_uri" EXISTS last)"
  echo "idle memory of the 1 GB fork (PSS of redis-server): $(pss_of "$dir/big-fork/valkey.pid") MB"
  # Floor: the source's RDB file copied and loaded by a bare redis-server.
  t=$(now)
  mkdir "$work/floor"
  cp "$dir/big/valkey/dump.rdb" "$work/floor/"
  chown -R postgres "$work/floor"
  floor_port=$(free_port)
  runuser -u postgres -- redis-server --port "$floor_port" --bind 127.0.0.1 --dir "$work/floor" --save "" >/dev/null 2>&1 &
  floor_pid=$!
  until [ "$(redis-cli -p "$floor_port" PING 2>/dev/null)" = PONG ]; do sleep 0.05; done
  echo "floor (copy the RDB file + load it): $(elapsed "$t") s"
fi
