#!/bin/sh
# inline.sh - where rondod evaluates a query (handlers-prom.c, "Where a query
# runs"): a small one on the main loop, one that reads more than the inline
# budget (20 000 points) again in a worker thread with the whole max_samples.
# Both must answer as one path would: the same value, the same limit
# message. TAP output; rondod is always stopped at the end (lib.sh trap).
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

# 2 stores of 40 series, 10 minutes of 1 s points: 74 vm_extra_* series of
# 600 points, 44 400 points for a selector of them all over 10 minutes.
STATE="$SCRATCH/state"
make_state "$STATE" --series 40 || skip_all "the fixture could not create stores"

# start_with MAX_SAMPLES: rondod with that limit (stopping the one before).
start_with() {
	rondod_stop
	printf '[limits]\nmax_samples=%s\n' "$1" >"$SCRATCH/rondod.conf"
	rondod_start "$SCRATCH/rondod.conf" --state-dir "$STATE" || {
		tap_fail "rondod starts (max_samples=$1)"
		tap_done
		exit 1
	}
}

query() {
	http GET /api/v1/query --get --data-urlencode "query=$1" --data-urlencode "time=$END"
}

ALL='sum(count_over_time({__name__=~"vm_extra_.*"}[10m]))'
ONE='count_over_time(vm_extra_0{idx="0"}[10m])'

start_with 5000000
query "$ONE"
per_series=$(printf '%s' "$BODY" | sed -n 's/.*"value":\[[0-9.]*,"\([0-9]*\)"\].*/\1/p' | head -n 1)
expect "a small query answers" 200 '"resultType":"vector"'
total=$((74 * ${per_series:-0}))
[ "$total" -gt 20000 ] || tap_fail "the fixture gives the big query more than 20000 points" "$total"
query "$ALL"
expect "a query over the inline budget answers, from a worker thread" 200 "\"$total\""

# max_samples within the budget: reaching it on the main loop is the answer.
start_with 1500
query "$ALL"
expect_error "max_samples below the inline budget: 422 at once" 422 'max_samples=1500'
query "$ONE"
expect "a query under that max_samples answers" 200 "\"$per_series\""

# max_samples above the budget: the thread reaches the real limit.
start_with 30000
query "$ALL"
expect_error "max_samples above the inline budget: 422 from the thread" 422 'max_samples=30000'
start_with 50000
query "$ALL"
expect "max_samples above what the query reads: it answers" 200 "\"$total\""

# count_values() of a value new at every step: a series a step, each
# holding only its own steps as the answer, as an aggregation's argument
# and through an operator with a scalar or a function of each value, all
# the steps where they meet another vector's series, bounded by
# max_samples (eval-topk.c). rondod runs with max_samples=50000 here.
range_query() {
	http GET /api/v1/query_range --get --data-urlencode "query=$1" \
		--data-urlencode "start=$((END - 599))" --data-urlencode "end=$END" --data-urlencode step=1
}
series_count() { printf '%s' "$BODY" | grep -o '"metric"' | wc -l; }
EACH='count_values("v", vector(time()))'
# one_point_each NAME: the answer has 600 series, the newest with its one point.
one_point_each() {
	if [ "$CODE" = 200 ] && [ "$(series_count)" -eq 600 ] &&
		printf '%s' "$BODY" | grep -qF '"metric":{"v":"'"$END"'"},"values":[['"$END"','; then
		tap_ok "$1"
	else
		tap_fail "$1" "status $CODE, $(series_count) series"
	fi
}
range_query "$EACH"
one_point_each "$EACH over 600 steps: 600 series of one point"
range_query "count($EACH)"
if [ "$CODE" = 200 ] && [ "$(printf '%s' "$BODY" | grep -o ',"1"\]' | wc -l)" -eq 600 ]; then
	tap_ok "count() of it: 1 at each of the 600 steps"
else
	tap_fail "count() of it: 1 at each of the 600 steps" "status $CODE" "$BODY"
fi
range_query "clamp_min(2 * $EACH, 1) > bool 1"
one_point_each "clamp_min(2 * it, 1) > bool 1: still 600 series of one point"
MATCHED="$EACH + on() group_left vector(1)"
range_query "$MATCHED"
expect_error "matched with another vector, 600 series x 600 steps is past max_samples=50000" \
	422 'max_samples=50000'
start_with 400000
range_query "$MATCHED"
one_point_each "... and within max_samples=400000: 600 series of one point"

http GET /healthz
expect "rondod still serves" 200 ok
tap_done
