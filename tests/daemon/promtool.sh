#!/bin/sh
# promtool.sh - Prometheus' own tools against rondod: `promtool check metrics` on
# /metrics, `promtool query instant` and `promtool query range` (POST form with GET
# fallback, as Grafana does). SKIPs when promtool (Debian: prometheus) is missing.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v promtool >/dev/null || skip_all "promtool is not installed (apt-get install prometheus)"
command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" --series 6 || skip_all "the fixture could not create stores"
CONF="$SCRATCH/rondod.conf"
: >"$CONF"
rondod_start_or_bail "$CONF" --state-dir "$STATE"

# /metrics twice, so that rondod's own histograms and counters have samples.
curl -s -o /dev/null "$URL/api/v1/query?query=1"
curl -s "$URL/metrics" >"$SCRATCH/metrics.txt"
if promtool check metrics <"$SCRATCH/metrics.txt" >"$SCRATCH/check.out" 2>&1; then
	tap_ok "promtool check metrics accepts /metrics"
else
	tap_fail "promtool check metrics accepts /metrics" "$(cat "$SCRATCH/check.out")"
fi
# The standard process_* metrics, with values that can be true of this rondod.
if awk -v now="$(date +%s)" '
	$1 == "process_cpu_seconds_total" && $2 >= 0 { n++ }
	$1 == "process_resident_memory_bytes" && $2 > 1048576 { n++ }
	$1 == "process_virtual_memory_bytes" && $2 > 1048576 { n++ }
	$1 == "process_open_fds" && $2 >= 3 { n++ }
	$1 == "process_max_fds" && $2 >= 64 { n++ }
	$1 == "process_start_time_seconds" && $2 > now - 600 && $2 <= now + 1 { n++ }
	END { exit n != 6 }' "$SCRATCH/metrics.txt"; then
	tap_ok "/metrics has the six process_* metrics with plausible values"
else
	tap_fail "/metrics has the six process_* metrics" "$(grep '^process_' "$SCRATCH/metrics.txt")"
fi
grep -q '^vm_extra_0{store="vm2",idx="0"}' "$SCRATCH/metrics.txt" &&
	tap_ok "/metrics carries the stored series with a store label" ||
	tap_fail "/metrics carries the stored series with a store label" "$(head -20 "$SCRATCH/metrics.txt")"
# The writers' descriptions: HELP escaped, TYPE and UNIT as registered, the name's
# convention for a series registered without one.
if grep -qx '# HELP vm_memory_bytes Guest memory\\nin use \\\\ total' "$SCRATCH/metrics.txt" &&
	grep -qx '# TYPE vm_memory_bytes gauge' "$SCRATCH/metrics.txt" &&
	grep -qx '# UNIT vm_cpu_seconds_total seconds' "$SCRATCH/metrics.txt" &&
	grep -qx '# TYPE vm_extra_0 untyped' "$SCRATCH/metrics.txt"; then
	tap_ok "/metrics carries the registered help, type and unit"
else
	tap_fail "/metrics carries the registered help, type and unit" "$(grep '^# ' "$SCRATCH/metrics.txt" | head -20)"
fi
curl -s "$URL/api/v1/metadata" >"$SCRATCH/metadata.json"
if python3 - "$SCRATCH/metadata.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["vm_cpu_seconds_total"] == [{"type": "counter", "help": "Time the vCPU ran", "unit": "seconds"}], d
assert d["vm_memory_bytes"][0]["help"] == "Guest memory\nin use \\ total", d
assert "vm_extra_0" not in d and list(d) == sorted(d), d
EOF
then
	tap_ok "/api/v1/metadata lists what the writers registered"
else
	tap_fail "/api/v1/metadata lists what the writers registered" "$(head -c 1000 "$SCRATCH/metadata.json")"
fi

# check OUTPUT_FILE NAME PATTERN
check() {
	if grep -q -- "$3" "$1"; then
		tap_ok "$2"
	else
		tap_fail "$2" "$(head -c 2000 "$1")"
	fi
}

promtool query instant "$URL" '1+1' >"$SCRATCH/q1" 2>&1
check "$SCRATCH/q1" "promtool query instant 1+1" '^scalar: 2 @'
promtool query instant --time="$END" "$URL" \
	'rate(vm_cpu_seconds_total{store="vm1",vcpu="0"}[1m])' >"$SCRATCH/q2" 2>&1
check "$SCRATCH/q2" "promtool query instant rate()" '{store="vm1", vcpu="0"} => 1 @\['"$END"'\]'
promtool query instant --time="$END" "$URL" 'sum by (store) (vm_memory_bytes)' >"$SCRATCH/q3" 2>&1
check "$SCRATCH/q3" "promtool query instant sum by (store)" '{store="vm2"} => 2009 @'
promtool query range --start="$((END - 120))" --end="$END" --step=60s "$URL" \
	'max_over_time(vm_memory_bytes{store="vm1"}[30s])' >"$SCRATCH/q4" 2>&1
check "$SCRATCH/q4" "promtool query range max_over_time" "^1009 @\[$END\]"
promtool query range --start="$((END - 120))" --end="$END" --step=1s "$URL" \
	'vm_memory_bytes{store="vm1"}' >"$SCRATCH/q5" 2>&1
check "$SCRATCH/q5" "promtool query range at 1 s reads tier 0" "^1009 @\[$END\]"
promtool query instant "$URL" 'nosuchfunction(x)' >"$SCRATCH/q6" 2>&1
check "$SCRATCH/q6" "promtool shows rondod's bad_data message" 'not supported'
promtool query series --match='vm_memory_bytes' "$URL" >"$SCRATCH/q7" 2>&1
check "$SCRATCH/q7" "promtool query series" 'store="vm2"'
promtool query labels "$URL" store >"$SCRATCH/q8" 2>&1
check "$SCRATCH/q8" "promtool query labels store" '^vm1$'

tap_done
[ "$TAP_FAILED" -eq 0 ]
