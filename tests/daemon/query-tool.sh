#!/bin/sh
# query-tool.sh - rondo-query evaluates PromQL on a local store with rondod's
# engine: for each expression, `rondo-query --store DIR` and `rondo-query --url`
# against a rondod serving the same store print the same CSV (rondod's answer
# carries the store label; the local one, of one store, leaves it out).
. "${top_srcdir:-.}/tests/daemon/lib.sh"

QUERY="$top_builddir/tools/rondo-query"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] && [ -x "$QUERY" ] ||
	skip_all "build src/rondod, tools/rondo-query and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" --series 4 || skip_all "the fixture could not create stores"
CONF="$SCRATCH/rondod.conf"
: >"$CONF"
rondod_start_or_bail "$CONF" --state-dir "$STATE"

START=$((END - 300))
n=0
while IFS= read -r expr; do
	n=$((n + 1))
	"$QUERY" --store "$STATE/vm1" "$expr" --start "$START" --end "$END" --step 15s --format csv \
		>"$SCRATCH/local.$n" 2>&1
	"$QUERY" --url "$URL" "$expr" --start "$START" --end "$END" --step 15s --format csv \
		>"$SCRATCH/url.$n" 2>&1
	sed 's/"{store=""vm1""}"/{}/; s/store=""vm1"",\{0,1\}//; s/,}/}/' "$SCRATCH/url.$n" \
		>"$SCRATCH/url-nostore.$n"
	lines=$(wc -l <"$SCRATCH/local.$n")
	if [ "$lines" -gt 1 ] && cmp -s "$SCRATCH/local.$n" "$SCRATCH/url-nostore.$n"; then
		tap_ok "same answer locally and from rondod: $expr ($((lines - 1)) points)"
	else
		tap_fail "same answer locally and from rondod: $expr" \
			"$(diff "$SCRATCH/local.$n" "$SCRATCH/url-nostore.$n" | head -8)"
	fi
done <<'EXPRS'
rate(vm_cpu_seconds_total{store="vm1"}[1m])
sum by (vcpu) (increase(vm_cpu_seconds_total{store="vm1"}[30s]))
vm_memory_bytes{store="vm1"} * 2 > 1000
topk(1, vm_cpu_seconds_total{store="vm1"})
max_over_time(vm_extra_0{store="vm1"}[45s] offset 30s)
EXPRS

# The table shows the expression's series without __name__, as PromQL drops it.
"$QUERY" --store "$STATE/vm1" 'rate(vm_cpu_seconds_total[1m])' --start "$START" --end "$END" \
	>"$SCRATCH/table" 2>&1
if grep -q '^{vcpu="0"} ' "$SCRATCH/table" && grep -q '^{vcpu="1"} ' "$SCRATCH/table"; then
	tap_ok "rondo-query prints rate() as a table"
else
	tap_fail "rondo-query prints rate() as a table" "$(cat "$SCRATCH/table")"
fi
# JSON: a series PromQL left without a name has no __name__, as in Prometheus' answer.
"$QUERY" --store "$STATE/vm1" 'sum by (vcpu) (rate(vm_cpu_seconds_total[1m]))' \
	--start "$START" --end "$END" --format json >"$SCRATCH/json" 2>&1
if grep -q '^{"metric":{"vcpu":"0"},"values":\[\[' "$SCRATCH/json" && ! grep -q '__name__' "$SCRATCH/json"; then
	tap_ok "rondo-query's JSON of a nameless series has no __name__"
else
	tap_fail "rondo-query's JSON of a nameless series has no __name__" "$(head -c 400 "$SCRATCH/json")"
fi
# Usage errors: PromQL's own message, exit 2; --tier with an expression.
"$QUERY" --store "$STATE/vm1" 'rate(x[1m]' >"$SCRATCH/err1" 2>&1
[ $? -eq 2 ] && grep -q 'rondo-query: parse error at char' "$SCRATCH/err1" &&
	tap_ok "a PromQL syntax error exits 2 with the parser's message" ||
	tap_fail "a PromQL syntax error exits 2" "$(cat "$SCRATCH/err1")"
"$QUERY" --store "$STATE/vm1" 'rate(x[1m])' --tier 1 >"$SCRATCH/err2" 2>&1
[ $? -eq 2 ] && grep -q 'tier and --function read a selector' "$SCRATCH/err2" &&
	tap_ok "--tier with an expression is refused, saying why" ||
	tap_fail "--tier with an expression is refused" "$(cat "$SCRATCH/err2")"

tap_done
[ "$TAP_FAILED" -eq 0 ]
