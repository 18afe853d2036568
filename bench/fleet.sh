#!/bin/sh
# fleet.sh - benchmark D: N simulated hosts, each one rondod serving 100 VMs'
# stores (written at 1 Hz, 30 series each, by one generator process:
# `bench/scale-vm many`), all pushing by remote-write through one vmagent
# into one VictoriaMetrics, as a fleet pushes into a receiver tier.
#
#   bench/fleet.sh [BUILDDIR]   (default .)
#   HOSTS=4 VMS=100       hosts, and VMs per host (defaults)
#   DURATION=120 WARMUP=30  seconds measured, after seconds of warm-up
#   BENCH_SMOKE=1         HOSTS=2 VMS=2 DURATION=12 WARMUP=12: checks the script
#   BENCH_OUT=DIR         where data/fleet.csv and img/fleet.svg go
#                         (default BUILDDIR/bench-out)
#
# Over DURATION: samples/s and compressed bytes per sample that the rondods
# sent (their rondod_export_* counters), and that vmagent sent on
# (vmagent_remotewrite_*), the rows VictoriaMetrics inserted, and the CPU
# (utime + stime, /proc/PID/stat) of each process, as % of one core.
set -eu
. "$(dirname "$0")/lib.sh"

BUILD=$(cd "${1:-.}" && pwd)
if [ -n "${BENCH_SMOKE:-}" ]; then
	HOSTS=${HOSTS:-2}
	VMS=${VMS:-2}
	DURATION=${DURATION:-12}
	WARMUP=${WARMUP:-12}
fi
HOSTS=${HOSTS:-4}
VMS=${VMS:-100}
DURATION=${DURATION:-120}
WARMUP=${WARMUP:-30}
OUT=${BENCH_OUT:-$BUILD/bench-out}
HZ=$(getconf CLK_TCK)
for tool in victoria-metrics vmagent; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP fleet: $tool is not installed (apt-get install victoria-metrics)"
		exit 0
	fi
done
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/fleet.XXXXXX")
PIDS=
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$OUT/data" "$OUT/img"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# metric_sum URL NAME: the sum of every series of NAME in a /metrics page
metric_sum() {
	curl -sf "$1" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%.0f\n", s }'
}

PV=$(free_port)
PA=$(free_port)
victoria-metrics -httpListenAddr="127.0.0.1:$PV" -storageDataPath="$WORK/vm" \
	>"$WORK/victoria-metrics.log" 2>&1 &
VM_PID=$!
PIDS="$PIDS $VM_PID"
vmagent -httpListenAddr="127.0.0.1:$PA" -remoteWrite.url="http://127.0.0.1:$PV/api/v1/write" \
	-remoteWrite.tmpDataPath="$WORK/vmagent" >"$WORK/vmagent.log" 2>&1 &
AGENT_PID=$!
PIDS="$PIDS $AGENT_PID"
wait_http "http://127.0.0.1:$PV/health"
wait_http "http://127.0.0.1:$PA/health"

life=$((WARMUP + DURATION + 30))
h=0
while [ $h -lt "$HOSTS" ]; do
	h=$((h + 1))
	d="$WORK/host$h"
	mkdir -p "$d/state" "$d/cursors"
	"$BUILD/bench/scale-vm" many "$d/state" "$VMS" $life >"$d/generator.log" 2>&1 &
	echo $! >"$d/generator.pid"
	PIDS="$PIDS $!"
	port=$(free_port)
	echo "$port" >"$d/port"
	printf '[export]\nurl=http://127.0.0.1:%s/api/v1/write\nlabels=host=host%s\ncursor_dir=%s\n' \
		"$PA" "$h" "$d/cursors" >"$d/rondod.conf"
	"$BUILD/src/rondod" --config "$d/rondod.conf" --state-dir "$d/state" \
		--listen "127.0.0.1:$port" >"$d/rondod.log" 2>&1 &
	echo $! >"$d/rondod.pid"
	PIDS="$PIDS $!"
done
for d in "$WORK"/host*; do wait_http "http://127.0.0.1:$(cat "$d/port")/readyz"; done
echo "== benchmark D: fleet ($(date -u '+%Y-%m-%d %H:%M UTC'); $HOSTS hosts x $VMS VMs x 30 series at 1 Hz; ${DURATION} s measured after ${WARMUP} s)"
sleep "$WARMUP"

snapshot() { # FILE: every counter and CPU figure, one "key value" a line
	{
		for d in "$WORK"/host*; do
			h=$(basename "$d")
			url="http://127.0.0.1:$(cat "$d/port")/metrics"
			echo "$h.samples $(metric_sum "$url" rondod_export_samples_sent_total)"
			echo "$h.bytes $(metric_sum "$url" rondod_export_bytes_sent_total)"
			echo "$h.rondod $(ticks "$(cat "$d/rondod.pid")")"
			echo "$h.generator $(ticks "$(cat "$d/generator.pid")")"
		done
		echo "vmagent.rows $(metric_sum "http://127.0.0.1:$PA/metrics" vmagent_remotewrite_global_rows_pushed_before_relabel_total)"
		echo "vmagent.bytes $(metric_sum "http://127.0.0.1:$PA/metrics" vmagent_remotewrite_bytes_sent_total)"
		echo "vmagent.cpu $(ticks "$AGENT_PID")"
		echo "vm.rows $(metric_sum "http://127.0.0.1:$PV/metrics" vm_rows_inserted_total)"
		echo "vm.cpu $(ticks "$VM_PID")"
	} >"$1"
}
snapshot "$WORK/t0"
t0=$(date +%s.%N)
sleep "$DURATION"
snapshot "$WORK/t1"
t1=$(date +%s.%N)

csv="$OUT/data/fleet.csv"
awk -v hz="$HZ" -v hosts="$HOSTS" -v vms="$VMS" -v t0="$t0" -v t1="$t1" -v csv="$csv" '
	NR == FNR { a[$1] = $2; next } { d[$1] = $2 - a[$1] }
	END {
		s = t1 - t0
		for (k in d) {
			split(k, p, ".")
			if (p[1] ~ /^host/) {
				if (p[2] == "samples") samples += d[k]
				if (p[2] == "bytes") bytes += d[k]
				if (p[2] == "rondod") rondod += d[k]
				if (p[2] == "generator") gen += d[k]
			}
		}
		printf "hosts,vms_per_host,duration_s,samples_per_s,wire_bytes_per_sample,rondod_cpu_pct_per_host,generator_cpu_pct_per_host,vmagent_rows_per_s,vmagent_wire_bytes_per_sample,vmagent_cpu_pct,victoria_rows_per_s,victoria_cpu_pct\n" > csv
		printf "%d,%d,%.0f,%.0f,%.2f,%.2f,%.2f,%.0f,%.2f,%.2f,%.0f,%.2f\n", hosts, vms, s,
			samples / s, samples ? bytes / samples : 0, 100 * rondod / hz / s / hosts,
			100 * gen / hz / s / hosts, d["vmagent.rows"] / s,
			d["vmagent.rows"] ? d["vmagent.bytes"] / d["vmagent.rows"] : 0,
			100 * d["vmagent.cpu"] / hz / s, d["vm.rows"] / s, 100 * d["vm.cpu"] / hz / s >> csv
		printf "rondods -> vmagent:  %.0f samples/s (expected %d), %.2f bytes/sample on the wire\n", samples / s, hosts * vms * 30, samples ? bytes / samples : 0
		printf "per host:            rondod %.2f %% of a core, the VMs'"'"' recording %.2f %%\n", 100 * rondod / hz / s / hosts, 100 * gen / hz / s / hosts
		printf "vmagent -> receiver: %.0f rows/s, %.2f bytes/sample; vmagent %.2f %% of a core\n", d["vmagent.rows"] / s, d["vmagent.rows"] ? d["vmagent.bytes"] / d["vmagent.rows"] : 0, 100 * d["vmagent.cpu"] / hz / s
		printf "VictoriaMetrics:     %.0f rows/s inserted, %.2f %% of a core\n", d["vm.rows"] / s, 100 * d["vm.cpu"] / hz / s
	}' "$WORK/t0" "$WORK/t1"
echo "wrote $csv"

have_gnuplot || exit 0
# one bar per kind of process, from the CSV's one row
awk -F, -v vms="$VMS" 'NR == 2 {
	printf "\"rondod, per host\" %s\n\"recording %d VMs, per host\" %s\n", $6, vms, $7
	printf "vmagent %s\nVictoriaMetrics %s\n", $10, $12 }' "$csv" >"$WORK/cpu.dat"
rate=$(awk -F, 'NR == 2 { print $4 }' "$csv")
gnuplot <<EOF
set terminal svg size 800,400 dynamic font "sans,12" background rgb "white"
set output "$OUT/img/fleet.svg"
set title "Benchmark D: $HOSTS hosts x $VMS VMs x 30 series at 1 Hz through vmagent ($rate samples/s)"
set ylabel "CPU, % of one core"
set style data histograms
set style fill solid 0.8 border -1
set grid ytics
set yrange [0:*]
set boxwidth 0.6
unset key
plot "$WORK/cpu.dat" using 2:xtic(1)
EOF
svg_tidy "$OUT/img/fleet.svg"
echo "wrote $OUT/img/fleet.svg"
