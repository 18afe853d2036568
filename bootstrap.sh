#!/bin/sh
# bootstrap.sh - prepare a fresh checkout for ./configure.
#   ./bootstrap.sh                  regenerate the build system (autoreconf)
#   ./bootstrap.sh --install-deps   also install the Debian 12 build and test
#                                   dependencies with apt-get (as root, or
#                                   through sudo for a normal user)
set -eu
cd "$(dirname "$0")"

# Build dependencies, then what the test suite drives for real.
BUILD_DEPS="build-essential autoconf automake libtool autopoint gettext pkg-config
  libglib2.0-dev libjson-glib-dev libsoup-3.0-dev libprotobuf-c-dev protobuf-c-compiler
  libsnappy-dev"
TEST_DEPS="valgrind clang-format xz-utils python3 curl prometheus victoria-metrics chromium
  wrk systemd man-db groff-base acpica-tools cpio"
# What the benchmarks compare rondo with (make bench, make bench-smoke).
TEST_DEPS="$TEST_DEPS g++ prometheus-cpp-dev librrd-dev rrdcached gnuplot-nox golang-go
  golang-github-prometheus-client-golang-dev iproute2 util-linux time"

if [ "${1:-}" = "--install-deps" ]; then
  # apt-get runs as root: directly, or through sudo for a normal user.
  as_root=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "bootstrap.sh: --install-deps needs root: run it as root, or install sudo" >&2
      exit 1
    }
    as_root=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Another apt may hold the locks for a while (unattended upgrades): wait.
  apt_get() {
    tries=0
    until $as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 "$@"; do
      tries=$((tries + 1))
      [ "$tries" -lt 10 ] || return 1
      echo "bootstrap.sh: apt-get $1 failed, retrying in 15 s" >&2
      sleep 15
    done
  }
  apt_get update -q
  # shellcheck disable=SC2086
  apt_get install -y -q --no-install-recommends $BUILD_DEPS $TEST_DEPS
fi
autoreconf -fi
