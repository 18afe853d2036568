#!/bin/sh
# api.sh - rondod end to end: every endpoint, good and bad input, store discovery,
# the bearer token. TAP output; rondod is always stopped at the end (lib.sh trap).
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
CONF="$SCRATCH/rondod.conf"
cat >"$CONF" <<EOF2
[rondod]
rescan_interval=1
[limits]
max_body_bytes=4096
max_query_range=86400
max_points_per_series=500
max_concurrent_queries=2
EOF2
rondod_start_or_bail "$CONF" --state-dir "$STATE"
q() { curl -s -o /dev/null -w '%{http_code}' "$URL$1"; }

# --- probes and the native API
http GET /healthz
expect "GET /healthz" 200 ok
http GET /readyz
expect "GET /readyz" 200 ready
http GET /metrics/health
expect "GET /metrics/health" 200 '"stores_open":2'
http GET /metrics/info
expect "GET /metrics/info lists both stores" 200 '"name":"vm1"' '"name":"vm2"' \
	'"key":"vm_cpu_seconds_total{vcpu=\"0\"}"'
http GET "/metrics/query?store=vm1&series=vm_memory_bytes&start=$((END - 9))&end=$END"
expect "GET /metrics/query tier=auto" 200 "[$END,\"1009\",0]" "[$((END - 9)),\"1000\",0]"
http GET "/metrics/query?store=vm1&series=vm_cpu_seconds_total%7Bvcpu%3D%221%22%7D&start=$((END - 120))&end=$END&tier=1&cf=max"
expect "GET /metrics/query tier=1 cf=max" 200 '"cf":"max"' ',1]'
http GET "/metrics/query?store=vm1&series=nope"
expect_error "unknown series is 404" 404 'no series'
http GET "/metrics/query?store=vm9&series=vm_memory_bytes"
expect_error "unknown store is 404" 404 'no store named'
http GET "/metrics/query?store=vm1&series=vm_memory_bytes&start=yesterday"
expect_error "malformed start is 400" 400 'cannot parse'
http GET "/metrics/query?store=vm1&series=vm_memory_bytes&tier=9"
expect_error "bad tier is 400" 400 'tier'
http GET "/metrics/query?store=vm1&series=vm_memory_bytes&start=0&end=$END"
expect_error "huge native range is 422" 422 'max_query_range'
http GET "/metrics/query?store=vm1&series=vm_memory_bytes&start=$((END - 3000))&end=$END&tier=0"
expect_error "too many native points is 422" 422 'max_points_per_series'

# --- store names from URLs never reach the file system
http GET "/metrics/query?store=..&series=x"
expect_error "store=.. is refused" 400 'invalid store name'
http GET "/metrics/query?store=..%2Fetc&series=x"
expect_error "store=../etc is refused" 400 'invalid store name'
http GET "/metrics/query?store=%2Fetc&series=x"
expect_error "absolute store name is refused" 400 'invalid store name'
http GET "/metrics/info?store=vm1%2F..%2Fvm2"
expect_error "store name with a slash is refused" 400 'invalid store name'
http GET "/../../etc/passwd" --path-as-is
expect_error "path traversal on / is 404" 404
http GET "/%2e%2e/%2e%2e/etc/passwd" --path-as-is
expect_error "encoded traversal on / is 404" 404
mkdir -p "$SCRATCH/outside"
"$FIXTURE" "$SCRATCH/outside" --stores 1 >/dev/null
ln -s "$SCRATCH/outside/vm1" "$STATE/evil"
sleep 2.5
http GET /metrics/info
case "$BODY" in
*'"name":"evil"'*) tap_fail "a symlink out of the state directory is ignored" "$BODY" ;;
*) tap_ok "a symlink out of the state directory is ignored" ;;
esac
expect "a store whose writer is gone is adopted" 200 '"adopted":true'
http GET "/metrics/query?store=evil&series=vm_memory_bytes"
expect_error "querying the symlinked store is 404" 404

# --- Prometheus API: good input
http POST /api/v1/query --data-urlencode 'query=1+1'
expect "POST /api/v1/query 1+1 (Grafana's test)" 200 '"resultType":"scalar"' '"2"]'
http GET /api/v1/query -G --data-urlencode 'query=-2 * (3 + 1) / 4'
expect "scalar arithmetic" 200 '"-2"]'
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=rate(vm_cpu_seconds_total{store="vm1",vcpu="0"}[1m])'
expect "rate() of a 1/s counter is 1" 200 '"resultType":"vector"' "[$END,\"1\"]" '"vcpu":"0"'
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=increase(vm_cpu_seconds_total{store="vm2",vcpu="1"}[1m])'
expect "increase() over 1m of a 4/s counter is 240" 200 "[$END,\"240\"]"
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=sum by (store) (vm_memory_bytes)'
expect "sum by (store)" 200 '{"store":"vm1"},"value":['"$END"',"1009"]' '"2009"]'
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=avg(rate(vm_cpu_seconds_total{vcpu=~"0|1",store!="vm2"}[1m])) by (store)'
expect "avg by, regex and != matchers" 200 '"1.5"]'
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=max_over_time(vm_memory_bytes{store="vm1"}[1m])'
expect "max_over_time" 200 '"1009"]'
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=min_over_time(vm_memory_bytes{store="vm1"}[1m])'
expect "min_over_time" 200 '"1000"]'
# The window is [t - 10s, t], both ends included, as in Prometheus 2: 11 points.
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=avg_over_time(vm_memory_bytes{store="vm2"}[10s])'
expect "avg_over_time" 200 '"2004.909090909091"]'
http POST /api/v1/query --data-urlencode "time=$END" --data-urlencode 'query=vm_memory_bytes * 2'
expect "vector * scalar drops __name__" 200 '{"store":"vm1"}' '"2018"]'
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=vm_memory_bytes{store="vm1"} offset 9s'
expect "offset reads back in time" 200 "[$END,\"1000\"]"
http POST /api/v1/query --data-urlencode "time=$END" --data-urlencode 'query=topk(1, vm_memory_bytes)'
expect "topk keeps __name__" 200 '{"__name__":"vm_memory_bytes","store":"vm2"}' '"2009"]'
http POST /api/v1/query --data-urlencode "time=$END" \
	--data-urlencode 'query=vm_memory_bytes > bool 1500'
expect "a comparison with bool gives 0 and 1" 200 '{"store":"vm1"},"value":['"$END"',"0"]' '"1"]'
http GET /api/v1/query_range -G --data-urlencode 'query=vm_memory_bytes{store="vm1"}' \
	--data-urlencode "start=$((END - 60))" --data-urlencode "end=$END" --data-urlencode step=15s
expect "GET /api/v1/query_range (step 15s reads the raw tier 0, which covers the range)" 200 \
	'"resultType":"matrix"' '"values":[[' "[$((END - 60)),\"1009\"]"
http POST /api/v1/query_range --data-urlencode 'query=sum(rate(vm_cpu_seconds_total[1m]))' \
	--data-urlencode "start=$((END - 300))" --data-urlencode "end=$END" --data-urlencode step=60
expect "POST /api/v1/query_range sum(rate)" 200 '"metric":{}' "[$((END - 300)),\"9\"]"
http GET /api/v1/series -G --data-urlencode 'match[]=vm_memory_bytes'
expect "GET /api/v1/series" 200 '{"__name__":"vm_memory_bytes","store":"vm1"}' \
	'{"__name__":"vm_memory_bytes","store":"vm2"}'
http POST /api/v1/labels
expect "POST /api/v1/labels" 200 '["__name__","store","vcpu"]'
http GET /api/v1/label/store/values
expect "GET /api/v1/label/store/values" 200 '["vm1","vm2"]'
http GET /api/v1/label/__name__/values
expect "GET /api/v1/label/__name__/values" 200 '["vm_cpu_seconds_total","vm_memory_bytes"]'
http GET /api/v1/series -G --data-urlencode 'match[]={__name__=~"vm_.*"}'
if printf '%s' "$BODY" | python3 -c '
import json, sys
d = json.load(sys.stdin)["data"]
keys = [sorted(x.items()) for x in d]
sys.exit(0 if len(keys) > 2 and keys == sorted(keys) else 1)'; then
	tap_ok "GET /api/v1/series: sorted by label set, as Prometheus sorts"
else
	tap_fail "GET /api/v1/series: sorted by label set" "$BODY"
fi
http GET /api/v1/series -G --data-urlencode 'match[]=vm_memory_bytes' --data-urlencode start=1000 \
	--data-urlencode end=2000
expect "GET /api/v1/series with a range before the data: none" 200 '"data":[]'
http GET /api/v1/series -G --data-urlencode 'match[]=vm_memory_bytes' \
	--data-urlencode "start=$((END - 60))"
expect "GET /api/v1/series with a start inside the data" 200 '"store":"vm1"' '"store":"vm2"'
http GET /api/v1/labels -G --data-urlencode end=2000
expect "GET /api/v1/labels with an end before the data: none" 200 '"data":[]'
http GET /api/v1/label/store/values -G --data-urlencode "start=$((END + 3600))"
expect "GET /api/v1/label/store/values with a start after the data: none" 200 '"data":[]'
http GET /api/v1/status/buildinfo
expect "GET /api/v1/status/buildinfo" 200 '"version":'

# --- Prometheus API: bad input, each a JSON error
http GET /api/v1/query -G --data-urlencode 'query=mad_over_time(x[5m])'
expect_error "unsupported function is bad_data" 400 '"bad_data"' 'not supported'
http GET /api/v1/query -G --data-urlencode 'query=up @ 100 @ 200'
expect_error "a second @ modifier is refused by name" 400 '@ <timestamp>'
http GET /api/v1/query -G --data-urlencode 'query=rate(up[5m:1m] @ -5)'
expect_error "a subquery @ a time before 1970 is refused by name" 400 '@ modifier before 1970'
http GET /api/v1/query -G --data-urlencode "time=$END" \
	--data-urlencode 'query=vm_cpu_seconds_total + on(store) vm_cpu_seconds_total'
expect_error "ambiguous vector matching is 422, with Prometheus' message" 422 '"execution"' \
	'many-to-many matching not allowed'
http GET /api/v1/query -G --data-urlencode "time=$END" \
	--data-urlencode 'query=vm_cpu_seconds_total / vm_memory_bytes'
expect "vector / vector matching on all labels but __name__: none here" 200 '"result":[]'
http GET /api/v1/query -G --data-urlencode 'query=sum(rate(x[5m])'
expect_error "unbalanced parentheses" 400 'parse error'
http GET /api/v1/query -G --data-urlencode 'query={a=~"("}'
expect_error "bad regex" 400 'regular expression'
http GET /api/v1/query
expect_error "missing query" 400 'query'
http POST /api/v1/query --data 'query=%zz'
expect_error "malformed percent-encoding" 400 'malformed'
http GET /api/v1/query -G --data-urlencode 'query=1' --data-urlencode 'time=soon'
expect_error "malformed time" 400 'time'
http GET /api/v1/query_range -G --data-urlencode 'query=up' --data-urlencode start=0 \
	--data-urlencode "end=$END" --data-urlencode step=3600
expect_error "huge range is 422" 422 'max_query_range'
http GET /api/v1/query_range -G --data-urlencode 'query=up' --data-urlencode "start=$((END - 3600))" \
	--data-urlencode "end=$END" --data-urlencode step=1
expect_error "too many points is 400" 400 'max_points_per_series'
http GET /api/v1/query_range -G --data-urlencode 'query=up' --data-urlencode "start=$END" \
	--data-urlencode "end=$((END - 10))" --data-urlencode step=1
expect_error "end before start" 400 'before start'
http GET /api/v1/query_range -G --data-urlencode 'query=up' --data-urlencode start=1 \
	--data-urlencode end=2 --data-urlencode step=0
expect_error "zero step" 400 'step'
http GET /api/v1/series
expect_error "series without match[]" 400 'match[]'
http GET /api/v1/label/bad-name/values
expect_error "bad label name" 400 'label name'
http GET /api/v1/nope
expect_error "unknown API endpoint is 404" 404
http DELETE /api/v1/query
expect_error "DELETE is 405" 405 'not allowed'
http POST /api/v1/query -H 'Content-Type: text/plain' --data 'query=1'
expect_error "non-form POST is 415" 415 'x-www-form-urlencoded'
head -c 100000 /dev/zero >"$SCRATCH/big"
http POST /api/v1/query -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$SCRATCH/big"
expect_error "oversize body is 413" 413 'max_body_bytes=4096'
http POST /api/v1/query -H 'Content-Type: application/x-www-form-urlencoded' \
	-H 'Transfer-Encoding: chunked' --data-binary 'query=1'
expect_error "chunked body is 411" 411 'Content-Length'

# --- /metrics and still serving after all that
http GET /metrics
expect "GET /metrics" 200 'vm_memory_bytes{store="vm1"}' \
	'rondod_http_requests_total{handler="/api/v1/query",code="400"}' \
	'rondod_http_rejections_total{reason="body_too_large"} 1' 'rondod_stores_open 2'
http GET /healthz
expect "rondod still serves after bad input" 200 ok

# --- discovery: stores appear and vanish
mkdir -p "$SCRATCH/new"
"$FIXTURE" "$SCRATCH/new" --stores 1 >/dev/null && mv "$SCRATCH/new/vm1" "$STATE/vm3"
rm -rf "$STATE/vm2"
get_until 15 /api/v1/label/store/values '["vm1","vm3"]'
expect "a new store appears, a removed one vanishes" 200 '["vm1","vm3"]'

# --- a live writer: read-only, never adopted, its late series picked up
# (polled, not slept on: under a parallel make check the fixture can take
# seconds to get as far as registering vm_late, a second after it started)
"$FIXTURE" "$STATE" --first 4 --stores 1 --hold 6 >/dev/null &
HOLD_PID=$!
if get_until 15 '/api/v1/series?match%5B%5D=%7Bstore%3D%22vm4%22%7D' '"__name__":"vm_late"'; then
	tap_ok "a series registered later by a live writer appears"
else
	tap_fail "a series registered later by a live writer appears" "body: $BODY"
fi
http GET "/metrics/info?store=vm4"
if kill -0 "$HOLD_PID" 2>/dev/null; then # still the writer after the answer
	expect "a store with a live writer is not adopted" 200 '"adopted":false'
else
	tap_skip "a store with a live writer is not adopted: its writer had already exited"
fi
wait "$HOLD_PID"
get_until 15 "/metrics/info?store=vm4" '"adopted":true'
expect "once its writer exits, the store is adopted" 200 '"adopted":true'

# --- bearer token
rondod_stop
printf 's3cret-token\n' >"$SCRATCH/token"
rondod_start "$CONF" --state-dir "$STATE" --auth-token-file "$SCRATCH/token" || tap_fail "rondod starts with a token"
http GET /api/v1/labels
expect_error "no token is 401" 401 'bearer token'
http GET /api/v1/labels -H 'Authorization: Bearer wrong'
expect_error "wrong token is 401" 401
http GET /api/v1/labels -H 'Authorization: Bearer s3cret-token'
expect "right token is 200" 200 '"success"'
http GET /healthz
expect "probes need no token" 200 ok

# --- socket activation (systemd's LISTEN_FDS). On a port below the ephemeral
# range (free_port), not the last rondod's: under a parallel make check a
# client socket of another test can take a freed ephemeral port first. Polled:
# on a loaded machine systemd-socket-activate can take a while to listen.
rondod_stop
if command -v systemd-socket-activate >/dev/null; then
	URL="http://127.0.0.1:$(free_port)"
	systemd-socket-activate -l "${URL#http://}" "$RONDOD" --config "$CONF" \
		--state-dir "$STATE" >"$SCRATCH/rondod.log" 2>&1 &
	RONDOD_PID=$!
	get_until 15 /healthz ok
	expect "socket activation: rondod serves the socket systemd passed" 200 ok
	rondod_stop
else
	tap_skip "systemd-socket-activate is not installed"
fi

# --- listening beyond loopback needs --allow-remote
if "$RONDOD" --config "$CONF" --state-dir "$STATE" --listen 0.0.0.0:0 >"$SCRATCH/remote.log" 2>&1; then
	tap_fail "0.0.0.0 without --allow-remote is refused"
else
	grep -q 'allow-remote' "$SCRATCH/remote.log" && tap_ok "0.0.0.0 without --allow-remote is refused" ||
		tap_fail "the refusal names --allow-remote" "$(cat "$SCRATCH/remote.log")"
fi
printf '[rondod]\nallow_remot=true\n' >"$SCRATCH/typo.conf"
if "$RONDOD" --config "$SCRATCH/typo.conf" --state-dir "$STATE" >"$SCRATCH/typo.log" 2>&1; then
	tap_fail "a misspelt key is refused"
else
	grep -q 'allow_remot' "$SCRATCH/typo.log" && tap_ok "a misspelt configuration key is refused by name" ||
		tap_fail "the refusal names the key" "$(cat "$SCRATCH/typo.log")"
fi

# A value GLib would half-read (a bad escape) or that is not UTF-8: one line
# naming file, group and key (fuzz-conf found both raising GLib warnings).
printf '[export]\nurl=http://x\\q\\\n' >"$SCRATCH/escape.conf"
printf '[rondod]\nlisten=127.0.0.1\377:0\n' >"$SCRATCH/utf8.conf"
for c in escape utf8; do
	if "$RONDOD" --config "$SCRATCH/$c.conf" --state-dir "$STATE" >"$SCRATCH/$c.log" 2>&1; then
		tap_fail "a configuration value with a bad $c is refused"
	elif [ "$(wc -l <"$SCRATCH/$c.log")" -eq 1 ] && grep -q "$c.conf: \[" "$SCRATCH/$c.log"; then
		tap_ok "a configuration value with a bad $c: one line naming file, group and key"
	else
		tap_fail "the refusal of a bad $c" "$(cat "$SCRATCH/$c.log")"
	fi
done
tap_done
[ "$TAP_FAILED" -eq 0 ]
