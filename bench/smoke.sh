#!/bin/sh
# smoke.sh - `make bench-smoke`: every benchmark script at a tiny size, to
# check that the scripts still work (the figures mean nothing). A benchmark
# whose tools are missing prints SKIP and why; any other failure fails.
#
#   bench/smoke.sh BUILDDIR        (CSV and SVG files go to a scratch directory)
set -eu
BUILD=$(cd "${1:-.}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
trap 'exit 1' INT TERM HUP
export BENCH_SMOKE=1 BENCH_OUT="$OUT"
start=$(date +%s)

step() { printf '\n== bench-smoke: %s\n' "$1"; }

step "A: write-overhead.sh"
sh "$SRC/bench/write-overhead.sh" "$BUILD"
step "B: scale.sh"
sh "$SRC/bench/scale.sh" "$BUILD"
step "C: ephemeral-vm.sh"
sh "$SRC/bench/ephemeral-vm.sh" "$BUILD"
step "D: fleet.sh"
sh "$SRC/bench/fleet.sh" "$BUILD"
step "record-median.sh (rondo bench)"
(cd "$BUILD" && RECORDS=20000 sh "$SRC/bench/record-median.sh" 1 tools/rondo)
step "record-limit (librondo, inlined and called, beside the limit design)"
"$BUILD/bench/record-limit" 30000
step "format-values (rondod's value formatting and quantile selection)"
"$BUILD/bench/format-values" 6000
step "format-writes.sh (the same build on both sides)"
sh "$SRC/bench/format-writes.sh" "$BUILD" "$BUILD"
step "large-input.sh"
sh "$SRC/bench/large-input.sh" "$BUILD"
step "export-bench.sh"
if command -v victoria-metrics >/dev/null || command -v prometheus >/dev/null; then
	sh "$SRC/bench/export-bench.sh" "$BUILD" --stores 2 --series 3 --minutes 1
else
	echo "SKIP export-bench: neither victoria-metrics nor prometheus is installed"
fi
step "rondod-load.sh"
if ! command -v wrk >/dev/null; then
	echo "SKIP rondod-load: wrk is not installed (apt-get install wrk)"
elif [ ! -x "$BUILD/tests/daemon/fixture" ]; then
	echo "SKIP rondod-load: tests/daemon/fixture is not built (make check builds it)"
else
	DURATION=1 sh "$SRC/bench/rondod-load.sh" "$BUILD"
fi
step "fc-agent-load.sh"
if [ -x "$BUILD/agent/rondo-fc-agent" ]; then
	VMS=2 SECONDS=22 sh "$SRC/bench/fc-agent-load.sh" "$BUILD"
else
	echo "SKIP fc-agent-load: agent/rondo-fc-agent is not built"
fi
step "promql-speed.sh"
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
	echo "SKIP promql-speed: prometheus is not installed (apt-get install prometheus)"
elif [ ! -x "$BUILD/tests/promql/promql-fixture" ]; then
	echo "SKIP promql-speed: tests/promql/promql-fixture is not built (make check builds it)"
else
	sh "$SRC/bench/promql-speed.sh" "$BUILD"
	step "promql-memory.sh"
	sh "$SRC/bench/promql-memory.sh" "$BUILD"
fi
step "query-stores.sh"
STORES=3 REPS=2 sh "$SRC/bench/query-stores.sh" "$BUILD"
echo
echo "bench-smoke: every benchmark script ran ($(($(date +%s) - start)) s)"
