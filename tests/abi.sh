#!/bin/sh
# abi.sh - librondo exports exactly the functions lib/rondo.h declares, and
# every one carries the RONDO_0 version node (TAP).
set -u
so="${top_builddir:-.}/lib/.libs/librondo.so"
hdr="${top_srcdir:-.}/lib/rondo.h"
echo "1..3"
if [ ! -f "$so" ]; then
  echo "not ok 1 - $so not built"; echo "not ok 2 - skipped"; echo "not ok 3 - skipped"; exit 0
fi
exported=$(nm -D --defined-only "$so" | awk '$3 != "RONDO_0" { print $3 }' | sort)
declared=$(grep -o 'rondo_[a-z0-9_]*(' "$hdr" | tr -d '(' | sort -u)
plain=$(echo "$exported" | sed 's/@@RONDO_0$//' | sort)
if [ "$plain" = "$declared" ]; then echo "ok 1 - exports match rondo.h"; else
  echo "not ok 1 - exports differ from rondo.h (< declared only, > exported only):"
  tmp=$(mktemp)
  printf '%s\n' "$declared" > "$tmp"
  printf '%s\n' "$plain" | diff "$tmp" - | sed 's/^/# /'
  rm -f "$tmp"
fi
unversioned=$(echo "$exported" | grep -v '@@RONDO_0$' || true)
if [ -z "$unversioned" ]; then echo "ok 2 - every export is in RONDO_0"; else
  echo "not ok 2 - unversioned: $unversioned"; fi
n=$(echo "$plain" | grep -c .)
if [ "$n" -gt 40 ]; then echo "ok 3 - $n functions exported"; else echo "not ok 3 - only $n exports"; fi
