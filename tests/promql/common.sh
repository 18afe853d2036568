# common.sh - the set-up the PromQL tests share (sourced after tests/daemon/lib.sh):
# the fixture stores with their OpenMetrics twin, and rondod serving them
# behind a bearer token, with max_samples lowered so that the tests can reach it.
PROMQL_FIXTURE="$top_builddir/tests/promql/promql-fixture"
PROMQL_TOKEN=promql-test-token
PROMQL_MAX_SAMPLES=50000

# promql_setup: sets STATE, OM (the OpenMetrics file), END, TOKEN_FILE and URL.
# PROMQL_END=UNIX_S replays a run whose fixture ended then (compare.sh prints
# its END: which tier answers near the edge of tier 0 depends on it).
promql_setup() {
	[ -x "$RONDOD" ] && [ -x "$PROMQL_FIXTURE" ] ||
		skip_all "build src/rondod and tests/promql/promql-fixture first"
	STATE="$SCRATCH/state"
	OM="$SCRATCH/samples.om"
	TOKEN_FILE="$SCRATCH/token"
	mkdir -p "$STATE"
	END=$("$PROMQL_FIXTURE" "$STATE" "$OM" ${PROMQL_END:+--end "$PROMQL_END"}) || skip_all "the fixture could not create stores"
	echo "$PROMQL_TOKEN" >"$TOKEN_FILE"
	printf '[rondod]\nauth_token_file=%s\n[limits]\nmax_samples=%s\n' \
		"$TOKEN_FILE" "$PROMQL_MAX_SAMPLES" >"$SCRATCH/rondod.conf"
	rondod_start_or_bail "$SCRATCH/rondod.conf" --state-dir "$STATE"
}
