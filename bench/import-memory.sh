#!/bin/sh
# import-memory.sh - the resident memory of `rondo import` on a large input.
#
# Generates LINES lines (default 2 100 000, about 140 MB: 30 counters, each
# 70 000 s of 1 s points, one series after the other as a concatenation of
# per-series files is), imports them into a new preset store under
# /usr/bin/time -v and prints the maximum RSS, the wall time and the
# points imported. The input is out of time order on purpose: the import
# must sort it (tools/import-sort.c spills sorted runs to $TMPDIR).
#
#   bench/import-memory.sh [BUILDDIR]      (default .)
#   LINES=N        input lines (rounded down to a multiple of 30)
#   BENCH_SMOKE=1  30 000 lines: checks the script only
set -eu
BUILD=$(cd "${1:-.}" && pwd)
[ -n "${BENCH_SMOKE:-}" ] && LINES=${LINES:-30000}
LINES=${LINES:-2100000}
if [ ! -x /usr/bin/time ]; then
	echo "SKIP import-memory: /usr/bin/time is not installed (apt-get install time)"
	exit 0
fi
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/import-memory.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP
per=$((LINES / 30))
awk -v per="$per" 'BEGIN {
	srand(1)
	for (s = 0; s < 30; s++) {
		v = 0
		for (k = 0; k < per; k++) {
			v += rand() * 10
			printf "vm_metric_%02d_total{vm=\"vm-%d\",device=\"disk%d\"} %.3f %d\n", s, s % 4, s % 3, v, 1714564800 + k
		}
	}
}' >"$WORK/input.txt"
bytes=$(wc -c <"$WORK/input.txt")
"$BUILD/tools/rondo" create "$WORK/store" >/dev/null
# The binary itself, not libtool's wrapper script, is what gets measured.
bin="$BUILD/tools/.libs/rondo"
[ -x "$bin" ] || bin="$BUILD/tools/rondo"
LD_LIBRARY_PATH="$BUILD/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	/usr/bin/time -v "$bin" import "$WORK/store" <"$WORK/input.txt" >"$WORK/out" 2>"$WORK/time"
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$WORK/time")
echo "== import-memory ($(date -u '+%Y-%m-%d %H:%M UTC')): $((per * 30)) lines, $bytes bytes"
cat "$WORK/out"
echo "max RSS ${rss} KiB ($((rss / 1024)) MiB), wall ${wall}"
