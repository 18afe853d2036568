#!/bin/sh
# scale.sh - benchmark B (S5): the resources an embedded rondo stack and a
# traditional exporter + Prometheus stack take for N VMs of 30 series each,
# measured side by side.
#
#   bench/scale.sh [BUILDDIR]          (default .)
#   VMS="10 50 100"   VM counts, one configuration each (default)
#   DURATION=300      measured seconds per configuration (default 300)
#   WARMUP=20         seconds every process runs before the measurement
#   SAMPLE_S=30       memory is sampled this often during the measurement
#   BENCH_SMOKE=1     VMS=2 DURATION=8 WARMUP=6: checks the script only
#   BENCH_OUT=DIR     where data/scale.csv and img/scale.svg go
#                     (default BUILDDIR/bench-out)
#
# For each N, three sides run at the same time, each in a network namespace
# of its own (so that its loopback byte count is its own) when unshare(1)
# works, which needs root:
#   embedded      N bench/scale-vm processes, each recording its 30 series
#                 at 1 Hz into its own store with librondo, then running the
#                 consolidation tick; one rondod serving the N stores and
#                 pushing them by remote-write (every 10 s, its default) to a
#                 Prometheus 2.42 receiver (--web.enable-remote-write-receiver),
#                 its live cursors on a tmpfs (/dev/shm) as under systemd;
#   trad-15s      N bench/scale-vm-plain processes (the same program built
#                 without librondo, as a VMM without rondo is) holding the same 30 counters and
#                 handing them every 15 s as one JSON line through a named pipe
#                 (as Firecracker hands its metrics file) to one Go exporter
#                 per VM (bench/scale/exporter.go: client_golang + promhttp),
#                 and one Prometheus 2.42 scraping every exporter every 15 s;
#   trad-1s       the same, handed over and scraped every 1 s (the resolution
#                 rondo keeps).
#   bare          N bench/scale-vm-plain processes counting the same way and handing
#                 nothing out: the VMs without metrics, the baseline that the
#                 overhead of each stack is measured above.
# Per process, over the DURATION after WARMUP: CPU seconds (utime + stime
# from /proc/PID/stat; for a single-threaded process the exact run time from
# /proc/PID/schedstat, as 10 ms ticks are coarse for a VM process), bytes written to storage (write_bytes, /proc/PID/io); PSS
# and its anonymous part every SAMPLE_S seconds and at the end, their mean the
# figure, and at the end RSS (/proc/PID/smaps_rollup); per side, the bytes the
# namespace's loopback carried (/proc/net/dev, received). Every figure is
# summed per role (vms, exporters, rondod, prometheus) and per side.
# A missing tool (prometheus, go, the client_golang sources) makes the side
# that needs it print SKIP and why.
set -eu
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--side" ]; then BUILD=$5; else BUILD=$(cd "${1:-.}" && pwd); fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${BENCH_SMOKE:-}" ]; then
	VMS=${VMS:-2}
	DURATION=${DURATION:-8}
	WARMUP=${WARMUP:-6}
fi
VMS=${VMS:-10 50 100}
DURATION=${DURATION:-300}
SAMPLE_S=${SAMPLE_S:-30}
WARMUP=${WARMUP:-20}
OUT=${BENCH_OUT:-$BUILD/bench-out}
HZ=$(getconf CLK_TCK)

# ------------------------------------------------------------- one side
# scale.sh --side KIND N DIR: runs one side in DIR (inside its namespace when
# called through unshare) and writes DIR/result.csv: role,procs,cpu_s,
# write_bytes,pss_kb,rss_kb; then DIR/side.csv: lo_bytes,points_per_minute.

proc_sample() { # PID -> "ticks write_bytes run_ns"; empty when the process is gone
	[ -r "/proc/$1/stat" ] || return 0
	t=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null) || return 0
	w=$(awk '$1 == "write_bytes:" { print $2 }' "/proc/$1/io" 2>/dev/null) || return 0
	# /proc/PID/stat counts in 10 ms ticks, coarse for a process that runs
	# 50 µs a second; a single-threaded process's schedstat is its exact
	# run time in ns (a multi-threaded one's only its main thread's: -1)
	r=-1
	[ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -ne 1 ] ||
		r=$(awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null) || r=-1
	echo "$t ${w:-0} ${r:--1}"
}
proc_mem() { # PID -> "pss_kb rss_kb pss_anon_kb"
	awk '$1 == "Pss:" { p = $2 } $1 == "Rss:" { r = $2 } $1 == "Pss_Anon:" { a = $2 }
		END { print p + 0, r + 0, a + 0 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo "0 0 0"
}
lo_bytes() { awk '$1 == "lo:" { print $2 }' /proc/net/dev; }
# The tmpfs directory of DIR's live export cursors (removed by the driver).
live_dir() { echo "/dev/shm/rondo-scale.$(echo "$1" | cksum | cut -d' ' -f1)"; }


run_side() {
	kind=$1 n=$2 dir=$3
	ip link set lo up 2>/dev/null || true
	# every process is killed once measured; with a 30 s margin a trad-15s
	# process was gone before its measurement twice at 100 VMs (which one
	# and why was not kept: the work directory is removed), never since
	life=$((WARMUP + DURATION + 600))
	: >"$dir/pids"
	case $kind in
	bare)
		i=0
		while [ $i -lt "$n" ]; do
			"$BUILD/bench/scale-vm-plain" bare $life >>"$dir/vms.log" 2>&1 &
			echo "vms $!" >>"$dir/pids"
			i=$((i + 1))
		done
		;;
	embedded)
		mkdir -p "$dir/state" "$dir/cursors" "$dir/prom"
		printf 'global:\n  scrape_interval: 1h\n' >"$dir/prometheus.yml"
		prometheus --config.file="$dir/prometheus.yml" --web.enable-remote-write-receiver \
			--storage.tsdb.path="$dir/prom" --web.listen-address=127.0.0.1:9090 \
			>"$dir/prometheus.log" 2>&1 &
		echo "prometheus $!" >>"$dir/pids"
		i=0
		while [ $i -lt "$n" ]; do
			"$BUILD/bench/scale-vm" embedded "$dir/state/vm$(printf %03d $i)" $life \
				>>"$dir/vms.log" 2>&1 &
			echo "vms $!" >>"$dir/pids"
			i=$((i + 1))
		done
		# The live cursors on a tmpfs, as systemd's RuntimeDirectory= gives
		# rondod when deployed (/run/rondod/cursors); checkpoints to cursor_dir.
		printf '[export]\nurl=http://127.0.0.1:9090/api/v1/write\ncursor_dir=%s\nlive_cursor_dir=%s\n' \
			"$dir/cursors" "$(live_dir "$dir")" >"$dir/rondod.conf"
		"$BUILD/src/rondod" --config "$dir/rondod.conf" --state-dir "$dir/state" \
			--listen 127.0.0.1:9464 >"$dir/rondod.log" 2>&1 &
		echo "rondod $!" >>"$dir/pids"
		;;
	trad-*)
		interval=${kind#trad-}
		interval=${interval%s}
		mkdir -p "$dir/prom"
		{
			printf 'global:\n  scrape_interval: %ss\n  scrape_timeout: %ss\n' "$interval" "$interval"
			printf 'scrape_configs:\n  - job_name: vm\n    static_configs:\n      - targets:\n'
			i=0
			while [ $i -lt "$n" ]; do
				printf '          - 127.0.0.1:%d\n' $((10000 + i))
				i=$((i + 1))
			done
		} >"$dir/prometheus.yml"
		i=0
		while [ $i -lt "$n" ]; do
			vm=vm$(printf %03d $i)
			mkfifo "$dir/$vm.fifo"
			"$EXPORTER" -fifo "$dir/$vm.fifo" -listen 127.0.0.1:$((10000 + i)) -vm "$vm" \
				>>"$dir/exporters.log" 2>&1 &
			echo "exporters $!" >>"$dir/pids"
			"$BUILD/bench/scale-vm-plain" traditional "$dir/$vm.fifo" $life "$interval" \
				>>"$dir/vms.log" 2>&1 &
			echo "vms $!" >>"$dir/pids"
			i=$((i + 1))
		done
		prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prom" \
			--web.listen-address=127.0.0.1:9090 >"$dir/prometheus.log" 2>&1 &
		echo "prometheus $!" >>"$dir/pids"
		;;
	esac
	[ "$kind" = bare ] || wait_http http://127.0.0.1:9090/-/ready
	sleep "$WARMUP"
	while read -r role pid; do echo "$role $pid $(proc_sample "$pid")"; done <"$dir/pids" >"$dir/t0"
	lo0=$(lo_bytes)
	# Memory every SAMPLE_S seconds of the measurement and at its end: one
	# moment can fall just after (or before) some periodic work of every
	# process at once (the VMs' consolidations, a Go collection), so the
	# figure is the mean of the samples; the end's is kept beside it.
	: >"$dir/mem"
	left=$DURATION round=0
	while [ "$left" -gt 0 ]; do
		step=$((left < SAMPLE_S ? left : SAMPLE_S))
		sleep "$step"
		left=$((left - step))
		[ "$left" -gt 0 ] || break # the end's sample is t1's
		round=$((round + 1))
		while read -r role pid; do echo "$round $role $(proc_mem "$pid")"; done <"$dir/pids" >>"$dir/mem"
	done
	while read -r role pid; do echo "$role $pid $(proc_sample "$pid") $(proc_mem "$pid")"; done \
		<"$dir/pids" >"$dir/t1"
	awk '{ print "end", $1, $6, $7, $8 }' "$dir/t1" >>"$dir/mem"
	lo1=$(lo_bytes)
	# points per series per minute in the TSDB: the minute ending 25 s ago
	# (rondod pushes every 10 s), averaged over every series.
	# One series name, one series per VM, so the count keeps unique labels.
	q='avg(count_over_time(vm_counter_00_total[1m] offset 25s))'
	ppm=0
	if [ "$kind" != bare ]; then
		curl -sf --data-urlencode "query=$q" http://127.0.0.1:9090/api/v1/query >"$dir/ppm.json" ||
			echo "scale: $kind: the query of points per minute failed" >&2
		ppm=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["data"]["result"]; print(r[0]["value"][1] if r else 0)' \
			"$dir/ppm.json" 2>/dev/null) || ppm=0
	fi
	while read -r role pid; do kill "$pid" 2>/dev/null || true; done <"$dir/pids"
	wait 2>/dev/null || true
	# role, processes, CPU s, write bytes, PSS kB, RSS kB (a process that is
	# gone at the end counts for nothing: the run fails below), CPU ticks,
	# PSS anonymous kB; then the means over the samples of PSS and its
	# anonymous part. t0: role pid ticks write_bytes run_ns; t1: the same,
	# then pss_kb rss_kb pss_anon_kb; mem: round role pss_kb rss_kb pss_anon_kb.
	awk -v hz="$HZ" 'FILENAME ~ /mem$/ { mp[$2] += $3; ma[$2] += $5; if (!(($2, $1) in seen)) { seen[$2, $1]; rounds[$2]++ }; next }
		NR == FNR { t[$2] = $3; w[$2] = $4; r[$2] = $5; next }
		{ n[$1]++; if (NF < 8 || !($2 in t) || t[$2] == "") { lost++; next }
		  tick[$1] += ($3 - t[$2]) / hz; wb[$1] += $4 - w[$2]; pss[$1] += $6; rss[$1] += $7
		  anon[$1] += $8; run[$1] += ($5 >= 0 && r[$2] >= 0) ? ($5 - r[$2]) / 1e9 : ($3 - t[$2]) / hz }
		END { for (k in n) printf "%s,%d,%.3f,%d,%d,%d,%.2f,%d,%d,%d\n", k, n[k], run[k], wb[k], pss[k], rss[k], tick[k], anon[k],
		          mp[k] / rounds[k], ma[k] / rounds[k]
		      if (lost) printf "lost,%d,0,0,0,0,0,0,0,0\n", lost }' "$dir/t0" "$dir/t1" "$dir/mem" >"$dir/result.csv"
	echo "$((lo1 - lo0)),$ppm" >"$dir/side.csv"
}

if [ "${1:-}" = "--side" ]; then
	run_side "$2" "$3" "$4"
	exit 0
fi

# ------------------------------------------------------------ the driver
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/scale.XXXXXX")
cleanup() {
	for f in "$WORK"/*/pids; do
		[ -f "$f" ] || continue
		while read -r _ pid; do kill "$pid" 2>/dev/null || true; done <"$f"
	done
	for d in "$WORK"/*/embedded; do
		[ -d "$d" ] && rm -rf "$(live_dir "$d")"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$OUT/data" "$OUT/img"
EXPORTER=$WORK/exporter
export EXPORTER DURATION WARMUP

SIDES="bare embedded trad-15s trad-1s"
if ! command -v prometheus >/dev/null; then
	echo "SKIP scale: prometheus is not installed (apt-get install prometheus); every side needs it"
	exit 0
fi
if ! command -v go >/dev/null; then
	echo "SKIP scale trad-15s, trad-1s: go is not installed (apt-get install golang-go golang-github-prometheus-client-golang-dev)"
	SIDES="bare embedded"
elif ! GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$WORK/gocache" \
	go build -o "$WORK/exporter" "$SRC/bench/scale/exporter.go" >"$WORK/go.log" 2>&1; then
	echo "SKIP scale trad-15s, trad-1s: the exporter does not build (apt-get install golang-github-prometheus-client-golang-dev):"
	sed 's/^/  /' "$WORK/go.log"
	SIDES="bare embedded"
fi
netns=
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null && command -v ip >/dev/null; then
	netns=yes
else
	echo "scale: no network namespaces (not root, or no unshare/ip): the sides run one after"
	echo "       the other, sharing the host's loopback; its byte counts are left empty"
fi

csv="$OUT/data/scale.csv"
echo "vms,side,role,procs,cpu_s,write_bytes,pss_kb,rss_kb,cpu_ticks_s,pss_anon_kb,lo_bytes,points_per_series_per_min,duration_s,pss_mean_kb,pss_anon_mean_kb" >"$csv"
echo "== benchmark B: scale ($(date -u '+%Y-%m-%d %H:%M UTC'); VMs: $VMS; ${DURATION} s measured after ${WARMUP} s)"
for n in $VMS; do
	pids=
	for side in $SIDES; do
		mkdir -p "$WORK/$n/$side"
		if [ -n "$netns" ]; then
			unshare -n sh "$0" --side "$side" "$n" "$WORK/$n/$side" "$BUILD" &
			pids="$pids $!"
		else
			sh "$0" --side "$side" "$n" "$WORK/$n/$side" "$BUILD"
		fi
	done
	for pid in $pids; do wait "$pid"; done
	for side in $SIDES; do
		d="$WORK/$n/$side"
		[ -s "$d/result.csv" ] || { echo "scale: $side with $n VMs gave no result" >&2; exit 1; }
		if grep -q '^lost,' "$d/result.csv"; then
			echo "scale: $side with $n VMs: a process died during the run" >&2
			tail -n 5 "$d"/*.log >&2
			exit 1
		fi
		lo=$(cut -d, -f1 "$d/side.csv")
		[ -n "$netns" ] || lo=
		ppm=$(cut -d, -f2 "$d/side.csv")
		awk -F, -v OFS=, -v pre="$n,$side" -v post="$lo,$ppm,$DURATION" \
			'{ print pre, $1, $2, $3, $4, $5, $6, $7, $8, post, $9, $10 }' "$d/result.csv" >>"$csv"
	done
	# The side totals, then the ratios: of whole sides; of the metrics
	# stacks (each side minus the bare VMs: S5's figure); of the stacks
	# without their TSDB (rondod against the exporters).
	# PSS is the mean over the samples ($14, anonymous $15); the end's ($7)
	# is printed beside it.
	awk -F, -v n="$n" '$1 == n { s = $2; cpu[s] += $5; wb[s] += $6; pss[s] += $14; rss[s] += $8
		anon[s] += $15; pend[s] += $7; lo[s] = $11; ppm[s] = $12; if ($3 == "prometheus") { pcpu[s] += $5; ppss[s] += $14 } }
	function pct(a, b) { return b > 0 ? sprintf("%.1f %%", 100 * a / b) : "n/a" }
	END {
		printf "%-9s %3s VMs: %8s %9s %9s %9s %9s %12s %12s %7s\n", "side", n, "CPU s", "PSS MiB", "anon MiB", "PSS end", "RSS MiB", "disk bytes", "loopback B", "pts/min"
		split("bare embedded trad-15s trad-1s", order, " ")
		for (i = 1; i <= 4; i++) { s = order[i]; if (!(s in cpu)) continue
			printf "%-9s %3s VMs: %8.2f %9.1f %9.1f %9.1f %9.1f %12d %12s %7.1f\n", s, n, cpu[s], pss[s] / 1024, anon[s] / 1024, pend[s] / 1024, rss[s] / 1024, wb[s], lo[s], ppm[s] }
		e = "embedded"
		for (i = 3; i <= 4; i++) { t = order[i]; if (!(t in cpu) || !(e in cpu)) continue
			printf "embedded / %s, whole sides: CPU %s, PSS %s, RSS %s, disk %s, loopback %s\n", t,
				pct(cpu[e], cpu[t]), pct(pss[e], pss[t]), pct(rss[e], rss[t]), pct(wb[e], wb[t]), pct(lo[e], lo[t])
			printf "embedded / %s, metrics stacks (minus the bare VMs): CPU %s, PSS %s (anonymous %s; at the end %s), RSS %s\n", t,
				pct(cpu[e] - cpu["bare"], cpu[t] - cpu["bare"]), pct(pss[e] - pss["bare"], pss[t] - pss["bare"]),
				pct(anon[e] - anon["bare"], anon[t] - anon["bare"]), pct(pend[e] - pend["bare"], pend[t] - pend["bare"]),
				pct(rss[e] - rss["bare"], rss[t] - rss["bare"])
			printf "embedded / %s, stacks without their TSDB (Prometheus): CPU %s, PSS %s\n", t,
				pct(cpu[e] - cpu["bare"] - pcpu[e], cpu[t] - cpu["bare"] - pcpu[t]),
				pct(pss[e] - pss["bare"] - ppss[e], pss[t] - pss["bare"] - ppss[t]) } }' "$csv"
done
echo "wrote $csv"

have_gnuplot || exit 0
# side totals per VM count, one row per N: cpu and PSS of each side
awk -F, 'NR > 1 { cpu[$1 "," $2] += $5; pss[$1 "," $2] += $14; seen[$1] = 1 }
	END { print "vms,cpu_bare,cpu_embedded,cpu_trad15,cpu_trad1,pss_bare,pss_embedded,pss_trad15,pss_trad1"
	      for (n in seen) printf "%s,%.2f,%.2f,%.2f,%.2f,%.1f,%.1f,%.1f,%.1f\n", n,
	          cpu[n ",bare"], cpu[n ",embedded"], cpu[n ",trad-15s"], cpu[n ",trad-1s"],
	          pss[n ",bare"] / 1024, pss[n ",embedded"] / 1024, pss[n ",trad-15s"] / 1024, pss[n ",trad-1s"] / 1024 }' "$csv" |
	sort -t, -k1,1n >"$WORK/totals.csv"
gnuplot <<EOF
set terminal svg size 1000,440 dynamic font "sans,12" background rgb "white"
set output "$OUT/img/scale.svg"
set datafile separator ","
set datafile columnheaders
set multiplot layout 1,2 title "Benchmark B (S5): ${DURATION} s per configuration, every process of each side"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top left
set xlabel "VMs"
set ylabel "CPU seconds"
plot "$WORK/totals.csv" using 2:xtic(1) title "VMs alone", "" using 3 title "embedded rondo", "" using 4 title "exporters + Prometheus 15 s", "" using 5 title "exporters + Prometheus 1 s"
set ylabel "PSS at the end (MiB)"
plot "$WORK/totals.csv" using 6:xtic(1) title "VMs alone", "" using 7 title "embedded rondo", "" using 8 title "exporters + Prometheus 15 s", "" using 9 title "exporters + Prometheus 1 s"
unset multiplot
EOF
svg_tidy "$OUT/img/scale.svg"
echo "wrote $OUT/img/scale.svg"
