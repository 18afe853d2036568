#!/bin/sh
# format-writes.sh - what two builds' recording VMs write to disk, side by
# side: the bytes the kernel is asked to write back (/proc/PID/io
# write_bytes) while `scale-vm many` records STORES VMM-preset stores of 30
# series at 1 Hz, consolidating at open and every 5 minutes, as benchmark
# B's VMs do. Why side by side: both run at once on the same file system,
# so writeback timing and load fall on both alike. Why write_bytes: a page
# of a shared file mapping is counted each time it goes from clean to
# dirty, which is what the storage format decides (docs/storage-format.md
# §2.5). The first 20 s are left out: creating a store writes every page
# of its files once, in any format.
#
#   bench/format-writes.sh OLD_BUILDDIR [NEW_BUILDDIR]   (default: .)
#   SECONDS_RUN=N   seconds to record (default 320: past the 5-minute pass)
#   STORES=N        stores per build (default 100)
#   BENCH_SMOKE=1   24 s (4 measured) and 2 stores: checks the script only
set -eu
OLD=$(cd "${1:?usage: format-writes.sh OLD_BUILDDIR [NEW_BUILDDIR]}" && pwd)
NEW=$(cd "${2:-.}" && pwd)
if [ -n "${BENCH_SMOKE:-}" ]; then
	SECONDS_RUN=${SECONDS_RUN:-24}
	STORES=${STORES:-2}
fi
SECONDS_RUN=${SECONDS_RUN:-320}
STORES=${STORES:-100}
SKIP_S=20
[ "$SECONDS_RUN" -gt "$SKIP_S" ] || {
	echo "format-writes: SECONDS_RUN must be more than $SKIP_S" >&2
	exit 2
}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/format-writes.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

# measure NAME BUILDDIR: records, then writes "NAME BYTES_AFTER_SKIP VERSION" to
# $work/NAME.out (write_bytes sampled every second: both builds alike).
measure() {
	"$2/libtool" --mode=execute "$2/bench/scale-vm" many "$work/$1" "$STORES" "$SECONDS_RUN" &
	pid=$!
	start=$(date +%s) wb=0 at_skip=""
	sleep 1
	# libtool may run the program as a child of its own shell.
	io=$(pgrep -P "$pid" -f bench/.libs/scale-vm | head -n 1 || true)
	io=/proc/${io:-$pid}/io
	while kill -0 "$pid" 2>/dev/null; do
		w=$(awk '/^write_bytes/ { print $2 }' "$io" 2>/dev/null || true)
		[ -n "$w" ] && wb=$w
		[ -z "$at_skip" ] && [ $(($(date +%s) - start)) -ge $SKIP_S ] && at_skip=$wb
		sleep 1
	done
	wait "$pid" || {
		echo "format-writes: scale-vm of $2 failed" >&2
		return 1
	}
	version=$(sed -n 's/^ *"version" *: *\([0-9]*\).*/\1/p' "$work/$1/vm000/meta.json" | head -n 1)
	echo "$1 $((wb - ${at_skip:-0})) $version" >"$work/$1.out"
}

measure old "$OLD" &
a=$!
measure new "$NEW" &
b=$!
wait $a && wait $b
read -r _ old_b old_v <"$work/old.out"
read -r _ new_b new_v <"$work/new.out"
echo "format-writes: $STORES stores x 30 series at 1 Hz, $((SECONDS_RUN - SKIP_S)) s after the first $SKIP_S s, both builds at once"
awk -v ob="$old_b" -v nb="$new_b" -v ov="$old_v" -v nv="$new_v" -v o="$OLD" -v n="$NEW" \
	-v s=$((SECONDS_RUN - SKIP_S)) -v k="$STORES" 'BEGIN {
	printf "  %-44s format %s  %12d bytes  %6.2f kB/s per store\n", o, ov, ob, ob / 1024 / s / k
	printf "  %-44s format %s  %12d bytes  %6.2f kB/s per store\n", n, nv, nb, nb / 1024 / s / k
	if (nb > 0)
		printf "  old / new: %.2f\n", ob / nb
}'
