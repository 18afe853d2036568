#!/bin/sh
# agent.sh - rondo-fc-agent end to end, against fake-vmm.py's VMs (neither
# Firecracker nor Cloud Hypervisor is in Debian):
#   a) discovery: VMs appear and leave under the watched directory - a steady
#      8 s Firecracker, one writing garbage, cut and 2 MiB lines, one whose API
#      never answers, one dying mid-line, one without an API socket, a Cloud
#      Hypervisor, and fourteen more starting and ending at random (the seed is
#      printed; RONDO_AGENT_SEED replays it);
#   b) every store holds exactly what its VM wrote (check-store.py): a point
#      per line per metric, running totals equal to the sums of the deltas;
#      an 8 s VM gives 7 or 8 points (its first and last second may fall
#      between two flushes);
#   c) bad input is counted in the store (rondo_fc_agent_*) and logged once;
#      a stalled VM makes no store and holds up no other VM;
#   d) each store is closed when its VM leaves (another writer can take it
#      while the agent still runs), and SIGTERM stops the agent at once;
#   e) single-VM mode (--metrics-fifo, --api-socket, --store) exits when its VM does;
#   f) rondod serving the state directory lists the stores' firecracker_* series.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

AGENT="$top_builddir/agent/rondo-fc-agent"
QUERY="$top_builddir/tools/rondo-query"
RONDO="$top_builddir/tools/rondo"
FAKE="$top_srcdir/tests/agent/fake-vmm.py"
CHECK="$top_srcdir/tests/agent/check-store.py"

command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$AGENT" ] && [ -x "$QUERY" ] || skip_all "build agent/rondo-fc-agent and tools/rondo-query first"

RUN=$SCRATCH/run
STATE=$SCRATCH/state
LEDGER=$SCRATCH/ledger
mkdir -p "$RUN" "$STATE" "$LEDGER" "$SCRATCH/single/solo"
AGENT_PID=
SOLO_PID=
stop_all() {
	for pid in $AGENT_PID $SOLO_PID; do kill "$pid" 2>/dev/null; done
}
trap 'stop_all; cleanup' EXIT

# last STORE SERIES: the newest tier-0 value of SERIES in STORE.
last() {
	"$QUERY" --store "$1" --tier 0 --format csv --range 15m "$2" | tail -n 1 | cut -d, -f3
}

finished() { [ "$(grep -c ': finished (' "$SCRATCH/agent.log")" -ge "$1" ]; }

SEED=${RONDO_AGENT_SEED:-$(date +%s)}
echo "# seed $SEED (RONDO_AGENT_SEED=$SEED replays it)"
RANDOM_VMS=$(python3 -c "
import random
r = random.Random($SEED)
print(' '.join('fc:r%d:%.1f:%d' % (i, r.uniform(0, 3), r.randint(2, 5)) for i in range(14)))")
VMS="fc:steady:0:8 fc:junk:0:6:garbage fc:stall:0:4:stall fc:cut:0.5:6:cut fc:quiet:0:5:nosocket
	ch:chv:0:6 $RANDOM_VMS"
N_VMS=$(echo $VMS | wc -w)

"$AGENT" --watch-dir "$RUN" --state-dir "$STATE" >"$SCRATCH/agent.log" 2>&1 &
AGENT_PID=$!
mkfifo "$SCRATCH/single/solo/metrics.fifo"
"$AGENT" --metrics-fifo "$SCRATCH/single/solo/metrics.fifo" \
	--api-socket "$SCRATCH/single/solo/api.sock" --store "$STATE/solo" >"$SCRATCH/solo.log" 2>&1 &
SOLO_PID=$!
wait_for 5 grep -q watching "$SCRATCH/agent.log" || tap_fail "the agent starts" "$(cat "$SCRATCH/agent.log")"

# shellcheck disable=SC2086 # one argument per VM
python3 "$FAKE" --root "$RUN" --ledger "$LEDGER" --seed "$SEED" $VMS &
FAKE1=$!
python3 "$FAKE" --root "$SCRATCH/single" --ledger "$LEDGER" fc:solo:0:4 &
FAKE2=$!
wait $FAKE1 $FAKE2
if wait_for 5 finished "$N_VMS"; then
	tap_ok "every VM's collector finished after its VM left ($N_VMS VMs)"
else
	tap_fail "every VM's collector finished after its VM left" "$(cat "$SCRATCH/agent.log")"
fi

# b) the stores against the ledgers
for vm in steady junk cut quiet chv $(seq -f 'r%g' 0 13) solo; do
	kind=fc
	[ "$vm" = chv ] && kind=ch
	if out=$(python3 "$CHECK" $kind "$STATE/$vm" "$LEDGER" "$vm" "$QUERY" 2>&1); then
		tap_ok "store $vm holds what its VM wrote: $out"
	else
		tap_fail "store $vm holds what its VM wrote" "$out"
	fi
done
points=$(python3 "$CHECK" fc "$STATE/steady" "$LEDGER" steady "$QUERY" | sed -n 's/.*, \([0-9/]*\) points each/\1/p')
case $points in
7 | 8) tap_ok "an 8 s VM gives $points points per metric" ;;
*) tap_fail "an 8 s VM gives 7 or 8 points per metric" "got: $points" ;;
esac
n=$(python3 "$CHECK" fc "$STATE/steady" "$LEDGER" steady "$QUERY" | cut -d' ' -f1)
if [ "$n" = 316 ]; then
	tap_ok "a Firecracker v1.16.1 line with 2 drives and 1 net gives 316 series"
else
	tap_fail "a Firecracker v1.16.1 line with 2 drives and 1 net gives 316 series" "got $n"
fi

# c) bad input counted and logged once
bad=$(last "$STATE/junk" rondo_fc_agent_bad_lines_total)
big=$(last "$STATE/junk" rondo_fc_agent_oversized_lines_total)
want=$(cat "$LEDGER/junk.bad")
if [ -n "$bad" ] && [ $((bad + big)) -eq "$want" ] && [ "$big" -ge 1 ]; then
	tap_ok "garbage, cut and oversized lines counted ($bad bad, $big oversized)"
else
	tap_fail "garbage, cut and oversized lines counted" "bad=$bad oversized=$big, the VM wrote $want"
fi
if [ "$(last "$STATE/cut" rondo_fc_agent_bad_lines_total)" = 1 ]; then
	tap_ok "a line cut by the VMM's death counted"
else
	tap_fail "a line cut by the VMM's death counted" "$(grep 'vm cut' "$SCRATCH/agent.log")"
fi
logged=$(grep -c 'vm junk: bad metrics line' "$SCRATCH/agent.log")
if [ "$logged" = 1 ] && grep -q 'vm stall: FlushMetrics failed: no answer' "$SCRATCH/agent.log"; then
	tap_ok "trouble logged once per VM"
else
	tap_fail "trouble logged once per VM" "$(cat "$SCRATCH/agent.log")"
fi
if [ ! -e "$STATE/stall" ] && grep -q 'vm stall: finished' "$SCRATCH/agent.log"; then
	tap_ok "a VM that never answers makes no store and ends"
else
	tap_fail "a VM that never answers makes no store and ends" "$(ls "$STATE")"
fi

# d) closed stores, a prompt stop
open=
for store in "$STATE"/*; do
	"$RONDO" import "$store" </dev/null >/dev/null 2>&1 || open="$open $store"
done
if [ -z "$open" ] && kill -0 "$AGENT_PID" 2>/dev/null; then
	tap_ok "every store is closed when its VM leaves, while the agent runs"
else
	tap_fail "every store is closed when its VM leaves, while the agent runs" "still open:$open"
fi
kill -TERM "$AGENT_PID"
if wait_for 5 sh -c "! kill -0 $AGENT_PID 2>/dev/null" && wait "$AGENT_PID"; then
	tap_ok "SIGTERM stops the agent, status 0"
else
	tap_fail "SIGTERM stops the agent, status 0" "$(tail -n 5 "$SCRATCH/agent.log")"
fi
AGENT_PID=

# e) single-VM mode ends with its VM
if wait_for 5 sh -c "! kill -0 $SOLO_PID 2>/dev/null" && wait "$SOLO_PID"; then
	tap_ok "single-VM mode exits 0 when its VM leaves"
else
	tap_fail "single-VM mode exits 0 when its VM leaves" "$(cat "$SCRATCH/solo.log")"
fi
SOLO_PID=

# f) rondod serves (and adopts) the stores
printf '[rondod]\nstate_dir=%s\n' "$STATE" >"$SCRATCH/rondod.conf"
if rondod_start "$SCRATCH/rondod.conf"; then
	http GET '/api/v1/series' -G --data-urlencode 'match[]={__name__=~"firecracker_block_.*",store="steady"}'
	expect "rondod lists the firecracker_* series of a finished VM's store" 200 \
		'"__name__":"firecracker_block_read_bytes_total"' '"device":"rootfs"' '"store":"steady"'
	http GET '/api/v1/series' -G --data-urlencode 'match[]={__name__=~"cloudhypervisor_.*"}'
	expect "rondod lists the cloudhypervisor_* series" 200 '"device":"_disk0"' '"store":"chv"'
else
	tap_fail "rondod starts on the agent's state directory"
fi
tap_done
