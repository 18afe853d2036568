# lib.sh - helpers the benchmark scripts share; sourced, never run.

# free_port: a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: until URL answers 2xx, for at most 30 s; then fails.
wait_http() {
	i=0
	until curl -sf -o /dev/null "$1"; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "$(basename "$0"): no answer from $1" >&2; return 1; }
		sleep 0.1
	done
}

# svg_tidy FILE: gnuplot ends some SVG lines with blanks; the repository has
# none (CI checks), so the plots are committed without them.
svg_tidy() {
	sed -i 's/[[:space:]]*$//' "$1"
}

# have_gnuplot: TRUE if gnuplot can draw the plot; else says SKIP and why.
have_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	echo "SKIP plot: gnuplot is not installed (apt-get install gnuplot-nox)"
	return 1
}

# promql_sources NAME BUILD SRC: for the PromQL benchmark NAME, the tools
# it needs (or it exits saying which to install), the test helpers (SCRATCH,
# rondod_start and its cleanup on exit, wait_for; promql_setup: the
# fixture, rondod over it), and rondod's default max_samples, not the
# tests' lowered one (the issue's all-series query reads ~37 000 points).
promql_sources() {
	for tool in prometheus promtool python3 curl; do
		command -v $tool >/dev/null || {
			echo "$1: $tool is not installed (apt-get install prometheus python3 curl)" >&2
			exit 1
		}
	done
	top_builddir=$2
	top_srcdir=$3
	. "$3/tests/daemon/lib.sh"
	. "$3/tests/promql/common.sh"
	PROMQL_MAX_SAMPLES=5000000
	PROM_PID=
	trap promql_stop EXIT
}

promql_stop() {
	if [ -n "$PROM_PID" ]; then
		kill "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null || :
	fi
	cleanup
}

# promql_servers: the battery's samples in rondod (URL, PROMQL_TOKEN, END)
# and in a Debian Prometheus loaded by promtool (PROM_URL, PROM_PID); both
# stop on exit.
promql_servers() {
	promql_setup
	promtool tsdb create-blocks-from openmetrics "$OM" "$SCRATCH/prom-tsdb" \
		>"$SCRATCH/promtool.log" 2>&1 || {
		tail -n 20 "$SCRATCH/promtool.log" >&2
		exit 1
	}
	# evaluation_interval: the default step of a subquery, as in compare.sh.
	printf 'global:\n  evaluation_interval: 1m\n' >"$SCRATCH/prom.yml"
	PROM_PORT=$(free_port)
	PROM_URL="http://127.0.0.1:$PROM_PORT"
	prometheus --config.file="$SCRATCH/prom.yml" --storage.tsdb.path="$SCRATCH/prom-tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$SCRATCH/prometheus.log" 2>&1 &
	PROM_PID=$!
	wait_http "$PROM_URL/-/ready" || {
		tail -n 20 "$SCRATCH/prometheus.log" >&2
		exit 1
	}
}
