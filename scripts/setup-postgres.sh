#!/usr/bin/env bash
# Installs, builds and starts a local PostgreSQL 15 server with pgvector on port 5433, with the
# wiki's local credentials (user trovella / password trovella_dev, database trovella), and
# PgBouncer in transaction pooling mode in front of it on port 6432 (what managed poolers run).
#
# Idempotent: every step checks before it acts, so developers and .ci/run can call it each time.
# Debian 12 packages PostgreSQL 15 but not pgvector; pgvector's source package comes from the next
# Debian release, through a deb-src entry derived from this machine's own apt sources (no host
# name is written here), and is built against postgresql-server-dev-15.
#
# Usage: sudo-less root shell:  bash scripts/setup-postgres.sh
# Env:   PG_PORT (5433), PG_CLUSTER (trovella), PG_USER (trovella), PG_PASSWORD (trovella_dev),
#        PG_DATABASE (trovella), PGVECTOR_SUITE (trixie), PGBOUNCER_PORT (6432),
#        PGBOUNCER_POOL_SIZE (5: server connections per database and user), PGBOUNCER_DIR
#        (/var/lib/trovella-pgbouncer: its config, user list, log and pid file), PG_DURABLE (0: the
#        cluster trades crash safety for speed, see step 3; 1 keeps PostgreSQL's durable defaults)
set -euo pipefail

PG_MAJOR=15
PG_PORT="${PG_PORT:-5433}"
PG_CLUSTER="${PG_CLUSTER:-trovella}"
PG_USER="${PG_USER:-trovella}"
PG_PASSWORD="${PG_PASSWORD:-trovella_dev}"
PG_DATABASE="${PG_DATABASE:-trovella}"
PGVECTOR_SUITE="${PGVECTOR_SUITE:-trixie}"
PGBOUNCER_PORT="${PGBOUNCER_PORT:-6432}"
PGBOUNCER_POOL_SIZE="${PGBOUNCER_POOL_SIZE:-5}"
PGBOUNCER_DIR="${PGBOUNCER_DIR:-/var/lib/trovella-pgbouncer}"
PG_DURABLE="${PG_DURABLE:-0}"
SRC_LIST=/etc/apt/sources.list.d/trovella-pgvector-src.sources
BUILD_DIR="${TMPDIR:-/tmp}/trovella-pgvector-build"

log() { printf '[setup-postgres] %s\n' "$*"; }
die() { printf '[setup-postgres] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get and pg_ctlcluster need it); e.g. sudo bash $0"

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() { [ "$apt_updated" = 1 ] || { apt-get update -qq; apt_updated=1; }; }

# 1. Server binaries and the headers pgvector builds against.
need=()
for p in "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" postgresql-common build-essential dpkg-dev pgbouncer; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt_update
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. pgvector, built from Debian's source package of the next release.
if [ ! -f "/usr/share/postgresql/$PG_MAJOR/extension/vector.control" ]; then
  if [ ! -f "$SRC_LIST" ]; then
    # Derive the deb-src entry from the machine's own main archive entry (first URI that is not
    # the security archive), so no mirror host name lives in this repository.
    uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      uri=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
      uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
    fi
    [ -n "$uri" ] || die "no Debian archive found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
    log "adding deb-src entry for suite $PGVECTOR_SUITE"
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uri" "$PGVECTOR_SUITE" >"$SRC_LIST"
    apt_updated=0
  fi
  apt_update
  rm -rf "$BUILD_DIR" && mkdir -p "$BUILD_DIR"
  log "building pgvector from source"
  (cd "$BUILD_DIR" && apt-get source -qq pgvector >/dev/null 2>&1) || die "apt-get source pgvector failed (is the $PGVECTOR_SUITE deb-src entry reachable?)"
  src=$(find "$BUILD_DIR" -maxdepth 1 -mindepth 1 -type d -name 'pgvector-*' | head -1)
  [ -n "$src" ] || die "pgvector source not found in $BUILD_DIR"
  make -s -C "$src" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" OPTFLAGS="" >/dev/null
  make -s -C "$src" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" install >/dev/null
  rm -rf "$BUILD_DIR"
fi

# 3. A cluster of our own on the port, so the machine's default cluster (if any) is untouched.
if ! pg_lsclusters -h | awk -v c="$PG_CLUSTER" -v v="$PG_MAJOR" '$1 == v && $2 == c {found = 1} END {exit !found}'; then
  log "creating cluster $PG_MAJOR/$PG_CLUSTER on port $PG_PORT"
  pg_createcluster "$PG_MAJOR" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null
fi
# A development and test cluster: nothing on it is kept that a migration and a seed cannot
# rebuild, so it does not wait for the disk (fsync, synchronous_commit, full_page_writes off; what
# the suite's CREATE DATABASE clones and commits wait for otherwise: the server's test files ran
# about 7 s faster of 44 s). A machine crash (not a server crash) can corrupt it: PG_DURABLE=1
# keeps the durable defaults. Transactions, locks and visibility are PostgreSQL's own either way.
dev_conf="/etc/postgresql/$PG_MAJOR/$PG_CLUSTER/conf.d/trovella-dev.conf"
dev_changed=0
if [ "$PG_DURABLE" = 1 ]; then
  [ ! -f "$dev_conf" ] || { rm -f "$dev_conf"; dev_changed=1; }
else
  dev_new=$(mktemp)
  printf '%s\n' "# Written by scripts/setup-postgres.sh (PG_DURABLE=1 removes it): a cluster for development" \
    "# and tests, not for data that must survive a machine crash." \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off" >"$dev_new"
  cmp -s "$dev_new" "$dev_conf" || { install -o postgres -g postgres -m 644 "$dev_new" "$dev_conf"; dev_changed=1; }
  rm -f "$dev_new"
fi
if ! pg_lsclusters -h | awk -v c="$PG_CLUSTER" -v v="$PG_MAJOR" '$1 == v && $2 == c && $4 == "online" {found = 1} END {exit !found}'; then
  log "starting cluster $PG_MAJOR/$PG_CLUSTER"
  pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" start
elif [ "$dev_changed" = 1 ]; then
  log "reloading cluster $PG_MAJOR/$PG_CLUSTER (durability settings changed)"
  pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" reload
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "server on port $PG_PORT did not become ready"

# 4. The application's superuser-like owner role and database (CREATEDB/CREATEROLE for tests).
psql_admin() { su postgres -c "psql -X -q -v ON_ERROR_STOP=1 -p $PG_PORT -h /var/run/postgresql $*"; }
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'\"")" != 1 ]; then
  log "creating role $PG_USER"
  psql_admin "-c \"CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'\""
fi
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'\"")" != 1 ]; then
  log "creating database $PG_DATABASE"
  psql_admin "-c \"CREATE DATABASE $PG_DATABASE OWNER $PG_USER\""
fi

# 5. PgBouncer in transaction pooling mode on its own port, from a directory this script owns
#    (Debian's own instance on 6432 is stopped and kept from starting, so ours is the one there).
#    Every database name maps to the same name on the server; the user list holds the local
#    credentials of the owner role and of the non-superuser CI role (.ci/run).
if [ -f /var/run/postgresql/pgbouncer.pid ] && kill -0 "$(cat /var/run/postgresql/pgbouncer.pid)" 2>/dev/null; then
  log "stopping Debian's default pgbouncer instance (it would hold port 6432)"
  /etc/init.d/pgbouncer stop >/dev/null 2>&1 || kill "$(cat /var/run/postgresql/pgbouncer.pid)"
fi
if command -v update-rc.d >/dev/null 2>&1 && [ -f /etc/init.d/pgbouncer ]; then
  update-rc.d pgbouncer disable >/dev/null 2>&1 || true
fi
install -d -o postgres -g postgres -m 700 "$PGBOUNCER_DIR"
bouncer_ini="$PGBOUNCER_DIR/pgbouncer.ini"
bouncer_new=$(mktemp)
cat >"$bouncer_new" <<INI
; Written by scripts/setup-postgres.sh: transaction pooling in front of the server on $PG_PORT.
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir = $PGBOUNCER_DIR
auth_type = scram-sha-256
auth_file = $PGBOUNCER_DIR/userlist.txt
pool_mode = transaction
default_pool_size = $PGBOUNCER_POOL_SIZE
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = $PGBOUNCER_DIR/pgbouncer.log
pidfile = $PGBOUNCER_DIR/pgbouncer.pid
INI
{
  printf '"%s" "%s"\n' "$PG_USER" "$PG_PASSWORD"
  printf '"%s" "%s"\n' "${PG_CI_OWNER:-trovella_owner}" "${PG_CI_OWNER_PASSWORD:-trovella_owner_dev}"
} >"$PGBOUNCER_DIR/userlist.txt"
chown postgres:postgres "$PGBOUNCER_DIR/userlist.txt" && chmod 600 "$PGBOUNCER_DIR/userlist.txt"
bouncer_changed=0
cmp -s "$bouncer_new" "$bouncer_ini" || { install -o postgres -g postgres -m 600 "$bouncer_new" "$bouncer_ini"; bouncer_changed=1; }
rm -f "$bouncer_new"
bouncer_pid=""
[ -f "$PGBOUNCER_DIR/pgbouncer.pid" ] && bouncer_pid=$(cat "$PGBOUNCER_DIR/pgbouncer.pid")
if [ -n "$bouncer_pid" ] && kill -0 "$bouncer_pid" 2>/dev/null; then
  if [ "$bouncer_changed" = 1 ]; then
    log "reloading pgbouncer (config changed)"
    kill -HUP "$bouncer_pid"
  fi
else
  log "starting pgbouncer on port $PGBOUNCER_PORT (transaction pooling, $PGBOUNCER_POOL_SIZE server connections per database)"
  su postgres -s /bin/sh -c "pgbouncer -d -q '$bouncer_ini'"
fi
for _ in $(seq 1 20); do
  pg_isready -q -h 127.0.0.1 -p "$PGBOUNCER_PORT" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PGBOUNCER_PORT" || die "pgbouncer on port $PGBOUNCER_PORT did not become ready (log: $PGBOUNCER_DIR/pgbouncer.log)"

log "ready: postgres://$PG_USER:***@127.0.0.1:$PG_PORT/$PG_DATABASE (pgvector available)"
log "ready: PgBouncer (transaction pooling) at postgres://$PG_USER:***@127.0.0.1:$PGBOUNCER_PORT/$PG_DATABASE"
