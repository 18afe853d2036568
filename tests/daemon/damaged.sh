#!/bin/sh
# damaged.sh - a slab truncated under rondod's map: the store is set aside
# (said in the log), the other stores are still served, and rondod, which
# would have died of SIGBUS on the next read, lives on. A slab extended is
# set aside too.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
printf '[rondod]\nrescan_interval=1\n' >"$SCRATCH/rondod.conf"
rondod_start_or_bail "$SCRATCH/rondod.conf" --state-dir "$STATE"
http GET /metrics/info
expect "both stores served" 200 '"name":"vm1"' '"name":"vm2"'

truncate -s 0 "$STATE/vm1/vmm.0.slab"
# First a query that reads the damaged store alone: a query checks the
# stores its selectors match (and only those) before it reads them.
http GET "/api/v1/query?query=vm_memory_bytes%7Bstore%3D%22vm1%22%7D&time=$END"
expect "a query of the damaged store alone answers" 200 '"result":[]'
http GET /metrics/info
expect "the other store is still served" 200 '"name":"vm2"'
case "$BODY" in
*'"name":"vm1"'*) tap_fail "the damaged store is set aside" "body: $BODY" ;;
*) tap_ok "the damaged store is set aside" ;;
esac
http GET "/api/v1/query?query=vm_memory_bytes&time=$END"
expect "PromQL over the stores left" 200 '"status":"success"'
sleep 1.5 # a consolidation tick of the adopted store
wait_for 10 grep -q 'store vm1: not served: .*vmm.0.slab' "$SCRATCH/rondod.log"
if kill -0 "$RONDOD_PID" 2>/dev/null && grep -q 'store vm1: not served: .*vmm.0.slab' \
	"$SCRATCH/rondod.log"; then
	tap_ok "rondod lives and says which file"
else
	tap_fail "rondod lives and says which file"
fi
# An extension changes no page rondod maps, but the store is no longer what
# it mapped: set aside as well (rondod watches the slab files for either,
# slab-watch.c, and checks only the stores whose files changed).
truncate -s +4096 "$STATE/vm2/vmm.0.slab"
http GET "/api/v1/query?query=vm_memory_bytes&time=$END"
expect "a query after an extension answers" 200 '"status":"success"'
if grep -q 'store vm2: not served: .*vmm.0.slab.*extended' "$SCRATCH/rondod.log"; then
	tap_ok "the extended store is set aside at the next query"
else
	tap_fail "the extended store is set aside at the next query"
fi
tap_done
[ "$TAP_FAILED" -eq 0 ]
