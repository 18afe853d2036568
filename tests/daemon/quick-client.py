#!/usr/bin/env python3
"""quick-client.py - a raw HTTP client for tests/daemon/quick.sh: sends a GET the
way the test needs it (whole, in two pieces, late) and reads the answer the way
it needs (at once, slowly through a small window, not at all).

    quick-client.py PORT PATH TOKEN MODE [ARG]

MODE: whole | split MS (the head in two pieces, MS ms apart) | late MS (MS ms
between connect and request) | head (a HEAD request) | slow (a 4 KiB receive
buffer; nothing read for 1.5 s, then 4 KiB every 10 ms; prints "BYTES
CONTENT_LENGTH" of the body) | stall S (a 4 KiB receive buffer, nothing read
for S s, then all there is: prints the same). The other modes print the
answer, headers and body, on stdout."""
import socket
import sys
import time


def head(port, path, token, method='GET'):
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: 127.0.0.1:%s' % port]
    if token:
        lines.append('Authorization: Bearer %s' % token)
    return ('\r\n'.join(lines) + '\r\n\r\n').encode()


def read_all(s, chunk=65536, pause=0.0):
    data = b''
    while True:
        try:
            b = s.recv(chunk)
        except ConnectionResetError:
            break
        if not b:
            break
        data += b
        if pause:
            time.sleep(pause)
    return data


def body_and_length(answer):
    headers, _, body = answer.partition(b'\r\n\r\n')
    length = '-'
    for line in headers.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            length = value.strip().decode()
    return len(body), length


def main():
    port, path, token, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    arg = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    s = socket.socket()
    if mode in ('slow', 'stall'):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(('127.0.0.1', int(port)))
    req = head(port, path, token, 'HEAD' if mode == 'head' else 'GET')
    if mode == 'split':
        cut = req.index(b'\r\n') + 2
        s.sendall(req[:cut])
        time.sleep(arg / 1000)
        s.sendall(req[cut:])
    elif mode == 'late':
        time.sleep(arg / 1000)
        s.sendall(req)
    else:
        s.sendall(req)
    if mode == 'slow':
        time.sleep(1.5)
        print('%d %s' % body_and_length(read_all(s, 4096, 0.01)))
    elif mode == 'stall':
        time.sleep(arg)
        print('%d %s' % body_and_length(read_all(s)))
    else:
        sys.stdout.buffer.write(read_all(s))


if __name__ == '__main__':
    main()
