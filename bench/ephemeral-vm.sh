#!/bin/sh
# ephemeral-vm.sh - benchmark C: what is left of a short-lived VM's metrics.
# The real demo VMM (vmm/rondo-demo-vmm, built-in guest) runs VMs one after
# the other, each for its life; one rondod serves their stores, pushes them
# by remote-write to a Prometheus 2.42 receiver, and exposes /metrics, which
# a second Prometheus scrapes every 15 s (the pull model). For every VM, the
# points of vcpu_exits_total{reason="io"} (written every second of the
# guest's life) counted over the VM's life in three places: its store
# (rondod's /api/v1/query), the remote-write receiver, the scraper.
#
#   bench/ephemeral-vm.sh [BUILDDIR]   (default .)
#   LIVES="30 45 30 45"   the VMs' lives in seconds, in order (default)
#   BENCH_SMOKE=1         LIVES="3 3" and a 2 s scrape: checks the script only
#   BENCH_OUT=DIR         where data/ephemeral-vm.csv and img/ephemeral-vm.svg
#                         go (default BUILDDIR/bench-out)
# Needs /dev/kvm (root or group kvm) and prometheus; prints SKIP otherwise.
set -eu
. "$(dirname "$0")/lib.sh"

BUILD=$(cd "${1:-.}" && pwd)
SCRAPE=15
if [ -n "${BENCH_SMOKE:-}" ]; then
	LIVES=${LIVES:-3 3}
	SCRAPE=2
fi
LIVES=${LIVES:-30 45 30 45}
OUT=${BENCH_OUT:-$BUILD/bench-out}
if [ ! -w /dev/kvm ]; then
	echo "SKIP ephemeral-vm: /dev/kvm is missing or not writable (run as root or in group kvm)"
	exit 0
fi
if ! command -v prometheus >/dev/null; then
	echo "SKIP ephemeral-vm: prometheus is not installed (apt-get install prometheus)"
	exit 0
fi
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/ephemeral-vm.XXXXXX")
PIDS=
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$OUT/data" "$OUT/img" "$WORK/state" "$WORK/cursors"

# count URL EXPR TIME -> the first value of an instant query, 0 when empty
count() {
	curl -sf --data-urlencode "query=$2" --data-urlencode "time=$3" "$1/api/v1/query" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)'
}

PR=$(free_port)
PS=$(free_port)
PD=$(free_port)
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/receiver.yml"
prometheus --config.file="$WORK/receiver.yml" --web.enable-remote-write-receiver \
	--storage.tsdb.path="$WORK/receiver" --web.listen-address="127.0.0.1:$PR" \
	>"$WORK/receiver.log" 2>&1 &
PIDS="$PIDS $!"
printf 'global:\n  scrape_interval: %ss\nscrape_configs:\n  - job_name: rondod\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' \
	"$SCRAPE" "$PD" >"$WORK/scraper.yml"
prometheus --config.file="$WORK/scraper.yml" --storage.tsdb.path="$WORK/scraper" \
	--web.listen-address="127.0.0.1:$PS" >"$WORK/scraper.log" 2>&1 &
PIDS="$PIDS $!"
printf '[export]\nurl=http://127.0.0.1:%s/api/v1/write\ncursor_dir=%s\n' "$PR" "$WORK/cursors" \
	>"$WORK/rondod.conf"
"$BUILD/src/rondod" --config "$WORK/rondod.conf" --state-dir "$WORK/state" \
	--listen "127.0.0.1:$PD" >"$WORK/rondod.log" 2>&1 &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$PR/-/ready"
wait_http "http://127.0.0.1:$PS/-/ready"
wait_http "http://127.0.0.1:$PD/readyz"

echo "== benchmark C: ephemeral VMs ($(date -u '+%Y-%m-%d %H:%M UTC'); lives: $LIVES s; scrape every $SCRAPE s)"
i=0
for life in $LIVES; do
	i=$((i + 1))
	vm=vm$i
	start=$(date +%s)
	"$BUILD/vmm/rondo-demo-vmm" --store "$WORK/state/$vm" --vm-id "$vm" \
		--workload-seconds "$life" --timeout $((life + 60)) >"$WORK/$vm.log" 2>&1 ||
		{ tail -n 5 "$WORK/$vm.log" >&2; exit 1; }
	end=$(date +%s)
	echo "$vm $life $start $end" >>"$WORK/vms"
done
# rondod pushes every 10 s: let the last VM's points reach the receiver.
sleep 25

csv="$OUT/data/ephemeral-vm.csv"
echo "vm,life_s,expected,store,remote_write,scrape_${SCRAPE}s" >"$csv"
printf '%-5s %6s %9s %7s %13s %10s\n' vm life expected store remote-write "scrape ${SCRAPE}s"
while read -r vm life start end; do
	window=$((end - start + 2))
	at=$((end + 1))
	q="count_over_time(vcpu_exits_total{reason=\"io\",store=\"$vm\"}[${window}s])"
	s=$(count "http://127.0.0.1:$PD" "$q" "$at")
	r=$(count "http://127.0.0.1:$PR" "$q" "$at")
	p=$(count "http://127.0.0.1:$PS" "$q" "$at")
	# the guest's workload seconds plus the boot second (docs/benchmarks.md, S4)
	printf '%-5s %6s %9s %7s %13s %10s\n' "$vm" "$life" $((life + 1)) "$s" "$r" "$p"
	echo "$vm,$life,$((life + 1)),$s,$r,$p" >>"$csv"
done <"$WORK/vms"
echo "wrote $csv"

have_gnuplot || exit 0
gnuplot <<EOF
set terminal svg size 800,420 dynamic font "sans,12" background rgb "white"
set output "$OUT/img/ephemeral-vm.svg"
set datafile separator ","
set datafile columnheaders
set title "Benchmark C: points of one series captured per short-lived VM"
set ylabel "points over the VM's life"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key below
set yrange [0:*]
plot "$csv" using 3:xtic(stringcolumn(1) . " (" . stringcolumn(2) . " s)") title "expected (life + boot second)", \
     "" using 4 title "in its store", "" using 5 title "remote-write receiver", \
     "" using 6 title "Prometheus scraping rondod every ${SCRAPE} s"
EOF
svg_tidy "$OUT/img/ephemeral-vm.svg"
echo "wrote $OUT/img/ephemeral-vm.svg"
