#!/usr/bin/env python3
"""fake-vmm.py - stands in for Firecracker and Cloud Hypervisor VMs in rondo-fc-agent's tests.

  fake-vmm.py --root DIR --ledger DIR [--template FILE] [--seed N] VM...

Each VM is KIND:ID:START:SECONDS[:MODE]: from START seconds on, for SECONDS,
DIR/ID holds what the real VMM would make:
  fc  metrics.fifo (opened O_RDWR|O_NONBLOCK, as Firecracker v1.16.1 opens
      --metrics-path) and api.sock, answering PUT /actions FlushMetrics with
      204 and one metrics line with the field set of --template;
  ch  ch.sock, answering GET /api/v1/vm.counters (Cloud Hypervisor v53.0's shape).
Firecracker modes: normal; stall (accepts, never answers, writes nothing);
cut (dies in the middle of its 4th line); garbage (before every good line a
line of garbage, the first half of a cut line, or a 2 MiB line);
nosocket (no API socket: flushes by itself every second).
Every line or answer a VM got out whole goes to LEDGER/ID.jsonl, the
expected store contents; LEDGER/ID.bad counts the bad lines it wrote.
All VMs run in this one process (selectors), so a hundred cost little; none
waits for another: the 2 MiB line goes out as the pipe makes room, from the
loop, as a blocking writer's would (the VM exits once it is out, or 5 s
after its time if nothing reads it).
"""
import argparse
import errno
import json
import os
import random
import selectors
import socket
import stat
import sys
import time

# Firecracker's SharedStoreMetric fields (src/vmm/src/logger/metrics.rs and the
# device metrics modules, v1.16.1); every other number in a line is a counter
# reset at each flush. Latency aggregates: min_us, max_us kept, sum_us reset.
STORE_FIELDS = {
    "api_server": None, "latencies_us": None, "seccomp": {"num_faults"},
    "vmm": {"panic_count"},
    "signals": {"sigbus", "sigsegv", "sigxfsz", "sigxcpu", "sighup", "sigill"},
}

sel = selectors.DefaultSelector()
timers = []  # (when, seq, callback)
seq = 0


def at(when, callback):
    global seq
    seq += 1
    timers.append((when, seq, callback))
    timers.sort()


def now_ms():
    return int(time.time() * 1000)


class Http:
    """One client connection: reads a request, hands it to the VM."""

    def __init__(self, vm, conn):
        self.vm, self.conn, self.buf = vm, conn, b""
        conn.setblocking(False)
        sel.register(conn, selectors.EVENT_READ, self.on_read)
        vm.conns.append(self)

    def on_read(self):
        try:
            data = self.conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            return self.close()
        self.buf += data
        head, sep, body = self.buf.partition(b"\r\n\r\n")
        if not sep:
            return
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for h in lines[1:]:
            k, _, v = h.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
        if len(body) < length:
            return
        method, path = lines[0].split(" ")[:2]
        status, answer = self.vm.handle(method, path, body[:length])
        if status is None or self.conn is None:
            return  # stalled, or the VM died answering
        reason = {200: "OK", 204: "No Content", 400: "Bad Request"}.get(status, "Error")
        out = "HTTP/1.1 %d %s\r\nServer: fake\r\n" % (status, reason)
        if status != 204:
            out += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(answer)
        try:
            self.conn.sendall(out.encode() + b"\r\n" + answer)
        except OSError:
            pass
        self.close()

    def close(self):
        if self.conn is not None:
            sel.unregister(self.conn)
            self.conn.close()
            self.conn = None


class Vm:
    def __init__(self, root, ledger, kind, vm_id, seconds, mode, template, rng):
        self.dir = os.path.join(root, vm_id)
        self.kind, self.id, self.seconds, self.mode = kind, vm_id, seconds, mode
        self.template, self.rng = template, rng
        self.ledger = open(os.path.join(ledger, vm_id + ".jsonl"), "w")
        self.bad_path = os.path.join(ledger, vm_id + ".bad")
        self.bad = 0
        self.conns, self.listener, self.fd = [], None, None
        self.flushes, self.missed, self.totals = 0, 0, {}
        self.pending, self.pending_line, self.stopping = b"", None, False

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        if self.kind == "fc":
            fifo = os.path.join(self.dir, "metrics.fifo")
            if not (os.path.exists(fifo) and stat.S_ISFIFO(os.stat(fifo).st_mode)):
                os.mkfifo(fifo)
            self.fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        if self.kind == "ch" or self.mode != "nosocket":
            name = "ch.sock" if self.kind == "ch" else "api.sock"
            self.sock_path = os.path.join(self.dir, name)
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(self.sock_path)
            self.listener.listen(64)
            self.listener.setblocking(False)
            sel.register(self.listener, selectors.EVENT_READ, self.on_accept)
        if self.mode == "nosocket":
            self.self_flush()
        at(time.time() + self.seconds, self.stop)

    def self_flush(self):
        if self.fd is not None:
            self.flush()
            at(time.time() + 1.0, self.self_flush)

    def on_accept(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        Http(self, conn)

    def handle(self, method, path, body):
        if self.mode == "stall":
            return None, b""
        if self.kind == "ch":
            if method == "GET" and path == "/api/v1/vm.counters":
                return 200, self.counters()
            return 400, b'{"error": "unknown request"}'
        try:
            action = json.loads(body or b"{}").get("action_type")
        except ValueError:
            action = None
        if method == "PUT" and path == "/actions" and action == "FlushMetrics":
            self.flush()
            return 204, b""
        return 400, b'{"fault_message": "unsupported request"}'

    # ----------------------------------------------------------- Firecracker
    def values(self, group, obj):
        out = {}
        gauges = STORE_FIELDS.get(group, set())
        for k, v in obj.items():
            if isinstance(v, dict) and "sum_us" in v:
                out[k] = {"min_us": v["min_us"], "max_us": v["max_us"],
                          "sum_us": self.rng.randint(0, 5000)}
            elif gauges is None or k in gauges:
                out[k] = v
            else:
                out[k] = self.rng.randint(0, 1000)
        return out

    def line(self):
        line = {"utc_timestamp_ms": now_ms()}
        for group, obj in self.template.items():
            if group != "utc_timestamp_ms":
                line[group] = self.values(group, obj)
        line["logger"]["missed_metrics_count"] = self.missed
        return json.dumps(line, separators=(",", ":")).encode() + b"\n"

    def garbage(self):
        kind = self.flushes % 3
        self.bad += 1
        if kind == 0:
            return b"this is not JSON {{{\n"
        if kind == 1:
            return self.line()[:1000]  # a cut line: the good one runs on from it
        return b"x" * (2 * 1024 * 1024) + b"\n"

    def flush(self):
        self.flushes += 1
        good = self.line()
        if self.mode == "cut" and self.flushes == 4:
            os.write(self.fd, good[: len(good) // 2])
            self.bad += 1
            return self.stop()
        if self.pending:  # still blocked in the oversized line: this one is lost
            self.missed += 1
            return
        data = self.garbage() + good if self.mode == "garbage" else good
        if len(data) > 65536:  # more than a pipe holds: out as it makes room
            self.pending, self.pending_line = data, good
            sel.register(self.fd, selectors.EVENT_WRITE, self.on_writable)
            return self.on_writable()
        try:
            n = os.write(self.fd, data)
        except BlockingIOError:
            n = 0
        if n != len(data):  # a full pipe: Firecracker loses the line and counts it
            self.missed += 1
            return
        self.wrote(good)

    def wrote(self, good):
        self.missed = 0
        self.ledger.write(good.decode())
        self.ledger.flush()

    def on_writable(self):
        try:
            self.pending = self.pending[os.write(self.fd, self.pending):]
        except BlockingIOError:
            return
        if self.pending:
            return
        sel.unregister(self.fd)
        self.wrote(self.pending_line)
        if self.stopping:
            self.stop()

    # ------------------------------------------------------ Cloud Hypervisor
    def counters(self):
        t = self.totals
        for k in ("read_bytes", "write_bytes", "read_ops", "write_ops", "rx_bytes", "rx_frames",
                  "tx_bytes", "tx_frames"):
            t[k] = t.get(k, 0) + self.rng.randint(0, 4096)
        answer = {
            "_disk0": {k: t[k] for k in ("read_bytes", "write_bytes", "read_ops", "write_ops")},
            "_net1": {k: t[k] for k in ("rx_bytes", "rx_frames", "tx_bytes", "tx_frames")},
        }
        answer["_disk0"].update(read_latency_min=12, read_latency_max=950, read_latency_avg=80,
                                write_latency_min=2**64 - 1, write_latency_max=0,
                                write_latency_avg=0)
        body = json.dumps(answer).encode()
        self.ledger.write(json.dumps({"t": now_ms(), "counters": answer}) + "\n")
        self.ledger.flush()
        return body

    def stop(self):
        if self.pending and not self.stopping:  # exits once its write returns
            self.stopping = True
            return at(time.time() + 5.0, self.abandon)
        for c in self.conns:
            c.close()
        if self.listener is not None:
            sel.unregister(self.listener)
            self.listener.close()
            self.listener = None
            if self.mode != "cut":  # a crashed VMM leaves its socket file behind
                os.unlink(self.sock_path)
        if self.fd is not None:
            if self.pending:
                sel.unregister(self.fd)
            os.close(self.fd)
            self.fd = None
        with open(self.bad_path, "w") as f:
            f.write("%d\n" % self.bad)
        self.ledger.close()
        running.discard(self)

    def abandon(self):
        """Nobody read the oversized line for 5 s: the VM dies in it."""
        if self in running and self.pending:
            self.stop()


running = set()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--template", default=os.path.join(os.path.dirname(__file__), "fixtures",
                                                       "firecracker-v1.16.1.json"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("vms", nargs="+")
    args = ap.parse_args()
    template = json.load(open(args.template))
    os.makedirs(args.ledger, exist_ok=True)
    start = time.time()
    for n, spec in enumerate(args.vms):
        kind, vm_id, when, seconds, *mode = spec.split(":")
        vm = Vm(args.root, args.ledger, kind, vm_id, float(seconds), (mode or ["normal"])[0],
                template, random.Random(args.seed * 1000 + n))
        running.add(vm)
        at(start + float(when), vm.start)
    while running or timers:
        timeout = max(0.0, timers[0][0] - time.time()) if timers else 1.0
        for key, _ in sel.select(timeout):
            key.data()
        while timers and timers[0][0] <= time.time():
            timers.pop(0)[2]()


if __name__ == "__main__":
    sys.exit(main())
