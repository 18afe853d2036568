#!/bin/sh
# dashboard.sh - the dashboard at / in Debian's headless chromium: the page loads,
# its charts get points (<body data-points="N"> with N > 0 in the dumped DOM), and a
# screenshot is produced. SKIPs when chromium is missing.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (apt-get install chromium)"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"

STATE="$SCRATCH/state"
make_state "$STATE" || skip_all "the fixture could not create stores"
CONF="$SCRATCH/rondod.conf"
: >"$CONF"
rondod_start "$CONF" --state-dir "$STATE" || {
	tap_fail "rondod starts"
	tap_done
	exit 1
}

chromium_run() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$SCRATCH/profile.XXXXXX")" --window-size=1200,800 \
		--virtual-time-budget=5000 "$@" "$URL/"
}

for f in index.html dashboard.js uPlot.iife.js uPlot.css; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/$f")
	[ "$code" = 200 ] && tap_ok "GET /$f" || tap_fail "GET /$f" "status $code"
done

chromium_run --dump-dom >"$SCRATCH/dom.html" 2>"$SCRATCH/chromium.log"
points=$(sed -n 's/.*<body[^>]*data-points="\([0-9]*\)".*/\1/p' "$SCRATCH/dom.html" | head -n 1)
if [ -n "$points" ] && [ "$points" -gt 0 ]; then
	tap_ok "the charts hold $points points"
else
	tap_fail "the charts hold points" "$(head -c 1500 "$SCRATCH/dom.html")" \
		"$(tail -5 "$SCRATCH/chromium.log")"
fi
grep -q 'class="uplot' "$SCRATCH/dom.html" && tap_ok "uPlot drew its charts" ||
	tap_fail "uPlot drew its charts"

SHOT="${RONDOD_SCREENSHOT:-$SCRATCH/dashboard.png}"
chromium_run --screenshot="$SHOT" >"$SCRATCH/shot.log" 2>&1
if [ -s "$SHOT" ] && [ "$(head -c 4 "$SHOT" | tail -c 3)" = PNG ]; then
	tap_ok "a screenshot PNG is produced ($(wc -c <"$SHOT") bytes)"
else
	tap_fail "a screenshot PNG is produced" "$(tail -5 "$SCRATCH/shot.log")"
fi

tap_done
[ "$TAP_FAILED" -eq 0 ]
