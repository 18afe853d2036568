#!/bin/sh
# query-stores.sh - what a query costs rondod as the number of stores it
# serves grows. Why: a host runs ~100 VMs, each with its store, and a
# dashboard mostly asks about one VM; the PromQL battery (promql-speed.sh)
# has four stores and cannot show a cost that grows with the others.
#
#   bench/query-stores.sh [BUILDDIR]      (default .)
#   STORES=N      stores served (default 100): as many bench/scale-vm VMs,
#                 each recording 30 series at 1 Hz into its store meanwhile
#   REPS=N        timed requests per case and rondod (default 1000)
#   OTHER=DIR     another build tree: its rondod serves the same stores and
#                 each case alternates the two, request by request (before
#                 and after a change, side by side)
#
# Each request opens a new connection (rondod answers "Connection: close")
# and is timed to the last byte of the answer by one Python client; the
# medians are printed, per case and rondod, with /healthz as the floor.
set -eu
BUILD=$(cd "${1:-.}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
STORES=${STORES:-100}
REPS=${REPS:-1000}
. "$SRC/bench/lib.sh"

for tool in python3 curl; do
	command -v $tool >/dev/null || {
		echo "query-stores: $tool is not installed (apt-get install python3 curl)" >&2
		exit 1
	}
done
[ -x "$BUILD/src/rondod" ] && [ -x "$BUILD/bench/scale-vm" ] || {
	echo "query-stores: build src/rondod and bench/scale-vm in $BUILD first (make, make check)" >&2
	exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/query-stores.XXXXXX")
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "== query-stores: $STORES stores, $REPS requests per case ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "== $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, Linux $(uname -r)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The VMs live through the run, recording every second, as on a host.
mkdir "$WORK/state"
: >"$WORK/rondod.conf" # the defaults
i=1
while [ $i -le "$STORES" ]; do
	"$BUILD/bench/scale-vm" embedded "$WORK/state/vm$i" 86400 &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
i=0
until [ "$(find "$WORK/state" -name meta.json | wc -l)" -eq "$STORES" ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "query-stores: the VMs did not create their stores" >&2; exit 1; }
	sleep 0.1
done
sleep 3 # a few points in each

# serve BUILDDIR NAME: a rondod of BUILDDIR over the stores; sets URL_NAME.
serve() {
	port=$(free_port)
	"$1/src/rondod" --config "$WORK/rondod.conf" --state-dir "$WORK/state" \
		--listen "127.0.0.1:$port" >"$WORK/rondod-$2.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$port/readyz" || {
		tail -n 20 "$WORK/rondod-$2.log" >&2
		exit 1
	}
	eval "URL_$2=http://127.0.0.1:$port"
}
serve "$BUILD" this
URLS="this=$URL_this"
if [ -n "${OTHER:-}" ]; then
	serve "$(cd "$OTHER" && pwd)" other
	URLS="$URLS other=$URL_other"
fi

python3 - "$REPS" $URLS <<'EOF'
import http.client, statistics, sys, time, urllib.parse

reps = int(sys.argv[1])
servers = [a.split('=', 1) for a in sys.argv[2:]]
q = lambda expr: '/api/v1/query?' + urllib.parse.urlencode({'query': expr})
CASES = [
    ('/healthz (the floor)', '/healthz'),
    ('one series of one store', q('vm_counter_00_total{store="vm1"}')),
    ('one store, all its series', q('{store="vm1"}')),
    ('a rate sum over every store', q('sum(rate(vm_counter_00_total[1m]))')),
    ('/api/v1/series of one store', '/api/v1/series?'
     + urllib.parse.urlencode({'match[]': '{store="vm1"}'})),
    ('/api/v1/labels', '/api/v1/labels'),
]


def once(url, path):
    u = urllib.parse.urlsplit(url)
    t0 = time.perf_counter()
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request('GET', path)
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        sys.exit('query-stores: %s%s answered %d' % (url, path, r.status))
    return time.perf_counter() - t0


print('# %-30s %s' % ('case', '  '.join('%12s' % n for n, _ in servers)))
for label, path in CASES:
    times = {n: [] for n, _ in servers}
    for n, url in servers:
        once(url, path)
    for i in range(reps):
        order = servers if i % 2 == 0 else servers[::-1]
        for n, url in order:
            times[n].append(once(url, path))
    print('  %-30s %s' % (label, '  '.join('%9.3f ms' % (1e3 * statistics.median(times[n]))
                                          for n, _ in servers)))
EOF
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
