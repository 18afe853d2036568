#!/usr/bin/env python3
"""gen-corpus.py - writes the seed corpora of tests/fuzz/corpus/.

    tests/fuzz/gen-corpus.py BUILDDIR

Seeds are small and deterministic: a tiny store made with BUILDDIR's
`rondo create` and `rondo import` from tests/tools/points.txt, the
remote-write golden file of tests/export, and inputs written here. Run
again after a format change; regression inputs (regress-*) are kept.
"""
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile

SEP = b"\n--8<--\n"
TOP = pathlib.Path(__file__).resolve().parent.parent.parent
CORPUS = TOP / "tests" / "fuzz" / "corpus"

# Protobuf and snappy (literal blocks) encoders: the remote-read test's.
_spec = importlib.util.spec_from_file_location("read_check", TOP / "tests/promql/read-check.py")
read_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(read_check)
varint, field, snappy = read_check.varint, read_check.field_bytes, read_check.snappy_compress

SCHEMA = """\
[schema vcpu]
series_max = 2
match = __name__=~vcpu_.*
tier = 1s:8
tier = 4s:4:average,max,count

[schema rest]
series_max = 2
tier = 1s:8
tier = 1m:2:average,last
"""


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + name)).write_bytes(data if isinstance(data, bytes) else data.encode())


def write_all(target, prefix, items):
    for i, item in enumerate(items):
        write(target, "%s-%d" % (prefix, i), item)


def make_store(builddir, path):
    rondo = str(pathlib.Path(builddir) / "tools" / "rondo")
    schema = pathlib.Path(path).parent / "schema.conf"
    schema.write_text(SCHEMA)
    subprocess.run([rondo, "create", "--schema", str(schema), path], check=True,
                   stdout=subprocess.DEVNULL)
    lines = [l for l in (TOP / "tests/tools/points.txt").read_text().splitlines()
             if l and not l.startswith("#")]
    lines = lines[:12] + ['vcpu_exits_total{reason="io"} %d %d' % (i, 1714564800 + i)
                          for i in range(10)]
    subprocess.run([rondo, "import", path], input="\n".join(lines) + "\n", text=True,
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([rondo, "consolidate", path], check=True, stdout=subprocess.DEVNULL)
    return lines


def store_seeds(builddir):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "store")
        lines = make_store(builddir, path)
        files = pathlib.Path(path)
        meta = (files / "meta.json").read_bytes()
        index = (files / "series.json").read_bytes()
        slabs = [(files / ("%s.%d.slab" % (s, t))).read_bytes()
                 for s in ("vcpu", "rest") for t in (0, 1)]
        dump = subprocess.run([str(pathlib.Path(builddir) / "tools" / "rondo"), "dump", path],
                              check=True, stdout=subprocess.PIPE).stdout
    whole = SEP.join([meta, index] + slabs)
    write("store", "fit", b"\x01" + whole)
    write("store", "raw", b"\x00" + whole)
    write("store", "no-series", b"\x01" + SEP.join([meta, b'{"version":1,"series":[]}']))
    write("store", "meta-only", b"\x00" + meta)
    write("json", "meta", b"\x00" + meta)
    write("json", "series", b"\x01" + index)
    return lines, dump


def dump_seeds(dump):
    write("dump", "dump", b"\x00" + dump)
    write("dump", "dump-empty", b'\x00{"format":"rondo-dump","version":1,"schemas":[],"series":[]}')
    answer = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "up", "store": "vm-1"},
         "values": [[1714564800, "1"], [1714564801.5, "NaN"], [1714564802, "+Inf"]]}]}}
    write("dump", "answer", b"\x01" + json.dumps(answer).encode())
    write("dump", "answer-error", b'\x01{"status":"error","errorType":"bad_data","error":"x"}')


def remote_read_seeds():
    q = read_check.query
    EQ, RE, NRE = read_check.EQ, read_check.RE, read_check.NRE
    one = read_check.read_request([q(1714564800000, 1714564860000, [(EQ, "__name__", "up")])])
    hinted = read_check.read_request(
        [q(0, 1714564860000, [(RE, "__name__", "vcpu_.*"), (NRE, "reason", "io|mmio")],
           {"step_ms": 60000, "func": "rate", "range_ms": 300000}),
         q(1714564860000, 1714564800000, [(EQ, "store", "")])],
        [read_check.STREAMED_XOR_CHUNKS, read_check.SAMPLES])
    write("remote-read", "one", snappy(one))
    write("remote-read", "hinted", snappy(hinted))
    write("remote-read", "empty", snappy(b""))


def vmm_metrics_seeds():
    fixtures = TOP / "tests" / "agent" / "fixtures"
    line = json.dumps(json.loads((fixtures / "firecracker-v1.16.1.json").read_text()),
                      separators=(",", ":")).encode()
    write("vmm-metrics", "firecracker", b"\x00" + line)
    write("vmm-metrics", "firecracker-cut", b"\x00" + line[:200] + line)
    write("vmm-metrics", "cloud-hypervisor",
          b"\x01" + (fixtures / "cloud-hypervisor-v53.0-counters.json").read_bytes())


def json_seeds():
    t0 = 1700000000 * 10**9
    for tier, step, name in ((0, 10**9, "cursor-0"), (1, 10 * 10**9, "cursor-1")):
        cursor = {"version": 1, "consumer": "fuzz", "tier": tier, "missed_total": 3,
                  "cursors": {"vmm": t0 + 3 * step, "other": t0 + step}}
        write("json", name, bytes([2 | tier << 2]) + json.dumps(cursor).encode())
    write("json", "cursor-empty", b"\x02{\"missed_total\":0,\"cursors\":{}}")


def import_seeds(lines):
    write_all("import-line", "points", lines[:3])
    extra = [
        'up 1 1714564800.25',
        'cpu{vm="a\\"b",core="0"} NaN 1714564800000ms',
        'disk_bytes{dev="vda"} -Inf 1714564800000000us',
        'x{} +Inf 1714564800000000000ns',
        'x 2.5e3 1714564800s',
        '{__name__="y",a="1"} 0x10 17145648000000000000ns',
        'offset{by="x", sum=\'y\',} 1 1714564800',
        'bool 1 1714564800',
    ]
    write_all("import-line", "line", extra)


def promql_seeds():
    exprs = [
        '-2 * (3 + 1) / 4',
        '{__name__=~"vm_.*"}',
        'up{job="a", instance!="b", x=~"c|d", y!~\'e\',}',
        'rate(vm_cpu_seconds_total[1m30s])',
        'sum by (store) (rate(x[5m]))',
        'avg(max_over_time(x{a="1"}[1h])) by (a, b)',
        'count(increase(y[10s])) * 2 - min(last_over_time(z[1w]))',
        'x offset 5m',
        'rate(x[5m:1m])',
        'topk(3, x)',
        'a / on(store) group_left(v) b > bool 1 and c or ignoring(x) d unless e',
        'bottomk by (a) (2, irate(x[1m] offset -30s)) == deriv(y[5m] offset 1h)',
        'label_replace(clamp(round(x, 0.5), 0, 1), "d", "${1}x$$", "s", "(.*)")',
        'absent(x{a="1",a="2"}) + scalar(sort_desc(y)) * time() - vector(1)',
        'max_over_time(rate(x{a="b"}[5m] @ 1700000000.5)[30m:1m] offset -5m @ start())',
        '-2 ^ 3 ^ -x % 7 atan2 y + avg_over_time((a - b)[10m:])',
        'count_values without (a) ("v", x) + group by (b) (y) + label_join(z, "d", ",", "a", "b")',
        'histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m]))) + holt_winters(x[10m], 0.5, 0.5)',
        'timestamp(x @ end()) - day_of_week() + sgn(ln(x)) + absent_over_time(y[5m:1m]) * pi()',
        'offset offset 5m + sum(and) or unless{a="b" # c\n, } and {__name__="x"}',
    ]
    write_all("promql", "expr", exprs)


def params_seeds():
    seeds = [
        b"query=rate(x%5B5m%5D)&time=1700000000.5",
        b"query=up&start=2023-11-14T22:13:20Z&end=2023-11-14T23:13:20.5%2B01:00&step=1m30s",
        b"match[]=up&match%5B%5D=%7Bvm%3D%22a%22%7D&start=1&end=2&timeout=500ms",
        b"a=1&b=two+words\x00step=15&time=1700000000&lookback_delta=1h",
        b"q=%zz&range=99999999999999999999y&step=-1",
    ]
    write_all("params", "params", seeds)


def http_head_seeds():
    host = b"Host: 127.0.0.1:9464\r\n"
    seeds = [
        b"GET /api/v1/query?query=up&time=1700000000 HTTP/1.1\r\n" + host
        + b"User-Agent: Grafana/10.4\r\nAccept: */*\r\nAuthorization: Bearer s3cret\r\n\r\n",
        b"GET /api/v1/query_range?query=rate%28x%5B5m%5D%29&start=1&end=2&step=15 HTTP/1.1\r\n"
        + b"hOsT:x\r\nauthorization:\t Bearer a b \t\r\nX-Empty:\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\n" + host + b"Content-Length: 0\r\n\r\n",
        b"GET /x HTTP/1.1\r\n" + host + b"X-A: 1\r\n folded\r\n\r\n",
        b"POST /api/v1/query HTTP/1.1\r\n" + host + host + b"Expect: 100-continue\r\n\r\nquery=1",
    ]
    write_all("http-head", "head", seeds)


def remote_write_seeds():
    golden = (TOP / "tests/export/write-request.golden").read_bytes()
    write("remote-write", "golden", snappy(golden))
    label = lambda n, v: field(1, field(1, n.encode()) + field(2, v.encode()))
    sample = lambda v, t: field(2, b"\x09" + v + b"\x10" + varint(t))
    one = (label("__name__", "up") + label("job", "a") + label("z", "")
           + sample(b"\x00" * 7 + b"\x40", 1700000000000) + sample(b"\x00" * 8, 1700000001000))
    write("remote-write", "one-series", snappy(field(1, one)))
    write("remote-write", "empty", snappy(b""))


def conf_seeds():
    write("conf", "shipped", (TOP / "data" / "rondod.conf").read_bytes())
    write("conf", "export", "[rondod]\nlisten=127.0.0.1:0\nstate_dir=/var/lib/rondo\n"
          "[limits]\nmax_samples=1000\nmax_body_bytes=1048576\n"
          "[export]\nurl=http://127.0.0.1:8428/api/v1/write\ninterval_s=5\n"
          "labels=host=a;dc=b\nbearer_token_file=/etc/rondo/token\n")
    write("conf", "bad", "[rondod]\nlisten=\n[nope]\nx=1\n")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lines, dump = store_seeds(sys.argv[1])
    dump_seeds(dump)
    remote_read_seeds()
    vmm_metrics_seeds()
    conf_seeds()
    json_seeds()
    import_seeds(lines)
    promql_seeds()
    params_seeds()
    http_head_seeds()
    remote_write_seeds()


if __name__ == "__main__":
    main()
