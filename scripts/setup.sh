#!/usr/bin/env bash
# Installs what the demo and the tests need and a fresh Debian 12 machine
# (with Rust and Terraform) lacks: PostgreSQL 15 and its client, PgBouncer,
# redis-server (valkey services), MariaDB and mariadb-backup (mysql
# services), Prometheus (thanos services), chDB and clickhouse-connect
# (clickhouse services), Java 17, Maven, OpenSearch's jars (opensearch
# services) and Cassandra's with cqlsh (cassandra services), OpenTofu
# 1.11 and 1.12 built from the Go module proxy (the tests' other client),
# chromium and chromedriver (the
# Console's browser tests), tar, lz4, the en_US.UTF-8 locale (the
# collation the platform gives a pg database that names none),
# the `postgres` user aiven-local runs as when started as root, and the
# official `avn` CLI for the compatibility test. Does nothing when all is
# there; as a user other than root it installs packages through sudo.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

need_apt=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql-15)
command -v psql >/dev/null || need_apt+=(postgresql-client-15)
command -v tar >/dev/null || need_apt+=(tar)
command -v lz4 >/dev/null || need_apt+=(lz4)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
command -v curl >/dev/null || need_apt+=(curl)
command -v localedef >/dev/null || need_apt+=(locales)
# The engines aiven-local runs besides PostgreSQL (a type whose engine is
# missing keeps the lifecycle only).
[ -x /usr/sbin/pgbouncer ] || need_apt+=(pgbouncer)
[ -x /usr/bin/redis-server ] || need_apt+=(redis-server)
[ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server)
[ -x /usr/bin/mariadb-backup ] || need_apt+=(mariadb-backup)
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
# OpenSearch runs on Java 17, from jars Maven fetches.
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need_apt+=(maven)
# A real browser for the Console's tests.
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if [ "${#need_apt[@]}" -gt 0 ] && ! command -v sudo >/dev/null; then
    echo "setup: missing ${need_apt[*]}; install them as root: apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  # The packages' scripts would start system-wide MariaDB, Redis,
  # Prometheus and PgBouncer servers that aiven-local never uses (it runs its own per
  # service); Debian's policy-rc.d hook, answering 101, keeps them from
  # starting during the install.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod 755 /usr/sbin/policy-rc.d
    trap '"${as_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
# The platform makes pg databases in en_US.UTF-8 unless told otherwise;
# PostgreSQL can only use a locale the machine has.
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf-\?8'; then
  echo "setup: generating the en_US.UTF-8 locale"
  "${as_root[@]}" localedef -i en_US -f UTF-8 en_US.UTF-8
fi
# Started as root, aiven-local re-executes itself as this user.
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home /var/lib/postgresql postgres
fi
# chDB, the ClickHouse engine as a library, runs clickhouse services
# (aiven-local's --chdb-python); clickhouse-connect, ClickHouse's own
# Python client, is what the tests connect with. Pinned, in a virtual
# environment of their own that every local user can read. chdb-core
# without its dependencies: pandas and pyarrow (about 300 MB) serve only
# its DataFrame results, which nothing here asks for. Made with Debian's
# Python: a venv links to its interpreter, and one under a user's home
# (pyenv's) is out of the engine user's reach.
chdb_venv=/opt/aiven-local/chdb
chdb_check=("$chdb_venv/bin/python" -c 'import chdb, clickhouse_connect')
if [ "$(id -u)" -eq 0 ]; then
  chdb_check=(runuser -u postgres -- "${chdb_check[@]}")
fi
if ! "${chdb_check[@]}" 2>/dev/null; then
  echo "setup: installing chDB 26.9 and clickhouse-connect into $chdb_venv"
  "${as_root[@]}" /usr/bin/python3 -m venv --clear "$chdb_venv"
  pip=("${as_root[@]}" "$chdb_venv/bin/pip" install --quiet --disable-pip-version-check)
  "${pip[@]}" --no-deps chdb-core==26.9.0 lz4==4.4.5 zstandard==0.25.0
  "${pip[@]}" clickhouse-connect==1.12.0
fi
# Maven, for the JVM engines' jars, into its usual local repository.
mvn=(mvn -q -B -Dstyle.color=never -Dmaven.repo.local="${AIVEN_LOCAL_M2:-$HOME/.m2/repository}")
# Puts the directory $1, made by this script, in place as $2, readable by
# every local user (the engines run as an unprivileged one).
put_in_place() {
  chmod -R a+rX "$1"
  "${as_root[@]}" rm -rf "$2"
  "${as_root[@]}" mkdir -p "$(dirname "$2")"
  "${as_root[@]}" cp -r "$1" "$2"
  "${as_root[@]}" chmod 755 "$2"
  rm -rf "$1"
}
# OpenSearch 2.19 (the newest line that runs on Java 17) for opensearch
# services (aiven-local's --opensearch-home): its core and Netty HTTP
# transport from Maven Central with their dependencies (lib/), the
# security plugin's jars and default configuration from its zip
# (security/), and aiven-local's launcher, which starts a node from that
# classpath (classes/). Made again when the launcher or the list of jars
# changes.
os_src="$repo/crates/aiven-local/src/engines/opensearch"
os_home=/opt/aiven-local/opensearch-2.19.4
os_stamp=$(cat "$os_src/pom.xml" "$os_src/AivenLocalNode.java" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$os_home/.made-from" 2>/dev/null)" != "$os_stamp" ]; then
  echo "setup: putting OpenSearch 2.19.4 and its security plugin together in $os_home"
  os_tmp=$(mktemp -d)
  "${mvn[@]}" -f "$os_src/pom.xml" dependency:copy-dependencies -DoutputDirectory="$os_tmp/lib"
  "${mvn[@]}" -f "$os_src/pom.xml" dependency:copy -DoutputDirectory="$os_tmp" \
    -Dartifact=org.opensearch.plugin:opensearch-security:2.19.4.0:zip
  python3 -m zipfile -e "$os_tmp/opensearch-security-2.19.4.0.zip" "$os_tmp/security"
  rm "$os_tmp/opensearch-security-2.19.4.0.zip"
  javac -d "$os_tmp/classes" -cp "$os_tmp/lib/*:$os_tmp/security/*" "$os_src/AivenLocalNode.java"
  echo "$os_stamp" >"$os_tmp/.made-from"
  put_in_place "$os_tmp" "$os_home"
fi
# Apache Cassandra 5.0 (a line that runs on Java 17) for cassandra
# services (aiven-local's --cassandra-home): cassandra-all from Maven
# Central with its dependencies (lib/) and aiven-local's launcher, which
# starts the daemon from that classpath with a control socket (classes/).
# Made again when the launcher or the list of jars changes. cqlsh and
# the Python driver it runs on are what the tests connect with, in a
# virtual environment of their own as chDB's is.
cs_src="$repo/crates/aiven-local/src/engines/cassandra"
cs_home=/opt/aiven-local/cassandra-5.0.6
cs_stamp=$(cat "$cs_src/pom.xml" "$cs_src/AivenLocalCassandra.java" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$cs_home/.made-from" 2>/dev/null)" != "$cs_stamp" ]; then
  echo "setup: putting Cassandra 5.0.6 together in $cs_home"
  cs_tmp=$(mktemp -d)
  "${mvn[@]}" -f "$cs_src/pom.xml" dependency:copy-dependencies -DoutputDirectory="$cs_tmp/lib"
  javac -d "$cs_tmp/classes" -cp "$cs_tmp/lib/*" "$cs_src/AivenLocalCassandra.java"
  echo "$cs_stamp" >"$cs_tmp/.made-from"
  put_in_place "$cs_tmp" "$cs_home"
fi
cql_venv=/opt/aiven-local/cqlsh
if ! "$cql_venv/bin/cqlsh" --version >/dev/null 2>&1; then
  echo "setup: installing cqlsh 6.2.2 into $cql_venv"
  "${as_root[@]}" /usr/bin/python3 -m venv --clear "$cql_venv"
  "${as_root[@]}" "$cql_venv/bin/pip" install --quiet --disable-pip-version-check \
    cqlsh==6.2.2 cassandra-driver==3.30.1
fi
# OpenTofu, the tests' second client (scripts/test.sh runs the
# Terraform-driving suites under each): a current 1.11 and a 1.12 (the
# first with resource identity), built from the Go module proxy once each
# into /opt/aiven-local/tofu-VERSION (scripts/build-tofu.sh, which needs Go).
for tofu_version in $(cat "$repo/scripts/tofu-versions"); do
  "$repo/scripts/build-tofu.sh" "$tofu_version" >/dev/null
done
# The official Aiven CLI, for the compatibility test. Debian's own Python
# refuses pip installs into the system unless told otherwise.
if ! command -v avn >/dev/null; then
  pip_install=(python3 -m pip install --quiet --disable-pip-version-check aiven-client==4.18.0)
  "${pip_install[@]}" 2>/dev/null || "${pip_install[@]}" --break-system-packages
fi
command -v terraform >/dev/null || { echo "setup: terraform 1.11 is required on PATH (e.g. /usr/local/bin/terraform)" >&2; exit 1; }
