#!/bin/sh
# record-median.sh - run `rondo bench` N times (default 5) and print the median of
# each figure, since these machines are shared and noisy.
#   bench/record-median.sh [N] [RONDO]      RONDO defaults to tools/rondo
#   RECORDS=N   records per pattern (default: rondo bench's 10 000 000)
set -eu
n=${1:-5}
rondo=${2:-tools/rondo}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
i=0
while [ "$i" -lt "$n" ]; do
  "$rondo" bench ${RECORDS:+--records "$RECORDS"} >> "$out"
  i=$((i + 1))
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The lines of one part of every run: "call" (rondo_series_record()) or
# "inlined" (rondo-record.h's recorder, after the "Inlined through" line).
part() { awk -v want="$1" '/^rondo bench:/ { p = "call" } /^Inlined through/ { p = "inlined" } p == want' "$out"; }
for how in call inlined; do
  for pattern in sparse dense; do
    for field in mean p50 p99 p999; do
      m=$(part "$how" | grep -A1 "latency, $pattern" | grep -o "$field [0-9.]* ns" | awk '{ print $2 }' | median)
      printf '%-7s %-6s %-5s %6s ns\n' "$how" "$pattern" "$field" "$m"
    done
  done
  t=$(part "$how" | grep -o 'throughput: [0-9.]* ns' | awk '{ print $2 }' | median)
  printf '%-7s throughput    %6s ns/record (untimed)\n' "$how" "$t"
done
printf 'allocations    %s\n' "$(grep -o 'allocations in the measured loops: [0-9]*' "$out" | awk '{ print $NF }' | sort -u | tr '\n' ' ')"
printf 'syscalls       %s\n' "$(grep -o 'system calls in the measured loops: [0-9]*' "$out" | awk '{ print $NF }' | sort -u | tr '\n' ' ')"
printf 'runs           %s\n' "$n"
