# shellcheck shell=bash disable=SC2034  # globals set here are the functions' outputs
# Shared pieces of Portico's benchmarks: temp dir and process bookkeeping,
# building Portico, starting an nginx upstream, nginx/haproxy proxies and a
# Portico control plane + data plane on loopback, creating a proxy API through
# the admin API, and running wrk with its results parsed into JSON.
#
# Source it from a bash script that has `set -euo pipefail`, then call
# bench_init first; everything started through bench_spawn is stopped on exit,
# failure or Ctrl-C. Functions "return" values through globals (named in each
# function's comment) rather than stdout, so that callers can't lose errors in
# a $(...) subshell and so that bench_spawn's pid bookkeeping stays in the
# main shell.
#
# Everything listens on 127.0.0.1 only, on ports picked free at start.

BENCH_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_ROOT="$(cd "$BENCH_LIB_DIR/../.." && pwd)"

# Knobs shared by every benchmark (see README.md).
: "${BENCH_DURATION:=10s}"
: "${BENCH_WARMUP:=2s}"
: "${BENCH_THREADS:=2}"
: "${BENCH_CONNECTIONS:=50}"
: "${BENCH_WORKERS:=1}"
: "${BENCH_UPSTREAM_WORKERS:=1}"
: "${BENCH_BUILD_DIR:=$BENCH_ROOT/build-bench}"
: "${BENCH_SKIP_BUILD:=0}"
: "${BENCH_SOURCE:=tree}"
: "${BENCH_TIMEOUT:=15}"
# A run during which other processes (or the hypervisor, as steal) took more
# than this % of one core is flagged as disturbed.
: "${BENCH_OTHER_CPU_WARN:=20}"
# Before each run, wait up to this many seconds for other processes to calm
# down below that threshold (0: don't wait).
: "${BENCH_QUIET_WAIT:=60}"

# Small JSON body the upstream answers every request with (100 bytes): big
# enough to look like an API answer, small enough that the benchmark measures
# per-request overhead rather than copying.
BENCH_UPSTREAM_BODY='{"ok":true,"service":"portico-bench-upstream","padding":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'

BENCH_PIDS=()
BENCH_PID_NAMES=()
BENCH_TMP=""
BENCH_CLEANED=0

# --- logging ---------------------------------------------------------------

bench_log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bench_die() {
    printf '\n[bench] ERROR: %s\n\n' "$*" >&2
    exit 1
}
# A warning that must not scroll by unnoticed (e.g. non-200 responses).
bench_loud() {
    {
        printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
        printf '!!! %s\n' "$@"
        printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n'
    } >&2
}

# --- setup, process bookkeeping and cleanup --------------------------------

# Creates the temp dir (BENCH_TMP) and installs the cleanup traps. The temp
# dir is kept after the run: it holds the results file and every log.
bench_init() {
    BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/portico-bench.XXXXXX")"
    # EXIT covers normal ends and `set -e` failures; the signal traps turn
    # Ctrl-C/TERM/HUP into an exit so EXIT's cleanup runs exactly once.
    trap bench_cleanup EXIT
    trap 'bench_log "interrupted"; exit 130' INT
    trap 'bench_log "terminated"; exit 143' TERM
    trap 'exit 129' HUP
    bench_log "work dir: $BENCH_TMP"
}

# Fails early, with the install line, if a tool the benchmarks need is absent.
bench_require() {
    local missing=() cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
    done
    if ((${#missing[@]})); then
        bench_die "missing: ${missing[*]} (Debian: apt-get install wrk nginx-light haproxy jq curl python3 meson ninja-build)"
    fi
}

# bench_spawn NAME LOG CMD...: starts CMD in the background with stdout and
# stderr in LOG and remembers its pid for cleanup. Sets BENCH_LAST_PID.
# Background jobs of a non-interactive bash start with SIGINT ignored (nginx
# and Portico install their own handlers, so a Ctrl-C may or may not reach
# them): bench_cleanup is what reliably stops them.
bench_spawn() {
    local name="$1" log="$2"
    shift 2
    "$@" >"$log" 2>&1 </dev/null &
    BENCH_LAST_PID=$!
    BENCH_PIDS+=("$BENCH_LAST_PID")
    BENCH_PID_NAMES+=("$name")
    bench_log "started $name (pid $BENCH_LAST_PID, log $log)"
}

bench_alive() { kill -0 "$1" 2>/dev/null; }

# Child pids of PID (nginx workers), so they can be killed too if their
# master has to be SIGKILLed and can no longer take them down itself.
bench_children() { pgrep -P "$1" 2>/dev/null || true; }

# bench_stop PID: SIGTERM, up to 10 s of grace (nginx, haproxy and portico-dp
# shut down cleanly on TERM), then SIGKILL of the process and its children.
bench_stop() {
    local pid="$1" i kids
    bench_alive "$pid" || return 0
    kids="$(bench_children "$pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        bench_alive "$pid" || break
        sleep 0.1
    done
    if bench_alive "$pid"; then
        bench_log "pid $pid ignored SIGTERM for 10s; killing it"
        # shellcheck disable=SC2086
        kill -KILL "$pid" $kids 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Stops every process bench_spawn started, newest first (data plane before
# control plane, proxies before their upstream). Runs from the EXIT trap.
bench_cleanup() {
    local rc=$? i
    ((BENCH_CLEANED)) && return 0
    BENCH_CLEANED=1
    trap - INT TERM HUP
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
        if bench_alive "${BENCH_PIDS[i]}"; then
            bench_log "stopping ${BENCH_PID_NAMES[i]} (pid ${BENCH_PIDS[i]})"
            bench_stop "${BENCH_PIDS[i]}"
        fi
    done
    if [[ -n "$BENCH_TMP" ]]; then
        bench_log "logs and results kept in $BENCH_TMP"
    fi
    return "$rc"
}

# bench_check_alive PID NAME LOG: fails with the tail of LOG if PID died.
bench_check_alive() {
    local pid="$1" name="$2" log="$3"
    if ! bench_alive "$pid"; then
        wait "$pid" 2>/dev/null || true
        bench_log "$name (pid $pid) exited; last lines of $log:"
        tail -n 30 "$log" >&2 || true
        return 1
    fi
}

# --- ports -------------------------------------------------------------------

# bench_free_port [N]: sets BENCH_PORT to a loopback port P with P..P+N-1
# free right now (portico-cp needs 3 consecutive cluster ports). There is a
# window between this check and the server binding the port; the start
# functions retry with fresh ports if a server fails with EADDRINUSE.
bench_free_port() {
    local n="${1:-1}"
    BENCH_PORT="$(python3 - "$n" <<'EOF'
import socket, sys
n = int(sys.argv[1])
for _ in range(200):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    base = s.getsockname()[1]
    s.close()
    if base + n > 65535:
        continue
    socks = []
    try:
        for i in range(n):
            t = socket.socket()
            t.bind(("127.0.0.1", base + i))
            socks.append(t)
        print(base)
        sys.exit(0)
    except OSError:
        pass
    finally:
        for t in socks:
            t.close()
sys.exit(1)
EOF
)" || bench_die "no free loopback port run of $n"
}

# True if LOG says the server could not bind its port.
bench_port_conflict() { grep -qiE 'address (already )?in use|EADDRINUSE|cannot bind' "$1" 2>/dev/null; }

# --- HTTP helpers ----------------------------------------------------------

# bench_http_status URL [HOST]: prints the status code of a GET (000 if the
# connection failed), never fails.
bench_http_status() {
    local url="$1" host="${2:-}" args=(-s -o /dev/null -w '%{http_code}' --max-time 2)
    [[ -n "$host" ]] && args+=(-H "Host: $host")
    curl "${args[@]}" "$url" 2>/dev/null || true
}

# bench_wait_http NAME PID LOG URL [HOST] [STATUS_RE]: waits until URL
# answers with a status matching STATUS_RE (default: anything but 000), and
# fails early if PID dies meanwhile. Returns 2 on a port conflict so the
# caller can retry on another port.
bench_wait_http() {
    local name="$1" pid="$2" log="$3" url="$4" host="${5:-}" want="${6:-^[1-5]}"
    local deadline=$((SECONDS + BENCH_TIMEOUT)) code
    while ((SECONDS < deadline)); do
        if ! bench_alive "$pid"; then
            bench_port_conflict "$log" && return 2
            bench_check_alive "$pid" "$name" "$log" || return 1
        fi
        code="$(bench_http_status "$url" "$host")"
        [[ "$code" =~ $want ]] && return 0
        sleep 0.05
    done
    bench_log "$name did not answer $url with $want within ${BENCH_TIMEOUT}s (last status $code); last lines of $log:"
    tail -n 30 "$log" >&2 || true
    return 1
}

# bench_expect_body NAME URL [HOST]: one GET through a target must answer 200
# with exactly the upstream's body; checked before each target is measured,
# because wrk alone only counts statuses >= 400 and never looks at bodies.
bench_expect_body() {
    local name="$1" url="$2" host="${3:-}" out code args
    out="$BENCH_TMP/check-$name.body"
    args=(-s -o "$out" -w '%{http_code}' --max-time 5)
    [[ -n "$host" ]] && args+=(-H "Host: $host")
    [[ -n "${BENCH_WRK_HEADER:-}" ]] && args+=(-H "$BENCH_WRK_HEADER")
    code="$(curl "${args[@]}" "$url" 2>/dev/null || true)"
    if [[ "$code" != 200 ]] || [[ "$(cat "$out")" != "$BENCH_UPSTREAM_BODY" ]]; then
        bench_die "$name: GET $url${host:+ (Host: $host)} answered $code, body: $(head -c 300 "$out")"
    fi
}

# --- building Portico --------------------------------------------------------

# bench_build_portico: builds optimized portico-cp/portico-dp (release: -O3,
# NDEBUG, unlike the default debugoptimized build) and sets PORTICO_CP_BIN,
# PORTICO_DP_BIN and BENCH_SOURCE_DESC (what was built, for the results).
#
# BENCH_SOURCE picks the source:
#   tree (default)  the working tree as it is, built in BENCH_BUILD_DIR
#                   (default build-bench). ninja runs every time so the
#                   binaries match the tree; a no-op when nothing changed.
#   head            the committed HEAD, exported with `git archive` into
#                   BENCH_BUILD_DIR-src and built in BENCH_BUILD_DIR (default
#                   build-bench-head): immune to half-done edits elsewhere in
#                   the tree, and the numbers belong to a commit.
# BENCH_SKIP_BUILD=1 uses whatever binaries BENCH_BUILD_DIR already has.
bench_build_portico() {
    local src="$BENCH_ROOT" commit
    if [[ "$BENCH_SOURCE" == head && "$BENCH_BUILD_DIR" == "$BENCH_ROOT/build-bench" ]]; then
        BENCH_BUILD_DIR="$BENCH_ROOT/build-bench-head"
    fi
    PORTICO_CP_BIN="$BENCH_BUILD_DIR/controlplane/portico-cp"
    PORTICO_DP_BIN="$BENCH_BUILD_DIR/dataplane/portico-dp"
    commit="$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ "$BENCH_SKIP_BUILD" == 1 ]]; then
        [[ -x "$PORTICO_CP_BIN" && -x "$PORTICO_DP_BIN" ]] ||
            bench_die "BENCH_SKIP_BUILD=1 but no binaries in $BENCH_BUILD_DIR"
        BENCH_SOURCE_DESC="prebuilt binaries in $BENCH_BUILD_DIR (HEAD is $commit)"
        bench_log "using existing build in $BENCH_BUILD_DIR"
        return 0
    fi
    bench_require meson ninja git
    case "$BENCH_SOURCE" in
    tree)
        BENCH_SOURCE_DESC="working tree at $commit, $(git -C "$BENCH_ROOT" status --porcelain \
            --untracked-files=no 2>/dev/null | wc -l) modified tracked files"
        ;;
    head)
        src="$BENCH_BUILD_DIR-src"
        if [[ "$(cat "$src/.bench-commit" 2>/dev/null)" != "$commit" ]]; then
            bench_log "exporting HEAD ($commit) to $src"
            rm -rf "$src"
            mkdir -p "$src"
            git -C "$BENCH_ROOT" archive --format=tar HEAD | tar -x -C "$src"
            echo "$commit" >"$src/.bench-commit"
        fi
        BENCH_SOURCE_DESC="HEAD $commit"
        ;;
    *) bench_die "BENCH_SOURCE must be tree or head, not '$BENCH_SOURCE'" ;;
    esac
    if [[ ! -f "$BENCH_BUILD_DIR/build.ninja" ]]; then
        bench_log "configuring release build of $src in $BENCH_BUILD_DIR"
        meson setup --buildtype=release "$BENCH_BUILD_DIR" "$src" >"$BENCH_TMP/meson-setup.log" 2>&1 ||
            { tail -n 30 "$BENCH_TMP/meson-setup.log" >&2; bench_die "meson setup failed"; }
    fi
    bench_log "building portico-cp and portico-dp ($BENCH_SOURCE_DESC) in $BENCH_BUILD_DIR"
    if ! ninja -C "$BENCH_BUILD_DIR" controlplane/portico-cp dataplane/portico-dp >"$BENCH_TMP/ninja.log" 2>&1; then
        tail -n 40 "$BENCH_TMP/ninja.log" >&2
        bench_die "build failed (log: $BENCH_TMP/ninja.log). If the working tree is mid-edit, BENCH_SOURCE=head builds the last commit; BENCH_SKIP_BUILD=1 reuses the binaries in $BENCH_BUILD_DIR."
    fi
    local bt
    bt="$(meson introspect --buildoptions "$BENCH_BUILD_DIR" 2>/dev/null |
        jq -r '.[] | select(.name=="buildtype") | .value' 2>/dev/null || echo unknown)"
    [[ "$bt" == release ]] || bench_loud "$BENCH_BUILD_DIR has buildtype '$bt', not release: numbers are not representative"
}

# --- nginx -------------------------------------------------------------------

# Settings every nginx the benchmarks run needs: nothing under /etc/nginx,
# /var/log/nginx or /var/lib/nginx (Debian compiles those paths in; -p does
# not move the absolute temp paths, so they are set here), no access log, and
# keep-alive connections that are never closed after N requests (nginx's
# default keepalive_requests of 1000 would make every client and upstream
# connection reconnect every 1000 requests, which haproxy and Portico don't).
bench_nginx_common_conf() {
    local dir="$1" workers="$2"
    cat <<EOF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 10240;
}
http {
    access_log off;
    server_tokens off;
    keepalive_requests 1000000000;
    keepalive_timeout 120s;
    client_body_temp_path $dir/tmp/client_body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
EOF
}

# bench_run_nginx NAME DIR SERVER_BLOCK_FN WORKERS [ARGS for the fn]: writes
# DIR/nginx.conf (common part + what SERVER_BLOCK_FN PORT ARGS... prints inside
# http {}), starts nginx in the foreground on a free port and waits until it
# answers. Retries on a port conflict. Sets BENCH_NGINX_PORT, BENCH_NGINX_PID.
bench_run_nginx() {
    local name="$1" dir="$2" fn="$3" workers="$4"
    shift 4
    local attempt rc log="$dir/nginx.log"
    mkdir -p "$dir/tmp"
    for attempt in 1 2 3 4 5; do
        bench_free_port
        {
            bench_nginx_common_conf "$dir" "$workers"
            "$fn" "$BENCH_PORT" "$@"
            echo "}"
        } >"$dir/nginx.conf"
        nginx -t -q -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" >"$dir/nginx-t.log" 2>&1 ||
            { cat "$dir/nginx-t.log" >&2; bench_die "$name: bad nginx config $dir/nginx.conf"; }
        bench_spawn "$name" "$log" nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" -g 'daemon off;'
        rc=0
        bench_wait_http "$name" "$BENCH_LAST_PID" "$dir/error.log" "http://127.0.0.1:$BENCH_PORT/" || rc=$?
        if ((rc == 0)); then
            BENCH_NGINX_PORT="$BENCH_PORT"
            BENCH_NGINX_PID="$BENCH_LAST_PID"
            return 0
        fi
        ((rc == 2)) || bench_die "$name failed to start (logs: $log, $dir/error.log)"
        bench_log "$name: port $BENCH_PORT taken, retrying ($attempt)"
    done
    bench_die "$name: no free port after 5 attempts"
}

bench_upstream_server_block() {
    local port="$1"
    # `return` answers from memory: no file I/O, so the upstream costs as
    # little CPU per request as nginx can.
    cat <<EOF
    server {
        listen 127.0.0.1:$port reuseport;
        location / {
            default_type application/json;
            return 200 '$BENCH_UPSTREAM_BODY';
        }
        # Connection counters: bench_wrk reads "accepts" before and after a
        # run to show how many upstream connections a proxy opened, i.e.
        # whether it really reuses keep-alive connections.
        location = /__bench_status {
            stub_status;
        }
    }
EOF
}

# bench_start_upstream [WORKERS]: the origin every proxy forwards to: nginx
# answering BENCH_UPSTREAM_BODY to any GET. Sets UPSTREAM_PORT, UPSTREAM_PID,
# UPSTREAM_URL (no trailing slash).
bench_start_upstream() {
    local workers="${1:-$BENCH_UPSTREAM_WORKERS}"
    bench_run_nginx upstream "$BENCH_TMP/upstream" bench_upstream_server_block "$workers"
    UPSTREAM_PORT="$BENCH_NGINX_PORT"
    UPSTREAM_PID="$BENCH_NGINX_PID"
    UPSTREAM_URL="http://127.0.0.1:$UPSTREAM_PORT"
}

bench_nginx_proxy_server_block() {
    local port="$1" upstream_port="$2"
    # keepalive 64: each worker keeps up to 64 idle upstream connections, so
    # requests reuse them instead of connecting per request; that needs
    # HTTP/1.1 and an empty Connection header towards the upstream.
    cat <<EOF
    upstream bench_origin {
        server 127.0.0.1:$upstream_port;
        keepalive 64;
        keepalive_requests 1000000000;
        keepalive_timeout 120s;
    }
    server {
        listen 127.0.0.1:$port reuseport;
        location / {
            proxy_pass http://bench_origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
EOF
}

# bench_start_nginx_proxy UPSTREAM_PORT [WORKERS]: nginx as a reverse proxy.
# Sets NGINX_PROXY_PORT, NGINX_PROXY_PID.
bench_start_nginx_proxy() {
    local upstream_port="$1" workers="${2:-$BENCH_WORKERS}"
    bench_run_nginx nginx "$BENCH_TMP/nginx-proxy" bench_nginx_proxy_server_block "$workers" "$upstream_port"
    NGINX_PROXY_PORT="$BENCH_NGINX_PORT"
    NGINX_PROXY_PID="$BENCH_NGINX_PID"
}

# --- haproxy -----------------------------------------------------------------

# bench_start_haproxy UPSTREAM_PORT [THREADS]: haproxy in http mode, one
# process with THREADS threads, reusing idle upstream connections across
# client connections (http-reuse always). Sets HAPROXY_PORT, HAPROXY_PID.
bench_start_haproxy() {
    local upstream_port="$1" threads="${2:-$BENCH_WORKERS}"
    local dir="$BENCH_TMP/haproxy" attempt rc
    mkdir -p "$dir"
    for attempt in 1 2 3 4 5; do
        bench_free_port
        # No `log` lines: haproxy logs nothing, like the nginx proxy's
        # access_log off. Timeouts are long enough never to fire in a run.
        cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread $threads
    # below the fd limit (haproxy needs ~2 fds per connection)
    maxconn 4096

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout http-keep-alive 120s

frontend bench_fe
    bind 127.0.0.1:$BENCH_PORT
    default_backend bench_be

backend bench_be
    server origin 127.0.0.1:$upstream_port
EOF
        haproxy -c -q -f "$dir/haproxy.cfg" >"$dir/haproxy-c.log" 2>&1 ||
            { cat "$dir/haproxy-c.log" >&2; bench_die "bad haproxy config $dir/haproxy.cfg"; }
        # -db: stay in the foreground, no master process, so the pid we hold is
        # the one serving and TERM stops it.
        bench_spawn haproxy "$dir/haproxy.log" haproxy -db -f "$dir/haproxy.cfg"
        rc=0
        bench_wait_http haproxy "$BENCH_LAST_PID" "$dir/haproxy.log" "http://127.0.0.1:$BENCH_PORT/" || rc=$?
        if ((rc == 0)); then
            HAPROXY_PORT="$BENCH_PORT"
            HAPROXY_PID="$BENCH_LAST_PID"
            return 0
        fi
        ((rc == 2)) || bench_die "haproxy failed to start (log: $dir/haproxy.log)"
        bench_log "haproxy: port $BENCH_PORT taken, retrying ($attempt)"
    done
    bench_die "haproxy: no free port after 5 attempts"
}

# --- Portico -----------------------------------------------------------------

# bench_start_portico_cp: portico-cp with a fresh data dir, a random admin
# token and cluster secret. Extra args are passed to portico-cp; extra env can
# be given by exporting it before the call. Sets CP_PID, CP_ADMIN_URL,
# CP_CLUSTER_URL, PORTICO_ADMIN_TOKEN, PORTICO_CLUSTER_SECRET.
bench_start_portico_cp() {
    local dir="$BENCH_TMP/portico-cp" attempt rc admin_port cluster_port
    mkdir -p "$dir"
    PORTICO_ADMIN_TOKEN="bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    PORTICO_CLUSTER_SECRET="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    export PORTICO_ADMIN_TOKEN PORTICO_CLUSTER_SECRET
    for attempt in 1 2 3 4 5; do
        bench_free_port
        admin_port="$BENCH_PORT"
        bench_free_port 3
        cluster_port="$BENCH_PORT"
        rm -rf "$dir/data"
        bench_spawn portico-cp "$dir/cp.log" env PORTICO_LOG_LEVEL="${PORTICO_LOG_LEVEL:-warn}" \
            "$PORTICO_CP_BIN" --data-dir "$dir/data" --admin-listen "127.0.0.1:$admin_port" \
            --cluster-listen "tcp://127.0.0.1:$cluster_port" "$@"
        rc=0
        bench_wait_http portico-cp "$BENCH_LAST_PID" "$dir/cp.log" "http://127.0.0.1:$admin_port/healthz" "" '^200$' || rc=$?
        if ((rc == 0)); then
            CP_PID="$BENCH_LAST_PID"
            CP_ADMIN_URL="http://127.0.0.1:$admin_port"
            CP_CLUSTER_URL="tcp://127.0.0.1:$cluster_port"
            return 0
        fi
        ((rc == 2)) || bench_die "portico-cp failed to start (log: $dir/cp.log)"
        bench_log "portico-cp: port taken, retrying ($attempt)"
    done
    bench_die "portico-cp: no free ports after 5 attempts"
}

# bench_start_portico_dp [THREADS] [NODE_ID] [extra args...]: one data plane
# attached to the control plane, waited for until it serves a snapshot (any
# status but 503 on /). Sets DP_PID, DP_PORT, DP_NODE_ID, DP_URL.
bench_start_portico_dp() {
    local threads="${1:-$BENCH_WORKERS}" node="${2:-bench-dp1}"
    shift 2 || shift $#
    local dir="$BENCH_TMP/portico-$node" attempt rc
    mkdir -p "$dir"
    for attempt in 1 2 3 4 5; do
        bench_free_port
        rm -rf "$dir/state"
        # --drain-timeout 2: after the run nothing is in flight, but idle
        # keep-alive connections should not hold the shutdown for 30 s.
        # shellcheck disable=SC2086 # BENCH_DP_WRAP: a command prefix (valgrind ...), split on spaces
        bench_spawn "portico-dp $node" "$dir/dp.log" env PORTICO_LOG_LEVEL="${PORTICO_LOG_LEVEL:-warn}" \
            ${BENCH_DP_WRAP:-} "$PORTICO_DP_BIN" --control-plane "$CP_CLUSTER_URL" --listen "127.0.0.1:$BENCH_PORT" \
            --state-dir "$dir/state" --node-id "$node" --threads "$threads" --drain-timeout 2 "$@"
        rc=0
        bench_wait_http "portico-dp" "$BENCH_LAST_PID" "$dir/dp.log" "http://127.0.0.1:$BENCH_PORT/" "" '^([1-4]..|50[0-24-9])$' || rc=$?
        if ((rc == 0)); then
            DP_PID="$BENCH_LAST_PID"
            DP_PORT="$BENCH_PORT"
            DP_NODE_ID="$node"
            DP_URL="http://127.0.0.1:$DP_PORT"
            return 0
        fi
        ((rc == 2)) || bench_die "portico-dp failed to start (log: $dir/dp.log)"
        bench_log "portico-dp: port $BENCH_PORT taken, retrying ($attempt)"
    done
    bench_die "portico-dp: no free port after 5 attempts"
}

# bench_admin METHOD PATH [JSON_BODY] [EXPECTED_STATUS]: one admin API call.
# Fails the run on any other status (default: any 2xx). Sets BENCH_ADMIN_BODY
# to the response body.
bench_admin() {
    local method="$1" path="$2" body="${3:-}" want="${4:-2..}" code out="$BENCH_TMP/admin-response.json"
    local args=(-sS -o "$out" -w '%{http_code}' --max-time 10 -X "$method"
        -H "Authorization: Bearer $PORTICO_ADMIN_TOKEN")
    [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    code="$(curl "${args[@]}" "$CP_ADMIN_URL$path")" || bench_die "admin $method $path: curl failed"
    BENCH_ADMIN_BODY="$(cat "$out")"
    [[ "$code" =~ ^$want$ ]] || bench_die "admin $method $path $body: expected $want, got $code: $BENCH_ADMIN_BODY"
}

# bench_create_proxy_api NAME UPSTREAM_URL [PATH_PART] [STAGE]: an API with
# GET /PATH_PART -> HTTP_PROXY UPSTREAM_URL/PATH_PART, deployed to STAGE.
# Returns after the deployment (does not wait for data planes: see
# bench_wait_dp_current). Sets API_ID, API_RESOURCE_ID, API_STAGE, API_PATH.
bench_create_proxy_api() {
    local name="$1" upstream_url="$2" part="${3:-pets}" stage="${4:-prod}" root
    bench_admin POST /restapis "$(jq -cn --arg n "$name" '{name:$n}')" 201
    API_ID="$(jq -r .id <<<"$BENCH_ADMIN_BODY")"
    root="$(jq -r .rootResourceId <<<"$BENCH_ADMIN_BODY")"
    bench_admin POST "/restapis/$API_ID/resources/$root" "$(jq -cn --arg p "$part" '{pathPart:$p}')" 201
    API_RESOURCE_ID="$(jq -r .id <<<"$BENCH_ADMIN_BODY")"
    bench_admin PUT "/restapis/$API_ID/resources/$API_RESOURCE_ID/methods/GET" '{"authorizationType":"NONE"}' 201
    bench_admin PUT "/restapis/$API_ID/resources/$API_RESOURCE_ID/methods/GET/integration" \
        "$(jq -cn --arg u "$upstream_url/$part" '{type:"HTTP_PROXY",httpMethod:"GET",uri:$u}')" 201
    bench_admin POST "/restapis/$API_ID/deployments" "$(jq -cn --arg s "$stage" '{stageName:$s}')" 201
    API_STAGE="$stage"
    API_PATH="/$stage/$part"
    bench_log "created API $API_ID: GET $API_PATH -> $upstream_url/$part"
}

# bench_wait_dp_current [NODE_ID]: waits until /cluster/nodes shows the node
# at the control plane's current version, i.e. serving the last deployment.
bench_wait_dp_current() {
    local node="${1:-$DP_NODE_ID}" deadline=$((SECONDS + BENCH_TIMEOUT))
    while ((SECONDS < deadline)); do
        bench_admin GET /cluster/nodes
        if jq -e --arg n "$node" \
            '.currentVersion as $v | any(.item[]?; .nodeId == $n and .appliedVersion >= $v)' \
            <<<"$BENCH_ADMIN_BODY" >/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    bench_die "node $node did not reach the current version in ${BENCH_TIMEOUT}s: $BENCH_ADMIN_BODY"
}

# bench_dp_host [API_ID]: the Host header that routes to the API on DP_PORT.
bench_dp_host() { printf '%s.execute-api.localhost:%s' "${1:-$API_ID}" "$DP_PORT"; }

# bench_add_key_plan_metrics API_ID [STAGE]: makes the API's GET method need
# an API key, puts the key in a usage plan on the stage (throttle lifted, no
# quota) and turns per-method metrics on; deploys again. Sets API_KEY_VALUE.
bench_add_key_plan_metrics() {
    local api="$1" stage="${2:-prod}" key plan
    bench_admin PATCH "/restapis/$api/resources/$API_RESOURCE_ID/methods/GET" \
        '{"patchOperations":[{"op":"replace","path":"/apiKeyRequired","value":"true"}]}' 200
    bench_admin POST "/restapis/$api/deployments" "$(jq -cn --arg s "$stage" '{stageName:$s}')" 201
    bench_admin PATCH "/restapis/$api/stages/$stage" \
        '{"patchOperations":[{"op":"replace","path":"/*/*/metrics/enabled","value":"true"}]}' 200
    bench_admin POST /apikeys '{"name":"bench","enabled":true}' 201
    key="$(jq -r .id <<<"$BENCH_ADMIN_BODY")"
    API_KEY_VALUE="$(jq -r .value <<<"$BENCH_ADMIN_BODY")"
    bench_admin POST /usageplans "$(jq -cn --arg a "$api" --arg s "$stage" \
        '{name:"bench",apiStages:[{apiId:$a,stage:$s}],throttle:{rateLimit:1e9,burstLimit:1000000000}}')" 201
    plan="$(jq -r .id <<<"$BENCH_ADMIN_BODY")"
    bench_admin POST "/usageplans/$plan/keys" "$(jq -cn --arg k "$key" '{keyId:$k,keyType:"API_KEY"}')" 201
    bench_log "API $api: GET needs key ${API_KEY_VALUE:0:6}..., usage plan $plan, per-method metrics on"
}

# --- wrk ---------------------------------------------------------------------

# The Lua script wrk runs: done() prints one JSON line with the summary,
# latency percentiles (microseconds) and error counts. No response() hook:
# defining one makes wrk parse every body and slows the load generator.
bench_write_wrk_lua() {
    cat >"$BENCH_TMP/report.lua" <<'EOF'
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
        '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,' ..
        '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d},' ..
        '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
        summary.requests, summary.duration, summary.bytes,
        latency.min, latency.mean, latency.stdev, latency.max,
        latency:percentile(50), latency:percentile(75), latency:percentile(90),
        latency:percentile(99), latency:percentile(99.9),
        e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
}

# CPU time (user+system, in clock ticks) used so far by PID and its children
# threads/processes (all threads are in /proc/PID/stat; nginx workers are
# child processes, summed in too).
bench_cpu_ticks() {
    local total=0 p t all=("$@")
    for p in "$@"; do
        # shellcheck disable=SC2207  # pids are plain words
        all+=($(bench_children "$p"))
    done
    for p in "${all[@]}"; do
        # Fields after the ")" closing the command name: utime is the 12th,
        # stime the 13th.
        t="$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')" || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}

# Machine-wide CPU ticks from /proc/stat: "busy steal". busy counts user,
# nice, system, irq and softirq; without CONFIG_IRQ_TIME_ACCOUNTING (Debian's
# default) irq/softirq ticks are also charged to the task they interrupted, so
# busy minus our processes' ticks is roughly what other processes used.
bench_sys_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9; exit }' /proc/stat; }

# bench_shell_children_ticks: sets BENCH_KIDS_TICKS to the CPU ticks used so
# far by this shell's finished children (wrk runs in the foreground, so once
# it exits its time is counted here), from the `times` builtin. Must run in
# the main shell, never in $(...): a subshell's `times` reports its own
# children only.
bench_shell_children_ticks() {
    times >"$BENCH_TMP/times.txt"
    # Second line: children's "0m1.234s 0m0.567s" (user system) -> ticks.
    BENCH_KIDS_TICKS="$(awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        printf "%d\n", t * hz + 0.5
    }' "$BENCH_TMP/times.txt")"
}

# bench_wait_quiet: waits (up to BENCH_QUIET_WAIT seconds; 0 = don't) until
# processes other than ours use less than BENCH_OTHER_CPU_WARN % of a core over
# one second, so a measurement doesn't start in the middle of someone else's
# build on a shared machine. Only delays: bench_wrk still measures and flags
# interference during the run itself.
bench_wait_quiet() {
    local deadline=$((SECONDS + BENCH_QUIET_WAIT)) s0 s1 st o0 o1 other hz waited=0
    ((BENCH_QUIET_WAIT > 0)) || return 0
    hz="$(getconf CLK_TCK)"
    while :; do
        read -r s0 st < <(bench_sys_ticks)
        o0="$(bench_cpu_ticks "${BENCH_PIDS[@]}")"
        sleep 1
        read -r s1 st < <(bench_sys_ticks)
        o1="$(bench_cpu_ticks "${BENCH_PIDS[@]}")"
        other=$(((s1 - s0) - (o1 - o0)))
        if ((other * 100 < BENCH_OTHER_CPU_WARN * hz)); then
            ((waited)) && bench_log "machine quiet again (others $((other * 100 / hz))% of a core)"
            return 0
        fi
        if ((SECONDS >= deadline)); then
            bench_log "machine still busy after ${BENCH_QUIET_WAIT}s (others $((other * 100 / hz))% of a core); measuring anyway"
            return 0
        fi
        ((waited)) || bench_log "other processes use $((other * 100 / hz))% of a core; waiting up to ${BENCH_QUIET_WAIT}s for quiet"
        waited=1
    done
}

# bench_upstream_accepts: how many connections the upstream has accepted so
# far (nginx stub_status), or "null" without an upstream. Each call is itself
# one connection.
bench_upstream_accepts() {
    if [[ -z "${UPSTREAM_PORT:-}" ]]; then
        echo null
        return 0
    fi
    curl -s --max-time 2 "http://127.0.0.1:$UPSTREAM_PORT/__bench_status" |
        awk 'NR == 3 { print $1; found = 1 } END { if (!found) print "null" }'
}

# bench_wrk NAME URL [HOST] [PIDS...]: a warm-up (BENCH_WARMUP, discarded,
# lets connection pools fill), then the measured wrk run with the shared
# duration/threads/connections. PIDS are the server's processes whose CPU time
# is measured over the run. Appends one JSON object to
# BENCH_TMP/runs.jsonl and sets BENCH_RESULT to it. Never fails on errors in
# the responses: they are counted and reported.
bench_wrk() {
    local name="$1" url="$2" host="${3:-}"
    shift 3 || shift $#
    local pids=("$@") args out json cpu0=0 cpu1=0 cpu=null p accepts0 accepts1 upconns=null
    local sys0 sys1 steal0 steal1 steal ours0 ours1 kids0 kids1 others wrkcpu
    [[ -f "$BENCH_TMP/report.lua" ]] || bench_write_wrk_lua
    args=(-t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" --latency --timeout 5s -s "$BENCH_TMP/report.lua")
    [[ -n "$host" ]] && args+=(-H "Host: $host")
    [[ -n "${BENCH_WRK_HEADER:-}" ]] && args+=(-H "$BENCH_WRK_HEADER")
    out="$BENCH_TMP/wrk-$name.txt"
    bench_wait_quiet
    if [[ "$BENCH_WARMUP" != 0 && "$BENCH_WARMUP" != 0s ]]; then
        wrk "${args[@]}" -d "$BENCH_WARMUP" "$url" >>"$BENCH_TMP/wrk-$name-warmup.txt" 2>&1 ||
            bench_die "wrk warm-up against $name failed: $(tail -n 5 "$BENCH_TMP/wrk-$name-warmup.txt")"
    fi
    bench_log "wrk $name: $url${host:+ (Host: $host)} -d $BENCH_DURATION -t $BENCH_THREADS -c $BENCH_CONNECTIONS"
    accepts0="$(bench_upstream_accepts)"
    if ((${#pids[@]})); then cpu0="$(bench_cpu_ticks "${pids[@]}")"; fi
    # Everything else's CPU over the run: machine-wide, all our servers, wrk.
    read -r sys0 steal0 < <(bench_sys_ticks)
    ours0="$(bench_cpu_ticks "${BENCH_PIDS[@]}")"
    bench_shell_children_ticks
    kids0="$BENCH_KIDS_TICKS"
    wrk "${args[@]}" -d "$BENCH_DURATION" "$url" >"$out" 2>&1 ||
        bench_die "wrk against $name failed: $(tail -n 5 "$out")"
    read -r sys1 steal1 < <(bench_sys_ticks)
    ours1="$(bench_cpu_ticks "${BENCH_PIDS[@]}")"
    bench_shell_children_ticks
    kids1="$BENCH_KIDS_TICKS"
    others=$(((sys1 - sys0) - (ours1 - ours0) - (kids1 - kids0)))
    ((others >= 0)) || others=0
    steal=$((steal1 - steal0))
    wrkcpu=$((kids1 - kids0))
    if ((${#pids[@]})); then
        cpu1="$(bench_cpu_ticks "${pids[@]}")"
        cpu=$((cpu1 - cpu0))
    fi
    accepts1="$(bench_upstream_accepts)"
    # Minus the one connection the first status request made itself.
    [[ "$accepts0" != null && "$accepts1" != null ]] && upconns=$((accepts1 - accepts0 - 1))
    for p in "${pids[@]}"; do
        bench_alive "$p" || bench_loud "$name: server pid $p died during the run"
    done
    json="$(sed -n 's/^BENCH_JSON //p' "$out")"
    [[ -n "$json" ]] || bench_die "no BENCH_JSON line in $out"
    # Requests/s is requests over wrk's own measured duration; latencies go
    # from microseconds to milliseconds; server CPU is the change in the
    # servers' user+system time over the run, as % of one core and per request.
    BENCH_RESULT="$(jq -c --arg name "$name" --arg url "$url" --arg host "$host" \
        --argjson cpu "$cpu" --argjson upconns "$upconns" \
        --argjson others "$others" --argjson steal "$steal" --argjson wrkcpu "$wrkcpu" --argjson lim "$BENCH_OTHER_CPU_WARN" --argjson hz "$(getconf CLK_TCK)" '
        def r2: (. * 100 | round) / 100;
        . as $w
        | ($w.duration_us / 1e6) as $secs
        | {
            target: $name, url: $url, host: (if $host == "" then null else $host end),
            requests: $w.requests, duration_s: ($secs | r2),
            requests_per_sec: ($w.requests / $secs | r2),
            bytes_per_response: (if $w.requests > 0 then ($w.bytes / $w.requests | round) else null end),
            latency_ms: ($w.latency_us | with_entries(.value = ((.value | round) / 1000))),
            non2xx: $w.errors.status,
            socket_errors: ($w.errors | del(.status)),
            errors_total: ($w.errors | add),
            upstream_connections_opened: $upconns,
            server_cpu_pct: (if $cpu == null then null else ($cpu / $hz / $secs * 100 | r2) end),
            server_cpu_us_per_request: (if $cpu == null or $w.requests == 0 then null
                                        else ($cpu / $hz * 1e6 / $w.requests | r2) end),
            wrk_cpu_pct: ($wrkcpu / $hz / $secs * 100 | r2),
            other_processes_cpu_pct: ($others / $hz / $secs * 100 | r2),
            steal_cpu_pct: ($steal / $hz / $secs * 100 | r2)
          }
        | .disturbed = (.other_processes_cpu_pct > $lim or .steal_cpu_pct > $lim)' <<<"$json")"
    echo "$BENCH_RESULT" >>"$BENCH_TMP/runs.jsonl"
    # On a shared machine other work (builds, tests) steals CPU from the run;
    # the numbers of a disturbed run are not comparable, so say so.
    if [[ "$(jq .disturbed <<<"$BENCH_RESULT")" == true ]]; then
        bench_loud "$name: other processes used $(jq .other_processes_cpu_pct <<<"$BENCH_RESULT")% of a core (steal $(jq .steal_cpu_pct <<<"$BENCH_RESULT")%) during the run: this measurement is disturbed"
    fi
    if [[ "$(jq .errors_total <<<"$BENCH_RESULT")" != 0 ]]; then
        bench_loud "$name: $(jq -r '"\(.non2xx) non-2xx/3xx responses, socket errors \(.socket_errors)"' <<<"$BENCH_RESULT") out of $(jq .requests <<<"$BENCH_RESULT") requests (wrk output: $out)"
    fi
}

# --- reporting ---------------------------------------------------------------

# bench_print_table RESULTS_JSON REF: prints the targets of RESULTS_JSON (an
# array of bench_wrk objects) as a table, with the ratio of REF's requests/s
# to each target's ("portico/nginx = 0.93": Portico does 93% of nginx's
# requests/s).
bench_print_table() {
    local results="$1" ref="$2"
    jq -r --arg ref "$ref" '
        (map(select(.target == $ref)) | first | .requests_per_sec) as $r
        | (["target", "req/s", "p50 ms", "p99 ms", "non-2xx", "sock err", "cpu %", "cpu us/req",
            "resp bytes", "up conns", "others %", $ref + "/target"] | @tsv),
          (.[] | [ .target, (.requests_per_sec | floor), .latency_ms.p50, .latency_ms.p99, .non2xx,
                   (.socket_errors | add), (.server_cpu_pct // "-"), (.server_cpu_us_per_request // "-"),
                   .bytes_per_response, (.upstream_connections_opened // "-"),
                   (.other_processes_cpu_pct | tostring) + (if .disturbed then " DISTURBED" else "" end),
                   (if $r == null then "-" else ($r / .requests_per_sec * 100 | round / 100) end) ] | @tsv)
    ' <<<"$results" | column -t -s $'\t'
}
