#!/usr/bin/env python3
"""compare.py - the same PromQL battery against two Prometheus servers, answers compared.

    compare.py REMOTE_URL NATIVE_URL END [subset]

REMOTE reads rondod through remote_read, NATIVE holds the same samples in
its TSDB (see compare.sh and promql-fixture.c; END is the fixture's last
sample, a whole minute). Every case is an /api/v1/query or query_range
request; an answer pair is
  identical      same result type, same series (label sets), same
                 timestamps, same values as Prometheus formats them
                 (so NaN = NaN);
  within bound   (tier 1 only) the same but for values within
                 TIER1_REL_BOUND of the native value, or TIER1_ABS_BOUND;
  differing      anything else;
  not evaluable  either server answered an error.
Tier 0 cases read only samples inside rondod's raw window: rondod serves
them as recorded, so the answers must be identical (>= 95 % required).
Tier 1 cases read the archive store further back than tier 0 reaches:
rondod serves 60 s consolidated buckets there, stamped at their last
15 s slot, from the column that answers the function (docs/http-api.md,
"Tier choice"), where the native server has the 15 s samples, so values
may differ within the bound, never beyond it; the largest deviation of
each tier 1 expression is reported.
Any warning in REMOTE's answers fails the run: Prometheus turns a failed
remote read into a warning on an empty, successful answer.
With "subset", REMOTE is rondod itself answering with its own PromQL
subset: the cases it refuses are counted as not evaluable, and every case
it evaluates must be identical (tier 0) or within the bound (tier 1), with
at least SUBSET_REQUIRED tier 0 cases evaluated; the report lists each
expression it did not evaluate, with the first error. The subset run also
asks both for SAME_ERROR_EXPRS, which Prometheus refuses: rondod must refuse
each alike (errorType and message).
Lines starting with '#' are the report; the others explain failures.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

TIER0_REQUIRED = 0.95
SUBSET_REQUIRED = 2184
# The archive's gauge is a 3 h sine of amplitude 10 around 20, its counter
# linear: a 60 s average moves a value by at most 10 * 2 pi / 180 min *
# 60 s ~ 0.35 (1.7 % of 20), a bucket max or min by as much.
TIER1_REL_BOUND = 0.02
TIER1_ABS_BOUND = 0.05
# The resetting counter in archive-lean, whose tier 1 keeps no last value:
# its max stands for the bucket's end, so each reset (one per 12.5 min)
# loses the growth after it inside its bucket, at most 3 samples of +3.
TIER1_REL_BOUNDS = {
    'rate(archive_resets_total[10m])': 0.10,
    'increase(archive_resets_total[30m])': 0.05,
}

MIN = 60
HOUR = 3600

TIER0_EXPRS = [
    # string literals: Prometheus' (Go's) escapes
    'label_replace(memory_bytes, "unit", "\\u00fcber \\x41\\101 \\U0001F600", "", "")',
    '{__name__="memory\\x5fbytes"}',
    "label_join(build_info, 'joined', '\\t\\'', 'version', 'store')",
    'label_replace(memory_bytes, "raw", `a\\u00fc`, "", "")',
    'http_requests_total',
    'http_requests_total{method="get"}',
    'http_requests_total{code=~"2.."}',
    'http_requests_total{code!~"5.*",store="node-b"}',
    '{__name__=~"cpu_.*"}',
    'build_info',
    'rate(http_requests_total[5m])',
    'rate(cpu_seconds_total[1m])',
    'irate(http_requests_total[5m])',
    'increase(http_requests_total[10m])',
    'rate(http_requests_total{store="node-b"}[30m])',
    'sum by (store) (rate(http_requests_total[5m]))',
    'sum without (cpu) (rate(cpu_seconds_total[2m]))',
    'avg_over_time(temperature_celsius[5m])',
    'max_over_time(memory_bytes[10m])',
    'min_over_time(temperature_celsius[3m])',
    'quantile_over_time(0.9, temperature_celsius[10m])',
    'stddev_over_time(memory_bytes[5m])',
    'count(temperature_celsius)',
    'count by (store) (queue_length)',
    'avg by (sensor) (temperature_celsius)',
    'quantile(0.5, temperature_celsius)',
    'topk(2, memory_bytes)',
    'bottomk(1, temperature_celsius)',
    'memory_bytes / 1024 / 1024',
    'temperature_celsius * 9 / 5 + 32',
    'deriv(temperature_celsius[10m])',
    'delta(temperature_celsius[5m])',
    'resets(http_requests_total[30m])',
    'changes(queue_length[10m])',
    'last_over_time(queue_length[10m])',
    'count_over_time(queue_length[10m])',
    'queue_length > 10',
    'predict_linear(memory_bytes[10m], 600)',
    'rate(cpu_seconds_total[5m]) / on(store) group_left sum by (store) (rate(cpu_seconds_total[5m]))',
    'absent(nonexistent_metric)',
    # range functions: resets, gaps, constant series
    'irate(cpu_seconds_total[1m])',
    'irate(http_requests_total{store="node-b"}[1m])',
    'idelta(temperature_celsius[2m])',
    'idelta(queue_length[1m])',
    'delta(http_requests_total[10m])',
    'delta(queue_length[3m])',
    'deriv(memory_bytes[5m])',
    'deriv(http_requests_total[30m])',
    'deriv(build_info[10m])',
    'resets(http_requests_total{store="node-b"}[2h])',
    'resets(temperature_celsius[5m])',
    'changes(build_info[30m])',
    'changes(temperature_celsius[1m])',
    # comparisons: filters, bool, scalar on either side
    'queue_length > bool 10',
    '10 < queue_length',
    '10 < bool queue_length',
    'queue_length == 3',
    'queue_length >= 16',
    'temperature_celsius <= -3',
    'memory_bytes != 1e9',
    'rate(http_requests_total[5m]) > 0.5',
    'sum by (store) (queue_length) != bool 0',
    '1 < bool 2',
    '(1 + 1) == bool 3',
    'time() > bool 0',
    # between two vectors: one-to-one, on / ignoring, group_left / group_right
    'cpu_seconds_total / cpu_seconds_total',
    'http_requests_total >= http_requests_total',
    'http_requests_total{method="get"} + ignoring(code, method) http_requests_total{method="post"}',
    'queue_length > bool on(store) memory_bytes',
    'queue_length < on(store) memory_bytes',
    'temperature_celsius - ignoring(sensor) group_left avg without (sensor) (temperature_celsius)',
    'memory_bytes * on(store) group_left(version) build_info',
    'memory_bytes > on(store) group_left(version) build_info',
    'sum by (store) (queue_length) * on(store) group_right sum by (store, cpu) (rate(cpu_seconds_total[5m]))',
    'sum by (store) (queue_length) < on(store) group_right rate(cpu_seconds_total[5m])',
    # topk / bottomk (ties: Prometheus' heap decides), sort
    'topk(1, http_requests_total{method="post"})',
    'bottomk(1, http_requests_total{method="post"})',
    'topk(2, http_requests_total)',
    'topk by (store) (1, cpu_seconds_total)',
    'bottomk without (cpu) (1, rate(cpu_seconds_total[5m]))',
    'topk(3, temperature_celsius) by (store)',
    'topk(3, count_over_time(temperature_celsius[5m]))',
    'bottomk(2, count_over_time({__name__=~"cpu_.*|temperature_celsius"}[5m]))',
    'topk(5, resets(temperature_celsius[2m]))',
    'topk(0, memory_bytes)',
    'topk(scalar(count(memory_bytes)), temperature_celsius)',
    'sort(temperature_celsius)',
    'sort_desc(rate(http_requests_total[5m]))',
    # functions of instant vectors and scalars
    'abs(temperature_celsius)',
    'ceil(temperature_celsius)',
    'floor(temperature_celsius)',
    'round(temperature_celsius)',
    'round(temperature_celsius, 0.25)',
    'round(rate(cpu_seconds_total[5m]), 0.1)',
    'round(temperature_celsius, 3)',
    'clamp(temperature_celsius, -2, 40)',
    'clamp(temperature_celsius, 5, 1)',
    'clamp_min(temperature_celsius, 0)',
    'clamp_max(queue_length, 8)',
    'time()',
    'vector(1)',
    'vector(time()) - 1',
    'scalar(memory_bytes)',
    'scalar(build_info)',
    'scalar(sum(memory_bytes)) / 1e9',
    'memory_bytes / scalar(sum(memory_bytes))',
    'label_replace(memory_bytes, "host", "$1", "store", "node-(.*)")',
    'label_replace(temperature_celsius, "kind", "${1}_x$2", "sensor", "(c)(pu)")',
    'label_replace(memory_bytes, "x", "$$1 $9 $name ${name}", "store", "(?P<name>node)-(.)")',
    'label_replace(cpu_seconds_total, "cpu", "c$1", "cpu", "(1)")',
    'absent(nonexistent{job="a", store=~"x"})',
    'absent(nonexistent{job="a", job="b", foo="bar"})',
    'absent(memory_bytes)',
    'absent(queue_length)',
    'sort_desc(topk(3, memory_bytes))',
    # offset, positive and negative
    'memory_bytes offset 5m',
    'http_requests_total offset 1h',
    'queue_length offset 7m',
    'memory_bytes offset -5m',
    'rate(http_requests_total[5m] offset 10m)',
    'increase(http_requests_total[10m] offset 30m)',
    'irate(cpu_seconds_total[1m] offset 1m)',
    'rate(http_requests_total[5m] offset -10m)',
    'avg_over_time(temperature_celsius[5m] offset 90s)',
    'sum by (store) (temperature_celsius offset 2m) - sum by (store) (temperature_celsius)',
    # aggregation order: Prometheus adds in the order a selector reads (by
    # labels, __name__ included); avg is a running mean. (Over a binary
    # operation or another aggregation its order is a Go map's: not
    # reproducible, so no such case here.)
    'avg(rate(http_requests_total[5m]))',
    'sum(rate(http_requests_total[5m]))',
    'avg(rate(cpu_seconds_total[1m]))',
    'sum by (sensor) (deriv(temperature_celsius[5m]))',
    'avg(irate({__name__=~"cpu_seconds_total|http_requests_total"}[2m]))',
    'sum without (store) (idelta({__name__=~"cpu_seconds_total|http_requests_total"}[2m]))',
    'topk(1, changes({__name__=~"cpu_seconds_total|http_requests_total"}[1m]))',
    # statistics: quantile, stddev, stdvar, predict_linear
    'stdvar_over_time(temperature_celsius[10m])',
    'stddev_over_time(build_info[10m])',
    'stddev(temperature_celsius)',
    'stdvar by (store) (rate(cpu_seconds_total[5m]))',
    'quantile by (store) (0.25, temperature_celsius)',
    'quantile(0.9, rate(http_requests_total[5m]))',
    'quantile(2, memory_bytes)',
    'quantile_over_time(0.5, queue_length[10m])',
    'quantile_over_time(-1, queue_length[10m])',
    # the two values a quantile reads: the ends of the order, and NaNs (sorted first)
    'quantile_over_time(0, temperature_celsius[5m])',
    'quantile_over_time(1, temperature_celsius[5m])',
    'quantile_over_time(0.3, ((queue_length - 3) / (queue_length - 3))[10m:1m])',
    'predict_linear(temperature_celsius[5m] offset 5m, 300)',
    'predict_linear(http_requests_total[30m], 3600)',
    # set operators
    'memory_bytes and queue_length',
    'memory_bytes unless queue_length',
    'queue_length or memory_bytes',
    'http_requests_total and on(store) build_info',
    'http_requests_total unless ignoring(code, method) memory_bytes',
    'temperature_celsius > 40 or temperature_celsius < -5',
    'vector(1) or memory_bytes',
    'sum by (store) (queue_length) or on(store) sum by (store) (memory_bytes)',
    'rate(http_requests_total[5m]) > 1 and on(store, code) rate(http_requests_total[5m]) < 3',
    # NaN is a value (only "no sample" is dropped): arithmetic, comparisons,
    # functions and aggregations over it (min and max let it give way)
    'NaN',
    '0 / 0',
    'Inf - Inf',
    'NaN > bool 1',
    'vector(NaN)',
    'vector(0 / 0) + 1',
    'memory_bytes * NaN',
    'queue_length / (queue_length - 3)',
    '(queue_length - 3) / (queue_length - 3)',
    'memory_bytes > NaN',
    'memory_bytes != NaN',
    'memory_bytes < bool NaN',
    'NaN != bool memory_bytes',
    'vector(NaN) != bool vector(NaN)',
    'vector(NaN) == vector(NaN)',
    'abs(vector(NaN))',
    'round(memory_bytes * NaN, 2)',
    'clamp(vector(NaN), 0, 1)',
    'clamp_min(memory_bytes * NaN, 0)',
    'clamp_max(queue_length, NaN)',
    'clamp(queue_length, NaN, 5)',
    'scalar(vector(NaN))',
    'scalar(memory_bytes * NaN) + 1',
    'sum(memory_bytes * NaN)',
    'count(memory_bytes * NaN)',
    'avg by (store) (memory_bytes * NaN)',
    'max((queue_length - 3) / (queue_length - 3))',
    'min by (store) ((queue_length - 3) / (queue_length - 3))',
    'stddev(memory_bytes * NaN)',
    'quantile(0.5, (queue_length - 3) / (queue_length - 3))',
    'quantile(NaN, memory_bytes)',
    'quantile_over_time(NaN, queue_length[10m])',
    'sort(vector(NaN) or memory_bytes)',
    'sort_desc(queue_length / (queue_length - 3))',
    'memory_bytes * NaN and queue_length',
    'vector(NaN) or vector(1)',
    # (topk() choosing among several NaN: Prometheus' own choice varies from
    # run to run there, so one series per group here)
    '-(memory_bytes * NaN)',
    'label_replace(vector(NaN), "a", "b", "", "")',
    'topk by (store) (1, memory_bytes * NaN)',
    'bottomk by (store) (1, queue_length * NaN)',
    'topk(2, queue_length / (queue_length - 3))',
    'bottomk by (store) (1, memory_bytes * NaN)',
    'absent(vector(NaN))',
    'changes(((queue_length - 3) / (queue_length - 3))[10m:1m])',
    'resets(((queue_length - 3) / (queue_length - 3))[10m:1m])',
    'stddev_over_time((memory_bytes * NaN)[5m:1m])',
    'quantile_over_time(0.5, ((queue_length - 3) / (queue_length - 3))[10m:1m])',
    'sum_over_time(((queue_length - 3) / (queue_length - 3))[10m:1m])',
    'deriv((memory_bytes * NaN)[5m:1m])',
    'rate(((queue_length - 3) / (queue_length - 3))[10m:1m])',
    # the @ modifier ($AT1, $AT2: times inside tier 0, see at_times()); a
    # subtree pinned by @ is evaluated once, others move with the steps
    'memory_bytes @ $AT1',
    'memory_bytes @ start()',
    'queue_length @ end()',
    'http_requests_total offset 5m @ $AT2',
    'http_requests_total @ $AT2 offset -3m',
    'rate(http_requests_total[5m] @ $AT1)',
    'rate(http_requests_total[5m] @ end() offset 10m)',
    'avg_over_time(temperature_celsius[5m] @ start())',
    'predict_linear(memory_bytes[10m] @ $AT1, 600)',
    'sum by (store) (memory_bytes @ $AT1) - sum by (store) (memory_bytes)',
    'memory_bytes @ $AT1 + time()',
    'topk(1, memory_bytes @ start())',
    'absent(nonexistent @ $AT1)',
    'vector(1) + queue_length @ end()',
    'sort(label_replace(memory_bytes @ $AT2, "a", "$1", "store", "(.*)"))',
    # subqueries: steps at multiples of their own (1m unless given)
    'max_over_time(rate(http_requests_total[5m])[30m:1m])',
    'avg_over_time(memory_bytes[10m:])',
    'min_over_time(temperature_celsius[10m:30s] offset 5m)',
    'rate(http_requests_total[10m:1m])',
    'irate(http_requests_total[5m:20s])',
    'sum_over_time(queue_length[7m:2m])',
    'count_over_time(memory_bytes[5m:45s])',
    'last_over_time(memory_bytes[5m:1m])',
    'quantile_over_time(0.5, temperature_celsius[10m:1m])',
    'max_over_time(sum by (store) (queue_length)[15m:5m] @ end())',
    'deriv(avg_over_time(temperature_celsius[2m])[10m:1m])',
    'max_over_time(max_over_time(memory_bytes[2m:30s])[10m:1m])',
    'changes(queue_length[20m:1m] @ $AT1)',
    'avg_over_time((memory_bytes * NaN)[5m:1m])',
    'max_over_time(((queue_length - 3) / (queue_length - 3))[10m:1m])',
    'min_over_time(vector(time())[5m:1m])',
    'predict_linear(memory_bytes[10m:1m], 600)',
    'rate(http_requests_total[5m:1m] offset -2m)',
    'stddev_over_time(queue_length[10m:1m] offset 1h)',
    'resets(http_requests_total[1h:5m])',
    # operators % ^ atan2 (^ binds tighter than a sign, from the right)
    'memory_bytes % 7',
    'temperature_celsius % -3',
    'queue_length ^ 2',
    '2 ^ 3 ^ 2',
    '-2 ^ 2',
    'temperature_celsius ^ 0.5',
    'queue_length ^ -1',
    '(temperature_celsius / 10) ^ 3',
    'temperature_celsius * 0 atan2 -1',
    'queue_length atan2 Inf',
    '1 atan2 2',
    'vector(0) % 0',
    # group, count_values (the value as Go formats it, no exponent)
    'group(memory_bytes)',
    'group by (store) (http_requests_total)',
    'count_values("value", queue_length)',
    'count_values by (store) ("v", queue_length)',
    'count_values without (store) ("v", build_info)',
    'count_values("v", temperature_celsius)',
    'count_values("v", rate(http_requests_total[5m]))',
    'count_values("store", memory_bytes)',
    'count_values("v", memory_bytes * NaN)',
    'count_values("v", memory_bytes * 1e15)',
    'count_values("v", vector(1e-9))',
    'count_values("v", vector(1e100))',
    'count_values("v", vector(-5e-324))',
    'count_values("v", -temperature_celsius / 7)',
    'count_values("v", vector(-1.25e22))',
    # the grouping keeps or drops the value's label (one key per series and value, or per series)
    'count_values without (v) ("v", memory_bytes)',
    'count_values("store", memory_bytes) without (store)',
    'count_values by (v) ("v", queue_length)',
    # a value new at every step (a group each: rondod keeps only its steps, through an
    # operator with a scalar too), and under other operators (every step kept: the memory
    # counts against max_samples)
    'count_values("v", timestamp(memory_bytes))',
    'count_values by (store) ("v", memory_bytes + time())',
    'count(count_values("v", memory_bytes + time()))',
    'sum by (v) (count_values("v", queue_length)) * 2',
    '2 * count_values("v", timestamp(memory_bytes)) - 1',
    'count_values("v", memory_bytes + time()) > bool 1',
    'sum(count_values("v", timestamp(memory_bytes)) / 2)',
    'abs(count_values("v", timestamp(memory_bytes)) * -1)',
    'clamp(round(count_values("v", memory_bytes + time()) / 3, 0.5), 0.5, 1)',
    'label_replace(count_values("v", timestamp(memory_bytes)), "w", "$1", "v", "(.*)0")',
    'count_values("v", timestamp(memory_bytes)) + on() group_left vector(1)',
    # the value as the name, which the operator drops: one series, its steps merged
    'count_values("__name__", timestamp(memory_bytes)) * 2',
    # label_join
    'label_join(memory_bytes, "x", "-", "store", "__name__")',
    'label_join(build_info, "v2", "/", "version", "store", "version")',
    'label_join(memory_bytes, "store", "", "nonexistent", "store")',
    # present_over_time, absent_over_time
    'present_over_time(queue_length[5m])',
    'absent_over_time(queue_length[5m])',
    'absent_over_time(nonexistent{job="a"}[5m])',
    'absent_over_time(http_requests_total{store="node-b"}[1m])',
    'absent_over_time(memory_bytes[1m:1m] offset 2h)',
    # timestamp
    'timestamp(memory_bytes)',
    'timestamp(queue_length offset 3m)',
    'timestamp(rate(http_requests_total[5m]))',
    'timestamp(memory_bytes @ $AT1)',
    'timestamp(sum(memory_bytes))',
    # sgn and the math functions; Go's asinh, acosh and atanh may differ
    # from the C library's in the last bit (eval-math.c), so only exact
    # answers of them here; the others are Go's (eval-gomath.c)
    'sgn(temperature_celsius)',
    'sgn(vector(0))',
    'sqrt(memory_bytes)',
    'sqrt(-queue_length)',
    'deg(temperature_celsius)',
    'rad(temperature_celsius)',
    'pi()',
    'atanh(temperature_celsius / 50)',
    'exp(vector(0))',
    'exp(-vector(Inf))',
    'ln(vector(0))',
    'ln(vector(1))',
    'ln(-queue_length - 1)',
    'log2(vector(1024))',
    'log2(memory_bytes * 0 + 0.125)',
    'log10(vector(1000))',
    'ln(memory_bytes)',
    'ln(temperature_celsius)',
    'log2(memory_bytes)',
    'log10(memory_bytes)',
    'log10(rate(http_requests_total[5m]))',
    'exp(temperature_celsius / 10)',
    'exp(-memory_bytes / 1e9)',
    'exp(rate(http_requests_total[5m]))',
    'exp(vector(709.9)) + exp(vector(-800))',
    'queue_length ^ 2.5',
    'memory_bytes ^ 1.5',
    'temperature_celsius ^ -0.75',
    'sin(temperature_celsius)',
    'cos(temperature_celsius)',
    'sin(memory_bytes / 1e6)',
    'cos(-rate(http_requests_total[5m]))',
    'tan(temperature_celsius)',
    'tan(memory_bytes / 1e6)',
    'atan(temperature_celsius)',
    'atan(memory_bytes)',
    'asin(temperature_celsius / 50)',
    'acos(temperature_celsius / 50)',
    'acos(vector(-1))',
    'sinh(temperature_celsius / 10)',
    'sinh(temperature_celsius / 100)',
    'cosh(temperature_celsius / 10)',
    'tanh(temperature_celsius / 10)',
    'tanh(temperature_celsius / 100)',
    'temperature_celsius atan2 10',
    '-3 atan2 temperature_celsius',
    'rate(http_requests_total[5m]) atan2 on(store, code, method) rate(http_requests_total[10m])',
    'sin(vector(0))',
    'cos(vector(0))',
    'tan(-vector(0))',
    'asin(vector(2))',
    'acos(vector(1))',
    'atan(vector(Inf))',
    'sinh(vector(0))',
    'cosh(vector(0))',
    'tanh(vector(Inf))',
    'asinh(vector(0))',
    'acosh(vector(1))',
    # date functions, of the step's time or of a value
    'day_of_month()',
    'day_of_week()',
    'day_of_year()',
    'days_in_month()',
    'hour()',
    'minute()',
    'month()',
    'year()',
    'hour(memory_bytes / 1e6)',
    'day_of_week(timestamp(memory_bytes))',
    'month(vector(1e9))',
    'year(vector(-1e10))',
    'days_in_month(vector(951782400))',
    'day_of_year(vector(1709251200))',
    'minute(vector(time()))',
    # histogram_quantile() of classic buckets
    'histogram_quantile(0.9, rate(request_seconds_bucket[5m]))',
    'histogram_quantile(0.5, sum by (le) (rate(request_seconds_bucket[5m])))',
    'histogram_quantile(0.99, request_seconds_bucket)',
    'histogram_quantile(0, request_seconds_bucket)',
    'histogram_quantile(1, request_seconds_bucket)',
    'histogram_quantile(-1, request_seconds_bucket)',
    'histogram_quantile(NaN, request_seconds_bucket)',
    'histogram_quantile(0.5, request_seconds_bucket{le!="+Inf"})',
    'histogram_quantile(0.5, label_replace(request_seconds_bucket, "le", "x", "le", "0.1"))',
    'histogram_quantile(0.75, increase(request_seconds_bucket[10m]))',
    'histogram_quantile(scalar(vector(0.3)), request_seconds_bucket)',
    'histogram_quantile(0.2, idelta(request_seconds_bucket[2m]))',
    # holt_winters()
    'holt_winters(temperature_celsius[10m], 0.5, 0.5)',
    'holt_winters(memory_bytes[5m], 0.1, 0.9)',
    'holt_winters(http_requests_total[30m] offset 5m, 0.3, 0.7)',
    'holt_winters(rate(http_requests_total[5m])[20m:1m], 0.8, 0.2)',
    'holt_winters(queue_length[3m], scalar(vector(0.25)), 0.75)',
    'holt_winters(temperature_celsius[10m], NaN, 0.5)',
]

TIER1_EXPRS = [
    'archive_temperature',
    'avg_over_time(archive_temperature[10m])',
    'max_over_time(archive_temperature[30m])',
    'min_over_time(archive_temperature[30m])',
    'rate(archive_requests_total[10m])',
    'increase(archive_requests_total[30m])',
    'last_over_time(archive_temperature[10m])',
    'sum_over_time(archive_temperature[30m])',
    'rate(archive_resets_total[10m])',
    'increase(archive_resets_total[30m])',
]


# Asked of rondod's own PromQL only: through remote-read, Prometheus counts
# the coarse buckets it is served, not the raw samples they stand for.
TIER1_SUBSET_EXPRS = [
    'count_over_time(archive_temperature[30m])',
]


def at_times(end):
    """The times the @ cases name: inside tier 0, one of them not a whole second."""
    return {'$AT1': str(end - 10 * MIN), '$AT2': '%.3f' % (end - 47 * MIN - 30.25)}


# Expressions Prometheus refuses at execution; rondod's own PromQL must
# refuse them the same way (errorType and message), instant and range
# (checked in the subset run only: a remote-reading Prometheus refuses them itself).
SAME_ERROR_EXPRS = [
    # a range function or unary minus drops __name__; two series left with the
    # same labels fail, whatever their steps (ContainsSameLabelset())
    'max_over_time({__name__=~"memory_bytes|queue_length"}[5m])',
    'rate({__name__=~"archive_requests_total|archive_resets_total"}[5m])',
    'deriv({__name__=~"memory_bytes|queue_length"}[10m])',
    'max_over_time({__name__=~"memory_bytes|queue_length"}[5m:1m])',
    '-{__name__=~"memory_bytes|queue_length"}',
    # ... as arithmetic does at a step where two meet
    '{__name__=~"memory_bytes|queue_length"} * 1',
    # vector matching: a match group twice on the one side, a one-to-one
    # match made twice, a group_x match made twice
    'memory_bytes + on() queue_length',
    'memory_bytes + on(store) group_left {__name__=~"queue_length|memory_bytes"}',
    '{__name__=~"memory_bytes|queue_length"} * on(store) build_info',
    'build_info * on(store) group_right {__name__=~"memory_bytes|queue_length"}',
]


def error_cases(end):
    """(kind, expr, params) of SAME_ERROR_EXPRS, instant and range."""
    for expr in SAME_ERROR_EXPRS:
        yield 'instant', expr, {'query': expr, 'time': end}
        yield 'range', expr, {'query': expr, 'start': end - 30 * MIN, 'end': end, 'step': 15}


def same_error(remote, native):
    """'' if both refused alike, else why not."""
    keys = ('status', 'errorType', 'error')
    r, n = (tuple(a.get(k) for k in keys) for a in (remote, native))
    if n[0] != 'error':
        return 'Prometheus answered (the expression no longer shows a refusal)'
    return '' if r == n else 'rondod %s, Prometheus %s' % (r, n)


def cases(end, subset=False):
    """(tier, kind, expr, params) for the whole battery."""
    t0_instant = [end, end - 17 * MIN + 7, end - 61 * MIN + 3]
    t0_range = [(end - 110 * MIN, end, 60), (end - 30 * MIN, end, 15),
                (end - 90 * MIN + 5, end - 60 * MIN + 5, 37)]
    t1_instant = [end - 5 * HOUR, end - 4 * HOUR + 30, end - 3 * HOUR + 7]
    t1_range = [(end - 5 * HOUR - 30 * MIN, end - 3 * HOUR, 300),
                (end - 5 * HOUR, end - 3 * HOUR, 60),
                (end - 5 * HOUR - 30 * MIN, end, 600)]
    for tier, exprs, instants, ranges in ((0, TIER0_EXPRS, t0_instant, t0_range),
                                          (1, TIER1_EXPRS, t1_instant, t1_range),
                                          (1, TIER1_SUBSET_EXPRS if subset else [], t1_instant,
                                           t1_range)):
        for expr in exprs:
            for name, t in at_times(end).items():
                expr = expr.replace(name, t)
            for t in instants:
                yield tier, 'instant', expr, {'query': expr, 'time': t}
            for start, stop, step in ranges:
                yield tier, 'range', expr, {'query': expr, 'start': start, 'end': stop,
                                            'step': step}


def fetch(base, kind, params):
    path = '/api/v1/query' if kind == 'instant' else '/api/v1/query_range'
    url = base + path + '?' + urllib.parse.urlencode(params)
    req = urllib.request.Request(url)
    token = os.environ.get('COMPARE_TOKEN')  # rondod asked directly needs its token
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except ValueError:
            return {'status': 'error', 'error': 'HTTP %d' % e.code}


def series_of(answer):
    """{label set: [(timestamp, value string), ...]} and the result type."""
    data = answer['data']
    kind = data['resultType']
    if kind in ('scalar', 'string'):
        return kind, {(): [tuple(data['result'])]}
    out = {}
    for r in data['result']:
        key = tuple(sorted(r['metric'].items()))
        out[key] = [tuple(v) for v in (r['values'] if kind == 'matrix' else [r['value']])]
    return kind, out


def close(a, b, rel=TIER1_REL_BOUND):
    fa, fb = float(a), float(b)
    if a == b:
        return True
    return abs(fa - fb) <= max(TIER1_ABS_BOUND, rel * abs(fb))


def deviation(remote, native):
    """The largest |remote - native| over matching points, and relative to |native|."""
    _, rs = series_of(remote)
    _, ns = series_of(native)
    worst = (0.0, 0.0)
    for key in ns:
        for (_, a), (_, b) in zip(rs.get(key, []), ns[key]):
            d = abs(float(a) - float(b))
            if d == d:
                worst = max(worst[0], d), max(worst[1], d / abs(float(b)) if float(b) else 0)
    return worst


def verdict(remote, native, tier, rel=TIER1_REL_BOUND):
    """'identical', 'within bound', 'differing' or 'not evaluable', and why."""
    if remote.get('status') != 'success' or native.get('status') != 'success':
        return 'not evaluable', 'remote: %s; native: %s' % (remote.get('error'),
                                                           native.get('error'))
    rk, rs = series_of(remote)
    nk, ns = series_of(native)
    if rk != nk:
        return 'differing', 'result type %s, native %s' % (rk, nk)
    if rs == ns:
        return 'identical', ''
    if set(rs) != set(ns):
        return 'differing', 'series only remote: %s; only native: %s' % (
            sorted(set(rs) - set(ns))[:3], sorted(set(ns) - set(rs))[:3])
    for key in ns:
        rts = [t for t, _ in rs[key]]
        nts = [t for t, _ in ns[key]]
        if rts != nts:
            return 'differing', '%s: timestamps differ (%d remote, %d native)' % (
                dict(key), len(rts), len(nts))
    for key in ns:
        for (t, a), (_, b) in zip(rs[key], ns[key]):
            if a != b and (tier == 0 or not close(a, b, rel)):
                return 'differing', '%s @%s: remote %s, native %s' % (dict(key), t, a, b)
    return 'within bound', ''


def main():
    remote, native, end = sys.argv[1], sys.argv[2], int(sys.argv[3])
    subset = len(sys.argv) > 4 and sys.argv[4] == 'subset'
    verdicts = ('identical', 'within bound', 'differing', 'not evaluable')
    counts = {}
    warnings = []
    nonempty = 0
    failures = []
    refused = {}
    worst = (0.0, 0.0)
    by_expr = {}
    for tier, kind, expr, params in cases(end, subset):
        r = fetch(remote, kind, params)
        n = fetch(native, kind, params)
        if r.get('warnings'):
            warnings.append('%s %s: %s' % (kind, expr, r['warnings']))
        v, why = verdict(r, n, tier, TIER1_REL_BOUNDS.get(expr, TIER1_REL_BOUND))
        row = counts.setdefault((tier, kind), dict.fromkeys(verdicts, 0))
        row[v] += 1
        if n.get('status') == 'success' and n['data']['result']:
            nonempty += 1
        if v == 'within bound':
            d = deviation(r, n)
            worst = max(worst[0], d[0]), max(worst[1], d[1])
            e = by_expr.get(expr, (0.0, 0.0))
            by_expr[expr] = max(e[0], d[0]), max(e[1], d[1])
        if v == 'not evaluable' and subset:
            refused.setdefault('%s %s' % (kind, expr), why)
        if v == 'differing' or (v == 'not evaluable' and not subset):
            failures.append('tier %d %s %s %s: %s: %s' % (tier, kind, expr, params, v, why))

    print('# %-16s %6s %10s %13s %10s %14s' % ('cases', 'total', *verdicts))
    totals = {}
    for (tier, kind), row in sorted(counts.items()):
        total = sum(row.values())
        t = totals.setdefault(tier, dict.fromkeys(verdicts, 0))
        for k in verdicts:
            t[k] += row[k]
        print('# tier %d %-9s %6d %10d %13d %10d %14d' % (tier, kind, total, *row.values()))
    for tier, row in sorted(totals.items()):
        print('# tier %d %-9s %6d %10d %13d %10d %14d' % (tier, 'all', sum(row.values()),
                                                          *row.values()))
    t0 = totals.get(0, dict.fromkeys(verdicts, 0))
    t0_total = sum(t0.values())
    share = t0['identical'] / t0_total if t0_total else 0
    print('# tier 0: %d of %d cases identical (%.1f %%; required %.0f %%); '
          '%d answers of the native server not empty' % (t0['identical'], t0_total,
                                                          100 * share, 100 * TIER0_REQUIRED,
                                                          nonempty))
    print('# tier 1: values within %.0f %% or %g of the native ones required; largest '
          'deviation %.3g (%.2f %%)' % (100 * TIER1_REL_BOUND, TIER1_ABS_BOUND, worst[0],
                                        100 * worst[1]))
    for expr in TIER1_EXPRS + (TIER1_SUBSET_EXPRS if subset else []):
        e = by_expr.get(expr, (0.0, 0.0))
        print('# tier 1 largest deviation %-45s %10.4g (%.3f %%)' % (expr, e[0], 100 * e[1]))
    for what, why in sorted(refused.items()):
        print('# not evaluable: %s: %s' % (what, why))
    for f in failures:
        print(f)
    ok = True
    if subset:
        print('# subset: %d tier 0 cases evaluated, %d identical (%d required, all of them)'
              % (t0_total - t0['not evaluable'], t0['identical'], SUBSET_REQUIRED))
        if t0['differing'] or t0['identical'] < SUBSET_REQUIRED:
            print('tier 0: an expression rondod evaluates answers differently')
            ok = False
        errs = list(error_cases(end))
        wrong = [(kind, expr, same_error(fetch(remote, kind, p), fetch(native, kind, p)))
                 for kind, expr, p in errs]
        wrong = [w for w in wrong if w[2]]
        print('# subset: %d of %d refusals of Prometheus given alike (errorType, message)'
              % (len(errs) - len(wrong), len(errs)))
        for kind, expr, why in wrong:
            print('refusal %s %s: %s' % (kind, expr, why))
            ok = False
    elif t0_total < 150 or share < TIER0_REQUIRED:
        print('tier 0: below the required share of identical answers')
        ok = False
    t1 = totals.get(1, {})
    if t1.get('differing', 0) or (t1.get('not evaluable', 0) and not subset):
        print('tier 1: answers outside the bound')
        ok = False
    for w in warnings:
        print('warning from the remote-reading Prometheus: ' + w)
        ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
