#!/bin/sh
# hardlink.sh - the same slab file in two stores (a hard link, made by
# someone who may write the state directory): one inotify watch serves
# both, and the removal of one store takes it from the other. rondod must
# then check the other's slabs before each query (slab-watch.c), so a
# truncation that follows sets that store aside instead of killing rondod
# with SIGBUS.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
mkdir "$STATE/vm3"
for f in "$STATE/vm2"/*; do
	case "$f" in
	*.slab) ln "$f" "$STATE/vm3/" ;;
	*) cp -p "$f" "$STATE/vm3/" ;;
	esac
done
printf '[rondod]\nrescan_interval=1\n' >"$SCRATCH/rondod.conf"
rondod_start_or_bail "$SCRATCH/rondod.conf" --state-dir "$STATE"
http GET /metrics/info
expect "the store and its hard-linked copy are served" 200 '"name":"vm2"' '"name":"vm3"'
# rondod adopts both (no writer), reopening each and watching its slabs
# anew: wait for that, then a query checks both, so that the next one
# skips the stores whose watches saw nothing.
adopted() { grep -q "store $1: writer gone, adopted" "$SCRATCH/rondod.log"; }
if wait_for 15 adopted vm2 && wait_for 15 adopted vm3; then
	tap_ok "both stores adopted"
else
	tap_fail "both stores adopted" "$(cat "$SCRATCH/rondod.log")"
fi
http GET "/api/v1/query?query=vm_memory_bytes&time=$END"
expect "a query reads both" 200 '"store":"vm2"' '"store":"vm3"'
rm -rf "$STATE/vm3"
if wait_for 10 grep -q 'store vm3: gone' "$SCRATCH/rondod.log"; then
	tap_ok "the copy is forgotten"
else
	tap_fail "the copy is forgotten"
fi
truncate -s 0 "$STATE/vm2/vmm.0.slab"
http GET "/api/v1/query?query=vm_memory_bytes%7Bstore%3D%22vm2%22%7D&time=$END"
expect "a query of the truncated store answers" 200 '"result":[]'
if kill -0 "$RONDOD_PID" 2>/dev/null && grep -q 'store vm2: not served: .*vmm.0.slab' \
	"$SCRATCH/rondod.log"; then
	tap_ok "rondod lives and sets the truncated store aside"
else
	tap_fail "rondod lives and sets the truncated store aside"
fi
tap_done
[ "$TAP_FAILED" -eq 0 ]
