#!/bin/sh
# export-bench.sh - runs export-bench against each real receiver installed
# (victoria-metrics, prometheus), each on a free loopback port with a
# temporary data directory. Usage: bench/export-bench.sh BUILDDIR [ARGS...]
# (ARGS go to export-bench: --stores, --series, --minutes, --batch, --every).
# Against each receiver it pushes store after store, then all stores
# together (--together), twice, alternated, and times the receiver too:
# what one request per store costs it against requests of many stores.
set -u
builddir=${1:-.}
[ $# -gt 0 ] && shift
bench="$builddir/bench/export-bench"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rondo-export-bench.XXXXXX")
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {
    for _ in $(seq 150); do
        curl -sf -o /dev/null "$1" && return 0
        sleep 0.2
    done
    return 1
}

# runs URL ARGS...: both ways, twice, alternated, against the receiver $server.
runs() {
    url=$1
    shift
    for _ in 1 2; do
        "$bench" "$url" --receiver-pid "$server" "$@" || return 1
        "$bench" "$url" --receiver-pid "$server" --together "$@" || return 1
    done
}

if command -v victoria-metrics >/dev/null; then
    port=$(free_port)
    victoria-metrics -httpListenAddr="127.0.0.1:$port" -storageDataPath="$tmp/vm" \
        -search.latencyOffset=0s >"$tmp/vm.log" 2>&1 &
    server=$!
    wait_for "http://127.0.0.1:$port/health" && {
        echo "== victoria-metrics $(victoria-metrics -version 2>/dev/null)"
        runs "http://127.0.0.1:$port/api/v1/write" "$@"
    }
    kill "$server"; wait "$server" 2>/dev/null; server=""
fi
if command -v prometheus >/dev/null; then
    port=$(free_port)
    printf 'global:\n  scrape_interval: 1h\n' >"$tmp/prometheus.yml"
    prometheus --config.file="$tmp/prometheus.yml" --web.enable-remote-write-receiver \
        --storage.tsdb.path="$tmp/prom" --web.listen-address="127.0.0.1:$port" >"$tmp/prom.log" 2>&1 &
    server=$!
    wait_for "http://127.0.0.1:$port/-/ready" && {
        echo "== prometheus $(prometheus --version 2>&1 | head -1 | cut -d' ' -f3)"
        runs "http://127.0.0.1:$port/api/v1/write" "$@"
    }
    kill "$server"; wait "$server" 2>/dev/null; server=""
fi
