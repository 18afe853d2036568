#!/bin/sh
# ldd.sh - the layers' dependencies (docs/architecture.md, "Layers"), as the
# dynamic linker sees them (TAP):
#   - librondo (the core a VMM embeds) needs none of libsoup, libsnappy,
#     libprotobuf-c, directly (readelf NEEDED) or through anything it loads
#     (ldd);
#   - rondo-demo-vmm loads the core and not librondo-export, so none of them
#     either;
#   - librondo-export needs all three, and librondo;
#   - neither librondo-export nor rondod loads libcurl or OpenSSL (libssl,
#     libcrypto): HTTP goes through the libsoup rondod serves with, TLS
#     through glib-networking (docs/benchmarks.md, S5);
#   - librondo loads GLib alone, no GObject, GIO or json-glib: every VMM
#     pays for what it loads (lib/doc.h says why).
set -u
b="${top_builddir:-.}"
core="$b/lib/.libs/librondo.so"
export_so="$b/lib/.libs/librondo-export.so"
# libtool leaves the real program in .libs; it finds the libraries through
# LD_LIBRARY_PATH, as the libtool wrapper would set it.
vmm="$b/vmm/.libs/rondo-demo-vmm"
rondod="$b/src/.libs/rondod"
LD_LIBRARY_PATH="$b/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
network='libsoup-3.0 libsnappy libprotobuf-c'
heavy='libcurl libssl libcrypto'
glib_stack='libgobject-2.0 libgio-2.0 libjson-glib-1.0'
echo "1..8"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
loaded() { ldd "$1" | awk '{ print $1 }'; }
# none_of N DESCRIPTION LIST [NAMES]: ok when LIST names none of NAMES
# ($network by default).
none_of() {
  found=
  for lib in ${4:-$network}; do
    echo "$3" | grep -q "^$lib\.so" && found="$found $lib"
  done
  if [ -z "$found" ]; then echo "ok $1 - $2 needs none of ${4:-$network}"; else
    echo "not ok $1 - $2 needs:$found"; fi
}

if [ ! -f "$core" ] || [ ! -f "$export_so" ]; then
  for i in 1 2 3 4 5 6 7 8; do echo "not ok $i - libraries not built"; done
  exit 0
fi
none_of 1 "librondo.so (NEEDED)" "$(needed "$core")"
none_of 2 "librondo.so (ldd)" "$(loaded "$core")"

if [ -f "$vmm" ]; then
  vmm_libs=$(loaded "$vmm")
  none_of 3 "rondo-demo-vmm (ldd)" "$vmm_libs"
  if echo "$vmm_libs" | grep -q '^librondo\.so\.' && ! echo "$vmm_libs" | grep -q '^librondo-export'; then
    echo "ok 4 - rondo-demo-vmm loads librondo and not librondo-export"
  else
    echo "not ok 4 - rondo-demo-vmm loads:"; echo "$vmm_libs" | sed 's/^/# /'
  fi
else
  echo "ok 3 # SKIP rondo-demo-vmm not built"
  echo "ok 4 # SKIP rondo-demo-vmm not built"
fi

missing=
export_needed=$(needed "$export_so")
for lib in librondo $network; do
  echo "$export_needed" | grep -q "^$lib\.so" || missing="$missing $lib"
done
if [ -z "$missing" ]; then echo "ok 5 - librondo-export.so needs librondo $network"; else
  echo "not ok 5 - librondo-export.so does not need:$missing"; fi

none_of 6 "librondo-export.so (ldd)" "$(loaded "$export_so")" "$heavy"
if [ -f "$rondod" ]; then
  none_of 7 "rondod (ldd)" "$(loaded "$rondod")" "$heavy"
else
  echo "ok 7 # SKIP rondod not built"
fi
none_of 8 "librondo.so (ldd)" "$(loaded "$core")" "$glib_stack"
