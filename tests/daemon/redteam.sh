#!/bin/sh
# redteam.sh - rondod against hostile clients: bad Content-Length values, bodies
# announced without a token, chunked bodies, idle and slow-loris connections, fd
# exhaustion, connection churn, and a store whose 23 MB series.json does not parse.
# Each case checks the documented answer and that /healthz still answers.
# Loopback only; every client is bounded in time (tests/daemon/redteam-client.py).
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

CLIENT="python3 $top_srcdir/tests/daemon/redteam-client.py"
STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
CONF="$SCRATCH/rondod.conf"
cat >"$CONF" <<EOF2
[rondod]
rescan_interval=1
[limits]
max_body_bytes=4096
idle_timeout=1
EOF2
printf 's3cret\n' >"$SCRATCH/token"

# still_healthy NAME: /healthz answers 200 within 3 s.
still_healthy() {
	code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL/healthz")
	[ "$code" = 200 ] && tap_ok "$1: /healthz still answers" ||
		tap_fail "$1: /healthz still answers" "status $code"
}

# raw NAME WANT HEADER...: a request of these headers and no body gets WANT at once.
raw() {
	name=$1
	want=$2
	shift 2
	got=$($CLIENT "${URL##*:}" raw "$@")
	[ "$got" = "$want" ] && tap_ok "$name: $want before any body" ||
		tap_fail "$name: $want before any body" "got $got"
}

# real_pid: the rondod process itself (libtool's wrapper may have started it as a child).
real_pid() {
	pgrep -P "$RONDOD_PID" 2>/dev/null | head -n 1 | grep . || echo "$RONDOD_PID"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

rondod_start_or_bail "$CONF" --state-dir "$STATE" --auth-token-file "$SCRATCH/token"
AUTH='Authorization: Bearer s3cret'
POST='POST /api/v1/query HTTP/1.1'

# --- Content-Length
raw "overflowing Content-Length" 413 "$POST" 'Host: x' "$AUTH" 'Content-Length: 99999999999999999999'
http POST /api/v1/query -H "$AUTH" -H 'Content-Length: 99999999999999999999'
expect_error "overflowing Content-Length names the problem" 413 'overflows 64 bits' 'max_body_bytes=4096'
raw "negative Content-Length" 400 "$POST" 'Host: x' "$AUTH" 'Content-Length: -5'
http POST /api/v1/query -H "$AUTH" -H 'Content-Length: -5'
expect_error "negative Content-Length names the problem" 400 'is negative'
raw "garbage Content-Length" 400 "$POST" 'Host: x' "$AUTH" 'Content-Length: 12abc'
raw "signed Content-Length" 400 "$POST" 'Host: x' "$AUTH" 'Content-Length: +12'
http POST /api/v1/query -H "$AUTH" -H 'Content-Length: +12'
expect_error "signed Content-Length names the problem" 400 'not one decimal number'
raw "Content-Length over max_body_bytes" 413 "$POST" 'Host: x' "$AUTH" 'Content-Length: 100000'
still_healthy "bad Content-Length"

# --- the token before the body
raw "huge body announced without a token" 401 "$POST" 'Host: x' 'Content-Length: 1000000000'
raw "huge body announced with a wrong token" 401 "$POST" 'Host: x' \
	'Authorization: Bearer nope' 'Content-Length: 1000000000'
raw "chunked body" 411 "$POST" 'Host: x' "$AUTH" 'Transfer-Encoding: chunked'
still_healthy "bodies refused early"

# --- idle and slow connections (idle_timeout=1, swept every second)
t=$($CLIENT "${URL##*:}" closed-after 6)
case "$t" in
open) tap_fail "an idle connection is closed after idle_timeout" "still open after 6 s" ;;
*) tap_ok "an idle connection is closed after idle_timeout ($t s)" ;;
esac
t=$($CLIENT "${URL##*:}" slowloris 8)
case "$t" in
open) tap_fail "headers trickled byte by byte are cut off" "still open after 8 s" ;;
*) tap_ok "headers trickled byte by byte are cut off ($t s)" ;;
esac
still_healthy "idle and slow connections"

# --- connection churn: memory must not grow per connection
PID=$(real_pid)
$CLIENT "${URL##*:}" churn 300 >/dev/null # warm-up: allocator pools, first-use caches
rss0=$(rss_kb "$PID")
fails=$($CLIENT "${URL##*:}" churn 3000)
rss1=$(rss_kb "$PID")
echo "# churn: 3000 connections, RSS $rss0 kB -> $rss1 kB, $fails failed"
if grep -q libasan "/proc/$PID/maps"; then
	tap_skip "RSS under churn: AddressSanitizer's quarantine keeps freed memory ($fails failed)"
elif [ "$fails" = 0 ] && [ $((rss1 - rss0)) -lt 1024 ]; then
	tap_ok "3000 connect/request/close cycles: RSS grows < 1 MiB ($rss0 -> $rss1 kB)"
else
	tap_fail "3000 connect/request/close cycles: RSS grows < 1 MiB" \
		"RSS $rss0 -> $rss1 kB, $fails failed"
fi
still_healthy "churn"
rondod_stop

# --- fd exhaustion: 100 idle connections against ulimit -n 64, stores kept
cat >"$SCRATCH/fd.conf" <<EOF2
[rondod]
rescan_interval=1
[limits]
idle_timeout=30
EOF2
if (ulimit -n 64) 2>/dev/null; then
	RONDOD_REAL=$RONDOD
	RONDOD="$SCRATCH/ulimited"
	printf '#!/bin/sh\nulimit -n 64 && exec "%s" "$@"\n' "$RONDOD_REAL" >"$RONDOD"
	chmod +x "$RONDOD"
	rondod_start "$SCRATCH/fd.conf" --state-dir "$STATE" ||
		tap_fail "fd exhaustion: rondod starts with 64 descriptors" "$(cat "$SCRATCH/rondod.log")"
	RONDOD=$RONDOD_REAL
	n=$($CLIENT "${URL##*:}" idle 100 2.5)
	echo "# $n of 100 idle connections connected while rondod had 64 descriptors"
	t0=$(date +%s)
	code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/healthz")
	t1=$(date +%s)
	[ "$code" = 200 ] && tap_ok "fd exhaustion: /healthz answers again once the connections closed ($((t1 - t0)) s)" ||
		tap_fail "fd exhaustion: /healthz answers again once the connections closed" "status $code"
	grep -q 'accepting connections again' "$SCRATCH/rondod.log" &&
		tap_ok "fd exhaustion: the pause and the recovery are logged" ||
		tap_fail "fd exhaustion: the pause and the recovery are logged"
	http GET /metrics/health
	expect "fd exhaustion: the rescans kept both stores" 200 '"stores_open":2'
	grep -q ': gone' "$SCRATCH/rondod.log" &&
		tap_fail "fd exhaustion: no store was reported gone" "$(grep ': gone' "$SCRATCH/rondod.log")" ||
		tap_ok "fd exhaustion: no store was reported gone"
	rondod_stop
else
	tap_skip "ulimit -n 64 is not allowed here"
fi

# --- a 23 MB series.json that does not parse: one attempt, not one per rescan.
# The store appears while rondod runs; its one parse blocks a rescan for seconds.
rondod_start "$CONF" --state-dir "$STATE" || tap_fail "rondod starts"
PID=$(real_pid)
mkdir -p "$SCRATCH/staging"
cp -r "$STATE/vm1" "$SCRATCH/staging/huge"
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("{\"series\":[")
    f.write(",".join("{\"name\":\"x%d\",\"labels\":{\"a\":\"b\"}}" % i for i in range(600000)))
    f.write(",,]")
' "$SCRATCH/staging/huge/series.json"
mkdir "$STATE/.not-a-store"
mv "$SCRATCH/staging/huge" "$STATE/huge"
# failures WANT: waits up to 30 s until the log holds WANT failed opens of huge.
failures() {
	i=0
	while [ $i -lt 120 ] && [ "$(grep -c 'store huge: cannot open' "$SCRATCH/rondod.log")" != "$1" ]; do
		sleep 0.25 # the parse itself takes seconds on a busy machine
		i=$((i + 1))
	done
	[ "$(grep -c 'store huge: cannot open' "$SCRATCH/rondod.log")" = "$1" ]
}
failures 1
sleep 1 # the rescan that parsed it is over
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
c0=$(ticks "$PID")
worst=0
i=0
while [ $i -lt 8 ]; do # 4 s: four rescans
	ms=$(curl -s -m 5 -o /dev/null -w '%{time_total}' "$URL/healthz" | awk '{ printf "%d", $1 * 1000 }')
	[ "$ms" -gt "$worst" ] && worst=$ms
	sleep 0.5
	i=$((i + 1))
done
c1=$(ticks "$PID")
hz=$(getconf CLK_TCK)
echo "# 23 MB invalid series.json: worst /healthz ${worst} ms, CPU $((c1 - c0)) ticks of 1/$hz s in 4 s"
[ "$worst" -lt 250 ] && tap_ok "invalid 23 MB series.json: /healthz stays fast across rescans (worst $worst ms)" ||
	tap_fail "invalid 23 MB series.json: /healthz stays fast across rescans" "worst $worst ms"
[ $((c1 - c0)) -lt $((hz / 2)) ] && tap_ok "invalid 23 MB series.json: not parsed again (CPU $((c1 - c0)) ticks in 4 s)" ||
	tap_fail "invalid 23 MB series.json: not parsed again" "CPU $((c1 - c0)) ticks in 4 s"
[ "$(grep -c 'store huge: cannot open' "$SCRATCH/rondod.log")" = 1 ] &&
	tap_ok "invalid 23 MB series.json: logged once" ||
	tap_fail "invalid 23 MB series.json: logged once" "$(grep 'store huge' "$SCRATCH/rondod.log")"
[ "$(grep -c 'not-a-store.*not a valid store name' "$SCRATCH/rondod.log")" = 1 ] &&
	tap_ok "a directory that is not a store name is logged once" ||
	tap_fail "a directory that is not a store name is logged once"
touch "$STATE/huge/series.json"
failures 2 &&
	tap_ok "invalid 23 MB series.json: tried again once it changed" ||
	tap_fail "invalid 23 MB series.json: tried again once it changed"
still_healthy "invalid series.json"

tap_done
[ "$TAP_FAILED" -eq 0 ]
