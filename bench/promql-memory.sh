#!/bin/sh
# promql-memory.sh - what a PromQL answer of many short series costs rondod
# and Prometheus: time and rondod's peak resident memory.
#
# count_values() of a value that is new at every step gives a series per
# series and step, each with one point: over a range query of N steps,
# S * N series. Held with every step each (as rondod did before 0.13.1),
# that is S * N * N values: the square of the steps. The queries here, on
# the PromQL battery's samples (tests/promql, the same as promql-speed.sh):
#   answer:     count_values("v", <every series, named apart> * 1e6 + time())
#   aggregated: count(<the same>)
#   operated:   abs(<the same> * 2)  (an operator with a scalar and a
#               function of each value keep each series' own steps, since
#               0.13.2)
#   matched:    <the same> + on() group_left vector(1)  (matched with
#               another vector every series holds every step: series x
#               steps within max_samples, or 422)
# each over STEPS (default "1000 3000") steps of 1 s ending at the
# fixture's end, asked once of each server in turn, in this order, the
# smaller ranges first; rondod's peak RSS (VmHWM) is read after each of its
# answers, so it shows the highest so far. Prints one line a query and range.
#
#   bench/promql-memory.sh [BUILDDIR]      (default .)
#   STEPS="N ..."   the ranges, in steps (each at most max_points_per_series)
#   BENCH_SMOKE=1   STEPS=100: checks the script only
set -eu
BUILD=$(cd "${1:-.}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${BENCH_SMOKE:-}" ]; then
	STEPS=${STEPS:-100}
fi
STEPS=${STEPS:-1000 3000}
. "$SRC/bench/lib.sh"
promql_sources promql-memory "$BUILD" "$SRC"

echo "== promql-memory: rondod against Prometheus ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "== $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, Linux $(uname -r), $(prometheus --version 2>&1 | head -n 1)"
promql_servers
echo "== rondod's peak RSS before: $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$RONDOD_PID/status")"

EACH='count_values("v", label_replace({__name__=~".+"}, "n", "$1", "__name__", "(.*)") * 1e6 + time())'
# ask URL QUERY N [curl args]: seconds, status and series of one query_range.
ask() {
	u=$1
	q=$2
	n=$3
	shift 3
	curl -s -o "$SCRATCH/answer" -w '%{time_total} %{http_code}' "$@" "$u/api/v1/query_range" \
		--data-urlencode "query=$q" --data-urlencode "start=$((END - n + 1))" \
		--data-urlencode "end=$END" --data-urlencode step=1
	printf ' %s' "$(grep -o '"metric"' "$SCRATCH/answer" | wc -l)"
}
printf '%-10s %6s  %-24s  %-24s  %s\n' query steps "rondod s status series" \
	"Prometheus s status ser." "rondod peak RSS"
for what in answer aggregated operated matched; do
	for n in $STEPS; do
		case $what in
		answer) q=$EACH ;;
		aggregated) q="count($EACH)" ;;
		operated) q="abs($EACH * 2)" ;;
		*) q="$EACH + on() group_left vector(1)" ;;
		esac
		r=$(ask "$URL" "$q" "$n" -H "Authorization: Bearer $PROMQL_TOKEN")
		hwm=$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$RONDOD_PID/status")
		p=$(ask "$PROM_URL" "$q" "$n")
		printf '%-10s %6s  %-24s  %-24s  %s\n' "$what" "$n" "$r" "$p" "$hwm"
	done
done
