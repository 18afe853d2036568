#!/usr/bin/env python3
"""read-check.py - crafted remote-read requests against rondod, answers checked exactly.

    read-check.py URL TOKEN OPENMETRICS_FILE END MAX_SAMPLES

rondod serves the stores of promql-fixture.c, whose samples OPENMETRICS_FILE
holds; END is their last second. Protobuf and snappy are written here by
hand from their specifications (stdlib only, independent of rondod's
protobuf-c and libsnappy): requests are compressed with literal blocks
only, which every snappy decoder accepts. Prints one line per check:
"ok<TAB>name" or "not ok<TAB>name<TAB>detail", for compare.sh's TAP.
"""
import http.client
import json
import re
import struct
import sys
import urllib.parse

EQ, NEQ, RE, NRE = 0, 1, 2, 3
SAMPLES, STREAMED_XOR_CHUNKS = 0, 1

# ------------------------------------------------------------- protobuf


def varint(n):
    n &= (1 << 64) - 1  # int64 as two's complement, as protobuf encodes it
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field_varint(num, n):
    return varint(num << 3) + varint(n)


def field_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def query(start_ms, end_ms, matchers, hints=None):
    out = field_varint(1, start_ms) + field_varint(2, end_ms)
    for kind, name, value in matchers:
        out += field_bytes(3, field_varint(1, kind) + field_bytes(2, name) + field_bytes(3, value))
    if hints:
        h = b''
        h += field_varint(1, hints.get('step_ms', 0))
        h += field_bytes(2, hints.get('func', ''))
        h += field_varint(7, hints.get('range_ms', 0))
        out += field_bytes(4, h)
    return out


def read_request(queries, accepted=None):
    out = b''.join(field_bytes(1, q) for q in queries)
    if accepted is not None:
        out += field_bytes(2, b''.join(varint(a) for a in accepted))  # packed
    return out


def parse(data):
    """{field number: [value, ...]}: varints as ints, fixed64 as bytes, length-delimited as bytes."""
    fields = {}
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            value, pos = read_varint(data, pos)
        elif wt == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wt == 2:
            n, pos = read_varint(data, pos)
            value, pos = data[pos:pos + n], pos + n
        elif wt == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError('wire type %d' % wt)
        fields.setdefault(num, []).append(value)
    return fields


def read_varint(data, pos):
    n = shift = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, pos


def decode_response(data):
    """[[(labels as sorted (name, value) pairs, [(ts_ms, value), ...]), ...] per query]."""
    results = []
    for qr in parse(data).get(1, []):
        series = []
        for ts in parse(qr).get(1, []):
            f = parse(ts)
            labels = []
            for lab in f.get(1, []):
                lf = parse(lab)
                labels.append((lf.get(1, [b''])[0].decode(), lf.get(2, [b''])[0].decode()))
            samples = []
            for s in f.get(2, []):
                sf = parse(s)
                value = struct.unpack('<d', sf[1][0])[0] if 1 in sf else 0.0
                t = sf.get(2, [0])[0]
                samples.append((t - (1 << 64) if t >= 1 << 63 else t, value))
            series.append((labels, samples))
        results.append(series)
    return results

# --------------------------------------------------------------- snappy


def snappy_compress(data):
    """Literal blocks only: valid snappy, not smaller."""
    out = bytearray(varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        out += bytes([61 << 2]) + struct.pack('<H', len(chunk) - 1) + chunk
    return bytes(out)


def snappy_uncompress(data):
    n, pos = read_varint(data, 0)
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(data[pos:pos + extra], 'little')
                pos += extra
            length += 1
            out += data[pos:pos + length]
            pos += length
            continue
        if kind == 1:
            length = ((tag >> 2) & 7) + 4
            offset = (tag >> 5) << 8 | data[pos]
            pos += 1
        else:
            length = (tag >> 2) + 1
            size = 2 if kind == 2 else 4
            offset = int.from_bytes(data[pos:pos + size], 'little')
            pos += size
        for _ in range(length):
            out.append(out[-offset])
    if len(out) != n:
        raise ValueError('snappy: %d bytes, header says %d' % (len(out), n))
    return bytes(out)

# ------------------------------------------------------------------ HTTP


class Rondod:
    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.token = u.hostname, u.port, token

    def post(self, body, headers=None, method='POST', token=True):
        h = {'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy',
             'X-Prometheus-Remote-Read-Version': '0.1.0'}
        if token:
            h['Authorization'] = 'Bearer ' + (self.token if token is True else token)
        h.update(headers or {})
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        c.request(method, '/api/v1/read', body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, r.headers, data

    def read(self, queries, accepted=None):
        """The decoded results, or raises with the status and body."""
        status, headers, data = self.post(snappy_compress(read_request(queries, accepted)))
        if status != 200:
            raise AssertionError('status %d: %s' % (status, data[:300]))
        if headers.get('Content-Type') != 'application/x-protobuf' or \
                headers.get('Content-Encoding') != 'snappy':
            raise AssertionError('headers %s' % dict(headers))
        return decode_response(snappy_uncompress(data))

# --------------------------------------------------------------- checks


def load_openmetrics(path):
    """{sorted label pairs: [(ts_ms, value)]} from promql-fixture's OpenMetrics."""
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+) (\d+)$')
    out = {}
    with open(path) as f:
        for line in f:
            m = line_re.match(line.rstrip('\n'))
            if not m:
                continue
            labels = [('__name__', m.group(1))]
            labels += re.findall(r'([a-zA-Z_]+)="([^"]*)"', m.group(2))
            key = tuple(sorted(labels))
            out.setdefault(key, []).append((int(m.group(4)) * 1000, float(m.group(3))))
    return out


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, name, fn):
        try:
            detail = fn()
        except Exception as e:  # a check that raises has failed
            detail = '%s: %s' % (type(e).__name__, e)
        if detail:
            self.failed += 1
            print('not ok\t%s\t%s' % (name, str(detail).replace('\n', ' ')[:1500]))
        else:
            print('ok\t%s' % name)


def expect_series(got, want):
    """'' if @got (one query's decoded series) is exactly @want's, in Prometheus order."""
    keys = [tuple(labels) for labels, _ in got]
    if keys != sorted(want):
        return 'series %s, expected %s' % (keys[:4], sorted(want)[:4])
    for labels, samples in got:
        if labels != sorted(labels):
            return 'labels not sorted by name: %s' % labels
        if samples != want[tuple(labels)]:
            return '%s: %d samples differ from the %d recorded' % (
                labels, len(samples), len(want[tuple(labels)]))
    return ''


def subset(points, pred):
    return {k: v for k, v in points.items() if pred(dict(k))}


def main():
    url, token, om, end, max_samples = sys.argv[1:6]
    end_ms, max_samples = int(end) * 1000, int(max_samples)
    rd = Rondod(url, token)
    points = load_openmetrics(om)
    nodes = subset(points, lambda l: not l['store'].startswith('archive'))
    everything = [(RE, '__name__', '.+'), (RE, 'store', 'node-.*')]
    ck = Checks()
    day = 24 * 3600 * 1000

    ck.check('every series of node-a and node-b, samples exact and in order',
             lambda: expect_series(rd.read([query(end_ms - day, end_ms, everything)])[0], nodes))
    ck.check('hints asking for a coarse step still get tier 0 where it covers the range',
             lambda: expect_series(rd.read([query(end_ms - 2 * 3600 * 1000, end_ms, everything,
                                                   {'step_ms': 300000, 'func': 'max_over_time',
                                                    'range_ms': 600000})])[0], nodes))

    def matcher_case(matchers, pred):
        want = subset(nodes, pred)
        return lambda: expect_series(rd.read([query(0, end_ms, matchers)])[0], want) or \
            ('' if want else 'the case selects nothing')
    ck.check('= and != matchers', matcher_case(
        [(EQ, '__name__', 'http_requests_total'), (NEQ, 'method', 'get')],
        lambda l: l['__name__'] == 'http_requests_total' and l['method'] != 'get'))
    ck.check('a regex matches the whole value (anchored)',
             lambda: '' if rd.read([query(0, end_ms, [(RE, '__name__', 'http_requests')])]) == [[]]
             else 'matched a prefix')
    ck.check('=~ with alternation and classes', matcher_case(
        [(RE, '__name__', 'http_.*|mem[a-z]+_bytes'), (RE, 'code', '|2..')],
        lambda l: l['__name__'] == 'memory_bytes' or l.get('code') == '200'))
    ck.check('!~ matcher', matcher_case(
        [(EQ, '__name__', 'temperature_celsius'), (NRE, 'sensor', 'c.u')],
        lambda l: l['__name__'] == 'temperature_celsius' and l['sensor'] == 'disk'))
    ck.check('an absent label matches ""', matcher_case(
        [(RE, '__name__', '.+'), (EQ, 'store', 'node-a'), (EQ, 'cpu', '')],
        lambda l: l['store'] == 'node-a' and 'cpu' not in l))
    ck.check('!= "" selects the series having the label', matcher_case(
        [(NEQ, 'version', '')], lambda l: 'version' in l))

    mem = [(EQ, '__name__', 'memory_bytes'), (EQ, 'store', 'node-b')]
    mem_key = (('__name__', 'memory_bytes'), ('store', 'node-b'))

    def time_range():
        t = [ts for ts, _ in nodes[mem_key]]
        got = rd.read([query(t[10], t[14], mem), query(t[10] + 1, t[14] - 1, mem)])
        want = [nodes[mem_key][10:15], nodes[mem_key][11:14]]
        return '' if [[s for _, s in r] for r in got] == [[w] for w in want] else 'got %s' % got
    ck.check('the time range is inclusive at both ends; two queries, two results', time_range)
    ck.check('end before start: an empty result',
             lambda: '' if rd.read([query(end_ms, end_ms - 1, mem)]) == [[]] else 'not empty')
    ck.check('accepted_response_types [STREAMED_XOR_CHUNKS, SAMPLES] gets SAMPLES',
             lambda: expect_series(rd.read([query(0, end_ms, mem)],
                                           [STREAMED_XOR_CHUNKS, SAMPLES])[0],
                                   {mem_key: nodes[mem_key]}))

    archive = subset(points, lambda l: l['store'] == 'archive')
    temp_key = (('__name__', 'archive_temperature'), ('store', 'archive'))
    raw = dict(archive[temp_key])
    six_h = 6 * 3600 * 1000

    def bucket(start, fn):
        return fn([raw[start + d] for d in range(0, 60000, 15000) if start + d in raw])

    def last(vs):
        return vs[-1]

    def coarse_want(samples, fn, peaks=False):
        """Samples that are not 60 s buckets stamped at their last slot with fn's value."""
        bad, want = [], []
        for t, _ in samples:
            start = t - 45000
            if start % 60000 == 0 and start not in [w - 45000 for w, _ in want]:
                top = bucket(start, max)
                if peaks and top > bucket(start, last):
                    want.append((t - 15000, top))
                want.append((t, bucket(start, fn)))
        for (t, v), w in zip(samples, want):
            if (t, v) != w:
                bad.append(((t, v), w))
        return bad if bad or len(want) != len(samples) else []

    def stitched(hints=None, peaks=False, store='archive'):
        got = rd.read([query(end_ms - six_h, end_ms, [(EQ, '__name__', 'archive_temperature'), (EQ, 'store', store)],
                             hints)])
        (labels, samples), = got[0]
        tier0_start = end_ms - 599 * 15000
        old = [(t, v) for t, v in samples if t < tier0_start]
        new = [(t, v) for t, v in samples if t >= tier0_start]
        if not old or not new or [t for t, _ in samples] != sorted({t for t, _ in samples}):
            return 'expected raw and coarse samples in time order: %d, %d' % (len(new), len(old))
        if new != [(t, raw[t]) for t, _ in new] or len(new) != 600:
            return 'the tier 0 part is not the raw samples'
        bad = coarse_want(old, last, peaks)
        return 'coarse samples (got, want): %s' % bad[:3] if bad else ''
    ck.check('beyond tier 0: 60 s buckets stamped at their end, their last values, then the '
             'raw samples', stitched)
    ck.check('the same with hints of a coarse step (rate over 10 m every 10 m), a bucket '
             'that ends below its maximum preceded by the maximum',
             lambda: stitched({'step_ms': 600000, 'func': 'rate', 'range_ms': 600000}, True))

    def coarse(func, fn, store='archive'):
        def run():
            got = rd.read([query(end_ms - six_h, end_ms - 4 * 3600 * 1000,
                                 [(EQ, '__name__', 'archive_temperature'), (EQ, 'store', store)],
                                 {'step_ms': 300000, 'func': func or '', 'range_ms': 1800000})])
            (labels, samples), = got[0]
            bad = coarse_want(samples, fn)
            return 'samples (got, want) %s are not the 60 s %s' % (bad[:3], func) \
                if bad or not samples else ''
        return run
    ck.check('beyond tier 0, hint max_over_time: the 60 s maxima', coarse('max_over_time', max))
    ck.check('beyond tier 0, hint min_over_time: the 60 s minima', coarse('min_over_time', min))
    ck.check('beyond tier 0, hint sum_over_time: the 60 s sums', coarse('sum_over_time', sum))
    ck.check('beyond tier 0, hint avg_over_time: the 60 s averages',
             coarse('avg_over_time', lambda vs: sum(vs) / len(vs)))
    ck.check('a tier without last: hint rate gets the 60 s maxima (a counter\'s end value)',
             coarse('rate', max, 'archive-lean'))
    ck.check('a tier without last: no hint gets the 60 s averages',
             coarse(None, lambda vs: sum(vs) / len(vs), 'archive-lean'))

    def refused(name, status, body, headers=None, method='POST', token=True, text=None):
        def run():
            got, _, data = rd.post(body, headers, method, token)
            err = json.loads(data)
            if got != status or err.get('status') != 'error':
                return 'status %d, body %s' % (got, data[:300])
            if text and text not in err.get('error', ''):
                return 'error %r lacks %r' % (err.get('error'), text)
            return ''
        ck.check(name, run)

    good = snappy_compress(read_request([query(0, end_ms, mem)]))
    refused('GET is 405', 405, None, method='GET')
    refused('a form body is 415, not a form error', 415, good,
            {'Content-Type': 'application/x-www-form-urlencoded'})
    refused('Content-Encoding gzip is 415', 415, good, {'Content-Encoding': 'gzip'})
    refused('no bearer token is 401', 401, good, token=False)
    refused('a wrong bearer token is 401', 401, good, token='wrong')
    refused('a body that is not snappy is 400', 400, b'\xff\xff\xff\xff\xff\xff', text='snappy')
    refused('snappy around garbage is 400', 400, snappy_compress(b'\x0a\xff\xff\xff\x0f'),
            text='ReadRequest')
    refused('a body inflating past the limit is 400', 400, varint(1 << 30) + b'\x00',
            text='exceeds')
    refused('a client accepting only STREAMED_XOR_CHUNKS is told so', 400,
            snappy_compress(read_request([query(0, end_ms, mem)], [STREAMED_XOR_CHUNKS])),
            text='STREAMED_XOR_CHUNKS is not supported')
    refused('a bad regular expression is 400', 400,
            snappy_compress(read_request([query(0, end_ms, [(RE, 'store', '(')])])),
            text='regular expression')
    refused('an unknown matcher type is 400', 400,
            snappy_compress(read_request([query(0, end_ms, [(7, 'store', 'x')])])))
    refused('more than 64 queries is 400', 400,
            snappy_compress(read_request([query(0, end_ms, mem)] * 65)), text='queries')
    n = max_samples // len(nodes[mem_key]) + 1  # a query of every series reads far more
    refused('more than max_samples samples in one request is 422', 422,
            snappy_compress(read_request([query(0, end_ms, everything[:1])] * min(n, 64))),
            text='max_samples')

    def large_request():
        names = '|'.join('metric_%05d' % i for i in range(2000)) + '|memory_bytes'
        body = snappy_compress(read_request([query(0, end_ms, [(RE, '__name__', names),
                                                               (EQ, 'store', 'node-b')])]))
        if len(body) < 20000:
            return 'the request is only %d bytes' % len(body)
        return expect_series(rd.read([query(0, end_ms, [(RE, '__name__', names),
                                                        (EQ, 'store', 'node-b')])])[0],
                             {mem_key: nodes[mem_key]})
    ck.check('a 25 KB request (a 2000-name regex) is served', large_request)
    return 1 if ck.failed else 0


if __name__ == '__main__':
    sys.exit(main())
