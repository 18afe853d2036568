#!/usr/bin/env python3
"""export-proxy.py - a remote-write relay that can crash rondod mid-export.

  export-proxy.py PORT_FILE UPSTREAM_URL [KILL_AFTER PID_FILE]

Listens on a free loopback port (written to PORT_FILE once listening) and
forwards every POST body and its remote-write headers to UPSTREAM_URL
unchanged, answering with the upstream's status and body. With KILL_AFTER
N, the Nth request the upstream accepted (2xx) is answered by a SIGKILL of
the process in PID_FILE instead: the crash between a receiver's 2xx and
the drain cursor's commit, the worst moment for at-least-once delivery.
One line per request on stdout. Stops on SIGTERM.
"""
import http.server
import os
import signal
import sys
import time
import urllib.error
import urllib.request

HEADERS = ("Content-Encoding", "Content-Type", "X-Prometheus-Remote-Write-Version",
           "User-Agent", "Authorization")


class Relay(http.server.BaseHTTPRequestHandler):
    accepted = 0

    def forward(self, body):
        headers = {h: self.headers[h] for h in HEADERS if self.headers[h] is not None}
        req = urllib.request.Request(self.server.upstream, data=body, headers=headers,
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def kill_sender(self):
        for _ in range(100):  # the pid file is written just after rondod started
            try:
                with open(self.server.pid_file) as f:
                    os.kill(int(f.read().strip()), signal.SIGKILL)
                return
            except (OSError, ValueError):
                time.sleep(0.05)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, answer = self.forward(body)
        if 200 <= status < 300:
            Relay.accepted += 1
        print("request %d bytes -> %d (accepted %d)" % (len(body), status, Relay.accepted),
              flush=True)
        if Relay.accepted == self.server.kill_after:
            print("killing the sender", flush=True)
            self.kill_sender()
            return
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def main():
    port_file, upstream = sys.argv[1:3]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    server.upstream = upstream
    server.kill_after = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    server.pid_file = sys.argv[4] if len(sys.argv) > 4 else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


main()
