#!/bin/sh
# quick.sh - rondod's quick answers (src/quick.c, src/conns.c): a plain GET of
# a query, answered without libsoup, must be byte for byte the answer libsoup's
# way gives (the same query POSTed), headers included but Date; what the quick
# way leaves (a head in pieces, HEAD, a wrong token) must still be answered
# by libsoup; a request that comes late is still answered the quick way; a
# client that reads a big quick answer slowly gets all of it while rondod
# serves others, and one that reads nothing is cut off at idle_timeout.
# rondod_http_quick_requests_total says which way each request went. TAP
# output; rondod is always stopped at the end (lib.sh trap).
#
# Linux autotunes a loopback socket's send buffer up to megabytes, so send()
# takes any quick answer at once and the writer that drains an answer to a
# slow client as it reads (conns.c, on_writable) never runs. So the test
# runs in a network namespace of its own (a user namespace too when not
# root), its send buffers capped at 64 KiB; where no namespace can be made,
# it runs here and says which check could not be made.
ip=$(command -v ip || echo /usr/sbin/ip)
[ "$(id -u)" = 0 ] && unshare_opts=-n || unshare_opts=-rn
small_buffers="'$ip' link set lo up && echo '4096 16384 65536' >/proc/sys/net/ipv4/tcp_wmem"
if [ "${QUICK_NETNS:-}" = inside ]; then
	sh -c "$small_buffers" || exit 99 # it worked a moment ago (below)
elif [ -x "$ip" ] && command -v unshare >/dev/null &&
	unshare $unshare_opts sh -c "$small_buffers" 2>/dev/null; then
	QUICK_NETNS=inside exec unshare $unshare_opts /bin/sh "$0"
fi
. "${top_srcdir:-.}/tests/daemon/lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -x "$RONDOD" ] && [ -x "$FIXTURE" ] || skip_all "build src/rondod and tests/daemon/fixture first"
CLIENT="python3 $top_srcdir/tests/daemon/quick-client.py"

STATE="$SCRATCH/state"
make_state "$STATE" --series 40 || skip_all "the fixture could not create stores"
printf 's3cret\n' >"$SCRATCH/token"
printf '[limits]\nidle_timeout=2\n' >"$SCRATCH/rondod.conf"
rondod_start_or_bail "$SCRATCH/rondod.conf" --state-dir "$STATE" --auth-token-file "$SCRATCH/token"
PORT=${URL##*:}
AUTH='Authorization: Bearer s3cret'

# metric NAME: its value in rondod's /metrics (the first line of that name).
metric() {
	curl -s -H "$AUTH" "$URL/metrics" | awk -v n="$1" '$1 == n { print $2; exit }'
}
quick() { metric rondod_http_quick_requests_total; }
# the answer without its Date line (and without CRs, for the diff)
undated() { tr -d '\r' | sed '/^Date: /d'; }
# encoded FORM: the form's values percent-encoded, for a GET's path
encoded() { python3 -c 'import sys, urllib.parse; print(urllib.parse.urlencode([tuple(a.split("=", 1)) for a in sys.argv[1:]]))' "$@"; }

# --- the quick answer is libsoup's answer
# same_as_post NAME STATUS PATH FORM...: the GET of FORM answers STATUS the quick way, as POST does
same_as_post() {
	name=$1
	status=$2
	path=$3
	shift 3
	form=$(encoded "$@")
	before=$(quick)
	$CLIENT "$PORT" "$path?$form" s3cret whole | undated >"$SCRATCH/get"
	after=$(quick)
	curl -s -i -H "$AUTH" --data "$form" "$URL$path" | undated >"$SCRATCH/post"
	if ! head -n 1 "$SCRATCH/get" | grep -q "^HTTP/1.1 $status "; then
		tap_fail "$name: answered $status" "$(head -n 1 "$SCRATCH/get")"
	elif [ "$after" != $((before + 1)) ]; then
		tap_fail "$name: answered the quick way" "quick answers $before -> $after"
	elif [ "$(quick)" != "$after" ]; then
		tap_fail "$name: the POST went through libsoup" "quick answers $after -> $(quick)"
	elif ! cmp -s "$SCRATCH/get" "$SCRATCH/post"; then
		tap_fail "$name: GET (quick) and POST (libsoup) answer the same" \
			"$(diff "$SCRATCH/get" "$SCRATCH/post" | head -n 20)"
	else
		tap_ok "$name: the quick GET answers as libsoup's POST ($(head -n 1 "$SCRATCH/get"))"
	fi
}
same_as_post "instant selector" 200 /api/v1/query 'query=vm_extra_1' "time=$END"
same_as_post "instant sum of rates" 200 /api/v1/query \
	'query=sum by (store) (rate({__name__=~"vm_extra_.*"}[30s]))' "time=$END"
same_as_post "range query" 200 /api/v1/query_range 'query=vm_extra_2 * 2' \
	"start=$((END - 120))" "end=$END" 'step=7.5'
same_as_post "a parse error" 400 /api/v1/query 'query=sum(' "time=$END"
same_as_post "a limit (max_points_per_series)" 400 /api/v1/query_range 'query=1' \
	"start=$((END - 86400))" "end=$END" 'step=0.001'
same_as_post "an execution error" 422 /api/v1/query 'query=vm_extra_1 + on() vm_extra_1' "time=$END"
same_as_post "no time: now" 200 /api/v1/query 'query=vector(1) > 2'

# --- what the quick way leaves to libsoup, and what comes late
path="/api/v1/query?$(encoded 'query=vm_extra_3' "time=$END")"
whole=$($CLIENT "$PORT" "$path" s3cret whole | undated)
# libsoup_way NAME ANSWER STATUS: the answer has STATUS and the quick count did not move
libsoup_way() {
	status=$(printf '%s\n' "$2" | head -n 1)
	case "$status" in
	*" $3 "*) ;;
	*)
		tap_fail "$1" "first line: $status"
		return
		;;
	esac
	[ "$(quick)" = "$before" ] && tap_ok "$1" || tap_fail "$1" "quick answers $before -> $(quick)"
}
before=$(quick)
split=$($CLIENT "$PORT" "$path" s3cret split 300 | undated)
libsoup_way "a head in two pieces: libsoup's" "$split" 200
[ "$split" = "$whole" ] && tap_ok "a head in two pieces: the same answer" ||
	tap_fail "a head in two pieces: the same answer" "$split"
# what curl sends unencoded: braces, quotes, a caret; libsoup's reading of the target is the same
raw="/api/v1/query?query=vm_extra_3{idx=\"3\"}^1&time=$END"
before=$(quick)
raw_quick=$($CLIENT "$PORT" "$raw" s3cret whole | undated)
raw_soup=$($CLIENT "$PORT" "$raw" s3cret split 300 | undated)
if [ "$(quick)" != $((before + 1)) ] || [ "$raw_quick" != "$raw_soup" ]; then
	tap_fail "an unencoded selector in the target: the same answer both ways" \
		"quick answers $before -> $(quick)" "$raw_quick" "$raw_soup"
else
	tap_ok "an unencoded selector in the target: the same answer both ways ($(printf '%s\n' "$raw_quick" | head -n 1))"
fi
before=$(quick)
libsoup_way "HEAD: libsoup's" "$($CLIENT "$PORT" "$path" s3cret head)" 200
libsoup_way "a wrong token: libsoup's 401" "$($CLIENT "$PORT" "$path" wrong whole)" 401
libsoup_way "no token: libsoup's 401" "$($CLIENT "$PORT" "$path" '' whole)" 401
for ms in 300 1500; do
	before=$(quick)
	late=$($CLIENT "$PORT" "$path" s3cret late $ms | undated)
	if [ "$late" != "$whole" ]; then
		tap_fail "a request $ms ms after its connection: answered" "$late"
	elif [ "$(quick)" != $((before + 1)) ]; then
		tap_fail "a request $ms ms after its connection: the quick way" "quick answers $before -> $(quick)"
	else
		tap_ok "a request $ms ms after its connection: answered the quick way"
	fi
done

# --- a big quick answer (~190 kB; ~10 000 points read, within the main loop's budget)
big="/api/v1/query_range?$(encoded 'query=last_over_time({__name__=~"vm_extra_[12][0-9]"}[1s])' \
	"start=$((END - 255))" "end=$END" 'step=1')"
before=$(quick)
$CLIENT "$PORT" "$big" s3cret slow >"$SCRATCH/slow" &
slow_pid=$!
sleep 0.5
code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -H "$AUTH" \
	"$URL/api/v1/query?query=vm_extra_0&time=$END")
wait $slow_pid
read -r got length <"$SCRATCH/slow"
if [ "$(quick)" -lt $((before + 2)) ]; then
	tap_fail "a big answer goes the quick way" "quick answers $before -> $(quick)"
elif [ "$got" != "$length" ] || [ "$length" -lt 100000 ]; then
	tap_fail "a slow reader gets all of a big quick answer" "$got bytes of $length"
else
	tap_ok "a slow reader gets all of a big quick answer ($got bytes of $length)"
fi
[ "$code" = 200 ] && tap_ok "meanwhile rondod answers others" ||
	tap_fail "meanwhile rondod answers others" "status $code"

idle0=$(curl -s -H "$AUTH" "$URL/metrics" | sed -n 's/^rondod_http_rejections_total{reason="idle_timeout"} //p')
$CLIENT "$PORT" "$big" s3cret stall 5 >"$SCRATCH/stall"
read -r got length <"$SCRATCH/stall"
idle1=$(curl -s -H "$AUTH" "$URL/metrics" | sed -n 's/^rondod_http_rejections_total{reason="idle_timeout"} //p')
if [ "$got" = "$length" ] && [ "$idle1" = "$idle0" ] && [ "${QUICK_NETNS:-}" != inside ]; then
	# outside a namespace of its own (see the top): send() took the whole
	# answer and the kernel delivers it after close()
	tap_skip "a client that reads nothing is cut off at idle_timeout: the kernel's send buffer took all $length bytes at once, rondod had nothing left to write (no network namespace to cap it in)"
elif [ "$got" -lt "$length" ] && [ "$idle1" = $((idle0 + 1)) ]; then
	tap_ok "a client that reads nothing of a big answer is cut off at idle_timeout ($got of $length bytes)"
else
	tap_fail "a client that reads nothing of a big answer is cut off at idle_timeout" \
		"$got of $length bytes; idle_timeout rejections $idle0 -> $idle1"
fi

# --- the probes: no token, the quick way, libsoup's answer
for probe in healthz readyz; do
	before=$(quick)
	got=$($CLIENT "$PORT" "/$probe" "" whole | undated)
	after=$(quick)
	soup=$($CLIENT "$PORT" "/$probe" "" split 300 | undated)
	if [ "$after" != $((before + 1)) ] || [ "$(quick)" != "$after" ]; then
		tap_fail "/$probe: the quick way without a token" "quick answers $before -> $after -> $(quick)"
	elif [ "$got" != "$soup" ]; then
		tap_fail "/$probe: the quick answer is libsoup's" "$got" "$soup"
	else
		tap_ok "/$probe: the quick way without a token, libsoup's answer ($(printf '%s\n' "$got" | head -n 1))"
	fi
done

requests=$(curl -s -H "$AUTH" "$URL/metrics" |
	sed -n 's/^rondod_http_requests_total{handler="\/api\/v1\/query_range",code="200"} //p')
[ "${requests:-0}" -ge 4 ] && tap_ok "quick answers are counted by route and code ($requests range queries)" ||
	tap_fail "quick answers are counted by route and code" "rondod_http_requests_total: ${requests:-none}"
http GET /healthz
expect "rondod still serves" 200 ok
tap_done
