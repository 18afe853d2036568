#!/usr/bin/env python3
"""promql-speed.py - the PromQL test battery timed on rondod and on Prometheus, side by side.

    promql-speed.py RONDOD_URL PROMETHEUS_URL END CSV [--reps N] [--passes P]
                    [--every K] [--ranks FILE] [--order interleaved|blocks]
                    [--shuffle SEED] [--timer PROGRAM]

Run by bench/promql-speed.sh, which starts both servers over the samples of
tests/promql/promql-fixture (END: the fixture's last sample). The cases are
those of tests/promql/compare.py (imported, not copied: one battery), in
"subset" form, plus the script-local cases of ISSUE_CASES, the two queries
issue 15 names. --every K keeps one battery case in K (the smoke size).

Each case is asked N times of each server, over P passes through the
battery (default 7; N/P requests a pass, the times of all passes pooled
before the median), so that a disturbance lasting a few milliseconds (the
host's other work, a Go collection) falls on one pass's share of a case
and not on its median: with 7 passes it must fall on 4 of them to move it,
with 3 on 2 (the default up to 0.13.4; --passes 1 asks all N in a row, as
before 0.12.1). Each pass walks the cases in its own order, shuffled from
--shuffle SEED (default 1; 0 keeps the battery's order in every pass, as
up to 0.13.4), so that no case follows the same neighbour in every pass
and nothing periodic meets it at the same point of every walk.
Within a pass the requests go in one of two orders:
--order interleaved (the default) alternates the servers request by request,
changing which one goes first each time; --order blocks asks one server its
share of the pass in a row, then the other, changing which block goes first
with the case's place in the battery and with the pass. Either way a first
walk through the battery, untimed, asks each server each case once (the
answers are checked there, and the first answer of a case pays for cold
caches on either side), and in blocks one more untimed request opens each
block. Why two orders: on a small
machine each server's requests run right after the other's when interleaved,
in caches the other has just used and beside what its run time still does
after answering (a Go runtime keeps threads busy a while), which is a
condition no client of one server creates; blocks measure each server after
its own previous request, as a dashboard's burst of queries meets it, and
still a few milliseconds from the other's, so load that comes and goes falls
on both. docs/benchmarks.md gives both. A request is timed from the connection's
opening to the last byte of the answer, a new connection each time (rondod
answers "Connection: close", so Prometheus gets no keep-alive either); both
get the same headers (rondod's bearer token; Prometheus ignores it), no
compression. --timer PROGRAM (bench/http-time, which promql-speed.sh
passes) times each request in C, one process per server fed over a pipe
outside the clock; without it Python's http.client times them, and its own
work (0.2 to 0.3 ms a request on the reference machine, docs/benchmarks.md)
is in both servers' times. The medians are compared: ratio = Prometheus /
rondod, so 2 means rondod answers in half the time. Cases rondod refuses
(its subset) or that either server answers with an error are counted
apart, not timed.

Writes CSV (one row per case, with the clock ticks of both CPUs that went
by while its requests were timed and how many of them the hypervisor stole)
and, with --ranks, the sorted ratios for the plot; prints the report
(distribution, geometric mean, stolen time, worst cases, the issue's
queries) on stdout.
"""
import csv
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests',
                                'promql'))
import compare  # noqa: E402  (the battery: TIER0_EXPRS, TIER1_EXPRS, cases())

MIN = 60
TARGET = 2.0
WORST_SHOWN = 15
ORDERS = ('interleaved', 'blocks')
ORDER = ORDERS[0]


def issue_cases(end):
    """The two queries issue 15 names, script-local (not in the battery): every
    series over 20 minutes at step 1 s, and a sum of rates over the same."""
    rng = {'start': end - 20 * MIN, 'end': end, 'step': 1}
    return [
        ('issue', 'range', 'all series, 20 min, step 1 s',
         dict(rng, query='{__name__=~".+"}')),
        ('issue', 'range', 'rate sums, 20 min, step 1 s',
         dict(rng, query='sum by (store) (rate({__name__=~"http_requests_total|cpu_seconds_total"}'
                        '[1m]))')),
    ]


def cpu_ticks():
    """(stolen, all) clock ticks of this machine's CPUs so far, from /proc/stat's
    first line, or None where the kernel does not count stolen time. Stolen:
    time a vCPU had work but its hypervisor ran something else."""
    try:
        with open('/proc/stat') as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != 'cpu':
        return None
    # user nice system idle iowait irq softirq steal (guest time is in user's)
    ticks = [int(x) for x in fields[1:9]]
    return ticks[7], sum(ticks)


def steal_share(stolen, ticks):
    return '%.1f %%' % (100.0 * stolen / ticks) if ticks else 'n/a'


def one_request(host, port, path, token):
    """Seconds from connect to the answer's last byte, and the HTTP status."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        conn.request('GET', path, headers={'Authorization': 'Bearer ' + token,
                                           'Connection': 'close'})
        r = conn.getresponse()
        body = r.read()
        status = r.status
    finally:
        conn.close()
    return time.perf_counter() - t0, status, body


class Server:
    """One server: ask() returns (seconds, status, body) through http.client;
    timed() returns the seconds alone, through the --timer program if any."""
    def __init__(self, url, token, timer):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.timer = None
        if timer:
            self.timer = subprocess.Popen([timer, self.host, str(self.port)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          env=dict(os.environ, HTTP_TIME_TOKEN=token),
                                          text=True, bufsize=1)

    def get(self, path):
        if self.timer is None:
            return one_request(self.host, self.port, path, self.token)[0]
        self.timer.stdin.write(path + '\n')
        line = self.timer.stdout.readline()
        if not line:
            sys.exit('promql-speed.py: the timer stopped (see its message above)')
        seconds, status, _ = line.split()
        if float(seconds) < 0 or int(status) != 200:
            sys.exit('promql-speed.py: %s:%s%s answered %s' % (self.host, self.port, path, status))
        return float(seconds)

    @staticmethod
    def path(kind, params):
        path = '/api/v1/query' if kind == 'instant' else '/api/v1/query_range'
        return path + '?' + urllib.parse.urlencode(params)

    def ask(self, kind, params):
        return one_request(self.host, self.port, self.path(kind, params), self.token)

    def timed(self, kind, params):
        return self.get(self.path(kind, params))


def time_pair(first, second, reps, ask):
    """Times ask(server) reps times on each of two (server, times) pairs,
    first going first; see the module's text for the two orders."""
    if ORDER == 'blocks':
        for server, times in (first, second):
            ask(server)
            for i in range(reps):
                times.append(ask(server))
        return
    for i in range(reps):
        for server, times in ((first, second) if i % 2 == 0 else (second, first)):
            times.append(ask(server))


def ok(status, body):
    return status == 200 and b'"status":"success"' in body.replace(b' ', b'')


def when(kind, params):
    if kind == 'instant':
        return 'time=%s' % params['time']
    return 'start=%s end=%s step=%s' % (params['start'], params['end'], params['step'])


def main():
    args = sys.argv[1:]
    global ORDER
    opts = {'--reps': '21', '--passes': '7', '--every': '1', '--ranks': '', '--order': ORDER,
            '--shuffle': '1', '--timer': ''}
    pos = []
    while args:
        a = args.pop(0)
        if a in opts:
            opts[a] = args.pop(0)
        else:
            pos.append(a)
    rondod_url, prom_url, end, csv_path = pos[0], pos[1], int(pos[2]), pos[3]
    reps, every = int(opts['--reps']), int(opts['--every'])
    passes = max(1, min(int(opts['--passes']), reps))
    ORDER = opts['--order']
    if ORDER not in ORDERS:
        sys.exit('promql-speed.py: --order is one of %s, not %r' % (', '.join(ORDERS), ORDER))
    token = os.environ.get('COMPARE_TOKEN', '')
    rondod = Server(rondod_url, token, opts['--timer'])
    prom = Server(prom_url, token, opts['--timer'])

    # The floor: what an answer costs with no PromQL at all (the health
    # probes), through the same client; it bounds the ratio of small queries.
    floor_r, floor_p = [], []
    probe = {rondod: '/healthz', prom: '/-/healthy'}
    time_pair((rondod, floor_r), (prom, floor_p), max(11, 3 * reps),
          lambda server: server.get(probe[server]))
    battery = list(compare.cases(end, subset=True))[::every]
    todo = [(str(t), k, e, p) for t, k, e, p in battery] + issue_cases(end)
    rows = []
    refused = errors = 0
    started = time.time()
    # (row index, kind, params, rondod's times, Prometheus' times, [stolen, all] ticks)
    timed_cases = []
    for tier, kind, expr, params in todo:
        # untimed first request on each side; a refusal shows here
        _, rs, rb = rondod.ask(kind, params)
        _, ps, pb = prom.ask(kind, params)
        if not ok(ps, pb):
            errors += 1
            rows.append([tier, kind, expr, when(kind, params), '', '', '',
                         'prometheus error: %s' % pb[:200].decode('utf-8', 'replace'), '', ''])
            continue
        if not ok(rs, rb):
            refused += 1
            rows.append([tier, kind, expr, when(kind, params), '', '', '',
                         'rondod refuses (HTTP %d)' % rs, '', ''])
            continue
        if tier == 'issue':
            # not in the differential test: check here that both answer the same
            same = compare.verdict(json.loads(rb), json.loads(pb), 0)[0]
            print('# issue query %r: answers %s' % (expr, same), flush=True)
        timed_cases.append((len(rows), kind, params, [], [], [0, 0]))
        rows.append([tier, kind, expr, when(kind, params), '', '', '', 'timed', '', ''])
    # The requests of a case are spread over the passes, each a walk through
    # the whole battery: a disturbance of a few milliseconds (the host, the
    # other server's run time) falls on one pass's share of a case, not on
    # its median.
    # The host's stolen time is read around each case's requests: where a
    # hypervisor shares these CPUs, a server that sleeps between requests
    # waits for its vCPU to run again (docs/benchmarks.md, 0.13.2).
    per_pass = [reps // passes + (1 if i < reps % passes else 0) for i in range(passes)]
    seed = int(opts['--shuffle'])
    pass_steal = []
    ticks = cpu_ticks()
    for p_i, n_reps in enumerate(per_pass):
        pass_start = ticks
        walk = list(range(len(timed_cases)))
        if seed:
            random.Random(seed * 1000 + p_i).shuffle(walk)
        for n in walk:
            _, kind, params, rt, pt, steal = timed_cases[n]
            pair = ((rondod, rt), (prom, pt))
            time_pair(*(pair if (n + p_i) % 2 == 0 else pair[::-1]), n_reps,
                      lambda server: server.timed(kind, params))
            before, ticks = ticks, cpu_ticks()
            if ticks is not None:
                steal[0] += ticks[0] - before[0]
                steal[1] += ticks[1] - before[1]
        if ticks is not None:
            pass_steal.append((ticks[0] - pass_start[0], ticks[1] - pass_start[1]))
        print('# ... pass %d of %d (%.0f s)' % (p_i + 1, passes, time.time() - started),
              file=sys.stderr, flush=True)
    for i, _, _, rt, pt, steal in timed_cases:
        rm, pm = statistics.median(rt), statistics.median(pt)
        rows[i][4:7] = '%.4f' % (1e3 * rm), '%.4f' % (1e3 * pm), '%.4f' % (pm / rm)
        if ticks is not None:
            rows[i][8:10] = steal

    with open(csv_path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(('tier', 'kind', 'expr', 'when', 'rondod_ms', 'prometheus_ms',
                    'ratio', 'status', 'stolen_ticks', 'cpu_ticks'))
        w.writerows(rows)

    timed = [r for r in rows if r[7] == 'timed']
    battery_timed = [r for r in timed if r[0] != 'issue']
    if opts['--ranks']:
        # two blocks (gnuplot's index 0 and 1): instant, then range queries
        with open(opts['--ranks'], 'w') as f:
            for kind in ('instant', 'range'):
                ratios = sorted(float(r[6]) for r in battery_timed if r[1] == kind)
                f.write('# %s\n' % kind)
                for i, x in enumerate(ratios):
                    f.write('%.5f %.4f\n' % ((i + 0.5) / len(ratios), x))
                f.write('\n\n')

    print('# %d cases in all: %d timed (%d of the battery, %d of the issue), %d refused by '
          'rondod, %d errors of Prometheus; %d requests per server and case, medians; '
          '%d passes; %.0f s' % (len(rows), len(timed), len(battery_timed),
                                 len(timed) - len(battery_timed), refused, errors, reps, passes,
                                 time.time() - started))
    print('# order: %s; timed by %s; %s; ratio = Prometheus median / rondod median (2: '
          'rondod twice as fast)' % (ORDER, os.path.basename(opts['--timer']) or 'http.client',
                                     'each pass shuffled (seed %d)' % seed if seed
                                     else 'the battery\'s order in every pass'))
    print('# %-16s %6s %8s %8s %8s %8s %9s %9s' % ('battery cases', 'timed', '>= 2x', '1-2x',
                                                   '< 1x', 'geomean', 'min', 'median'))
    ok_all = True
    for label, sel in (('instant', 'instant'), ('range', 'range'), ('all', None)):
        rs = [float(r[6]) for r in battery_timed if sel is None or r[1] == sel]
        if not rs:
            continue
        fast = sum(1 for x in rs if x >= TARGET)
        mid = sum(1 for x in rs if 1 <= x < TARGET)
        slow = sum(1 for x in rs if x < 1)
        gm = math.exp(sum(math.log(x) for x in rs) / len(rs))
        print('# %-16s %6d %8d %8d %8d %8.2f %9.2f %9.2f' % (label, len(rs), fast, mid, slow, gm,
                                                           min(rs), statistics.median(rs)))
        if sel is None:
            ok_all = fast == len(rs)
    rm = [float(r[4]) for r in battery_timed]
    pm = [float(r[5]) for r in battery_timed]
    if rm:
        print('# median of the case medians: rondod %.3f ms, Prometheus %.3f ms'
              % (statistics.median(rm), statistics.median(pm)))
    print('# HTTP floor (health probe, no PromQL): rondod /healthz %.3f ms, Prometheus '
          '/-/healthy %.3f ms (medians of %d)' % (1e3 * statistics.median(floor_r),
                                                 1e3 * statistics.median(floor_p), len(floor_r)))
    if pass_steal:
        below = [r for r in battery_timed if float(r[6]) < TARGET]
        print('# host: CPU time stolen by the hypervisor during the timed passes: %s '
              '(passes: %s); while the cases below %gx were timed: %s'
              % (steal_share(sum(s for s, _ in pass_steal), sum(a for _, a in pass_steal)),
                 ', '.join(steal_share(s, a) for s, a in pass_steal), TARGET,
                 steal_share(sum(r[8] for r in below), sum(r[9] for r in below))
                 if below else 'none below'))
        calm = [r for r in battery_timed if r[8] == 0]
        print('# cases timed while no tick was stolen: %d, %d of them below %gx; the other '
              '%d: %d below' % (len(calm), sum(1 for r in calm if float(r[6]) < TARGET), TARGET,
                                len(battery_timed) - len(calm),
                                len(below) - sum(1 for r in calm if float(r[6]) < TARGET)))
    else:
        print('# host: stolen CPU time not counted here (/proc/stat has no steal field)')
    print('# the %d slowest cases against Prometheus (lowest ratios):' % WORST_SHOWN)
    for r in sorted(battery_timed, key=lambda r: float(r[6]))[:WORST_SHOWN]:
        print('#   %5.2f  rondod %7.3f ms  Prometheus %7.3f ms  %-7s %s  [%s]%s'
              % (float(r[6]), float(r[4]), float(r[5]), r[1], r[2], r[3],
                 '  stolen %d of %d ticks' % (r[8], r[9]) if pass_steal else ''))
    for r in rows:
        if r[0] == 'issue':
            if r[7] == 'timed':
                print('# issue query: %-30s rondod %7.3f ms  Prometheus %7.3f ms  ratio %.2f'
                      % (r[2], float(r[4]), float(r[5]), float(r[6])))
            else:
                print('# issue query: %-30s %s' % (r[2], r[7]))
    print('# target (every battery case >= %gx): %s' % (TARGET, 'met' if ok_all and battery_timed
                                                          else 'MISSED'))
    return 0 if timed else 1


if __name__ == '__main__':
    sys.exit(main())
