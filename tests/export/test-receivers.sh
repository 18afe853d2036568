#!/bin/sh
# test-receivers.sh - export to real receivers and read every point back.
#
# Debian's prometheus and victoria-metrics, each started on a free loopback
# port with a temporary data directory: a store with known recent points
# (export-fixture write) is exported (`rondo export` when the command is
# built, else export-fixture push), then read back through the receiver's
# own API and compared exactly (receiver-check.py). A missing package or
# python3 is a TAP SKIP. Prints TAP. RONDO may name the rondo binary.
set -u
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-.}
rondo=${RONDO:-$builddir/tools/rondo}
fixture="$builddir/tests/export/export-fixture"
check="$srcdir/tests/export/receiver-check.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rondo-receivers.XXXXXX")
server=""

cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null
        wait "$server" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for URL: up to 30 s for a 200.
wait_for() {
    i=0
    while [ $i -lt 150 ]; do
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" \
            2>/dev/null && return 0
        kill -0 "$server" 2>/dev/null || return 1
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}

# export_store DIR URL: pushes every complete slot of DIR to URL.
export_store() {
    if "$rondo" export --help >/dev/null 2>&1; then
        "$rondo" export "$1" --url "$2" --consumer "$3" --batch 100 \
            --label instance=ci --label vm=vm-1 >"$tmp/export.log" 2>&1
    else
        "$fixture" push "$1" "$2" --consumer "$3" --batch 100 \
            --label instance=ci --label vm=vm-1 >"$tmp/export.log" 2>&1
    fi
}

# run_case N NAME BINARY START_COMMAND... : one receiver, one TAP line.
run_case() {
    n=$1 name=$2 bin=$3 ready=$4 write=$5 base=$6
    shift 6
    if ! command -v python3 >/dev/null 2>&1; then
        echo "ok $n - $name # SKIP python3 is not installed"
        return
    fi
    if ! command -v "$bin" >/dev/null 2>&1; then
        echo "ok $n - $name # SKIP $bin is not installed (apt-get install $name)"
        return
    fi
    "$@" >"$tmp/$name.log" 2>&1 &
    server=$!
    store="$tmp/store-$name"
    if ! wait_for "$base$ready"; then
        echo "not ok $n - $name did not become ready"
        sed 's/^/# /' "$tmp/$name.log" | tail -20
    elif ! "$fixture" write "$store" --series 4 --seconds 240 --expect "$tmp/expect-$name"; then
        echo "not ok $n - $name: the store could not be written"
    elif ! export_store "$store" "$base$write" "ci-$name"; then
        echo "not ok $n - $name: export failed"
        sed 's/^/# /' "$tmp/export.log"
    elif python3 "$check" "$name" "$base" "$tmp/expect-$name" instance=ci vm=vm-1; then
        echo "ok $n - $name holds exactly what the store held"
    else
        echo "not ok $n - $name differs from the store"
    fi
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
    server=""
}

echo "1..2"
port=$(free_port 2>/dev/null || echo 19090)
printf 'global:\n  scrape_interval: 1h\n' >"$tmp/prometheus.yml"
run_case 1 prometheus prometheus /-/ready /api/v1/write "http://127.0.0.1:$port" \
    prometheus --config.file="$tmp/prometheus.yml" --web.enable-remote-write-receiver \
    --storage.tsdb.path="$tmp/prom" --web.listen-address="127.0.0.1:$port"
port=$(free_port 2>/dev/null || echo 18428)
run_case 2 victoria-metrics victoria-metrics /health /api/v1/write "http://127.0.0.1:$port" \
    victoria-metrics -httpListenAddr="127.0.0.1:$port" -storageDataPath="$tmp/vm" \
    -search.latencyOffset=0s
