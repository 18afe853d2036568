#!/bin/sh
# busy.sh - max_concurrent_queries (jobs.c): with its one worker slot held
# by a slow query, a query that needs a worker gets 429 with Retry-After, a
# small one still answers on the main loop (handlers-prom.c, "Where a query
# runs"), and the slot is free again once the slow one has answered.
#
# Deterministic, not a race of parallel clients: the slow query is seen
# running (/metrics/health's queries_running) before the second is sent,
# and it takes seconds (quantile_over_time over 600 000 points at each of
# 481 steps, computed; about 30 MB). If it were over before the second
# query was answered, that case says SKIP and why instead of passing.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
cat >"$SCRATCH/rondod.conf" <<EOF2
[limits]
max_concurrent_queries=1
max_samples=1000000000
EOF2
rondod_start_or_bail "$SCRATCH/rondod.conf" --state-dir "$STATE"

# range QUERY [curl args]: a query_range over the last 8 minutes at 1 s (481
# steps, more than a query may have to run on the main loop); sets CODE, BODY.
range() {
	q=$1
	shift
	http GET /api/v1/query_range --get --data-urlencode "query=$q" \
		--data-urlencode "start=$((END - 480))" --data-urlencode "end=$END" \
		--data-urlencode step=1 "$@"
}
slow_running() { grep -q '"queries_running":1' "$SCRATCH/health"; }
health() { curl -s -o "$SCRATCH/health" "$URL/metrics/health"; }
slow_seen() {
	health
	slow_running
}
slow_done() { ! kill -0 "$SLOW_PID" 2>/dev/null; }

SLOW='quantile_over_time(0.5, sin(vector(time() * 1000))[10m:1ms])'
curl -s -o "$SCRATCH/slow.body" -w '%{http_code}' "$URL/api/v1/query_range" \
	--data-urlencode "query=$SLOW" --data-urlencode "start=$((END - 480))" \
	--data-urlencode "end=$END" --data-urlencode step=1 >"$SCRATCH/slow.code" &
SLOW_PID=$!
if wait_for 30 slow_seen; then
	tap_ok "the slow query holds the only worker slot"
else
	tap_fail "the slow query holds the only worker slot" "health: $(cat "$SCRATCH/health")"
fi

# while_busy NAME: the answer just received came while the slow query
# still held the slot: ok, or SKIP when it had ended (nothing was shown).
while_busy() {
	health
	if slow_running; then
		tap_ok "$1"
	else
		tap_skip "$1: the slow query ended before this answer, so it shows nothing"
	fi
}

# expect_refused NAME: the last answer (its headers in $SCRATCH/headers)
# was 429 with Retry-After: 1, naming the limit; SKIP if the slow query had
# ended, so that the answer shows nothing.
REFUSED=0
expect_refused() {
	if [ "$CODE" != 429 ]; then
		if slow_done; then
			tap_skip "$1: the slow query ended before this answer ($CODE)"
		else
			tap_fail "$1" "status $CODE while the slow query held the only slot" "$BODY"
		fi
	elif grep -qi '^Retry-After: 1' "$SCRATCH/headers" &&
		expect "$1" 429 'max_concurrent_queries=1'; then
		REFUSED=$((REFUSED + 1))
	else
		tap_fail "$1" "no Retry-After: 1" "$(cat "$SCRATCH/headers")"
	fi
}

range 'vector(1)' -D "$SCRATCH/headers"
expect_refused "a second query needing a worker is 429"
http GET "/metrics/query?store=vm1&series=vm_memory_bytes&start=$((END - 9))&end=$END" \
	-D "$SCRATCH/headers"
expect_refused "the native query API shares the limit: 429"

# A remote-read request, built by tests/promql/read-check.py's encoders.
remote_read_body() {
	python3 - "$top_srcdir/tests/promql/read-check.py" "$END" >"$SCRATCH/read.req" <<'EOF2'
import importlib.util, sys
spec = importlib.util.spec_from_file_location('read_check', sys.argv[1])
rc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rc)
end_ms = int(sys.argv[2]) * 1000
q = rc.query(end_ms - 60000, end_ms, [(rc.EQ, '__name__', 'vm_memory_bytes')])
sys.stdout.buffer.write(rc.snappy_compress(rc.read_request([q])))
EOF2
}
if ! command -v python3 >/dev/null || ! remote_read_body; then
	tap_skip "remote-read shares the limit: python3 cannot build the request here"
else
	http POST /api/v1/read -H 'Content-Type: application/x-protobuf' \
		-H 'Content-Encoding: snappy' -H 'X-Prometheus-Remote-Read-Version: 0.1.0' \
		--data-binary "@$SCRATCH/read.req" -D "$SCRATCH/headers"
	expect_refused "remote-read shares the limit: 429"
fi

http GET "/api/v1/query?query=vm_memory_bytes&time=$END"
if [ "$CODE" = 200 ]; then
	while_busy "a small query still answers on the main loop"
else
	tap_fail "a small query still answers on the main loop" "status $CODE" "$BODY"
fi

http GET /metrics
if [ "$REFUSED" -eq 0 ]; then
	tap_skip "/metrics' refusals: no query was refused"
elif printf '%s\n' "$BODY" |
	grep -qxF "rondod_http_rejections_total{reason=\"too_many_queries\"} $REFUSED"; then
	tap_ok "/metrics counts the $REFUSED refusals as too_many_queries"
else
	tap_fail "/metrics counts the $REFUSED refusals as too_many_queries" \
		"$(printf '%s\n' "$BODY" | grep rejections_total)"
fi

wait "$SLOW_PID"
if [ "$(cat "$SCRATCH/slow.code")" = 200 ] && grep -q '"resultType":"matrix"' "$SCRATCH/slow.body"; then
	tap_ok "the slow query answers"
else
	tap_fail "the slow query answers" "status $(cat "$SCRATCH/slow.code")"
fi
range 'vector(1)'
if health && ! slow_running && [ "$CODE" = 200 ]; then
	tap_ok "the slot is free again: a query needing a worker answers"
else
	tap_fail "the slot is free again" "$(cat "$SCRATCH/health")" "status $CODE" "$BODY"
fi
tap_done
[ "$TAP_FAILED" -eq 0 ]
