#!/bin/sh
# rondod-load.sh - load benchmark of rondod's /api/v1/query_range, side by side with a
# Prometheus 2.42 holding the same data.
#
#   bench/rondod-load.sh [BUILDDIR]     (BUILDDIR: where src/rondod and
#                                        tests/daemon/fixture were built; default .)
#
# Data: one store, 30 series x 10 minutes of 1 s points (tests/daemon/fixture). The query
# returns all 30 series over the 10 minutes at a 1 s step (601 points each), by GET, with
# wrk (Debian: wrk) on 2 threads and 8 connections for DURATION seconds (default 10).
# Prints requests/s, p99 latency and rondod's RSS before and after. When prometheus and
# promtool are installed, the same points are backfilled into a Prometheus TSDB
# (promtool tsdb create-blocks-from openmetrics) and the same query is run against it.
set -eu

BUILD=$(cd "${1:-.}" && pwd)
DURATION=${DURATION:-10}
PORT_RONDOD=${PORT_RONDOD:-19464}
PORT_PROM=${PORT_PROM:-19090}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rondod-load.XXXXXX")
RONDOD_PID=
PROM_PID=

cleanup() {
	[ -n "$RONDOD_PID" ] && kill "$RONDOD_PID" 2>/dev/null && wait "$RONDOD_PID" 2>/dev/null
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 77; }

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

wait_http() {
	i=0
	until curl -sf -o /dev/null "$1"; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "no answer from $1" >&2; exit 1; }
		sleep 0.1
	done
}

# run_wrk NAME URL: prints "NAME: N req/s, p99 X"
run_wrk() {
	wrk -t2 -c8 -d"${DURATION}s" --latency "$2" >"$WORK/wrk.out" 2>&1
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$WORK/wrk.out")
	p99=$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$WORK/wrk.out")
	printf '%-12s %10s req/s   p99 %-9s %s\n' "$1" "$rps" "$p99" "${non2xx:+non-2xx: $non2xx}"
}

mkdir -p "$WORK/state"
END=$("$BUILD/tests/daemon/fixture" "$WORK/state" --stores 1 --series 30 --minutes 10)
START=$((END - 600))
QUERY='query=%7Bstore%3D%22vm1%22%7D'
ARGS="$QUERY&start=$START&end=$END&step=1"

# As many query threads as wrk connections: measure throughput, not the 429 limit.
printf '[limits]\nmax_concurrent_queries=8\n' >"$WORK/rondod.conf"
"$BUILD/src/rondod" --config "$WORK/rondod.conf" --state-dir "$WORK/state" \
	--listen "127.0.0.1:$PORT_RONDOD" >"$WORK/rondod.log" 2>&1 &
RONDOD_PID=$!
wait_http "http://127.0.0.1:$PORT_RONDOD/readyz"
# libtool wrapper or not, the server is the newest process of that name.
RPID=$(pgrep -n -f "rondod --config $WORK/rondod.conf" || echo "$RONDOD_PID")
URL_R="http://127.0.0.1:$PORT_RONDOD/api/v1/query_range?$ARGS"
BYTES=$(curl -s "$URL_R" | wc -c)
SERIES=$(curl -s "$URL_R" | grep -o '"metric"' | wc -l)
echo "query_range: $SERIES series x 601 steps, $BYTES bytes per answer, ${DURATION}s, wrk -t2 -c8"
RSS0=$(rss_kb "$RPID")
run_wrk rondod "$URL_R"
RSS1=$(rss_kb "$RPID")
echo "rondod RSS: ${RSS0} kB before, ${RSS1} kB after"

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
	echo "prometheus: not installed (apt-get install prometheus), comparison skipped"
	exit 0
fi
# The fixture's formulas (tests/daemon/fixture.c) for store vm1, as OpenMetrics.
awk -v start=$((END - 599)) -v n=30 'BEGIN {
	print "# TYPE vm_cpu_seconds counter"
	for (c = 0; c < 2; c++) for (i = 0; i < 600; i++)
		printf "vm_cpu_seconds_total{store=\"vm1\",vcpu=\"%d\"} %d %d\n", c, i * (c + 1), start + i
	print "# TYPE vm_memory_bytes gauge"
	for (i = 0; i < 600; i++) printf "vm_memory_bytes{store=\"vm1\"} %d %d\n", 1000 + i % 10, start + i
	for (j = 0; j < n - 3; j++) {
		printf "# TYPE vm_extra_%d gauge\n", j
		for (i = 0; i < 600; i++)
			printf "vm_extra_%d{store=\"vm1\",idx=\"%d\"} %d %d\n", j, j, j + i % 7, start + i
	}
	print "# EOF"
}' >"$WORK/data.om"
promtool tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/tsdb" >/dev/null
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PORT_PROM" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
wait_http "http://127.0.0.1:$PORT_PROM/-/ready"
URL_P="http://127.0.0.1:$PORT_PROM/api/v1/query_range?$ARGS"
PSERIES=$(curl -s "$URL_P" | grep -o '"metric"' | wc -l)
echo "prometheus 2.42: $PSERIES series, $(curl -s "$URL_P" | wc -c) bytes per answer"
curl -s "$URL_R" | tr -d '\n' >"$WORK/r.json"
curl -s "$URL_P" | tr -d '\n' >"$WORK/p.json"
cmp -s "$WORK/r.json" "$WORK/p.json" && same=yes || same=no
echo "answers byte-identical: $same"
PRSS0=$(rss_kb "$PROM_PID")
run_wrk prometheus "$URL_P"
echo "prometheus RSS: ${PRSS0} kB before, $(rss_kb "$PROM_PID") kB after"
