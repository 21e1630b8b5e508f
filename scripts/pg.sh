#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (issue 20): `start` prints its URL, `url` prints
# the URL of the running one, `stop` stops it and removes its directory.
#
#   bash scripts/pg.sh start      # installs Debian's postgresql when its server is missing
#   export UNION_TEST_PG=$(bash scripts/pg.sh url)
#   bash scripts/pg.sh stop
#
# The cluster lives in one temp dir per checkout (UNION_PG_DIR, default
# ${TMPDIR:-/tmp}/union-test-pg-<checksum of this checkout's path>): data, unix socket, log and
# the file `url`. It listens on 127.0.0.1 only, on a free port, trusts loopback connections (no
# password: test data only) and runs with fsync off. It serves TLS too, with a certificate for
# IP 127.0.0.1 from a certificate authority of its own made by openssl at start (tls/ca.crt
# beside the server's; tls/other-ca.crt is an authority that signed nothing, for the tests that
# a wrong one is refused): `SHOW ssl_cert_file` says where. A second `start` reuses a live cluster; a
# directory whose postmaster is alive but not answering is stopped before it is made again, and
# `stop` removes the directory only once its postmaster is gone.
# PostgreSQL refuses to run as root, so as root (CI) the cluster runs as the system user
# `unionpg`, created when missing. UNION_PG_NO_INSTALL=1 makes `start` fail instead of
# installing (the tests set it: they never run apt-get themselves).
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${UNION_PG_DIR:-${TMPDIR:-/tmp}/union-test-pg-$(pwd | cksum | cut -d' ' -f1)}"
data="$dir/data"
url_file="$dir/url"

# The newest installed PostgreSQL's server binaries (Debian keeps them off PATH).
pg_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
    if [ -n "$bin" ] && [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then echo "$bin"; fi
}

install_postgresql() {
    if [ "${UNION_PG_NO_INSTALL:-}" = 1 ]; then
        echo "PostgreSQL's server is not installed; run: bash scripts/pg.sh start" >&2
        exit 1
    fi
    echo "installing postgresql for the tests…" >&2
    local sudo_cmd=""
    if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    # sudo drops the environment, so the variable goes through env.
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null
    # Debian's package creates and starts a cluster of its own (`main`, port 5432). Nothing ran
    # one before (the server was not installed), so this install started it: stop it.
    local cluster
    for cluster in $(pg_lsclusters --no-header 2> /dev/null | awk '$4 == "online" { print $1 "/" $2 }'); do
        echo "stopping Debian's own PostgreSQL cluster $cluster, which installing postgresql" \
            "started (the tests use a cluster of their own; it may start again at boot)" >&2
        $sudo_cmd pg_ctlcluster "${cluster%/*}" "${cluster#*/}" stop || true
    done
}

# Runs a command as the cluster's owner: this user, or `unionpg` when this is root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u unionpg -- "$@"; else "$@"; fi
}

owner_name() {
    if [ "$(id -u)" = 0 ]; then echo unionpg; else id -un; fi
}

running() {
    local bin="$1"
    [ -f "$url_file" ] && [ -f "$data/postmaster.pid" ] \
        && as_owner "$bin/pg_ctl" -D "$data" status > /dev/null 2>&1
}

start() {
    local bin
    bin=$(pg_bin)
    if [ -z "$bin" ]; then
        install_postgresql
        bin=$(pg_bin)
        if [ -z "$bin" ]; then
            echo "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb" >&2
            exit 1
        fi
    fi
    if running "$bin"; then
        cat "$url_file"
        return
    fi
    # A cluster that is not answering (a start cut short, its url file gone) is stopped, never
    # removed under a live postmaster.
    stop
    if [ "$(id -u)" = 0 ] && ! id unionpg > /dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin unionpg
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown unionpg: "$dir"; fi
    local user
    user=$(owner_name)
    as_owner "$bin/initdb" --pgdata="$data" --username="$user" --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-sync > "$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    if ! command -v openssl > /dev/null; then
        if [ "${UNION_PG_NO_INSTALL:-}" = 1 ]; then
            echo "openssl is not installed; run: bash scripts/pg.sh start" >&2
            exit 1
        fi
        echo "installing openssl for the test cluster's TLS…" >&2
        local sudo_cmd=""
        if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
        $sudo_cmd apt-get update -qq
        $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl > /dev/null
    fi
    make_tls "$dir/tls"
    # Only local connections, and only from this machine's loopback, are let in.
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' \
        | as_owner tee "$data/pg_hba.conf" > /dev/null
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$dir'"
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        echo "max_connections = 200"
        echo "shared_buffers = 32MB"
        echo "ssl = on"
        echo "ssl_cert_file = '$dir/tls/server.crt'"
        echo "ssl_key_file = '$dir/tls/server.key'"
    } | as_owner tee -a "$data/postgresql.conf" > /dev/null
    # A free port: one nothing answers on, then PostgreSQL's own bind is the proof (another
    # process may take it in between: then the next one is tried).
    local port attempt
    for attempt in 1 2 3 4 5 6 7 8; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then continue; fi
        if as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -o "-p $port" -w -t 30 9>&- \
            start > /dev/null 2>&1; then
            echo "postgres://$user@127.0.0.1:$port/postgres" > "$url_file"
            cat "$url_file"
            return
        fi
        echo "attempt $attempt: PostgreSQL did not start on port $port" >&2
    done
    echo "PostgreSQL would not start; its log:" >&2
    cat "$dir/server.log" >&2
    exit 1
}

# The cluster's TLS: a certificate authority, the server's key and certificate (IP 127.0.0.1
# only, so that a check of the name against `localhost` fails), and a second authority.
make_tls() {
    local tls="$1" ext
    as_owner mkdir -m 700 "$tls"
    ext=$(mktemp)
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > "$ext"
    chmod 644 "$ext"
    local ca
    for ca in ca other-ca; do
        as_owner openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout "$tls/$ca.key" -out "$tls/$ca.crt" -days 30 \
            -subj "/CN=union test PostgreSQL $ca" \
            -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign > /dev/null 2>&1
    done
    as_owner openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=127.0.0.1" > /dev/null 2>&1
    as_owner openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
        -CAcreateserial -out "$tls/server.crt" -days 30 -extfile "$ext" > /dev/null 2>&1
    rm -f "$ext"
    as_owner chmod 600 "$tls/server.key"
    as_owner chmod 644 "$tls/ca.crt" "$tls/other-ca.crt" "$tls/server.crt"
}

# The postmaster's pid from postmaster.pid, when that process is a live postgres (not a reused
# pid).
postmaster_pid() {
    local pid
    pid=$(head -n 1 "$data/postmaster.pid" 2> /dev/null || true)
    if [ -n "$pid" ] && alive "$pid"; then echo "$pid"; fi
}

# A zombie (exited, not yet reaped by its parent) is not alive.
alive() {
    local state
    state=$(ps -o stat=,comm= -p "$1" 2> /dev/null || true)
    [ "${state##* }" = postgres ] && [ "${state:0:1}" != Z ]
}

stop() {
    local bin pid waited
    bin=$(pg_bin)
    pid=$(postmaster_pid)
    if [ -n "$bin" ] && [ -n "$pid" ]; then
        as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop > /dev/null 2>&1 || true
    fi
    # pg_ctl may have failed, or the postmaster may still be exiting: the directory goes only
    # once it is gone (SIGQUIT, an immediate shutdown, after 1 s; SIGKILL after 5 s; 10 s in all).
    if [ -n "$pid" ]; then
        for waited in $(seq 1 100); do
            if ! alive "$pid"; then break; fi
            if [ "$waited" = 10 ]; then kill -QUIT "$pid" 2> /dev/null || true; fi
            if [ "$waited" = 50 ]; then kill -KILL "$pid" 2> /dev/null || true; fi
            sleep 0.1
        done
        if alive "$pid"; then
            echo "the postmaster $pid of $data is still running: $dir not removed" >&2
            exit 1
        fi
    fi
    rm -rf "$dir"
}

url() {
    local bin
    bin=$(pg_bin)
    if [ -n "$bin" ] && running "$bin"; then
        cat "$url_file"
    else
        echo "no test cluster is running; run: bash scripts/pg.sh start" >&2
        exit 1
    fi
}

# One start or stop at a time (tests running in parallel may all ask for the cluster).
mkdir -p "$(dirname "$dir")"
exec 9> "$dir.lock"
flock 9
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    *)
        echo "usage: $0 start|stop|url" >&2
        exit 2
        ;;
esac
