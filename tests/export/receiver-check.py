#!/usr/bin/env python3
"""receiver-check.py - reads back what a real receiver stored and compares it
with what the store held, exactly (every value and timestamp).

  receiver-check.py prometheus BASE_URL EXPECT_FILE [+]LABEL=VALUE...
  receiver-check.py victoria   BASE_URL EXPECT_FILE [+]LABEL=VALUE...

Every series read must have each LABEL=VALUE; with a "+", only series with
it are read (one store's among several).

EXPECT_FILE holds "id timestamp_ms value" lines (export-fixture write).
Retries for a few seconds (a receiver may publish with a small delay);
prints the first difference and exits 1 if they never match.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

METRIC = "rondo_export_test"


def expected(path):
    want = {}
    with open(path) as f:
        for line in f:
            sid, ts, value = line.split()
            want[(sid, int(ts))] = float(value)
    return want


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def check_labels(metric, labels):
    for k, v in labels.items():
        if metric.get(k) != v:
            raise AssertionError("series %s lacks label %s=%s" % (metric, k, v))


def selector(select):
    return METRIC + "{%s}" % ",".join('%s="%s"' % kv for kv in sorted(select.items()))


def from_prometheus(base, end_ms, labels, select):
    q = urllib.parse.urlencode(
        {"query": selector(select) + "[1h]", "time": "%.3f" % (end_ms / 1000 + 1)})
    body = json.loads(get(base + "/api/v1/query?" + q))
    got = {}
    for series in body["data"]["result"]:
        check_labels(series["metric"], labels)
        for ts, value in series["values"]:
            # seconds with millisecond decimals: round, do not truncate
            got[(series["metric"]["id"], int(round(float(ts) * 1000)))] = float(value)
    return got


def from_victoria(base, end_ms, labels, select):
    get(base + "/internal/force_flush")
    q = urllib.parse.urlencode({"match[]": selector(select)})
    got = {}
    for line in get(base + "/api/v1/export?" + q).splitlines():
        series = json.loads(line)
        check_labels(series["metric"], labels)
        for ts, value in zip(series["timestamps"], series["values"]):
            got[(series["metric"]["id"], int(ts))] = float(value)
    return got


def diff(want, got):
    for key in sorted(want):
        if key not in got:
            return "missing %s" % (key,)
        if got[key] != want[key]:
            return "%s: want %r got %r" % (key, want[key], got[key])
    for key in sorted(got):
        if key not in want:
            return "unexpected %s" % (key,)
    return None


def main():
    kind, base, path = sys.argv[1:4]
    labels = dict(a.lstrip("+").split("=", 1) for a in sys.argv[4:])
    select = dict(a[1:].split("=", 1) for a in sys.argv[4:] if a.startswith("+"))
    want = expected(path)
    end_ms = max(ts for _, ts in want)
    read = from_prometheus if kind == "prometheus" else from_victoria
    problem = "never read"
    for _ in range(20):
        try:
            problem = diff(want, read(base, end_ms, labels, select))
        except Exception as e:  # not ready yet, or a label missing
            problem = str(e)
        if problem is None:
            print("# %s holds all %d points exactly" % (kind, len(want)))
            return 0
        time.sleep(0.5)
    print("# %s: %s" % (kind, problem))
    return 1


sys.exit(main())
