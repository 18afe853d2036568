#!/bin/sh
# read.sh - POST /api/v1/read with crafted requests (read-check.py, which writes
# protobuf and snappy by hand): matchers, time ranges, several queries, tiers
# and hints, and every refusal, checked against the fixture's own samples.
. "${top_srcdir:-.}/tests/daemon/lib.sh"
. "$top_srcdir/tests/promql/common.sh"

command -v python3 >/dev/null || skip_all "python3 is not installed"
promql_setup

python3 "$top_srcdir/tests/promql/read-check.py" "$URL" "$PROMQL_TOKEN" "$OM" "$END" \
	"$PROMQL_MAX_SAMPLES" >"$SCRATCH/checks" 2>&1
status=$?
TAB=$(printf '\t')
while IFS="$TAB" read -r verdict name detail; do
	case "$verdict" in
	ok) tap_ok "$name" ;;
	"not ok") tap_fail "$name" "$detail" ;;
	*) tap_fail "read-check.py output" "$verdict $name $detail" ;;
	esac
done <"$SCRATCH/checks"
[ $status -eq 0 ] || [ "$TAP_FAILED" -gt 0 ] || tap_fail "read-check.py exits with status 0"

tap_done
[ "$TAP_FAILED" -eq 0 ]
