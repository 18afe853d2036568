# lib.sh - shared helpers of the rondod integration tests (sourced, POSIX sh).
#
# Provides TAP output (tap_ok, tap_fail, tap_skip, tap_done), wait_for, a scratch
# directory, a fixture state directory, and rondod_start / rondod_stop: rondod
# listens on a free loopback port (port 0; the port is read back from its
# log) and is always stopped on exit, whatever happened (trap). free_port and
# wait_for serve the tests that start other servers (receivers, Prometheus);
# http and expect ask rondod and check its answer, get_until asks until it
# has done what it does on its own time.

: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$top_builddir}"
RONDOD="$top_builddir/src/rondod"
FIXTURE="$top_builddir/tests/daemon/fixture"
DASHBOARD_DIR="$top_srcdir/data/dashboard"

TAP_N=0
TAP_FAILED=0
RONDOD_PID=
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/rondod-test.XXXXXX")

tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
tap_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	for line in "$@"; do printf '# %.2000s\n' "$line"; done
}
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; }
tap_done() { echo "1..$TAP_N"; }

# Skip the whole script (one SKIP line and the plan).
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

rondod_stop() {
	if [ -n "$RONDOD_PID" ]; then
		kill "$RONDOD_PID" 2>/dev/null
		wait "$RONDOD_PID" 2>/dev/null
		RONDOD_PID=
	fi
}

cleanup() {
	rondod_stop
	if [ "$TAP_FAILED" -gt 0 ] && [ -f "$SCRATCH/rondod.log" ]; then
		echo "# rondod's log:"
		sed 's/^/#   /' "$SCRATCH/rondod.log"
	fi
	rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# free_port: a free loopback port below the ephemeral range, so that no client
# socket or port-0 listener (rondod's) takes it before the server that needs it.
free_port() {
	python3 -c '
import random, socket
for _ in range(100):
    p = random.randrange(20000, 32000)
    try:
        socket.socket().bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass'
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s; FALSE on timeout.
wait_for() {
	n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# get_until SECONDS PATH PATTERN: GETs PATH every 0.2 s until the answer is a
# 200 holding the fixed string PATTERN; FALSE on timeout. CODE and BODY are
# the last answer's, for expect. For what rondod does on its own time (a
# rescan, an adoption, a listener coming up): a fixed sleep before one GET
# fails whenever a loaded machine makes rondod late.
get_until() {
	GET_PATH=$2
	GET_PATTERN=$3
	wait_for "$1" get_matches
}
get_matches() {
	http GET "$GET_PATH"
	[ "$CODE" = 200 ] || return 1
	case $BODY in *"$GET_PATTERN"*) return 0 ;; esac
	return 1
}

# make_state DIR [fixture options]: stores vm1, vm2 with data ending at $END.
make_state() {
	dir=$1
	shift
	mkdir -p "$dir"
	END=$("$FIXTURE" "$dir" "$@") || return 1
}

# rondod_start_or_bail CONF [ARGS...]: rondod_start, or the test ends there
# with "rondod starts" failed.
rondod_start_or_bail() {
	rondod_start "$@" && return 0
	tap_fail "rondod starts"
	tap_done
	exit 1
}

# rondod_start CONFIG [options]: starts rondod, sets URL. Returns 1 if it does not come up
# within 30 s (a loaded 2-core machine running the suite in parallel can take seconds).
rondod_start() {
	conf=$1
	shift
	log="$SCRATCH/rondod.log"
	# Emptied here, not only by the child's redirection: a loaded machine can
	# run the loop below before the child opens the file, and a previous
	# rondod's "listening on" line would send every request to its dead port.
	: >"$log"
	"$RONDOD" --config "$conf" --listen 127.0.0.1:0 --dashboard-dir "$DASHBOARD_DIR" "$@" \
		>"$log" 2>&1 &
	RONDOD_PID=$!
	i=0
	while [ $i -lt 300 ]; do
		port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log" | head -n 1)
		if [ -n "$port" ]; then
			URL="http://127.0.0.1:$port"
			return 0
		fi
		kill -0 "$RONDOD_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "# rondod did not start:"
	sed 's/^/#   /' "$log"
	RONDOD_PID=
	return 1
}

# http METHOD PATH [curl args...]: sets CODE and BODY.
http() {
	method=$1
	path=$2
	shift 2
	out="$SCRATCH/body"
	CODE=$(curl -s -o "$out" -w '%{http_code}' -X "$method" "$@" "$URL$path")
	BODY=$(cat "$out")
}

# expect NAME CODE [PATTERN...]: the last answer had CODE and every fixed-string PATTERN.
expect() {
	name=$1
	want=$2
	shift 2
	if [ "$CODE" != "$want" ]; then
		tap_fail "$name" "status $CODE, expected $want" "body: $BODY"
		return 1
	fi
	for pat in "$@"; do
		case "$BODY" in
		*"$pat"*) ;;
		*)
			tap_fail "$name" "body lacks: $pat" "body: $BODY"
			return 1
			;;
		esac
	done
	tap_ok "$name"
}

# expect_error NAME CODE [PATTERN...]: a JSON error envelope with that status.
expect_error() {
	name=$1
	code=$2
	shift 2
	expect "$name" "$code" '"status":"error"' '"errorType":' "$@"
}
