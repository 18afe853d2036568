#!/usr/bin/env python3
"""redteam-client.py - hostile HTTP clients for tests/daemon/redteam.sh.

  redteam-client.py PORT raw HEADERS...   one request of these header lines and
                                          no body; prints the status (or "none")
  redteam-client.py PORT idle N HOLD_S    opens N idle connections, holds them
                                          HOLD_S seconds, closes them; prints
                                          how many connected
  redteam-client.py PORT closed-after S   one idle connection; prints the
                                          seconds until rondod closed it
                                          (or "open" after S seconds)
  redteam-client.py PORT slowloris S      trickles a request's headers one
                                          byte every 0.2 s; prints the seconds
                                          until rondod closed it (or "open")
  redteam-client.py PORT churn N          N connect, GET /healthz, close
                                          cycles; prints the failures
  redteam-client.py PORT keepalive N      N requests on one connection;
                                          prints how many were answered

Loopback only, every wait bounded; standard library only.
"""
import socket
import sys
import time

HOST = "127.0.0.1"


def connect(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_status(s, timeout=5.0):
    """The status of the first answer on @s, or None if it closes first."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionError):
        pass
    if not data.startswith(b"HTTP/1."):
        return None
    return int(data.split(b" ", 2)[1])


def read_response(s, timeout=5.0):
    """One whole answer (headers and Content-Length body); False if none."""
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            return False
        body += chunk
    return head.startswith(b"HTTP/1.1 200")


def wait_closed(s, limit_s):
    """Seconds until the peer closes @s (EOF or reset), None if it stays open."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < limit_s:
        try:
            if not s.recv(4096):
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except ConnectionError:
            return time.monotonic() - t0
    return None


def cmd_raw(port, headers):
    s = connect(port)
    request = "\r\n".join(headers) + "\r\n\r\n"
    s.sendall(request.encode())
    status = read_status(s)
    s.close()
    print(status if status is not None else "none")


def cmd_idle(port, n, hold_s):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(port, timeout=2.0))
        except OSError:
            break
    print(len(socks))
    sys.stdout.flush()
    time.sleep(hold_s)
    for s in socks:
        s.close()


def cmd_closed_after(port, limit_s):
    s = connect(port)
    t = wait_closed(s, limit_s)
    s.close()
    print("open" if t is None else "%.1f" % t)


def cmd_slowloris(port, limit_s):
    s = connect(port)
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
    t0 = time.monotonic()
    closed = None
    for byte in request:
        if time.monotonic() - t0 > limit_s:
            break
        try:
            s.sendall(bytes([byte]))
        except OSError:
            closed = time.monotonic() - t0
            break
        t = wait_closed(s, 0.2)
        if t is not None:
            closed = time.monotonic() - t0
            break
    s.close()
    print("open" if closed is None else "%.1f" % closed)


def cmd_churn(port, n):
    failures = 0
    for _ in range(n):
        try:
            s = connect(port)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            if not read_response(s):
                failures += 1
            s.close()
        except OSError:
            failures += 1
    print(failures)


def cmd_keepalive(port, n):
    s = connect(port)
    answered = 0
    for _ in range(n):
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            if not read_response(s):
                break
        except OSError:
            break
        answered += 1
    s.close()
    print(answered)


def main():
    port, cmd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if cmd == "raw":
        cmd_raw(port, args)
    elif cmd == "idle":
        cmd_idle(port, int(args[0]), float(args[1]))
    elif cmd == "closed-after":
        cmd_closed_after(port, float(args[0]))
    elif cmd == "slowloris":
        cmd_slowloris(port, float(args[0]))
    elif cmd == "churn":
        cmd_churn(port, int(args[0]))
    elif cmd == "keepalive":
        cmd_keepalive(port, int(args[0]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
