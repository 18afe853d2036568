#!/bin/sh
# write-overhead.sh - benchmark A: the cost of recording one value, rondo
# against the alternatives, in one run of bench/write-overhead (see its
# header for the method). Starts an rrdcached of its own on a Unix socket
# when rrdcached is installed. Writes BENCH_OUT/data/write-overhead.csv and,
# with gnuplot, BENCH_OUT/img/write-overhead.svg (a log-scale bar chart).
#
#   bench/write-overhead.sh [BUILDDIR]      (default .)
#   OPS=N SLOW_OPS=N     operations per contender (default 10 000 000 each;
#                        SLOW_OPS for librrd and rrdcached, default OPS)
#   BENCH_SMOKE=1        a tiny run (20 000 / 2 000): checks the script only
#   BENCH_OUT=DIR        where data/ and img/ go (default: BUILDDIR/bench-out)
set -eu
. "$(dirname "$0")/lib.sh"

BUILD=$(cd "${1:-.}" && pwd)
if [ -n "${BENCH_SMOKE:-}" ]; then
	OPS=${OPS:-20000}
	SLOW_OPS=${SLOW_OPS:-2000}
fi
OPS=${OPS:-10000000}
SLOW_OPS=${SLOW_OPS:-$OPS}
OUT=${BENCH_OUT:-$BUILD/bench-out}
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/write-overhead.XXXXXX")
RRDCACHED_PID=
cleanup() {
	[ -n "$RRDCACHED_PID" ] && kill "$RRDCACHED_PID" 2>/dev/null && wait "$RRDCACHED_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$OUT/data" "$OUT/img" "$WORK/scratch"
csv="$OUT/data/write-overhead.csv"

echo "== benchmark A: write overhead ($(date -u '+%Y-%m-%d %H:%M UTC'), $OPS ops, $SLOW_OPS for librrd and rrdcached)"
set --
if command -v rrdcached >/dev/null; then
	mkdir -p "$WORK/rrdcached"
	# -w 60: each file's queued values are written within a minute, as a
	# collectd deployment would configure it (the default is 300 s).
	rrdcached -g -l "unix:$WORK/rrdcached.sock" -b "$WORK/rrdcached" -p "$WORK/rrdcached.pid" \
		-w 60 >"$WORK/rrdcached.log" 2>&1 &
	RRDCACHED_PID=$!
	i=0
	until [ -S "$WORK/rrdcached.sock" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$WORK/rrdcached.log" >&2; break; }
		sleep 0.1
	done
	[ -S "$WORK/rrdcached.sock" ] && set -- --rrdcached "unix:$WORK/rrdcached.sock"
else
	echo "rrdcached: not installed (apt-get install rrdcached): the rrdcached contender is skipped"
fi
"$BUILD/bench/write-overhead" --ops "$OPS" --slow-ops "$SLOW_OPS" --dir "$WORK/scratch" \
	--csv "$csv" "$@"

[ "$(sed 1d "$csv" | wc -l)" -ge 1 ] || { echo "write-overhead: no contender ran" >&2; exit 1; }
have_gnuplot || exit 0
gnuplot <<EOF
set terminal svg size 900,480 dynamic font "sans,12" background rgb "white"
set output "$OUT/img/write-overhead.svg"
set datafile separator ","
set datafile columnheaders
set title "Benchmark A: cost of recording one value (log scale; empty operation subtracted)"
set ylabel "nanoseconds per value"
set logscale y
set yrange [1:*]
set grid ytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set xtics nomirror rotate by 30 right
set format y "10^{%L}"
set bmargin 6
plot "$csv" using (\$7 > 1 ? \$7 : 1):xtic(1) title "mean (untimed loop)", \
     "" using (\$3 > 1 ? \$3 : 1) title "p50", \
     "" using (\$4 > 1 ? \$4 : 1) title "p99", \
     "" using (\$5 > 1 ? \$5 : 1) title "p99.9"
EOF
svg_tidy "$OUT/img/write-overhead.svg"
echo "wrote $csv and $OUT/img/write-overhead.svg"
