#!/bin/sh
# resize.sh - `rondo resize` on a store whose schema is full (the demo VMM's
# case): refused while a writer holds it, refused to shrink, then grown;
# every point dumps as before, the new series register and record, and
# series.json keeps keys this rondo does not know.
. "$top_srcdir/tests/tools/tap.sh"

st="$T/store"
"$R" create -n 2 "$st" >/dev/null || { echo "Bail out! cannot create"; exit 1; }
i=0
while [ $i -lt 700 ]; do
    echo "vcpu_exits_total{vcpu=\"0\"} $i $((1700000000 + i))"
    echo "vcpu_exits_total{vcpu=\"1\"} $((i * 3)).25 $((1700000000 + i))"
    i=$((i + 1))
done >"$T/points"
check "the schema fills" "$R" import "$st" <"$T/points"
echo 'vcpu_exits_total{vcpu="2"} 1 1700000699' >"$T/third"
if ! "$R" import "$st" <"$T/third" >/dev/null 2>"$T/err" &&
    grep -q "schema “vmm” is full (series_max 2)" "$T/err"; then
    ok "a third series does not fit"
else
    not_ok "a third series does not fit" "$(cat "$T/err")"
fi
# Keys another rondo may write into each entry (metadata): kept as they are.
sed 's/"name"/"unit" : "1", "name"/' "$st/series.json" >"$T/series.json" &&
    cp "$T/series.json" "$st/series.json"
"$R" dump "$st" >"$T/before.json"

# A writer that holds the store until its input closes; polled until it has
# the lock (flock(1) on the directory, as librondo locks it), not slept on.
mkfifo "$T/input"
"$R" import "$st" <"$T/input" >/dev/null &
exec 3>"$T/input"
i=0
while flock -n -s "$st" true && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
fails "a resize is refused while a writer runs, saying what to do" 1 \
    "rondo: $st: another writer holds the store (pid [0-9]*); a resize needs the store to itself: stop its writer" \
    "$R" resize "$st" --series-max 4
exec 3>&-
wait
fails "series_max cannot shrink" 1 \
    "rondo: $st: schema “vmm”: series_max 1 is smaller than its 2; shrinking is not supported" \
    "$R" resize "$st" --series-max 1
fails "a tier cannot shrink" 1 "rondo: $st: schema “vmm”: tier 1: 100 slots are fewer than its 2160" \
    "$R" resize "$st" --tier 10s:100
fails "a new tier goes after the last one" 2 "rondo: --tier 2s:10: no tier has this interval" \
    "$R" resize "$st" --tier 2s:10
if "$R" resize "$st" --series-max 4 --tier 1s:900 --tier 10s:4320 --add-cf min --tier 1h:168 \
    >"$T/out" 2>"$T/err" && grep -q "^$st: resized; the store now takes [0-9]* bytes\$" "$T/out"; then
    ok "rondo resize grows the schema"
else
    not_ok "rondo resize grows the schema" "$(cat "$T/out" "$T/err")"
fi
check "rondo verify passes the resized store" "$R" verify "$st"
"$R" dump "$st" >"$T/after.json"
# The points of a dump, without the empty lists of added tiers and functions.
points_of() {
    python3 - "$1" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["series"]:
    for t in s["tiers"]:
        for f, points in sorted(t["points"].items()):
            if points:
                print(s["name"], json.dumps(s["labels"], sort_keys=True), t["tier"], f, points)
PY
}
points_of "$T/before.json" >"$T/before.series"
points_of "$T/after.json" >"$T/after.series"
check "the dump before has points of three tiers" grep -q "^vcpu_exits_total .* 2 average" "$T/before.series"
golden "every point dumps as before" "$T/before.series" cat "$T/after.series"
if grep -q '"unit" : "1", "name"' "$st/series.json"; then
    ok "series.json keeps the keys it had"
else
    not_ok "series.json keeps the keys it had"
fi
check "the grown schema takes two more series" "$R" import "$st" <<EOF_POINTS
vcpu_exits_total{vcpu="2"} 1 1700000699
vcpu_exits_total{vcpu="3"} 2 1700000699
EOF_POINTS
if "$R" info "$st" | grep -q "4 of 4 series"; then ok "rondo info counts 4 of 4"; else
    not_ok "rondo info counts 4 of 4" "$("$R" info "$st" | head -5)"
fi
golden "a resize to the same size changes nothing" /dev/stdin \
    "$R" resize "$st" --series-max 4 <<OUT
$st: already this size, nothing to do
OUT

# Two schemas: the one to grow is named; the other keeps its files.
two="$T/two"
"$R" create --schema "$S/schema.conf" "$two" >/dev/null
fails "with two schemas, --schema is needed" 2 "rondo: the store has 2 schemas: name one with --schema" \
    "$R" resize "$two" --series-max 9
fails "an unknown schema is named" 2 "rondo: --schema: the store has no schema “nope”" \
    "$R" resize "$two" --schema nope --series-max 9
cp "$two/vcpu.0.slab" "$T/vcpu.0.slab"
check "--schema rest grows that schema" "$R" resize "$two" --schema rest --tier 1s:90 --tier 1h:24
if cmp -s "$two/vcpu.0.slab" "$T/vcpu.0.slab" && "$R" info "$two" | grep -q "tier 2: 1h × 24 slots"; then
    ok "the other schema's slabs are the same bytes; rest has its new tier"
else
    not_ok "the other schema's slabs are the same bytes; rest has its new tier" "$("$R" info "$two" | tail -12)"
fi

done_testing
