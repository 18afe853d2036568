#!/bin/sh
# cli.sh - rondo and rondo-query end to end: every command, golden output
# for every format, every bad input's exit status and one-line error, and
# an exact import -> dump -> restore -> query round trip.
. "$top_srcdir/tests/tools/tap.sh"

START=1714564800
END=1714564859
ALL='{__name__=~".+"}'
st="$T/store"

# --- create and import
check "create --preset vmm" "$R" create "$st" --preset vmm --series-max 8
"$R" import "$st" <"$S/points.txt" >"$T/import.out" 2>"$T/import.err"
status=$?
if [ $status -eq 0 ] && grep -q "^imported 155 points (5 new series)" "$T/import.out"; then
    ok "import: 155 points into 5 series"
else
    not_ok "import" "exit $status" "$(cat "$T/import.out" "$T/import.err")"
fi

# --- golden outputs
golden "query --format csv, tier 0" "$G/query.csv" \
    "$R" query "$st" "$ALL" --start $START --end $END --tier 0 --format csv
golden "query --format json, tier 0" "$G/query.json" \
    "$R" query "$st" "$ALL" --start $START --end $END --tier 0 --format json
golden "query --tier 1 --function max (csv)" "$G/query-tier1.csv" \
    "$R" query "$st" "$ALL" --start $START --end $END --tier 1 --function max --format csv
golden "rondo-query table (no TTY)" "$G/query.table" \
    "$Q" --store "$st" "$ALL" --start 2024-05-01T12:00:00Z --end $END
golden "rondo-query table --raw: plain numbers" "$G/query-raw.table" \
    "$Q" --store "$st" "$ALL" --start 2024-05-01T12:00:00Z --end $END --raw
golden "rondo-query --chart" "$G/chart.txt" \
    "$Q" --store "$st" 'cpu_usage{vm="a"}' --start $START --end $END --chart
golden "rondo query and rondo-query agree (csv)" "$G/query.csv" \
    "$Q" --store "$st" "$ALL" --start $START --end $END --tier 0 --format csv

# --- JSON is valid JSON even with NaN and infinities
if command -v python3 >/dev/null 2>&1; then
    check "json output parses strictly" python3 -c '
import json, sys
def bad(c): raise ValueError(c)
json.load(open(sys.argv[1]), parse_constant=bad)' "$G/query.json"
else
    ok "json output parses strictly # SKIP no python3"
fi

# --- selectors pick several series
"$R" query "$st" '{__name__=~"cpu_.*",core!="1"}' --start $START --end $END --format csv \
    >"$T/sel.csv" 2>&1
if [ "$(cut -d, -f1-2 "$T/sel.csv" | sort -u | grep -c core)" -eq 1 ] &&
    grep -q '^"cpu_usage{core=""0""' "$T/sel.csv"; then
    ok "selector with =~ and != picks the right series"
else
    not_ok "selector with =~ and !=" "$(head -3 "$T/sel.csv")"
fi

# --- info, verify, consolidate
check "info" "$R" info "$st"
if grep -q "^series: 5" "$T/out" && grep -q "slots used 60 of 600" "$T/out" &&
    grep -q "writer: none" "$T/out"; then
    ok "info shows series, slot usage and writer"
else
    not_ok "info content" "$(head -5 "$T/out")"
fi
check "verify a sound store" "$R" verify "$st"
check "consolidate" "$R" consolidate "$st"

# --- schema files
check "create --schema" "$R" create "$T/two" --schema "$S/schema.conf"
check "import into two schemas" "$R" import "$T/two" <"$S/points.txt"
"$R" info "$T/two" >"$T/info2" 2>&1
if grep -q 'schema vcpu: 2 of 8 series' "$T/info2" && grep -q 'matches __name__=~"vcpu_.\*"' "$T/info2" &&
    grep -q 'schema rest: 3 of 8 series' "$T/info2"; then
    ok "schema file: matchers route series"
else
    not_ok "schema file routing" "$(head -8 "$T/info2")"
fi
grep -q 'cpu_usage{core="0",vm="a"} gauge, ratio: CPU time used per second, \\ by core$' "$T/info2" &&
    ok "import keeps # TYPE, # HELP and # UNIT with the series" ||
    not_ok "import keeps # TYPE, # HELP and # UNIT" "$(grep cpu_usage "$T/info2")"
# The writer's unit wins over the name's: "guest_mem" in bytes, "odd_seconds" plain.
"$R" create "$T/units" >/dev/null &&
    printf '# UNIT guest_mem bytes\n# UNIT odd_seconds ratio\nguest_mem 3145728 %s\nodd_seconds 2 %s\n' \
        "$END" "$END" | "$R" import "$T/units" >/dev/null &&
    "$Q" --store "$T/units" '{__name__=~".+"}' --start $START --end $END >"$T/units.table" 2>&1
if grep -q '^guest_mem .* 3 MiB' "$T/units.table" && grep -Eq '^odd_seconds +1 +0 +2 +2 +2 +2 ' "$T/units.table"; then
    ok "rondo-query formats values in the unit the writer registered"
else
    not_ok "rondo-query formats values in the registered unit" "$(cat "$T/units.table")"
fi
printf '[schema x]\nseries_max = 4\ntier = 1s:10:average,bogus\n' >"$T/bad.conf"
fails "bad schema file names file and line" 1 "rondo: $T/bad.conf:3: " \
    "$R" create "$T/bad" --schema "$T/bad.conf"

# --- round trip: import -> dump -> restore -> query is exact
"$R" dump "$T/two" >"$T/dump1.json" &&
    "$R" restore "$T/copy" <"$T/dump1.json" >/dev/null &&
    "$R" dump "$T/copy" >"$T/dump2.json"
if cmp -s "$T/dump1.json" "$T/dump2.json"; then
    ok "dump of the restored store equals the original dump"
else
    not_ok "dump round trip" "$(diff "$T/dump1.json" "$T/dump2.json" | head -5)"
fi
same=yes
VCPU='{__name__=~"vcpu_.*"}'
# Without a name, a matcher must refuse the empty value (as in Prometheus).
REST='{__name__!~"vcpu_.*",__name__=~".+"}'
while read -r sel args; do
    # shellcheck disable=SC2086
    "$R" query "$T/two" "$sel" --start $START --end $END $args --format json >"$T/a" 2>&1 &&
        "$R" query "$T/copy" "$sel" --start $START --end $END $args --format json >"$T/b" 2>&1 &&
        cmp -s "$T/a" "$T/b" || same="no ($sel $args)"
done <<EOT
$ALL --tier 0
$ALL --tier 1
$ALL --tier auto
$VCPU --tier 1 --function max
$VCPU --tier 1 --function count
$REST --tier 1 --function last
EOT
[ "$same" = yes ] && ok "queries on the restored store are identical" ||
    not_ok "restored queries" "$same"
check "verify the restored store" "$R" verify "$T/copy"

# --- bad inputs: exit status and one line on stderr
fails "missing store" 1 "rondo: $T/none" "$R" info "$T/none"
mkdir "$T/empty"
fails "not a store" 1 "rondo: $T/empty" "$R" query "$T/empty" x
cp -r "$T/copy" "$T/corrupt"
truncate -s 1000 "$T/corrupt/vcpu.1.slab"
fails "corrupt store: verify" 1 "rondo: $T/corrupt/vcpu.1.slab: " "$R" verify "$T/corrupt"
fails "corrupt store: query" 1 "rondo: $T/corrupt" "$R" query "$T/corrupt" x
fails "bad selector" 2 "rondo: parse error at char 5: expected a quoted string" "$R" query "$st" 'x{a=}'
fails "bad selector (rondo-query)" 2 "rondo-query: parse error at char 2: expected a label name" \
    "$Q" --store "$st" '{'
# Errors that say what to do.
fails "a store directory that does not exist" 1 "rondo-query: $T/none: no such directory\$" \
    "$Q" --store "$T/none" up
mkdir -p "$T/empty-dir"
fails "a directory that is not a store" 1 \
    "rondo-query: $T/empty-dir: not a rondo store (no meta.json); “rondo create $T/empty-dir” makes one\$" \
    "$Q" --store "$T/empty-dir" up
fails "an unknown metric: did you mean, exit 1" 1 \
    "rondo-query: $st: no series is called “cpu_usag”; did you mean “cpu_usage”?\$" \
    "$Q" --store "$st" cpu_usag
fails "an unknown metric, nothing near: rondo info lists them (csv too)" 1 \
    "rondo-query: $st: no series is called “zzz” (“rondo info $st” lists them)\$" \
    "$Q" --store "$st" 'zzz{a="b"}' --format csv
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null)
fails "rondod not running: how to start it" 1 \
    "rondo-query: http://127.0.0.1:$port: .*; is rondod running? (sudo systemctl start rondod)\$" \
    "$Q" --url "http://127.0.0.1:$port" up
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
    # A store shared with a group the user is not in: name the group to join.
    cp -r "$st" "$T/grp" && chgrp -R daemon "$T/grp" && chmod -R g+rwX,o-rwx "$T/grp" &&
        chmod 0755 "$T" && chmod g+s "$T/grp"
    fails "permission denied: the group to join" 1 \
        "rondo-query: $T/grp/meta.json: cannot open: .*; the store is shared with the group “daemon”: join it (sudo adduser nobody daemon) and log in again\$" \
        env LANG=C setpriv --reuid=nobody --regid=nogroup --clear-groups "$Q" --store "$T/grp" up
else
    ok "# SKIP permission denied: needs root and setpriv to act as another user"
fi
fails "bad range" 2 "rondo-query: “10x”" "$Q" --store "$st" x --range 10x
fails "bad time" 2 "rondo: “tomorrow”" "$R" query "$st" x --start tomorrow
fails "range ends before it starts" 2 "rondo: " "$R" query "$st" x --start $END --end $START
fails "bad tier" 2 "rondo: --tier" "$R" query "$st" x --tier fast
fails "bad format" 2 "rondo: --format" "$R" query "$st" x --format xml
fails "unknown option" 2 "rondo: " "$R" query --frobnicate "$st" x
fails "unknown option (rondo-query)" 2 "rondo-query: " "$Q" --frobnicate x
fails "unknown command" 2 "rondo: " "$R" frobnicate
fails "missing argument" 2 "rondo: missing DIR" "$R" info
fails "store and url together" 2 "rondo-query: " "$Q" --store "$st" --url http://x x
fails "create over a store" 1 "rondo: $st" "$R" create "$st"
fails "restore from garbage" 1 "rondo: restore: " sh -c "echo '{' | '$R' restore '$T/garbage'"
fails "restore from JSON nested 80000 deep" 1 "rondo: restore: standard input: JSON nested" \
    sh -c "(printf '{\"format\":'; head -c 80000 /dev/zero | tr '\\0' '['; head -c 80000 /dev/zero | tr '\\0' ']'; echo '}') | '$R' restore '$T/deep'"
fails "restore from a dump cut in the middle" 1 "rondo: restore: standard input: the JSON ends in the middle of a value" \
    sh -c "head -c 300 '$T/dump1.json' | '$R' restore '$T/cut'"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
json.dump({"format": d["format"], "version": 1, "series": d["series"], "schemas": d["schemas"]},
          open(sys.argv[2], "w"))' "$T/dump1.json" "$T/order.json"
fails "restore from a dump whose series come before its schemas" 1 "rondo: .*: not a rondo dump: .*schemas.* must come before .*series" \
    sh -c "'$R' restore '$T/order' <'$T/order.json'"
# Mistyped members: "not a rondo dump", never a GLib critical (fatal here).
if command -v python3 >/dev/null 2>&1; then
    k=0
    for edit in 'd["version"] = "1"' 'd["schemas"] = {}' 'd["schemas"][0]["matchers"] = 5' \
        'd["schemas"][0]["matchers"] = [{"label": 1, "op": "=", "value": "x"}]' \
        'd["schemas"][0]["tiers"][0]["functions"] = [1]' 'd["schemas"][0]["tiers"][0] = []' \
        'd["schemas"][0]["series_max"] = 2.5' 'd["series"][0]["labels"]["vm"] = 1' \
        'd["series"][0]["name"] = ["x"]' 'd["series"][0]["tiers"][0]["points"] = []' \
        'd["series"][0]["tiers"][0]["tier"] = "0"' \
        'd["series"][0]["tiers"][0]["points"]["last"][0] = "x"' \
        'd["series"][0]["tiers"][0]["points"]["last"][0][1] = 7' \
        'd["series"][0]["type"] = "histogram"' 'd["series"][0]["help"] = 3'; do
        k=$((k + 1))
        python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
$edit
json.dump(d, open(sys.argv[2], 'w'))" "$T/dump1.json" "$T/typed$k.json"
        fails "restore, mistyped member: $edit" 1 "rondo: .*: not a rondo dump: " \
            env G_DEBUG=fatal-criticals sh -c "'$R' restore '$T/typed$k' <'$T/typed$k.json'"
    done
fi
cp -r "$st" "$T/deep-meta" &&
    (printf '{"format":'; head -c 80000 /dev/zero | tr '\0' '[') >"$T/deep-meta/meta.json"
fails "info on a meta.json nested 80000 deep" 1 \
    "rondo: $T/deep-meta/meta.json: not valid JSON: nested deeper than 64 levels" \
    "$R" info "$T/deep-meta"
printf 'cpu_usage{vm="a",core="0"} 7 1714564810\nno_value\nm 1 2 3\nm{a=~"x"} 1 1714564811\n' \
    >"$T/bad.txt"
"$R" import "$st" <"$T/bad.txt" >"$T/out" 2>"$T/err"
status=$?
if [ $status -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 3 ] &&
    grep -q '^rondo: import: line 2: ' "$T/err" && grep -q '^rondo: import: line 4: ' "$T/err" &&
    grep -q '^imported 1 points' "$T/out"; then
    ok "bad import lines: reported by number, exit 1, valid lines kept"
else
    not_ok "bad import lines" "exit $status" "$(cat "$T/err")"
fi

# --- timestamps outside 2000-01-01 .. 2200-01-01 are refused with a unit hint
RANGE='is outside the range a store keeps, 2000-01-01 to 2200-01-01 UTC (946684800 to 7258118400 s)'
UNITS='A plain number is seconds; ms, us or ns after it name other units'
"$R" create "$T/range" --series-max 4 >/dev/null
printf 'm 1 17145648000000000000ns\nm 2 1714564800000\nm 3 1714564801\n' |
    "$R" import "$T/range" >"$T/out" 2>"$T/err"
status=$?
cat >"$T/want" <<EOT
rondo: import: line 1: timestamp “17145648000000000000ns” $RANGE; did you give seconds, milliseconds, microseconds or nanoseconds? $UNITS
rondo: import: line 2: timestamp “1714564800000” $RANGE; did you mean “1714564800000ms”? $UNITS (--format prometheus reads milliseconds)
EOT
if [ $status -eq 1 ] && cmp -s "$T/err" "$T/want" && grep -q '^imported 1 points' "$T/out"; then
    ok "import: out-of-range timestamps refused with line, value, range and unit hint"
else
    not_ok "import out of range" "exit $status" "$(diff "$T/want" "$T/err")"
fi
# The refused lines moved nothing: the head is the good line's, verify passes, and
# a real-time point is still taken.
if [ "$("$R" query "$T/range" m --tier 0 --start 1714564801 --format csv | tail -1 | cut -d, -f3)" = 3 ] &&
    "$R" verify "$T/range" >/dev/null && now=$(date +%s) &&
    echo "m 4 $now" | "$R" import "$T/range" | grep -q '^imported 1 points'; then
    ok "import: store sound after refused timestamps"
else
    not_ok "import: store sound after refused timestamps" "$("$R" info "$T/range" | grep head)"
fi

# --- long lines: bounded, reported, the rest kept; long names echoed cut
{ head -c 70000 /dev/zero | tr '\0' x; printf ' 1 1714564802\nm 5 1714564802\n'; } |
    "$R" import "$T/two" >"$T/out" 2>"$T/err"
status=$?
if [ $status -eq 1 ] && [ "$(cat "$T/err")" = "rondo: import: line 1: longer than 65536 bytes, skipped" ] &&
    grep -q '^imported 1 points' "$T/out"; then
    ok "import: a line over 64 KiB is skipped and reported"
else
    not_ok "import long line" "exit $status" "$(head -c 300 "$T/err")"
fi
{ head -c 3000 /dev/zero | tr '\0' '-'; printf ' 1 1714564802\n'; } |
    "$R" import "$T/range" >"$T/out" 2>"$T/err"
if [ "$(wc -c <"$T/err")" -lt 300 ] && grep -q -- '--…”' "$T/err"; then
    ok "import: a long bad name is echoed cut"
else
    not_ok "import long name" "$(wc -c <"$T/err") bytes on stderr"
fi

# --- a scrape of /metrics: Prometheus' and OpenMetrics' text formats
before=$(date +%s)
ago=$((before - 10))
cat >"$T/scrape.prom" <<EOT
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200"} 1027
http_requests_total{code="400"} 3 ${ago}500
# EOF
EOT
"$R" create "$T/scrape" --series-max 8 >/dev/null
if "$R" import --format prometheus --now "$T/scrape" <"$T/scrape.prom" >"$T/out" 2>"$T/err" &&
    grep -q '^imported 2 points (2 new series)' "$T/out" &&
    "$Q" --store "$T/scrape" 'http_requests_total{code="400"}' --range 1m --tier 0 --format csv |
    grep -q ",$ago,3,0\$" &&
    "$Q" --store "$T/scrape" 'http_requests_total{code="200"}' --range 1m --tier 0 \
        --format csv | awk -F, -v b="$before" 'NR > 1 && $2 >= b && $3 == 1027 { f = 1 } END { exit !f }'; then
    ok "import --format prometheus --now: milliseconds as written, no timestamp at the current time"
else
    not_ok "import --format prometheus --now" "$(cat "$T/out" "$T/err")" \
        "$("$Q" --store "$T/scrape" '{__name__=~".+"}' --range 1m --tier 0 --format csv)"
fi
"$R" create "$T/scrape-om" --series-max 8 >/dev/null
printf 'up{job="a"} 1 %s.25 # {trace_id="x"} 1.0 %s.2\n# EOF\n' "$ago" "$ago" >"$T/scrape.om"
if "$R" import --format openmetrics "$T/scrape-om" <"$T/scrape.om" >"$T/out" 2>"$T/err" &&
    grep -q '^imported 1 points' "$T/out"; then
    ok "import --format openmetrics: seconds, an exemplar after the value is left out"
else
    not_ok "import --format openmetrics" "$(cat "$T/out" "$T/err")"
fi
fails "import: no timestamp without --now says so" 1 \
    "rondo: import: line 1: expected SERIES VALUE TIMESTAMP, got “up 1” (--now gives samples without a timestamp the current time)\$" \
    sh -c "echo 'up 1' | '$R' import '$T/scrape' >/dev/null"
fails "import: an unknown --format" 2 "rondo: --format: “csv” is not one of rondo, prometheus, openmetrics\$" \
    "$R" import --format csv "$T/scrape"

# --- restore says what it kept and what it refused
sed 's/\[1714564800000000000,/[17145648000000000000,/' "$T/dump1.json" >"$T/far.json"
"$R" restore "$T/far" <"$T/far.json" >"$T/out" 2>"$T/err"
status=$?
if [ $status -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 5 ] &&
    grep -q "^rondo: restore: cpu_usage{core=\"0\",vm=\"a\"}: tier 0 last point 0: timestamp “-1301096073709551616” $RANGE (dumps hold nanoseconds)\$" "$T/err" &&
    grep -q '^restored .*: 166 of 171 points; refused 5 outside the valid time range, 0 older than their tier.s window; 0 not kept' "$T/out"; then
    ok "restore: out-of-range points refused, counted, reported"
else
    not_ok "restore out of range" "exit $status" "$(head -2 "$T/err")" "$(cat "$T/out")"
fi
sed 's/\[1714564859000000000,/[7000000000000000000,/' "$T/dump1.json" >"$T/late.json"
"$R" restore "$T/late" <"$T/late.json" >"$T/out" 2>"$T/err"
status=$?
if [ $status -eq 1 ] && grep -q '^restored .*: [0-9]* of 171 points; .* [1-9][0-9]* not kept' "$T/out"; then
    ok "restore: points a far-future point hides are not counted as restored"
else
    not_ok "restore far future" "exit $status" "$(cat "$T/out" "$T/err")"
fi

# --- --help and --version everywhere
all_help=yes
for c in create info import query verify dump restore consolidate bench; do
    "$R" "$c" --help >/dev/null 2>&1 || all_help="no ($c --help)"
    "$R" "$c" --version | grep -q "^rondo $c " || all_help="no ($c --version)"
done
"$Q" --help | grep -q -- --store || all_help="no (rondo-query --help)"
"$Q" --version | grep -q '^rondo-query ' || all_help="no (rondo-query --version)"
[ "$all_help" = yes ] && ok "--help and --version on every command" || not_ok "help" "$all_help"

# --- the German catalogue, when it has been built
mo="$top_builddir/po/de.gmo"
[ -f "$mo" ] || mo="$top_srcdir/po/de.gmo"
if [ -f "$mo" ]; then
    mkdir -p "$T/locale/de/LC_MESSAGES"
    cp "$mo" "$T/locale/de/LC_MESSAGES/rondo.mo"
    if RONDO_LOCALEDIR="$T/locale" LANGUAGE=de "$R" --help | grep -q "Befehle"; then
        ok "rondo --help in German"
    else
        not_ok "rondo --help in German"
    fi
    # The daemon and the VMM bind the same catalogue (when they are built).
    for p in "src/rondod:Konfigurationsdatei" "vmm/rondo-demo-vmm:Gast-RAM"; do
        prog="$top_builddir/${p%%:*}"
        if [ ! -x "$prog" ]; then
            ok "${p%%:*} --help in German # SKIP not built"
        elif RONDO_LOCALEDIR="$T/locale" LANGUAGE=de "$prog" --help | grep -q "${p#*:}"; then
            ok "${p%%:*} --help in German"
        else
            not_ok "${p%%:*} --help in German"
        fi
    done
else
    ok "rondo --help in German # SKIP po/de.gmo not built"
fi

done_testing
