#!/bin/sh
# upgrade.sh - a store written by the format-v1 library (tests/fixtures):
# the tools read it as v1 did (its dump, made by the v1 `rondo dump`, is
# reproduced byte for byte), a writer is refused with the command to run,
# and `rondo upgrade` converts it without changing a point.
. "$top_srcdir/tests/tools/tap.sh"

fx="$top_srcdir/tests/fixtures"
st="$T/store"
cp -r "$fx/v1-store" "$st" && chmod -R u+w "$st" || { echo "Bail out! no fixture"; exit 1; }

golden "a v1 store dumps as the v1 library dumped it" "$fx/v1-store.dump" "$R" dump "$st"
check "rondo verify passes a v1 store" "$R" verify "$st"
if "$R" info "$st" | grep -qxF "format version 1: read-only until “rondo upgrade $st” converts it to 2"; then
    ok "rondo info names the version and the command"
else
    not_ok "rondo info names the version and the command"
fi
fails "a writer is refused, naming rondo upgrade" 1 \
    "rondo: $st: store format version 1 is read-only for this library: run \`rondo upgrade $st\`" \
    "$R" consolidate "$st"
golden "rondo upgrade converts it" /dev/stdin "$R" upgrade "$st" <<OUT
$st: upgraded from format version 1 to 2
OUT
golden "the upgraded store dumps the same points" "$fx/v1-store.dump" "$R" dump "$st"
check "rondo verify passes the upgraded store" "$R" verify "$st"
check "a writer opens it" "$R" consolidate "$st"
golden "a second upgrade changes nothing" /dev/stdin "$R" upgrade "$st" <<OUT
$st: already format version 2, nothing to do
OUT

done_testing
