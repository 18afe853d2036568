#!/bin/sh
# large-input.sh - the resident memory of `rondo import` and `rondo restore`
# on large inputs.
#
# Import: generates LINES lines (default 2 100 000, about 140 MB: 30 counters, each
# 70 000 s of 1 s points, one series after the other as a concatenation of
# per-series files is), imports them into a new preset store under
# /usr/bin/time -v and prints the maximum RSS, the wall time and the
# points imported. The input is out of time order on purpose: the import
# must sort it (tools/import-sort.c spills sorted runs to $TMPDIR).
# Restore: generates a dump of DUMP_SERIES series (default 370, about 82 MB),
# every tier of the preset full, and restores it the same way; the restored
# store's own pages (mapped, so counted in the RSS) are printed beside it.
#
#   bench/large-input.sh [BUILDDIR]      (default .)
#   LINES=N          import lines (rounded down to a multiple of 30)
#   DUMP_SERIES=N    series in the dump
#   BENCH_SMOKE=1    30 000 lines, 3 series: checks the script only
set -eu
BUILD=$(cd "${1:-.}" && pwd)
if [ -n "${BENCH_SMOKE:-}" ]; then
	LINES=${LINES:-30000}
	DUMP_SERIES=${DUMP_SERIES:-3}
fi
LINES=${LINES:-2100000}
DUMP_SERIES=${DUMP_SERIES:-370}
if [ ! -x /usr/bin/time ]; then
	echo "SKIP large-input: /usr/bin/time is not installed (apt-get install time)"
	exit 0
fi
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/large-input.XXXXXX")
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
# measure NAME INPUT ARGS...: max RSS and wall time of `rondo ARGS < INPUT`.
measure() {
	name=$1
	input=$2
	shift 2
	LD_LIBRARY_PATH="$BUILD/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
		/usr/bin/time -v "$bin" "$@" <"$input" >"$WORK/out" 2>"$WORK/time" ||
		{ cat "$WORK/out" "$WORK/time" >&2; exit 1; }
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$WORK/time")
	cat "$WORK/out"
	echo "$name: max RSS ${rss} KiB ($((rss / 1024)) MiB), wall ${wall}"
}
echo "== large-input ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "import: $((per * 30)) lines, $bytes bytes"
measure import "$WORK/input.txt" import "$WORK/store"

python3 - "$DUMP_SERIES" >"$WORK/dump.json" <<'EOF'
import random, sys
n = int(sys.argv[1])
random.seed(2)
end = 1714634700  # a multiple of 300: every tier's buckets end together
print('{"format":"rondo-dump","version":1,\n"schemas":[{"name":"vmm","series_max":%d,'
      '"matchers":[],"tiers":[{"interval_ns":1000000000,"slots":600,"functions":["last"]},'
      '{"interval_ns":10000000000,"slots":2160,"functions":["average","max"]},'
      '{"interval_ns":300000000000,"slots":2016,"functions":["average"]}]}],\n"series":[' % n)
def points(count, step):
    first = end - count * step
    return ",".join('[%d,"%.3f"]' % ((first + k * step) * 10**9, random.random() * 1000)
                    for k in range(count))
for i in range(n):
    print('%s{"name":"m_%03d","labels":{"vm":"v%d"},"schema":"vmm","tiers":['
          '{"tier":0,"points":{"last":[%s]}},'
          '{"tier":1,"points":{"average":[%s],"max":[%s]}},'
          '{"tier":2,"points":{"average":[%s]}}]}'
          % ("," if i else "", i, i % 10, points(600, 1), points(2160, 10), points(2160, 10),
             points(2016, 300)))
print("]}")
EOF
echo "restore: $DUMP_SERIES series, $(wc -c <"$WORK/dump.json") bytes"
measure restore "$WORK/dump.json" restore "$WORK/restored"
echo "restore: the restored store is $(du -sk "$WORK/restored" | cut -f1) KiB on disk, all of it mapped and written"
