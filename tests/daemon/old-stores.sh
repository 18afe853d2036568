#!/bin/sh
# old-stores.sh - stores of format versions 1 and 2 (tests/fixtures, made by
# the libraries of those formats) beside a current one: rondod serves them,
# logs each once with the command that converts it, and never tries to adopt
# them; once `rondo upgrade` converts one under the running rondod, rondod
# reopens it, answers the same, and adopts it like any store whose writer is
# gone.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

RONDO="$top_builddir/tools/rondo"
command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] && [ -x "$RONDO" ] ||
	skip_all "build src/rondod, tools/rondo and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
for v in 1 2; do
	cp -r "$top_srcdir/tests/fixtures/v$v-store" "$STATE/old$v" && chmod -R u+w "$STATE/old$v"
done
printf '[rondod]\nrescan_interval=1\n' >"$SCRATCH/rondod.conf"
rondod_start_or_bail "$SCRATCH/rondod.conf" --state-dir "$STATE"
http GET /metrics/info
expect "the old stores are served beside the others" 200 '"name":"old1"' '"name":"old2"' '"name":"vm1"'
for v in 1 2; do
	http GET "/api/v1/query?query=vm_exits_total%7Bstore%3D%22old$v%22%7D&time=1700000045"
	expect "the v$v store's points are queried" 200 '"status":"success"' '"7"'
done
sleep 2.5 # two rescans and consolidation ticks
for v in 1 2; do
	n=$(grep -c "store old$v: format version $v, served read-only and never adopted: stop its writer and run “rondo upgrade $STATE/old$v”" "$SCRATCH/rondod.log")
	if [ "$n" -eq 1 ]; then
		tap_ok "v$v: logged once, with the command to run"
	else
		tap_fail "v$v: logged once, with the command to run" "$n times: $(grep "store old$v" "$SCRATCH/rondod.log")"
	fi
	if grep -q "store old$v: served read-only; rondod cannot finish" "$SCRATCH/rondod.log"; then
		tap_fail "v$v: no adoption is attempted"
	else
		tap_ok "v$v: no adoption is attempted"
	fi
done

# The operator converts the v2 store while rondod serves it.
if out=$("$RONDO" upgrade "$STATE/old2" 2>&1) && [ "$out" = "$STATE/old2: upgraded from format version 2 to 3" ]; then
	tap_ok "rondo upgrade converts the v2 store under rondod"
else
	tap_fail "rondo upgrade converts the v2 store under rondod" "$out"
fi
# rescans: the new meta.json is seen, the store reopened and adopted
wait_for 15 grep -qF "store old2: writer gone, adopted for consolidation" "$SCRATCH/rondod.log"
http GET "/api/v1/query?query=vm_exits_total%7Bstore%3D%22old2%22%7D&time=1700000045"
expect "the upgraded store answers the same" 200 '"status":"success"' '"7"'
for line in "store old2: re-created, reopening" "store old2: writer gone, adopted for consolidation"; do
	if grep -qF "$line" "$SCRATCH/rondod.log"; then
		tap_ok "logged: $line"
	else
		tap_fail "logged: $line" "$(grep 'store old2' "$SCRATCH/rondod.log")"
	fi
done
tap_done
[ "$TAP_FAILED" -eq 0 ]
