#!/usr/bin/env python3
"""check-store.py - compares a VM's store with what fake-vmm.py wrote (its ledger).

  check-store.py fc|ch STORE LEDGER_DIR VM_ID RONDO_QUERY

The mapping from a Firecracker line or a Cloud Hypervisor answer to series
is written here again from docs/firecracker-integration.md, not taken from
the agent: every series the ledger implies must be in the store, with one
point per line (or answer), in order, each a running total of the deltas
(counters), the value as written (gauges), microseconds as seconds; no
other firecracker_* / cloudhypervisor_* series may be there. Prints what
differs and exits 1, or prints a summary and exits 0.
"""
import importlib.machinery
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
fake = importlib.machinery.SourceFileLoader("fake_vmm", os.path.join(here, "fake-vmm.py")).load_module()
DEVICE_PREFIXES = ("block_", "net_", "pmem_")


def split_group(member):
    for p in DEVICE_PREFIXES:
        if member.startswith(p) and len(member) > len(p):
            return p[:-1], member[len(p):]
    return member, None


def fc_series(line):
    """(name, device) -> (kind, value) for one ledger line."""
    out = {}
    for member, obj in line.items():
        if member == "utc_timestamp_ms":
            continue
        group, device = split_group(member)
        gauges = fake.STORE_FIELDS.get(group, set())
        prefix = "firecracker_%s_" % ("latencies" if group == "latencies_us" else group)
        for field, v in obj.items():
            if isinstance(v, dict):
                stem = prefix + field[:-4] if field.endswith("_agg") else prefix + field
                out[(stem + "_latency_min_seconds", device)] = ("gauge", v["min_us"] / 1e6)
                out[(stem + "_latency_max_seconds", device)] = ("gauge", v["max_us"] / 1e6)
                out[(stem + "_latency_seconds_total", device)] = ("delta", v["sum_us"] / 1e6)
                continue
            gauge = gauges is None or field in gauges
            micro = field.endswith("_us") or group == "latencies_us"
            name = prefix + (field[:-3] if field.endswith("_us") else field)
            name += ("_seconds" if micro else "") + ("" if gauge else "_total")
            out[(name, device)] = ("gauge" if gauge else "delta", v / 1e6 if micro else v)
    return out


def ch_series(counters):
    out = {}
    for device, values in counters.items():
        for k, v in values.items():
            if v >= 2**63:
                continue
            if "latency" in k:
                out[("cloudhypervisor_%s_seconds" % k, device)] = ("gauge", v / 1e6)
            else:
                out[("cloudhypervisor_%s_total" % k, device)] = ("total", v)
    return out


def expected(kind, ledger):
    """(name, device) -> [(slot second, value)], running totals applied."""
    series, totals = {}, {}
    for raw in open(ledger):
        rec = json.loads(raw)
        if kind == "fc":
            t, values = rec["utc_timestamp_ms"] // 1000, fc_series(rec)
        else:
            t, values = rec["t"] // 1000, ch_series(rec["counters"])
        for key, (how, v) in values.items():
            if how == "delta":
                totals[key] = totals.get(key, 0) + v
                v = totals[key]
            series.setdefault(key, []).append((t, v))
    return series


def stored(store, rondo_query, prefix):
    out = subprocess.run([rondo_query, "--store", store, "--tier", "0", "--format", "json",
                          "--range", "15m", '{__name__=~"%s.*"}' % prefix],
                         capture_output=True, text=True, check=True).stdout
    series = {}
    for r in json.loads(out)["data"]["result"]:
        m = r["metric"]
        key = (m["__name__"], m.get("device"))
        series[key] = [(int(float(t)), float(v)) for t, v in r["values"]]
    return series


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def main():
    kind, store, ledger_dir, vm_id, rondo_query = sys.argv[1:6]
    want = expected(kind, os.path.join(ledger_dir, vm_id + ".jsonl"))
    have = stored(store, rondo_query, "firecracker_" if kind == "fc" else "cloudhypervisor_")
    problems = []
    for key in sorted(set(want) | set(have), key=str):
        w, h = want.get(key), have.get(key)
        if w is None or h is None:
            problems.append("%s{device=%s}: %s" % (key[0], key[1], "unexpected" if w is None else "missing"))
        elif len(w) != len(h) or any(tw != th or not close(vw, vh) for (tw, vw), (th, vh) in zip(w, h)):
            problems.append("%s{device=%s}: want %s, have %s" % (key[0], key[1], w, h))
    for p in problems[:10]:
        print("#   " + p)
    if problems:
        print("#   (%d problems)" % len(problems))
        return 1
    points = {len(v) for v in want.values()}
    print("%d series, %s points each" % (len(want), "/".join(map(str, sorted(points)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
