#!/bin/sh
# dashboard.sh - the dashboard at / in Debian's headless chromium, checked by content.
#
# The page writes what it drew as data-* attributes (data/dashboard/dashboard.js says
# which); chromium's --dump-dom gives them back after --virtual-time-budget. Checked:
# one chart per metric, both VMs overlaid, every chart's x axis equal to the range in the
# URL (a preset, an absolute range, one without data), units in the axis ticks and the
# legend, a counter drawn as the rate that /api/v1/query_range gives for the chart's own
# query, the "no data in range" state, the default view written into the URL, top-N in a
# narrow window, no stale drawing when the view changes mid-refresh, and no script errors
# (data-errors and chromium's console log). Screenshots are kept (RONDOD_SCREENSHOT, and
# the same name with -empty / -narrow for two more views). SKIPs when chromium is missing.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (apt-get install chromium)"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

# Series 4: vm_cpu_seconds_total (2 series, a counter), vm_memory_bytes, vm_extra_0.
METRICS=3
STATE="$SCRATCH/state"
make_state "$STATE" --series 4 || skip_all "the fixture could not create stores"
CONF="$SCRATCH/rondod.conf"
: >"$CONF"
rondod_start_or_bail "$CONF" --state-dir "$STATE"

# chromium_run HASH [WIDTH] [chromium options]: the dashboard with that view (the page
# at $PAGE if set, else rondod's), the DOM taken after $BUDGET ms of virtual time.
BUDGET=5000
chromium_run() {
	hash=$1
	width=${2:-1200}
	shift 2
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$SCRATCH/profile.XXXXXX")" --window-size="$width,800" \
		--virtual-time-budget="$BUDGET" --enable-logging=stderr --v=0 "$@" "${PAGE:-$URL/}#$hash"
}

# dump NAME HASH [WIDTH [chromium options]]: the DOM of that view in $SCRATCH/NAME.html, chromium's log in NAME.log,
# and one line per chart in NAME.tsv: metric kind start end step state last points ticks query.
dump() {
	name=$1
	hash=$2
	width=${3:-1200}
	if [ $# -ge 3 ]; then shift 3; else shift $#; fi
	chromium_run "$hash" "$width" "$@" --dump-dom >"$SCRATCH/$name.html" 2>"$SCRATCH/$name.log"
	set -- "$name"
	python3 - "$SCRATCH/$1.html" >"$SCRATCH/$1.tsv" <<'EOF'
import html.parser, sys
class Charts(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "data-metric" in a:
            keys = ("metric", "kind", "range-start", "range-end", "step", "state", "last",
                    "points", "ticks", "query")
            print("\t".join(a.get("data-" + k, "") or "-" for k in keys))
Charts().feed(open(sys.argv[1]).read())
EOF
}

body_attr() { sed -n "s/.*<body[^>]*data-$2=\"\\([^\"]*\\)\".*/\\1/p" "$SCRATCH/$1.html" | head -n 1; }
chart_field() { awk -F '\t' -v m="$2" -v f="$3" '$1 == m { print $f }' "$SCRATCH/$1.tsv"; }

# check_page NAME STATE: the page finished in STATE with one chart per metric and no errors.
check_page() {
	state=$(body_attr "$1" state)
	charts=$(body_attr "$1" charts)
	errors=$(body_attr "$1" errors)
	if [ "$state" = "$2" ] && [ "$charts" = "$METRICS" ] &&
		[ "$(wc -l <"$SCRATCH/$1.tsv")" -eq "$METRICS" ]; then
		tap_ok "$1: $METRICS charts, state $state"
	else
		tap_fail "$1: $METRICS charts, state $2" "state=$state charts=$charts" \
			"$(head -c 1500 "$SCRATCH/$1.html")" "$(grep -v dbus "$SCRATCH/$1.log" | tail -5)"
	fi
	uncaught=$(grep -c 'Uncaught\|CONSOLE.*rror' "$SCRATCH/$1.log")
	if [ "$errors" = 0 ] && [ "$uncaught" = 0 ]; then
		tap_ok "$1: no script errors"
	else
		tap_fail "$1: no script errors" "data-errors=$errors" "$(grep 'CONSOLE\|Uncaught' "$SCRATCH/$1.log")"
	fi
}

# check_range NAME START END: every chart's x scale is [START, END] (END-START if START is -).
check_range() {
	bad=$(awk -F '\t' -v s="$2" -v e="$3" '
		s == "-" && $4 - $3 != e { print }
		s != "-" && ($3 != s || $4 != e) { print }' "$SCRATCH/$1.tsv")
	[ -z "$bad" ] && tap_ok "$1: every x axis is the chosen range ($2 .. $3)" ||
		tap_fail "$1: every x axis is the chosen range ($2 .. $3)" "$bad"
}

for f in index.html dashboard.js units.js dashboard.css uPlot.iife.js uPlot.css; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/$f")
	[ "$code" = 200 ] && tap_ok "GET /$f" || tap_fail "GET /$f" "status $code"
done

# 1. Two VMs over a preset range: the axis spans the preset, the charts have points.
dump preset "stores=vm1,vm2&range=15m&refresh=off"
check_page preset ready
check_range preset - 900
grep -q 'class="uplot' "$SCRATCH/preset.html" && tap_ok "preset: uPlot drew the charts" ||
	tap_fail "preset: uPlot drew the charts"
labels=$(grep -o 'u-label">vm[12] vcpu=[^<]*' "$SCRATCH/preset.html" | sed 's/.*>//' | sort | tr '\n' ,)
[ "$labels" = "vm1 vcpu=0,vm1 vcpu=1,vm2 vcpu=0,vm2 vcpu=1," ] &&
	tap_ok "preset: both VMs overlaid in one chart ($labels)" ||
	tap_fail "preset: both VMs overlaid in one chart" "legend labels: $labels"

# 2. One VM over an absolute range ending at the fixture's last point.
START=$((END - 300))
dump vm1 "stores=vm1&from=$START&to=$END&refresh=off"
check_page vm1 ready
check_range vm1 "$START" "$END"
[ "$(chart_field vm1 vm_cpu_seconds_total 2)" = counter ] &&
	[ "$(chart_field vm1 vm_memory_bytes 2)" = gauge ] && tap_ok "vm1: counter and gauge told apart" ||
	tap_fail "vm1: counter and gauge told apart" "$(cat "$SCRATCH/vm1.tsv")"

cpu_ticks=$(chart_field vm1 vm_cpu_seconds_total 9)
mem_ticks=$(chart_field vm1 vm_memory_bytes 9)
case "$cpu_ticks" in *" s/s"*) cpu_unit=1 ;; *) cpu_unit= ;; esac
mem_bad=$(echo "$mem_ticks" | tr '|' '\n' | grep -v ' \(B\|KiB\|MiB\|GiB\)$')
[ -n "$cpu_unit" ] && [ -n "$mem_ticks" ] && [ -z "$mem_bad" ] &&
	tap_ok "vm1: units on the y axes ($cpu_ticks; $mem_ticks)" ||
	tap_fail "vm1: units on the y axes" "cpu: $cpu_ticks" "memory: $mem_ticks"
grep -q 'u-value">1 s/s<' "$SCRATCH/vm1.html" && grep -q 'u-value">[0-9.]* \(B\|KiB\)<' "$SCRATCH/vm1.html" &&
	tap_ok "vm1: the legend shows values with units" ||
	tap_fail "vm1: the legend shows values with units" "$(grep -o 'u-value">[^<]*' "$SCRATCH/vm1.html")"

# The counter's chart holds the rate: its last value is what rondod answers to the
# chart's own query (vcpu 0 of vm1 counts 1 s per second in the fixture).
query=$(chart_field vm1 vm_cpu_seconds_total 10 | sed 's/&quot;/"/g; s/&amp;/\&/g')
step=$(chart_field vm1 vm_cpu_seconds_total 5)
last=$(chart_field vm1 vm_cpu_seconds_total 7)
qstart=$(((START + step - 1) / step * step))
want=$(curl -s -G "$URL/api/v1/query_range" --data-urlencode "query=$query" \
	--data-urlencode "start=$qstart" --data-urlencode "end=$END" --data-urlencode "step=$step" |
	python3 -c 'import json, sys; print(float(json.load(sys.stdin)["data"]["result"][0]["values"][-1][1]))')
case "$query" in
rate\(*) if python3 -c "import sys; sys.exit(not (abs(float('$last') - $want) < 1e-9 and abs($want - 1) < 1e-9))"; then
	tap_ok "vm1: the counter is drawn as its rate ($query: $last/s)"
else
	tap_fail "vm1: the counter is drawn as its rate" "chart: $last, query_range: $want, query: $query"
fi ;;
*) tap_fail "vm1: the counter is drawn as its rate" "query: $query" ;;
esac

# 3. A range without data: every chart says so, over the chosen range still.
ESTART=$((END - 300000))
EEND=$((END - 200000))
dump empty "stores=vm1,vm2&from=$ESTART&to=$EEND&refresh=off"
check_page empty empty
check_range empty "$ESTART" "$EEND"
nodata=$(grep -o '<p class="nodata">no data in range' "$SCRATCH/empty.html" | wc -l)
states=$(cut -f 6 "$SCRATCH/empty.tsv" | sort -u)
[ "$nodata" -eq "$METRICS" ] && [ "$states" = empty ] && tap_ok "empty: 'no data in range' on every chart" ||
	tap_fail "empty: 'no data in range' on every chart" "shown $nodata times, states: $states"

# 4. The default view (no hash, live refresh on) and a focused metric in a narrow window.
# The default view refreshes every 5 s, so its DOM is taken after 3 s of virtual time
# (room for three retries after a 429), before a refresh is due: one due at the
# budget's edge might leave the page "loading" when chromium dumps it. (This check
# failed once in CI's distcheck, the page's state not recorded; 5 to 8 s here pass.)
BUDGET=3000
dump default ""
BUDGET=5000
check_page default ready
view=$(body_attr default view | sed 's/&amp;/\&/g')
case "$view" in
"#stores=vm1&range=15m&refresh=5s") tap_ok "default: the URL holds the view chosen ($view)" ;;
*) tap_fail "default: the URL holds the view chosen" "data-view=$view" ;;
esac
dump narrow "stores=vm1,vm2&range=5m&metric=vm_cpu_seconds_total&top=3" 420
labels=$(grep -o 'u-label">vm[12][^<]*' "$SCRATCH/narrow.html" | sed 's/.*>//' | sort | tr '\n' ,)
[ "$(body_attr narrow charts)" = 1 ] && [ "$(body_attr narrow errors)" = 0 ] &&
	tap_ok "narrow: one metric focused, no errors" ||
	tap_fail "narrow: one metric focused, no errors" "$(head -c 1000 "$SCRATCH/narrow.html")"
# The slowest counter of the fixture is vcpu 0 of vm1 (1 s/s; the others 2, 2 and 4).
[ "$labels" = "vm1 vcpu=1,vm2 vcpu=0,vm2 vcpu=1," ] && grep -q 'data-series="3/4"' "$SCRATCH/narrow.html" &&
	tap_ok "narrow: the top 3 of 4 series leave out vm1 vcpu=0" ||
	tap_fail "narrow: the top 3 of 4 series leave out vm1 vcpu=0" "legend: $labels"

# 5. No race: the view changes (to vm2 over 5 minutes) while the first refresh (two VMs, 7
# days) waits for its answers; only the new view may be drawn. The page is index.html from
# a file, with a <base> at rondod (hence --disable-web-security) and a script that delays
# every answer to the first view by a second and changes the hash after 100 ms.
SLOW="<script>let slow = true; const real = window.fetch;
window.fetch = (url, opts) => new Promise((ok) => setTimeout(ok, slow ? 1000 : 0)).then(() => real(url, opts));
setTimeout(() => { slow = false; location.hash = 'stores=vm2\\&range=5m\\&refresh=off'; }, 100);</script>"
curl -s "$URL/index.html" | sed "s|<head>|<head><base href=\"$URL/\">$(echo "$SLOW" | tr '\n' ' ')|" \
	>"$SCRATCH/race-page.html"
PAGE="file://$SCRATCH/race-page.html" dump race "stores=vm1,vm2&range=7d&refresh=off" 1200 \
	--disable-web-security --allow-file-access-from-files
stores=$(grep -o 'u-label">vm[12]' "$SCRATCH/race.html" | sed 's/.*>//' | sort -u | tr '\n' ,)
view=$(body_attr race view | sed 's/&amp;/\&/g')
if [ "$stores" = "vm2," ] && [ "$view" = "#stores=vm2&range=5m&refresh=off" ] &&
	[ "$(body_attr race errors)" = 0 ] && [ "$(body_attr race state)" = ready ]; then
	tap_ok "race: a view changed mid-refresh draws only the new one"
else
	tap_fail "race: a view changed mid-refresh draws only the new one" "legend stores: $stores" \
		"view: $view" "$(grep -o '<body[^>]*>' "$SCRATCH/race.html")" "$(grep CONSOLE "$SCRATCH/race.log")"
fi

# Screenshots, as test artefacts.
SHOT="${RONDOD_SCREENSHOT:-$SCRATCH/dashboard.png}"
shoot() {
	chromium_run "$2" "$3" --screenshot="$1" >"$SCRATCH/shot.log" 2>&1
	if [ -s "$1" ] && [ "$(head -c 4 "$1" | tail -c 3)" = PNG ]; then
		tap_ok "screenshot $(basename "$1") ($(wc -c <"$1") bytes)"
	else
		tap_fail "screenshot $(basename "$1")" "$(grep -v dbus "$SCRATCH/shot.log" | tail -5)"
	fi
}
shoot "$SHOT" "stores=vm1,vm2&range=15m&refresh=off" 1200
if [ -n "${RONDOD_SCREENSHOT:-}" ]; then
	shoot "${SHOT%.png}-empty.png" "stores=vm1,vm2&from=$ESTART&to=$EEND&refresh=off" 1200
	shoot "${SHOT%.png}-narrow.png" "stores=vm1,vm2&range=5m&refresh=off" 420
fi

tap_done
[ "$TAP_FAILED" -eq 0 ]
