#!/bin/sh
# files.sh - rondod's installed files are well-formed: the systemd units pass
# `systemd-analyze verify`, the man pages render without groff warnings, the default
# rondod.conf is accepted by rondod itself, and no dashboard script is minified.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

if command -v systemd-analyze >/dev/null && [ -f "$top_builddir/data/rondod.service" ]; then
	# verify the unit as built, run against the build tree's binary
	sed "s|^ExecStart=[^ ]*|ExecStart=$RONDOD|" "$top_builddir/data/rondod.service" \
		>"$SCRATCH/rondod.service"
	cp "$top_srcdir/data/rondod.socket" "$SCRATCH/rondod.socket"
	if (cd "$SCRATCH" && systemd-analyze verify --man=no ./rondod.service ./rondod.socket) \
		>"$SCRATCH/verify.out" 2>&1; then
		tap_ok "systemd-analyze verify rondod.service rondod.socket"
	else
		tap_fail "systemd-analyze verify rondod.service rondod.socket" "$(cat "$SCRATCH/verify.out")"
	fi
else
	tap_skip "systemd-analyze or data/rondod.service missing"
fi

for page in rondod.8 rondod.conf.5; do
	if ! command -v man >/dev/null; then
		tap_skip "man is not installed"
		continue
	fi
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$top_srcdir/man/$page" \
		>/dev/null 2>"$SCRATCH/man.err"
	if [ -s "$SCRATCH/man.err" ]; then
		tap_fail "man --warnings $page" "$(cat "$SCRATCH/man.err")"
	else
		tap_ok "man --warnings $page is clean"
	fi
done

mkdir -p "$SCRATCH/state"
sed "s|^#state_dir=.*|state_dir=$SCRATCH/state|" "$top_srcdir/data/rondod.conf" >"$SCRATCH/conf"
if [ -x "$RONDOD" ] && rondod_start "$SCRATCH/conf"; then
	tap_ok "rondod accepts the default rondod.conf"
	rondod_stop
else
	tap_fail "rondod accepts the default rondod.conf"
fi

long=$(awk 'length > 500 { print FILENAME; nextfile }' "$top_srcdir"/data/dashboard/*.js)
[ -z "$long" ] && tap_ok "dashboard scripts are not minified" ||
	tap_fail "dashboard scripts are not minified" "$long"

tap_done
[ "$TAP_FAILED" -eq 0 ]
