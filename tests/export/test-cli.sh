#!/bin/sh
# test-cli.sh - `rondo export`: options, exit statuses (0 done, 1 failed,
# 2 usage) and the "rondo: DIR: message" shape of errors. Deliveries
# themselves are tested in test-delivery and test-receivers.sh. Prints TAP;
# SKIPs while tools/rondo has no export command. RONDO may name the binary.
set -u
builddir=${top_builddir:-.}
rondo=${RONDO:-$builddir/tools/rondo}
fixture="$builddir/tests/export/export-fixture"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rondo-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

n=0
# expect STATUS NAME -- COMMAND...: runs it, compares its exit status.
expect() {
    want=$1 name=$2
    shift 3
    n=$((n + 1))
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name: exit $got, wanted $want"
        sed 's/^/# /' "$tmp/err"
    fi
}
# stderr_has NAME TEXT: the last command's stderr contains TEXT.
stderr_has() {
    n=$((n + 1))
    if grep -qF -- "$2" "$tmp/err"; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1: stderr lacks “$2”"
        sed 's/^/# /' "$tmp/err"
    fi
}

echo "1..9"
if ! "$rondo" export --help >/dev/null 2>&1; then
    for i in 1 2 3 4 5 6 7 8 9; do
        echo "ok $i # SKIP $rondo has no export command yet"
    done
    exit 0
fi
"$fixture" write "$tmp/store" --series 2 --seconds 10 --expect "$tmp/expect" || exit 1
# a port nothing listens on
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)

expect 0 "--help" -- "$rondo" export --help
expect 2 "no --url is a usage error" -- "$rondo" export "$tmp/store"
stderr_has "it says so" "--url is required"
expect 2 "a bad --label is a usage error" -- "$rondo" export "$tmp/store" --url http://127.0.0.1:9/ --label 'a-b=1'
expect 2 "both auth files are a usage error" -- "$rondo" export "$tmp/store" --url http://127.0.0.1:9/ \
    --bearer-token-file "$tmp/expect" --basic-auth-file "$tmp/expect"
expect 1 "a missing store fails" -- "$rondo" export "$tmp/nope" --url http://127.0.0.1:9/
stderr_has "naming the store" "rondo: $tmp/nope"
expect 1 "a receiver that is down fails" -- "$rondo" export "$tmp/store" --url "http://127.0.0.1:$port/api/v1/write"
stderr_has "saying it is unavailable" "unavailable"
