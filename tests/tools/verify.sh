#!/bin/sh
# verify.sh - rondo verify finds each kind of damage that hides data from
# readers yet passes rondo_store_open(): every case is one field written into
# a sound store, and verify must exit 1 naming the file and the problem.
. "$top_srcdir/tests/tools/tap.sh"

good="$T/good"
"$R" create "$good" --preset vmm --series-max 8 >/dev/null &&
    "$R" import "$good" <"$S/points.txt" >/dev/null || { echo "Bail out! no store"; exit 1; }
check "a sound store passes" "$R" verify "$good"

# Slab offsets (docs/storage-format.md): header head_ns 56; state
# filled_until_ns 64, first_ns 80; directory at 128, 32 bytes an entry, flags
# at +12; tier 0 (cell layout) has its cells from align64(128 + 32 * 8) = 384,
# 16 bytes a cell, ordered by slot: column c of slot r at 384 + 16 * (8 * r + c),
# its slot time at +0.
HEAD=56 FILLED=64 FIRST=80 DIR=128 TS=384
# The points are 1714564800 .. 1714564859 s: tier 0 (1 s x 600) holds slot
# time 1714564800 + r in ring slot r.
T0=1714564800000000000
H0=1714564859000000000

# poke FILE OFFSET VALUE: write VALUE (< 2^63) as a little-endian u64.
poke() {
    bytes="" i=0
    while [ $i -lt 8 ]; do
        bytes="$bytes$(printf '\\%03o' $((($3 >> (8 * i)) & 255)))"
        i=$((i + 1))
    done
    # shellcheck disable=SC2059
    printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
peek() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }

# damaged DESC FILE OFFSET VALUE EXPECTED-LINE: a copy of the good store with
# one u64 changed; verify exits 1 and prints EXPECTED-LINE (after "rondo: DIR/FILE: ";
# a leading ~ makes it a regular expression).
case_n=0
damaged() {
    d=$1 f=$2 off=$3 v=$4 want=$5
    case_n=$((case_n + 1))
    st="$T/bad$case_n"
    cp -r "$good" "$st"
    poke "$st/$f" "$off" "$v"
    "$R" verify "$st" >"$T/out" 2>"$T/err"
    got=$?
    case $want in
    "~"*) match() { grep -qx "rondo: $st/$f: ${want#\~}" "$T/err"; } ;;
    *) match() { grep -qxF "rondo: $st/$f: $want" "$T/err"; } ;;
    esac
    if [ $got -eq 1 ] && match && [ ! -s "$T/out" ]; then
        ok "$d"
    else
        not_ok "$d" "exit $got (want 1)" "want: $want" "$(head -3 "$T/err")"
    fi
}

damaged "tier-0 head moved back" vmm.0.slab $HEAD $((H0 - 10000000000)) \
    "slot time $H0 is after the head $((H0 - 10000000000)): the head was moved back, and what follows it is hidden"
damaged "first_ns after the head" vmm.0.slab $FIRST $((H0 + 1000000000)) \
    "first_ns $((H0 + 1000000000)) is after the head $H0: every point of the tier is hidden"
damaged "first_ns after stored slots" vmm.0.slab $FIRST $((T0 + 5000000000)) \
    "slot time $T0 is before first_ns $((T0 + 5000000000)), the oldest time ever stored"
damaged "used directory entry missing from series.json" vmm.0.slab $((DIR + 32 * 5 + 12)) 1 \
    "directory entry 5 is used but series.json does not list it: readers hide that series and a writer refuses the store"
damaged "directory entry of another series" vmm.1.slab $((DIR + 32 * 1)) 12345 \
    'directory entry 1 does not match series cpu_usage{core="1",vm="a"} in series.json'
damaged "slot time on another ring position" vmm.0.slab $((TS + 16 * 8 * 3)) $((T0 + 4000000000)) \
    "1 ring slots hold a time that is not theirs (the first, slot 3, holds $((T0 + 4000000000)))"
damaged "slot time off a slot boundary" vmm.0.slab $((TS + 16 * 8 * 3)) $((T0 + 3000000001)) \
    "1 ring slots hold a time that is not theirs (the first, slot 3, holds $((T0 + 3000000001)))"
H1=$(peek "$good/vmm.1.slab" $HEAD)
damaged "tier-1 consolidation cursor far after its head" vmm.1.slab $FILLED $((H1 + 100 * 10000000000)) \
    "filled_until_ns $((H1 + 100 * 10000000000)) is more than one bucket after the head $H1"
damaged "consolidation cursor set in tier 0" vmm.0.slab $FILLED $H0 \
    "filled_until_ns is $H0 in tier 0, where it is always 0"
FAR=$((($(date +%s) + 10 * 86400) * 1000000000))
damaged "head ten days in the future" vmm.0.slab $HEAD $FAR \
    "~the head $FAR is 8639[0-9][0-9] s in the future: points at the present time are refused as too old"
damaged "head beyond 2200" vmm.0.slab $HEAD 8000000000000000000 \
    "head_ns 8000000000000000000 is not a slot time in the valid range"
damaged "first_ns before 2000" vmm.0.slab $FIRST 1000000000 \
    "first_ns 1000000000 is not a slot time in the valid range"

done_testing
