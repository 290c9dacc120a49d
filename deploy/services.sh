#!/usr/bin/env bash
# Local PostgreSQL, Redis, Elasticsearch and ClamAV on loopback, for development and the test suite.
#
#   deploy/services.sh start    install what is missing, start what is not running, wait until ready
#   deploy/services.sh stop     stop the services this script started
#   deploy/services.sh status   one line per service
#   deploy/services.sh env      print the URLs to export (eval "$(deploy/services.sh env)")
#   deploy/services.sh start es-cluster   three Elasticsearch nodes (fault tests), 9221-9223
#   deploy/services.sh kill-node N / start-node N   kill (SIGKILL) or restart node N of it
#   deploy/services.sh start|stop|status stack   the production-like set: nginx (TLS, 8443)
#                                  in front of 2 uvicorn processes (8301..) and the search worker
#   deploy/services.sh stack-secrets   the stack's generated secrets, as export lines (eval them)
#
# Everything lives under var/ (ignored): var/cache for downloads, var/services for data and logs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
SERVICES="$VAR/services"
CACHE="$VAR/cache"

PG_PORT="${PORTAL_PG_PORT:-54329}"
REDIS_PORT="${PORTAL_REDIS_PORT:-63799}"
ES_PORT="${PORTAL_ES_PORT:-9209}"
ES_VERSION="${PORTAL_ES_VERSION:-8.19.7}"
CLAMD_PORT="${PORTAL_CLAMD_PORT:-33109}"
ES_USER="portal-es"
PG_DB="portal"
READY_TIMEOUT="${PORTAL_READY_TIMEOUT:-180}"

log() { printf '[services] %s\n' "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

apt_install() {
    # Installs Debian packages only when their command is missing.
    local missing=()
    local pair cmd pkg
    for pair in "$@"; do
        cmd="${pair%%:*}"; pkg="${pair##*:}"
        [ -x "$cmd" ] || command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || fail "missing Debian packages: ${missing[*]} (run as root or install them)"
    log "installing Debian packages: ${missing[*]}"
    if [ ! -f "$VAR/.apt-updated" ]; then
        apt-get update -q >"$VAR/apt.log" 2>&1 || { tail -20 "$VAR/apt.log"; fail "apt-get update failed"; }
        touch "$VAR/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$VAR/apt.log" 2>&1 \
        || { tail -20 "$VAR/apt.log"; fail "apt-get install ${missing[*]} failed"; }
}

pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$dir" ] || fail "PostgreSQL binaries not found under /usr/lib/postgresql"
    echo "$dir"
}

# Run a command as the unprivileged owner of a service when we are root.
as_user() {
    local user="$1"; shift
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

wait_for() {
    local name="$1" logfile="$2"; shift 2
    local deadline=$((SECONDS + READY_TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "$name did not become ready within ${READY_TIMEOUT}s; last lines of $logfile:"
            tail -n 40 "$logfile" >&2 || true
            return 1
        fi
        sleep 1
    done
}

# ---------------------------------------------------------------- PostgreSQL
pg_owner() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_start() {
    apt_install "/usr/lib/postgresql:postgresql"
    ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || apt_install "/nonexistent:postgresql"
    local bin data owner
    bin="$(pg_bin)"; data="$SERVICES/postgres"; owner="$(pg_owner)"
    if pg_ready; then log "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return 0; fi
    mkdir -p "$data"
    chown "$owner" "$data"; chmod 700 "$data"
    if [ ! -f "$data/PG_VERSION" ]; then
        log "initialising PostgreSQL cluster in $data"
        as_user "$owner" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$SERVICES/postgres-init.log" 2>&1 \
            || { tail -20 "$SERVICES/postgres-init.log"; fail "initdb failed"; }
    fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_user "$owner" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t "$READY_TIMEOUT" \
        -o "-h 127.0.0.1 -p $PG_PORT -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
        || { tail -40 "$data/server.log" >&2; fail "PostgreSQL did not start"; }
    wait_for PostgreSQL "$data/server.log" pg_ready || fail "PostgreSQL not ready"
    if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$PG_DB'" | grep -q 1; then
        "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"
    fi
    echo started >"$SERVICES/postgres.owned"
}

pg_stop() {
    local data="$SERVICES/postgres"
    [ -f "$data/postmaster.pid" ] || return 0
    log "stopping PostgreSQL"
    as_user "$(pg_owner)" "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    rm -f "$SERVICES/postgres.owned"
}

# --------------------------------------------------------------------- Redis
redis_ready() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

redis_start() {
    apt_install "redis-server:redis-server"
    if redis_ready; then log "Redis already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
    mkdir -p "$SERVICES/redis"
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
        --dir "$SERVICES/redis" --logfile "$SERVICES/redis/redis.log" --pidfile "$SERVICES/redis/redis.pid" >/dev/null
    wait_for Redis "$SERVICES/redis/redis.log" redis_ready || fail "Redis not ready"
}

redis_stop() {
    redis_ready || return 0
    log "stopping Redis"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

# ------------------------------------------------------------- Elasticsearch
es_home() { echo "$CACHE/elasticsearch-$ES_VERSION"; }
es_ready() { curl -fs "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null; }

es_fetch() {
    local home zip
    home="$(es_home)"
    [ -x "$home/bin/elasticsearch" ] && return 0
    command -v mvn >/dev/null || fail "Maven (mvn) is needed to fetch Elasticsearch from Maven Central"
    mkdir -p "$CACHE"
    log "fetching Elasticsearch $ES_VERSION (integ-test-zip) from Maven Central"
    mvn -q -B dependency:copy \
        -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
        -DoutputDirectory="$CACHE" >"$CACHE/mvn.log" 2>&1 || { tail -30 "$CACHE/mvn.log"; fail "could not fetch Elasticsearch"; }
    zip="$CACHE/elasticsearch-$ES_VERSION.zip"
    log "unpacking $zip"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$CACHE"
    chmod +x "$home"/bin/* "$home"/modules/*/bin/* 2>/dev/null || true
}

# Starts one Elasticsearch node: es_node_start DATA_DIR NODE_NAME HTTP_PORT CLUSTER_YAML.
es_node_start() {
    local data="$1" name="$2" http="$3" cluster_yml="$4" home owner
    home="$(es_home)"
    owner="$(id -un)"
    if [ "$(id -u)" -eq 0 ]; then
        # Elasticsearch refuses to run as root: it gets a system user of its own.
        id -u "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
        owner="$ES_USER"
    fi
    mkdir -p "$data/data" "$data/logs" "$data/config"
    cp -n "$home"/config/* "$data/config/" 2>/dev/null || true
    cat >"$data/config/elasticsearch.yml" <<YML
node.name: $name
path.data: $data/data
path.logs: $data/logs
network.host: 127.0.0.1
http.port: $http
transport.port: $((http + 100))
$cluster_yml
# Loopback only, for development and tests: security is off here and on in production.
xpack.security.enabled: false
action.destructive_requires_name: false
cluster.routing.allocation.disk.threshold_enabled: false
YML
    chown -R "$owner" "$data" "$home"
    log "starting Elasticsearch $ES_VERSION node $name on 127.0.0.1:$http"
    local java_home="${ES_JAVA_HOME:-${JAVA_HOME:-}}"
    if [ -z "$java_home" ]; then java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"; fi
    as_user "$owner" env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$data/config" \
        ES_JAVA_OPTS="${PORTAL_ES_HEAP:--Xms512m -Xmx512m}" \
        "$home/bin/elasticsearch" -d -p "$data/es.pid" >"$data/logs/startup.log" 2>&1 \
        || { tail -40 "$data/logs/startup.log" >&2; fail "Elasticsearch node $name did not start"; }
}

es_start() {
    apt_install "curl:curl"
    es_fetch
    if es_ready; then log "Elasticsearch already running on 127.0.0.1:$ES_PORT"; return 0; fi
    local data="$SERVICES/elasticsearch"
    es_node_start "$data" portal-local-1 "$ES_PORT" "cluster.name: portal-local
discovery.type: single-node"
    wait_for Elasticsearch "$data/logs/portal-local.log" es_ready || fail "Elasticsearch not ready"
}

# A three-node cluster from the same archive, for the fault tests: nodes 1-3 answer
# HTTP on ES_CLUSTER_PORT, +1, +2 (transport +100), each with its own data folder.
ES_CLUSTER_PORT="${PORTAL_ES_CLUSTER_PORT:-9221}"
ES_CLUSTER_NODES=3
es_cluster_port() { echo $((ES_CLUSTER_PORT + $1 - 1)); }
es_cluster_dir() { echo "$SERVICES/es-cluster/node$1"; }
es_cluster_ready() {
    curl -fs "http://127.0.0.1:$ES_CLUSTER_PORT/_cluster/health?wait_for_nodes=$ES_CLUSTER_NODES&wait_for_status=yellow&timeout=1s" >/dev/null
}
# The node's HTTP layer answers (it binds last, once the node has started). Any
# answer counts: the integ-test-zip archive has no rest-root module, so `GET /`
# answers 405 and cannot be the test.
es_cluster_node_up() { curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$(es_cluster_port "$1")/"; }
# The node is up and sees a master and all the cluster's nodes.
es_cluster_node_ready() {
    curl -fs --max-time 5 "http://127.0.0.1:$(es_cluster_port "$1")/_cluster/health?wait_for_nodes=$ES_CLUSTER_NODES&timeout=1s" >/dev/null
}

es_cluster_node_start() {
    local n="$1" i seeds="" masters="" dir bootstrap=""
    es_cluster_node_up "$n" && return 0
    dir="$(es_cluster_dir "$n")"
    # Already starting: leave it to finish.
    pid_alive "$dir/es.pid" && return 0
    for i in $(seq 1 "$ES_CLUSTER_NODES"); do
        seeds+="${seeds:+, }\"127.0.0.1:$(( $(es_cluster_port "$i") + 100 ))\""
        masters+="${masters:+, }\"portal-cluster-$i\""
    done
    # Only a node that has never joined the cluster may bootstrap it; a node with a
    # cluster state on disk rejoins the cluster it belongs to (Elasticsearch warns
    # that the setting risks a second cluster when it stays on a restarted node).
    if [ ! -d "$dir/data/_state" ]; then bootstrap="cluster.initial_master_nodes: [$masters]"; fi
    es_node_start "$dir" "portal-cluster-$n" "$(es_cluster_port "$n")" "cluster.name: portal-cluster
discovery.seed_hosts: [$seeds]
$bootstrap"
}

es_cluster_start() {
    apt_install "curl:curl"
    es_fetch
    if es_cluster_ready; then log "Elasticsearch cluster already running from 127.0.0.1:$ES_CLUSTER_PORT"; return 0; fi
    local n
    for n in $(seq 1 "$ES_CLUSTER_NODES"); do
        PORTAL_ES_HEAP="${PORTAL_ES_CLUSTER_HEAP:--Xms384m -Xmx384m}" es_cluster_node_start "$n"
    done
    wait_for "Elasticsearch cluster" "$(es_cluster_dir 1)/logs/portal-cluster.log" es_cluster_ready \
        || fail "Elasticsearch cluster not ready"
}

es_cluster_stop() {
    local n
    for n in $(seq 1 "$ES_CLUSTER_NODES"); do
        stop_pidfile "Elasticsearch node $n" "$(es_cluster_dir "$n")/es.pid" 60
    done
}

# Fault tests: `kill-node N` ends node N at once (SIGKILL); `start-node N` brings it back.
es_cluster_kill_node() {
    local pid
    # The node says its own process id (a pid file may be stale after a crash).
    pid="$(curl -fs "http://127.0.0.1:$(es_cluster_port "$1")/_nodes/_local/process?filter_path=nodes.*.process.id" \
        | python3 -c 'import json, sys; print(next(iter(json.load(sys.stdin)["nodes"].values()))["process"]["id"])')" \
        || fail "node $1 is not running"
    log "killing Elasticsearch node $1 (pid $pid)"
    kill -9 "$pid" 2>/dev/null || true
    # Gone only once the process has exited and released its data folder's lock.
    for _ in $(seq 1 60); do pid_running "$pid" || break; sleep 0.5; done
    pid_running "$pid" && fail "node $1 (pid $pid) did not exit"
    rm -f "$(es_cluster_dir "$1")/es.pid"
}

es_cluster_restart_node() {
    local started=$SECONDS
    PORTAL_ES_HEAP="${PORTAL_ES_CLUSTER_HEAP:--Xms384m -Xmx384m}" es_cluster_node_start "$1"
    # A node rejoining a cluster on a busy machine may take minutes to start.
    READY_TIMEOUT=$((READY_TIMEOUT > 300 ? READY_TIMEOUT : 300)) wait_for "Elasticsearch node $1" "$(es_cluster_dir "$1")/logs/portal-cluster.log" \
        es_cluster_node_ready "$1" || fail "Elasticsearch node $1 not ready"
    log "Elasticsearch node $1 is back in the cluster after $((SECONDS - started))s"
}

# Alive, and not a zombie: a killed process whose parent has not reaped it still
# answers kill -0.
pid_running() {
    kill -0 "$1" 2>/dev/null || return 1
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]
}

# Stops the process named in a pid file: TERM, up to `seconds` to exit, then KILL.
stop_pidfile() {
    local name="$1" pidfile="$2" seconds="$3"
    [ -f "$pidfile" ] || return 0
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping $name"
        kill "$pid"
        for _ in $(seq 1 "$seconds"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

es_stop() { stop_pidfile Elasticsearch "$SERVICES/elasticsearch/es.pid" 60; }

# -------------------------------------------------------------------- ClamAV
# clamd with a signature database of its own: signatures cannot be downloaded here,
# so the test database detects the EICAR test file only. Production runs clamd with
# the signatures freshclam keeps current (docs/deployment.md).
CLAMD_DIR="$SERVICES/clamav"
clamd_user() { if [ "$(id -u)" -eq 0 ]; then echo clamav; else id -un; fi; }
clamd_ready() {
    python3 - "$CLAMD_PORT" <<'PY' 2>/dev/null
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
    s.sendall(b"zPING\0")
    sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
PY
}

clamd_start() {
    apt_install "clamd:clamav-daemon"
    if clamd_ready; then log "ClamAV already running on 127.0.0.1:$CLAMD_PORT"; return 0; fi
    local owner; owner="$(clamd_user)"
    mkdir -p "$CLAMD_DIR/db" "$CLAMD_DIR/tmp"
    # The EICAR test file: 68 bytes, its MD5 and size; and its bytes anywhere inside a
    # file (an image or document carrying it), as a body signature.
    echo "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature" >"$CLAMD_DIR/db/portal-test.hdb"
    echo "Eicar-Test-Signature-Embedded:0:*:58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a" \
        >"$CLAMD_DIR/db/portal-test.ndb"
    # Stream and scan limits above the largest upload (EXCHANGE_MAX_UPLOAD_BYTES, 256 MiB):
    # a file over MaxFileSize would be passed unscanned.
    cat >"$CLAMD_DIR/clamd.conf" <<CONF
TCPSocket $CLAMD_PORT
TCPAddr 127.0.0.1
DatabaseDirectory $CLAMD_DIR/db
TemporaryDirectory $CLAMD_DIR/tmp
PidFile $CLAMD_DIR/clamd.pid
LogFile $CLAMD_DIR/clamd.log
LogTime yes
Foreground no
StreamMaxLength 300M
MaxFileSize 300M
MaxScanSize 1000M
AlertExceedsMax yes
ConcurrentDatabaseReload no
SelfCheck 3600
CONF
    chown -R "$owner" "$CLAMD_DIR"
    log "starting ClamAV (clamd) on 127.0.0.1:$CLAMD_PORT"
    as_user "$owner" clamd --config-file="$CLAMD_DIR/clamd.conf" >"$CLAMD_DIR/startup.log" 2>&1 \
        || { tail -40 "$CLAMD_DIR/startup.log" "$CLAMD_DIR/clamd.log" >&2; fail "ClamAV did not start"; }
    wait_for ClamAV "$CLAMD_DIR/clamd.log" clamd_ready || fail "ClamAV not ready"
}

clamd_stop() { stop_pidfile ClamAV "$CLAMD_DIR/clamd.pid" 30; }

status() {
    if pg_ready 2>/dev/null; then echo "postgresql    up    127.0.0.1:$PG_PORT"; else echo "postgresql    down"; fi
    if redis_ready; then echo "redis         up    127.0.0.1:$REDIS_PORT"; else echo "redis         down"; fi
    if es_ready; then echo "elasticsearch up    127.0.0.1:$ES_PORT"; else echo "elasticsearch down"; fi
    if es_cluster_ready; then echo "es-cluster    up    127.0.0.1:$ES_CLUSTER_PORT-$(es_cluster_port "$ES_CLUSTER_NODES")"; else echo "es-cluster    down"; fi
    if clamd_ready; then echo "clamav        up    127.0.0.1:$CLAMD_PORT"; else echo "clamav        down"; fi
}

print_env() {
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    echo "export ELASTICSEARCH_URL=http://127.0.0.1:$ES_PORT"
    echo "export CLAMD_URL=tcp://127.0.0.1:$CLAMD_PORT"
    local n urls=""
    for n in $(seq 1 "$ES_CLUSTER_NODES"); do urls+="${urls:+,}http://127.0.0.1:$(es_cluster_port "$n")"; done
    echo "export ELASTICSEARCH_CLUSTER_URL=$urls"
}

# ------------------------------------------------------ the production-like set
# nginx (TLS on loopback, deploy/nginx.conf.template) in front of N uvicorn processes
# and the search worker, against the PostgreSQL, Redis and Elasticsearch above.
#   PORTAL_STACK_PROCESSES  application processes (default 2), on 8301, 8302, ...
#   PORTAL_STACK_PORT       nginx's HTTPS port (default 8443)
#   PORTAL_STACK_DIR        pid files, logs, certificate, nginx prefix (default var/stack)
# DJANGO_SETTINGS_MODULE defaults to production, with secrets generated once into
# PORTAL_STACK_DIR/secrets.env (owner only) unless the environment gives them.
STACK_DIR="${PORTAL_STACK_DIR:-$VAR/stack}"
STACK_PORT="${PORTAL_STACK_PORT:-8443}"
STACK_APP_PORT="${PORTAL_STACK_APP_PORT:-8301}"
STACK_PROCESSES="${PORTAL_STACK_PROCESSES:-2}"
# Seconds a stopping process gives requests in flight (uvicorn --timeout-graceful-shutdown).
STACK_GRACE="${PORTAL_STACK_GRACE:-30}"
STACK_PY="$ROOT/.venv/bin/python"

stack_app_port() { echo $((STACK_APP_PORT + $1 - 1)); }
stack_app_ready() { curl -fs -o /dev/null "http://127.0.0.1:$(stack_app_port "$1")/healthz"; }
stack_proxy_ready() { curl -fsk -o /dev/null "https://127.0.0.1:$STACK_PORT/healthz"; }
# The process of a pid file is running (see pid_running).
pid_alive() {
    [ -f "$1" ] || return 1
    pid_running "$(cat "$1")"
}

stack_certificate() {
    local tls="$STACK_DIR/tls"
    [ -f "$tls/portal.crt" ] && [ -f "$tls/portal.key" ] && return 0
    mkdir -p "$tls"; chmod 700 "$tls"
    log "generating a self-signed certificate for localhost in $tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$tls/portal.key" -out "$tls/portal.crt" >"$tls/openssl.log" 2>&1 \
        || { cat "$tls/openssl.log" >&2; fail "openssl could not make the certificate"; }
    chmod 600 "$tls/portal.key"
}

stack_environment() {
    eval "$(print_env | sed 's/^export \([A-Z_]*\)=\(.*\)$/export \1="${\1:-\2}"/')"
    export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-portal.settings.production}"
    export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1}"
    export CSRF_TRUSTED_ORIGINS="${CSRF_TRUSTED_ORIGINS:-https://localhost:$STACK_PORT,https://127.0.0.1:$STACK_PORT}"
    export PORTAL_BASE_URL="${PORTAL_BASE_URL:-https://localhost:$STACK_PORT}"
    export WEBAUTHN_ALLOWED_ORIGINS="${WEBAUTHN_ALLOWED_ORIGINS:-https://localhost:$STACK_PORT}"
    local secrets; secrets="$(stack_secrets)"
    local line name
    while read -r line; do
        name="${line%%=*}"
        [ -n "${!name:-}" ] || export "$line"
    done <"$secrets"
}

# The stack's generated secrets (owner only), made on first use; prints the file's path.
stack_secrets() {
    local secrets="$STACK_DIR/secrets.env"
    mkdir -p "$STACK_DIR"
    if [ ! -f "$secrets" ]; then
        (umask 077; "$STACK_PY" - >"$secrets" <<'PY'
import base64, secrets
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"EXCHANGE_KEK={secrets.token_urlsafe(50)}")
print(f"AUDIT_SIGNING_KEY={base64.b64encode(secrets.token_bytes(32)).decode()}")
PY
        )
    fi
    echo "$secrets"
}

stack_start() {
    apt_install "nginx:nginx-light" "openssl:openssl" "curl:curl"
    mkdir -p "$STACK_DIR/logs" "$STACK_DIR/nginx/logs" "$STACK_DIR/nginx/temp"
    stack_certificate
    stack_environment
    if [ "${PORTAL_STACK_PREPARE:-1}" = "1" ]; then
        log "migrating the database and collecting static files ($DJANGO_SETTINGS_MODULE)"
        (cd "$ROOT" && "$STACK_PY" manage.py migrate --no-input -v 0 && "$STACK_PY" manage.py collectstatic --no-input -v 0) \
            >>"$STACK_DIR/logs/prepare.log" 2>&1 || { tail -30 "$STACK_DIR/logs/prepare.log" >&2; fail "migrate/collectstatic failed"; }
    fi
    local i port servers=""
    # As ExecStartPre in deploy/systemd/portal.service: before a process (re)starts,
    # remove what a crashed upload left (older than EXCHANGE_ORPHAN_GRACE_SECONDS,
    # so an upload still arriving at a live process is kept).
    for i in $(seq 1 "$STACK_PROCESSES"); do
        pid_alive "$STACK_DIR/app-$i.pid" && continue
        log "sweeping what crashed uploads left (sweep_exchange_orphans)"
        (cd "$ROOT" && "$STACK_PY" manage.py sweep_exchange_orphans) >>"$STACK_DIR/logs/sweep.log" 2>&1 \
            || { tail -30 "$STACK_DIR/logs/sweep.log" >&2; fail "sweep_exchange_orphans failed"; }
        break
    done
    for i in $(seq 1 "$STACK_PROCESSES"); do
        port="$(stack_app_port "$i")"
        servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;"$'\n'
        pid_alive "$STACK_DIR/app-$i.pid" && continue
        log "starting application process $i on 127.0.0.1:$port"
        # uvicorn believes X-Forwarded-For/-Proto from the proxy on loopback only.
        (cd "$ROOT" && exec setsid "$STACK_PY" -m uvicorn portal.asgi:application --host 127.0.0.1 --port "$port" \
            --proxy-headers --forwarded-allow-ips 127.0.0.1 --no-server-header \
            --timeout-graceful-shutdown "$STACK_GRACE" --log-level "${UVICORN_LOG_LEVEL:-warning}" \
            >>"$STACK_DIR/logs/app-$i.log" 2>&1 </dev/null) &
        echo $! >"$STACK_DIR/app-$i.pid"
    done
    if [ "${PORTAL_STACK_WORKER:-1}" = "1" ] && ! pid_alive "$STACK_DIR/worker.pid"; then
        log "starting the search worker"
        (cd "$ROOT" && exec setsid "$STACK_PY" manage.py search_worker >>"$STACK_DIR/logs/worker.log" 2>&1 </dev/null) &
        echo $! >"$STACK_DIR/worker.pid"
    fi
    local conf="$STACK_DIR/nginx/nginx.conf"
    sed -e "s#@PREFIX@#$STACK_DIR/nginx#g" -e "s#@CERT_DIR@#$STACK_DIR/tls#g" -e "s#@HTTPS_PORT@#$STACK_PORT#g" \
        -e "s#@STATIC_ROOT@#${PORTAL_STACK_STATIC_ROOT:-$VAR/static}#g" "$ROOT/deploy/nginx.conf.template" \
        | awk -v servers="$servers" '/@UPSTREAM_SERVERS@/ { printf "%s", servers; next } { print }' >"$conf"
    nginx -t -q -p "$STACK_DIR/nginx" -c "$conf" 2>"$STACK_DIR/logs/nginx-check.log" \
        || { cat "$STACK_DIR/logs/nginx-check.log" >&2; fail "the nginx configuration is not valid"; }
    if ! pid_alive "$STACK_DIR/nginx.pid"; then
        log "starting nginx on https://127.0.0.1:$STACK_PORT"
        (exec setsid nginx -p "$STACK_DIR/nginx" -c "$conf" >>"$STACK_DIR/logs/nginx.log" 2>&1 </dev/null) &
        echo $! >"$STACK_DIR/nginx.pid"
    fi
    for i in $(seq 1 "$STACK_PROCESSES"); do
        wait_for "application process $i" "$STACK_DIR/logs/app-$i.log" stack_app_ready "$i" || fail "application process $i not ready"
    done
    wait_for nginx "$STACK_DIR/nginx/logs/error.log" stack_proxy_ready || fail "nginx not ready"
    stack_status
}

stack_stop() {
    local pidfile
    stop_pidfile nginx "$STACK_DIR/nginx.pid" 10
    for pidfile in "$STACK_DIR"/app-*.pid; do
        [ -e "$pidfile" ] && stop_pidfile "application process $(basename "$pidfile" .pid)" "$pidfile" $((STACK_GRACE + 5))
    done
    stop_pidfile "search worker" "$STACK_DIR/worker.pid" 10
}

stack_status() {
    local i
    if stack_proxy_ready; then echo "nginx         up    https://127.0.0.1:$STACK_PORT"; else echo "nginx         down"; fi
    for i in $(seq 1 "$STACK_PROCESSES"); do
        if stack_app_ready "$i"; then echo "app $i         up    127.0.0.1:$(stack_app_port "$i") pid $(cat "$STACK_DIR/app-$i.pid" 2>/dev/null)"
        else echo "app $i         down"; fi
    done
    if pid_alive "$STACK_DIR/worker.pid"; then echo "search worker up    pid $(cat "$STACK_DIR/worker.pid")"; else echo "search worker down"; fi
}

mkdir -p "$SERVICES" "$CACHE"
case "${1:-}" in
    start)
        what="${2:-all}"
        case "$what" in
            all) pg_start; redis_start; es_start; clamd_start ;;
            postgres) pg_start ;; redis) redis_start ;; elasticsearch) es_start ;; clamav) clamd_start ;;
            es-cluster) es_cluster_start ;;
            stack) stack_start; exit 0 ;;
            *) fail "unknown service: $what" ;;
        esac
        status ;;
    stop)
        what="${2:-all}"
        case "$what" in
            all) clamd_stop; es_cluster_stop; es_stop; redis_stop; pg_stop ;;
            postgres) pg_stop ;; redis) redis_stop ;; elasticsearch) es_stop ;; clamav) clamd_stop ;;
            es-cluster) es_cluster_stop ;;
            stack) stack_stop ;;
            *) fail "unknown service: $what" ;;
        esac ;;
    status)
        if [ "${2:-}" = stack ]; then stack_status; else status; fi ;;
    env) print_env ;;
    stack-secrets) sed 's/^/export /' "$(stack_secrets)" ;;
    kill-node) es_cluster_kill_node "${2:?node number}" ;;
    start-node) es_cluster_restart_node "${2:?node number}" ;;
    *) echo "usage: $0 {start|stop|status|env} [postgres|redis|elasticsearch|clamav|es-cluster|stack]" >&2
       echo "       $0 {kill-node|start-node} N   (a node of es-cluster)" >&2; exit 2 ;;
esac
