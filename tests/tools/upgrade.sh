#!/bin/sh
# upgrade.sh - stores written by the format-v1 and format-v2 libraries
# (tests/fixtures, made by the same program, so they hold the same points):
# the tools read each as its own library did (v1-store.dump, made by the v1
# `rondo dump`, which the v2 `rondo dump` of v2-store reproduces, is
# reproduced byte for byte), a writer is refused with the command to run,
# and `rondo upgrade` converts it without changing a point.
. "$top_srcdir/tests/tools/tap.sh"

fx="$top_srcdir/tests/fixtures"
for v in 1 2; do
    st="$T/store-v$v"
    cp -r "$fx/v$v-store" "$st" && chmod -R u+w "$st" || { echo "Bail out! no fixture"; exit 1; }

    golden "a v$v store dumps as the v$v library dumped it" "$fx/v1-store.dump" "$R" dump "$st"
    check "rondo verify passes a v$v store" "$R" verify "$st"
    if "$R" info "$st" | grep -qxF "format version $v: read-only until “rondo upgrade $st” converts it to 3"; then
        ok "rondo info names the version and the command (v$v)"
    else
        not_ok "rondo info names the version and the command (v$v)"
    fi
    fails "a writer of a v$v store is refused, naming rondo upgrade" 1 \
        "rondo: $st: store format version $v is read-only for this library: run \`rondo upgrade $st\`" \
        "$R" consolidate "$st"
    golden "rondo upgrade converts a v$v store" /dev/stdin "$R" upgrade "$st" <<OUT
$st: upgraded from format version $v to 3
OUT
    golden "the upgraded v$v store dumps the same points" "$fx/v1-store.dump" "$R" dump "$st"
    check "rondo verify passes the upgraded v$v store" "$R" verify "$st"
    check "a writer opens the upgraded v$v store" "$R" consolidate "$st"
    golden "a second upgrade of the v$v store changes nothing" /dev/stdin "$R" upgrade "$st" <<OUT
$st: already format version 3, nothing to do
OUT
done

done_testing
