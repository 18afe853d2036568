#!/bin/sh
# compare.sh - Prometheus' own PromQL engine over rondod's data, through remote-read.
#
# Two Debian Prometheus 2.42 on free loopback ports, with the samples of
# tests/promql/promql-fixture:
#   remote  an empty TSDB and remote_read (read_recent) to rondod's /api/v1/read;
#   native  the same samples in its own TSDB (promtool tsdb create-blocks-from
#           openmetrics).
# compare.py asks both the same battery of /api/v1/query and query_range
# cases and compares result type, series, timestamps and values (NaN = NaN).
# Tier 0 cases (inside the raw window) must be >= 95 % identical; tier 1
# cases (the archive store, older than tier 0) must stay within the bound
# documented in compare.py. Any warning in the remote Prometheus' answers
# (a failed remote read is a warning on an empty answer) fails the test.
# Then the same battery asked of rondod directly ("subset"): every case its
# own PromQL evaluates must be identical on tier 0, within the bound on
# tier 1; the cases it refuses are counted.
. "${top_srcdir:-.}/tests/daemon/lib.sh"
. "$top_srcdir/tests/promql/common.sh"

for tool in prometheus promtool; do
	command -v $tool >/dev/null || skip_all "$tool is not installed (apt-get install prometheus)"
done
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"

PROM_PIDS=
prom_stop() {
	for pid in $PROM_PIDS; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PROM_PIDS=
}
trap 'prom_stop; cleanup' EXIT

prom_ready() { curl -sf -o /dev/null "http://127.0.0.1:$1/-/ready"; }

# prom_start NAME CONFIG TSDB_DIR: sets PORT; FALSE if it is not ready within 30 s.
prom_start() {
	PORT=$(free_port)
	prometheus --config.file="$2" --storage.tsdb.path="$3" \
		--web.listen-address="127.0.0.1:$PORT" >"$SCRATCH/$1.log" 2>&1 &
	PROM_PIDS="$PROM_PIDS $!"
	wait_for 30 prom_ready "$PORT" && return 0
	tap_fail "prometheus ($1) starts" "$(tail -n 20 "$SCRATCH/$1.log")"
	return 1
}

promql_setup
echo "# the fixture ends at $END (PROMQL_END=$END replays this run)"

if ! promtool tsdb create-blocks-from openmetrics "$OM" "$SCRATCH/native-tsdb" \
	>"$SCRATCH/promtool.log" 2>&1; then
	tap_fail "promtool loads the fixture's samples" "$(tail -n 20 "$SCRATCH/promtool.log")"
	tap_done
	exit 1
fi
tap_ok "promtool loads the fixture's samples"

# evaluation_interval: the step of a subquery that gives none (expr[10m:]);
# 1m, Prometheus' default, is rondod's (PROMQL_SUBQUERY_STEP_NS).
cat >"$SCRATCH/remote.yml" <<EOC
global:
  evaluation_interval: 1m
remote_read:
  - url: $URL/api/v1/read
    read_recent: true
    authorization:
      credentials_file: $TOKEN_FILE
EOC
printf 'global:\n  evaluation_interval: 1m\n' >"$SCRATCH/native.yml"

if prom_start remote "$SCRATCH/remote.yml" "$SCRATCH/remote-tsdb"; then
	REMOTE="http://127.0.0.1:$PORT"
	tap_ok "prometheus (remote_read to rondod) starts"
fi
if prom_start native "$SCRATCH/native.yml" "$SCRATCH/native-tsdb"; then
	NATIVE="http://127.0.0.1:$PORT"
	tap_ok "prometheus (native TSDB) starts"
fi
if [ -n "$REMOTE" ] && [ -n "$NATIVE" ]; then
	python3 "$top_srcdir/tests/promql/compare.py" "$REMOTE" "$NATIVE" "$END" \
		>"$SCRATCH/compare.out" 2>&1
	status=$?
	grep '^#' "$SCRATCH/compare.out"
	if [ $status -eq 0 ]; then
		tap_ok "PromQL over remote-read answers as over the native TSDB"
	else
		tap_fail "PromQL over remote-read answers as over the native TSDB" \
			"$(grep -v '^#' "$SCRATCH/compare.out" | head -n 60)"
	fi
fi
# rondod's own PromQL, asked directly: every expression of the battery it
# accepts must answer as the native Prometheus does.
if [ -n "$NATIVE" ]; then
	COMPARE_TOKEN=$PROMQL_TOKEN python3 "$top_srcdir/tests/promql/compare.py" "$URL" "$NATIVE" \
		"$END" subset >"$SCRATCH/subset.out" 2>&1
	status=$?
	sed -n 's/^# /# native subset: /p' "$SCRATCH/subset.out"
	if [ $status -eq 0 ]; then
		tap_ok "rondod's own PromQL answers as Prometheus on every expression it accepts"
	else
		tap_fail "rondod's own PromQL answers as Prometheus on every expression it accepts" \
			"$(grep -v '^#' "$SCRATCH/subset.out" | head -n 40)"
	fi
fi
curl -s -H "Authorization: Bearer $PROMQL_TOKEN" "$URL/metrics" >"$SCRATCH/metrics"
if grep -q '^rondod_http_requests_total{handler="/api/v1/read",code="200"} [1-9]' \
	"$SCRATCH/metrics"; then
	tap_ok "rondod counts the remote reads under handler=\"/api/v1/read\""
else
	tap_fail "rondod counts the remote reads under handler=\"/api/v1/read\"" \
		"$(grep read "$SCRATCH/metrics")"
fi

tap_done
[ "$TAP_FAILED" -eq 0 ]
