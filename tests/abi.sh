#!/bin/sh
# abi.sh - each library exports exactly the functions its header declares,
# every one under the library's version node (TAP):
#   librondo         lib/rondo.h and lib/rondo-record.h   RONDO_API   RONDO_0
#   librondo-export  lib/rondo-export.h  RONDO_EXPORT_API  RONDO_EXPORT_0
set -u
libs="${top_builddir:-.}/lib/.libs"
src="${top_srcdir:-.}/lib"
echo "1..6"
n=0

# check SO "HEADER..." MACRO NODE MIN: three test points.
check() {
  so=$1 hdr=$2 macro=$3 node=$4 min=$5 name=$(basename "$1")
  headers=$(for h in $hdr; do basename "$h"; done | paste -sd+)
  if [ ! -f "$so" ]; then
    for _ in 1 2 3; do n=$((n + 1)); echo "not ok $n - $so not built"; done
    return
  fi
  exported=$(nm -D --defined-only "$so" | awk -v node="$node" '$3 != node { print $3 }' | sort)
  # A declaration starts on a line with the header's export macro and runs to
  # its ';' (clang-format may put the name on the next line); names mentioned
  # in comments (the other library's functions) do not count.
  declared=$(awk -v m="$macro" '$1 == m { d = 1 } d { printf "%s ", $0 } /;/ { if (d) print ""; d = 0 }' $hdr |
    grep -o '^[^(]*(' | grep -o 'rondo_[a-z0-9_]*($' | tr -d '(' | sort -u)
  plain=$(echo "$exported" | sed "s/@@$node\$//" | sort)
  n=$((n + 1))
  if [ "$plain" = "$declared" ]; then echo "ok $n - $name exports match $headers"; else
    echo "not ok $n - $name exports differ from $headers (< declared only, > exported only):"
    tmp=$(mktemp)
    printf '%s\n' "$declared" >"$tmp"
    printf '%s\n' "$plain" | diff "$tmp" - | sed 's/^/# /'
    rm -f "$tmp"
  fi
  unversioned=$(echo "$exported" | grep -v "@@$node\$" || true)
  n=$((n + 1))
  if [ -z "$unversioned" ]; then echo "ok $n - every $name export is in $node"; else
    echo "not ok $n - $name unversioned: $unversioned"; fi
  count=$(echo "$plain" | grep -c .)
  n=$((n + 1))
  if [ "$count" -ge "$min" ]; then echo "ok $n - $name exports $count functions"; else
    echo "not ok $n - $name exports only $count functions"; fi
}

check "$libs/librondo.so" "$src/rondo.h $src/rondo-record.h" RONDO_API RONDO_0 40
check "$libs/librondo-export.so" "$src/rondo-export.h" RONDO_EXPORT_API RONDO_EXPORT_0 10
