#!/bin/sh
# promql-speed.sh - rondod's PromQL against Prometheus' on the same samples,
# timed side by side (issue 15, "Speed": every query of the test battery at
# least 2x faster than Prometheus). Why this way: the battery of
# tests/promql/compare.py is what rondod must answer exactly, so it is also
# what it must answer fast; the differential test already knows how to
# put the same samples in both (tests/promql/promql-fixture for rondod's
# stores, promtool tsdb create-blocks-from openmetrics for a Debian
# Prometheus 2.42), so this script reuses its set-up (tests/daemon/lib.sh,
# tests/promql/common.sh) and bench/promql-speed.py imports its battery.
# See promql-speed.py for the method (alternating requests, a new
# connection each, medians, ratio = Prometheus / rondod); the requests are
# timed by BUILDDIR/bench/http-time (C: the client's own work kept out of
# both servers' times), or by Python's http.client with HTTP_TIMER=python.
#
# Times the battery twice, once in each order of promql-speed.py
# (interleaved: the two servers alternate request by request; blocks: each
# server answers a case's requests in a row, the other's block right
# before or after; why both: see promql-speed.py). Writes
# BENCH_OUT/data/promql-speed.csv and promql-speed-blocks.csv (one row per
# case) and, with gnuplot, BENCH_OUT/img/promql-speed.svg (the ratios,
# sorted, both orders); prints both reports.
#
#   bench/promql-speed.sh [BUILDDIR]      (default .)
#   REPS=N          timed requests per server and case (default 21)
#   PASSES=P        walks through the battery they are spread over (default 7)
#   SHUFFLE=SEED    each walk in its own order from SEED (default 1; 0: the
#                   battery's order every time)
#   EVERY=K         one battery case in K (default 1: all of them)
#   BENCH_SMOKE=1   a tiny run (one case in 400, 1 request each): checks
#                   the script only
#   BENCH_OUT=DIR   where data/ and img/ go (default: BUILDDIR/bench-out)
#   PROMQL_END=S    the fixture's end (default: now, rounded to a minute)
#   HTTP_TIMER=python  time through http.client instead of bench/http-time
set -eu
BUILD=$(cd "${1:-.}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${BENCH_SMOKE:-}" ]; then
	REPS=${REPS:-1}
	EVERY=${EVERY:-400}
fi
REPS=${REPS:-21}
PASSES=${PASSES:-7}
SHUFFLE=${SHUFFLE:-1}
EVERY=${EVERY:-1}
OUT=${BENCH_OUT:-$BUILD/bench-out}

TIMER="$BUILD/bench/http-time"
if [ "${HTTP_TIMER:-}" = python ]; then
	TIMER=
elif [ ! -x "$TIMER" ]; then
	echo "promql-speed: $TIMER is not built (make bench/http-time)" >&2
	exit 1
fi

. "$SRC/bench/lib.sh"
promql_sources promql-speed "$BUILD" "$SRC"

mkdir -p "$OUT/data" "$OUT/img"
csv="$OUT/data/promql-speed.csv"
echo "== promql-speed: rondod against Prometheus ($(date -u '+%Y-%m-%d %H:%M UTC'), $REPS requests per case and server over $((PASSES < REPS ? PASSES : REPS)) passes, shuffle seed $SHUFFLE, one battery case in $EVERY)"
echo "== $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, Linux $(uname -r), $(prometheus --version 2>&1 | head -n 1)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

promql_servers
echo "== the fixture ends at $END (PROMQL_END=$END replays this data set)"

for order in interleaved blocks; do
	case $order in
	interleaved) out=$csv ;;
	*) out="$OUT/data/promql-speed-$order.csv" ;;
	esac
	COMPARE_TOKEN=$PROMQL_TOKEN python3 "$SRC/bench/promql-speed.py" "$URL" \
		"$PROM_URL" "$END" "$out" --reps "$REPS" --passes "$PASSES" --shuffle "$SHUFFLE" --every "$EVERY" \
		--ranks "$SCRATCH/ranks-$order" --order $order ${TIMER:+--timer "$TIMER"}
	echo "== load average after the $order run: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "== $out"
done

have_gnuplot || exit 0
gnuplot <<EOF
set terminal svg size 900,480 dynamic font "sans,12" background rgb "white"
set output "$OUT/img/promql-speed.svg"
set title "PromQL battery: Prometheus time / rondod time per case, sorted (median of $REPS each)"
set xlabel "share of the battery's cases"
set ylabel "ratio (log scale; above 2: the issue's target)"
set logscale y
set grid ytics
set xrange [0:1]
set key top left
set arrow from 0,2 to 1,2 nohead dashtype 2 lc rgb "red"
set arrow from 0,1 to 1,1 nohead lc rgb "gray40"
plot "$SCRATCH/ranks-interleaved" index 0 using 1:2 with lines lw 2 title "instant, interleaved", \
     "" index 1 using 1:2 with lines lw 2 title "range, interleaved", \
     "$SCRATCH/ranks-blocks" index 0 using 1:2 with lines lw 2 dashtype 2 title "instant, blocks", \
     "" index 1 using 1:2 with lines lw 2 dashtype 2 title "range, blocks"
EOF
svg_tidy "$OUT/img/promql-speed.svg"
echo "== $OUT/img/promql-speed.svg"
