#!/bin/sh
# fc-agent-load.sh - rondo-fc-agent with many Firecracker VMs at once, against
# tests/agent/fake-vmm.py (one process for all VMs, v1.16.1 lines of 316 fields).
#
#   bench/fc-agent-load.sh [BUILDDIR]   (default .; VMS=100 SECONDS=60 WORK=dir)
#
# All VMs appear within 2 s and live SECONDS. Prints how long until every VM's
# store was registered (its first reading recorded), the agent's CPU (user +
# system, % of one core) over the steady part (from 15 s until 5 s before the
# end), its RSS then (anonymous memory and mapped store files apart) and its
# peak RSS, the lines the VMs wrote, and the bytes per
# store. The fake's own CPU is not counted. WORK (default a fresh directory
# under TMPDIR) must be on the file system the stores would live on.
set -eu

BUILD=$(cd "${1:-.}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
VMS=${VMS:-100}
SECONDS_=${SECONDS:-60}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/fc-agent-load.XXXXXX")}
AGENT_PID=
FAKE_PID=
cleanup() {
	for pid in $FAKE_PID $AGENT_PID; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$WORK/run" "$WORK/state"
"$BUILD/agent/rondo-fc-agent" --watch-dir "$WORK/run" --state-dir "$WORK/state" \
	>"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
specs=$(awk -v n="$VMS" -v s="$SECONDS_" 'BEGIN { for (i = 0; i < n; i++) printf "fc:vm%03d:%.2f:%d ", i, 2 * i / n, s }')
start=$(date +%s.%N)
# shellcheck disable=SC2086 # one argument per VM
python3 "$SRC/tests/agent/fake-vmm.py" --root "$WORK/run" --ledger "$WORK/ledger" $specs &
FAKE_PID=$!

ticks() { awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat"; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$AGENT_PID/status"; }
hz=$(getconf CLK_TCK)

# every store registered: each VM's first reading recorded (rondo_fc_agent_lines_total exists)
ready=
while [ -z "$ready" ]; do
	n=$(find "$WORK/state" -name series.json -size +20k 2>/dev/null | wc -l)
	if [ "$n" -ge "$VMS" ]; then ready=$(echo "$(date +%s.%N) $start" | awk '{ printf "%.1f", $1 - $2 }'); fi
	sleep 0.2
done
sleep "$(echo "$ready" | awk '{ w = 15 - $1; print (w > 0 ? int(w) : 0) }')"
t0=$(date +%s.%N)
c0=$(ticks)
sleep $((SECONDS_ - 20))
t1=$(date +%s.%N)
c1=$(ticks)
rss=$(rss_kb)
hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$AGENT_PID/status")
anon=$(awk '$1 == "RssAnon:" { print $2 }' "/proc/$AGENT_PID/status")
file=$(awk '$1 == "RssFile:" { print $2 }' "/proc/$AGENT_PID/status")
wait "$FAKE_PID"
FAKE_PID=
sleep 3
kill "$AGENT_PID"
wait "$AGENT_PID" || true
AGENT_PID=
cpu=$(echo "$c0 $c1 $hz $t0 $t1" | awk '{ printf "%.1f", 100 * ($2 - $1) / $3 / ($5 - $4) }')
lines=$(cat "$WORK"/ledger/*.jsonl | wc -l)
bytes=$(du -sb "$WORK/state/vm000" | cut -f1)
finished=$(grep -c ': finished (' "$WORK/agent.log")
echo "VMs: $VMS x ${SECONDS_} s, 316 metrics each; lines written by the VMs: $lines"
echo "every store registered after: ${ready} s"
echo "agent CPU (steady): ${cpu}% of one core"
echo "agent RSS: $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB): $((anon / 1024)) MiB anonymous," \
	"$((file / 1024)) MiB the stores' mapped slabs (page cache, shared with readers)"
echo "stores finished: $finished; bytes per store: $bytes"
