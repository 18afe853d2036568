#!/bin/sh
# v1-store.sh - a store of format version 1 (tests/fixtures/v1-store, made by
# the v1 library) beside a current one: rondod serves both, logs the v1 one
# once with the command that converts it, and never tries to adopt it.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
cp -r "$top_srcdir/tests/fixtures/v1-store" "$STATE/old" && chmod -R u+w "$STATE/old"
printf '[rondod]\nrescan_interval=1\n' >"$SCRATCH/rondod.conf"
rondod_start "$SCRATCH/rondod.conf" --state-dir "$STATE" || {
	tap_fail "rondod starts"
	tap_done
	exit 1
}
http GET /metrics/info
expect "the v1 store is served beside the others" 200 '"name":"old"' '"name":"vm1"'
http GET "/api/v1/query?query=vm_exits_total&time=1700000045"
expect "its points are queried" 200 '"status":"success"' '"7"'
sleep 2.5 # two rescans and consolidation ticks
n=$(grep -c "store old: format version 1, served read-only and never adopted: stop its writer and run “rondo upgrade $STATE/old”" "$SCRATCH/rondod.log")
if [ "$n" -eq 1 ]; then
	tap_ok "logged once, with the command to run"
else
	tap_fail "logged once, with the command to run" "$n times: $(grep 'store old' "$SCRATCH/rondod.log")"
fi
if grep -q "store old: served read-only; rondod cannot finish" "$SCRATCH/rondod.log"; then
	tap_fail "no adoption is attempted"
else
	tap_ok "no adoption is attempted"
fi
tap_done
[ "$TAP_FAILED" -eq 0 ]
