#!/bin/sh
# export.sh - rondod's [export] end to end, against a real remote-write receiver
# (Debian's victoria-metrics, one fresh instance per case on a free loopback port):
#   a) every point of a store arrives exactly (values, timestamps, labels) and
#      /metrics counts it (and still passes `promtool check metrics`);
#   b) with the receiver down, SIGTERM ends rondod within 2 s although retries
#      wait; /readyz turns 503 after not_ready_after, /healthz stays 200,
#      /metrics counts the failures; once the receiver is up everything pending
#      arrives and /readyz recovers;
#   c) rondod SIGKILLed between a receiver's 2xx and the cursor commit
#      (export-proxy.py relays to the receiver and kills on the 3rd accepted
#      batch), then restarted: every point arrives, duplicates <= one batch;
#   d) rondod started without [export], then SIGHUP with an [export] section:
#      the export starts; a cursor an older rondod left in the store directory
#      is carried over to cursor_dir, so exactly the points after it arrive;
#   e) three small stores (a host's VMs) go in one request, each series with
#      its own store's label, every point exact, each store counted;
#   f) with Prometheus as the receiver, a shared request that Prometheus
#      rejects with 400 because one store resends what it already holds (a
#      lost cursor commit) is sent again store by store: the other store's
#      points all arrive, only the resending store's batch is dropped;
#   g) with live_cursor_dir the rounds write the live cursor only, a stop
#      checkpoints it into cursor_dir; after a SIGKILL the live cursor, newer
#      than the checkpoint, is taken (nothing sent again); after a "reboot"
#      (the live directory removed) the checkpoint is, and the points after
#      it are sent again, none skipped.
# The stores come from tests/export/export-fixture, whose expectation files
# tests/export/receiver-check.py compares with what the receiver holds.
. "${top_srcdir:-.}/tests/daemon/lib.sh"

EXPORT_FIXTURE="$top_builddir/tests/export/export-fixture"
CHECK="$top_srcdir/tests/export/receiver-check.py"
PROXY="$top_srcdir/tests/daemon/export-proxy.py"

command -v curl >/dev/null || skip_all "curl is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v victoria-metrics >/dev/null ||
	skip_all "victoria-metrics is not installed (apt-get install victoria-metrics)"
[ -x "$RONDOD" ] && [ -x "$EXPORT_FIXTURE" ] ||
	skip_all "build src/rondod and tests/export/export-fixture first"

# A failing push is a warning in rondod's log; only criticals stay fatal here.
G_DEBUG=fatal-criticals
export G_DEBUG

VM_PID=
PROXY_PID=
servers_stop() {
	for pid in $VM_PID $PROXY_PID; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	VM_PID=
	PROXY_PID=
}
trap 'servers_stop; cleanup' EXIT

vm_up() { curl -sf -o /dev/null "http://127.0.0.1:$1/health"; }

# vm_start PORT DATA_DIR: a fresh victoria-metrics, ready.
vm_start() {
	victoria-metrics -httpListenAddr="127.0.0.1:$1" -storageDataPath="$2" \
		-search.latencyOffset=0s >"$2.log" 2>&1 &
	VM_PID=$!
	wait_for 20 vm_up "$1"
}

# rows PORT: samples the receiver took in over remote-write, duplicates included.
rows() {
	curl -s "http://127.0.0.1:$1/metrics" |
		sed -n 's/^vm_rows_inserted_total{type="promremotewrite"} //p'
}

# metric NAME: the value of one sample line of rondod's /metrics, or empty.
metric() { curl -s "$URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }

# write_conf FILE PORT [key=value...]: an [export] section towards PORT, the
# cursors in FILE.cursors (one configuration, one exporter's state).
write_conf() {
	f=$1
	p=$2
	shift 2
	{
		printf '[rondod]\nrescan_interval=1\n[export]\n'
		printf 'url=http://127.0.0.1:%s/api/v1/write\ninterval=1\n' "$p"
		printf 'cursor_dir=%s.cursors\n' "$f"
		for kv in "$@"; do echo "$kv"; done
	} >"$f"
}

# check_receiver NAME PORT EXPECT_FILE [LABEL=VALUE...]: store vm-1's points,
# or those of store $CHECK_STORE, in victoria-metrics or $CHECK_KIND.
check_receiver() {
	name=$1
	base="http://127.0.0.1:$2"
	expect_file=$3
	shift 3
	if python3 "$CHECK" "${CHECK_KIND:-victoria}" "$base" "$expect_file" \
		"+store=${CHECK_STORE:-vm-1}" "$@" \
		>"$SCRATCH/check.out" 2>&1; then
		tap_ok "$name"
	else
		tap_fail "$name" "$(cat "$SCRATCH/check.out")"
	fi
}

readyz_is() {
	[ "$(curl -s -o "$SCRATCH/readyz" -w '%{http_code}' "$URL/readyz")" = "$1" ]
}

# --- a) a receiver that works
case_a() {
	STATE="$SCRATCH/a"
	"$EXPORT_FIXTURE" write "$STATE/vm-1" --series 4 --seconds 120 --expect "$SCRATCH/a.expect" ||
		return 1
	rport=$(free_port)
	vm_start "$rport" "$SCRATCH/vm-a" || {
		tap_fail "victoria-metrics starts" "$(tail -5 "$SCRATCH/vm-a.log")"
		return 1
	}
	write_conf "$SCRATCH/a.conf" "$rport" batch=100 'labels=instance=ci;dc=lab'
	rondod_start "$SCRATCH/a.conf" --state-dir "$STATE" || return 1
	check_receiver "a: the receiver holds every point exactly, labels store, instance, dc" \
		"$rport" "$SCRATCH/a.expect" instance=ci dc=lab
	want=$(wc -l <"$SCRATCH/a.expect")
	sent=$(metric 'rondod_export_samples_sent_total{store="vm-1"}')
	[ "$sent" = "$want" ] && tap_ok "a: /metrics counts $sent samples sent, as many as stored" ||
		tap_fail "a: /metrics counts the samples sent" "sent '$sent', stored $want"
	if command -v promtool >/dev/null; then
		curl -s "$URL/metrics" >"$SCRATCH/metrics.txt"
		promtool check metrics <"$SCRATCH/metrics.txt" >"$SCRATCH/promtool.out" 2>&1 &&
			tap_ok "a: promtool check metrics accepts /metrics with export series" ||
			tap_fail "a: promtool check metrics" "$(cat "$SCRATCH/promtool.out")"
	else
		tap_skip "promtool is not installed (apt-get install prometheus)"
	fi
	readyz_is 200 && tap_ok "a: /readyz is 200 while export works" ||
		tap_fail "a: /readyz is 200 while export works" "$(cat "$SCRATCH/readyz")"
	rondod_stop
	servers_stop
}

# --- b) a receiver that is down, then comes up
stop_ms() {
	t0=$(date +%s%N)
	rondod_stop
	echo $((($(date +%s%N) - t0) / 1000000))
}

case_b() {
	STATE="$SCRATCH/b"
	"$EXPORT_FIXTURE" write "$STATE/vm-1" --series 3 --seconds 60 --expect "$SCRATCH/b.expect" ||
		return 1
	rport=$(free_port)
	write_conf "$SCRATCH/b.conf" "$rport" batch=50 not_ready_after=2
	rondod_start "$SCRATCH/b.conf" --state-dir "$STATE" || return 1
	sleep 1 # the first push is now waiting between retries
	ms=$(stop_ms)
	[ "$ms" -lt 2000 ] && tap_ok "b: SIGTERM stops rondod in $ms ms while retries wait" ||
		tap_fail "b: SIGTERM stops rondod within 2 s while retries wait" "took $ms ms"

	rondod_start "$SCRATCH/b.conf" --state-dir "$STATE" || return 1
	if wait_for 20 readyz_is 503 && grep -q 'export of store vm-1 failing' "$SCRATCH/readyz"; then
		tap_ok "b: /readyz is 503 with the reason after not_ready_after"
	else
		tap_fail "b: /readyz turns 503" "$(cat "$SCRATCH/readyz")"
	fi
	http GET /healthz
	expect "b: /healthz stays 200" 200 ok
	failures=$(metric 'rondod_export_push_failures_total{store="vm-1"}')
	retries=$(metric 'rondod_export_retries_total{store="vm-1"}')
	[ "${failures:-0}" -ge 1 ] && [ "${retries:-0}" -ge 1 ] &&
		tap_ok "b: /metrics counts $failures failed pushes, $retries retries" ||
		tap_fail "b: /metrics counts failures and retries" "failures '$failures' retries '$retries'"
	grep -q 'export of store vm-1 failed (kept for the next push)' "$SCRATCH/rondod.log" &&
		tap_ok "b: the failure is logged" || tap_fail "b: the failure is logged"

	vm_start "$rport" "$SCRATCH/vm-b" || {
		tap_fail "victoria-metrics starts" "$(tail -5 "$SCRATCH/vm-b.log")"
		return 1
	}
	wait_for 20 readyz_is 200 && tap_ok "b: /readyz recovers once the receiver is up" ||
		tap_fail "b: /readyz recovers" "$(cat "$SCRATCH/readyz")"
	check_receiver "b: everything pending during the outage arrives" "$rport" "$SCRATCH/b.expect"
	grep -q 'export of store vm-1 recovered after' "$SCRATCH/rondod.log" &&
		tap_ok "b: the recovery is logged" || tap_fail "b: the recovery is logged"
	rondod_stop
	servers_stop
}

# --- c) SIGKILL between the receiver's 2xx and the commit, then a restart
proxy_start() {
	python3 "$PROXY" "$SCRATCH/proxy.port" "http://127.0.0.1:$1/api/v1/write" 3 \
		"$SCRATCH/rondod.pid" >"$SCRATCH/proxy.log" 2>&1 &
	PROXY_PID=$!
	wait_for 10 test -s "$SCRATCH/proxy.port"
}

rondod_dead() { ! kill -0 "$RONDOD_PID" 2>/dev/null; }

case_c() {
	STATE="$SCRATCH/c"
	batch=40
	"$EXPORT_FIXTURE" write "$STATE/vm-1" --series 4 --seconds 120 --expect "$SCRATCH/c.expect" ||
		return 1
	rport=$(free_port)
	vm_start "$rport" "$SCRATCH/vm-c" && proxy_start "$rport" || {
		tap_fail "victoria-metrics and the proxy start" "$(tail -5 "$SCRATCH/vm-c.log")"
		return 1
	}
	write_conf "$SCRATCH/c.conf" "$(cat "$SCRATCH/proxy.port")" batch=$batch
	rondod_start "$SCRATCH/c.conf" --state-dir "$STATE" || return 1
	echo "$RONDOD_PID" >"$SCRATCH/rondod.pid"
	if wait_for 15 rondod_dead; then
		tap_ok "c: rondod is SIGKILLed after the receiver accepted its 3rd batch"
	else
		tap_fail "c: rondod is SIGKILLed mid-export" "$(cat "$SCRATCH/proxy.log")"
	fi
	rondod_stop
	rondod_start "$SCRATCH/c.conf" --state-dir "$STATE" || return 1
	check_receiver "c: after the restart every point is there" "$rport" "$SCRATCH/c.expect"
	want=$(wc -l <"$SCRATCH/c.expect")
	got=$(rows "$rport")
	dup=$((${got:-0} - want))
	[ "$dup" -ge 0 ] && [ "$dup" -le "$batch" ] &&
		tap_ok "c: $dup duplicate samples, at most one batch ($batch)" ||
		tap_fail "c: duplicates bounded by one batch" "received '$got', stored $want" \
			"$(cat "$SCRATCH/proxy.log")"
	rondod_stop
	servers_stop
}

# --- d) export switched on by a reload, an old cursor carried over
case_d() {
	STATE="$SCRATCH/d"
	"$EXPORT_FIXTURE" write "$STATE/vm-1" --series 4 --seconds 120 --expect "$SCRATCH/d.expect" ||
		return 1
	mid_ms=$(awk 'NR == 1 { a = $2 } { b = $2 } END { printf "%.0f", int((a + b) / 2000) * 1000 }' \
		"$SCRATCH/d.expect")
	awk -v m="$mid_ms" '$2 >= m' "$SCRATCH/d.expect" >"$SCRATCH/d.after"
	printf '{"version":1,"consumer":"rondod","tier":0,"missed_total":0,"cursors":{"vmm":%s000000}}\n' \
		"$mid_ms" >"$STATE/vm-1/drain-rondod.0.json"
	rport=$(free_port)
	vm_start "$rport" "$SCRATCH/vm-d" || return 1
	printf '[rondod]\nrescan_interval=1\n' >"$SCRATCH/d.conf"
	rondod_start "$SCRATCH/d.conf" --state-dir "$STATE" || return 1
	sleep 2
	[ "$(rows "$rport")" = "" ] || [ "$(rows "$rport")" = 0 ] &&
		tap_ok "d: nothing is exported before the reload" ||
		tap_fail "d: nothing is exported before the reload" "rows $(rows "$rport")"
	write_conf "$SCRATCH/d.conf" "$rport"
	kill -HUP "$RONDOD_PID"
	check_receiver "d: after SIGHUP exactly the points after the old cursor arrive" \
		"$rport" "$SCRATCH/d.after"
	[ -f "$SCRATCH/d.conf.cursors/vm-1/drain-rondod.0.json" ] &&
		tap_ok "d: the cursor lives in cursor_dir" ||
		tap_fail "d: the cursor lives in cursor_dir" "$(ls -R "$SCRATCH/d.conf.cursors" 2>&1)"
	echo 'max_samples=x' >>"$SCRATCH/d.conf"
	kill -HUP "$RONDOD_PID"
	wait_for 10 grep -q 'reload refused' "$SCRATCH/rondod.log"
	grep -q 'reload refused' "$SCRATCH/rondod.log" && kill -0 "$RONDOD_PID" &&
		tap_ok "d: a bad configuration is refused on reload, rondod runs on" ||
		tap_fail "d: a bad configuration is refused on reload" "$(tail -3 "$SCRATCH/rondod.log")"
	rondod_stop
	servers_stop
}

# --- e) several small stores share a request
# write_requests PORT: remote-write requests the receiver answered.
write_requests() {
	curl -s "http://127.0.0.1:$1/metrics" |
		sed -n 's/^vm_http_requests_total{path="\/api\/v1\/write", protocol="promremotewrite"} //p'
}

case_e() {
	STATE="$SCRATCH/e"
	for k in 1 2 3; do
		"$EXPORT_FIXTURE" write "$STATE/vm-$k" --series 2 --seconds 10 \
			--expect "$SCRATCH/e$k.expect" || return 1
	done
	rport=$(free_port)
	vm_start "$rport" "$SCRATCH/vm-e" || return 1
	write_conf "$SCRATCH/e.conf" "$rport"
	rondod_start "$SCRATCH/e.conf" --state-dir "$STATE" || return 1
	for k in 1 2 3; do
		CHECK_STORE=vm-$k check_receiver "e: store vm-$k's points arrive exactly, labelled store=vm-$k" \
			"$rport" "$SCRATCH/e$k.expect"
	done
	requests=$(write_requests "$rport")
	[ "$requests" = 1 ] && tap_ok "e: the 60 points of the three stores came in one request" ||
		tap_fail "e: one request for three small stores" "requests: '$requests'"
	counted=
	for k in 1 2 3; do
		counted="$counted $(metric "rondod_export_samples_sent_total{store=\"vm-$k\"}")"
	done
	[ "$counted" = " 20 20 20" ] && tap_ok "e: /metrics counts 20 samples sent for each store" ||
		tap_fail "e: /metrics counts each store's samples" "counted:$counted"
	rondod_stop
	servers_stop
}

# --- f) Prometheus rejects a shared request: it goes again store by store
prom_up() { curl -sf -o /dev/null "http://127.0.0.1:$1/-/ready"; }

case_f() {
	if ! command -v prometheus >/dev/null; then
		tap_skip "f: prometheus is not installed (apt-get install prometheus)"
		return 0
	fi
	STATE="$SCRATCH/f"
	"$EXPORT_FIXTURE" write "$STATE/vm-1" --series 2 --seconds 60 --expect "$SCRATCH/f1.expect" ||
		return 1
	rport=$(free_port)
	printf 'global:\n  scrape_interval: 1h\n' >"$SCRATCH/f.yml"
	prometheus --config.file="$SCRATCH/f.yml" --web.enable-remote-write-receiver \
		--storage.tsdb.path="$SCRATCH/prom-f" --web.listen-address="127.0.0.1:$rport" \
		>"$SCRATCH/prom-f.log" 2>&1 &
	VM_PID=$!
	wait_for 30 prom_up "$rport" || {
		tap_fail "f: prometheus starts" "$(tail -5 "$SCRATCH/prom-f.log")"
		return 1
	}
	write_conf "$SCRATCH/f.conf" "$rport"
	rondod_start "$SCRATCH/f.conf" --state-dir "$STATE" || return 1
	CHECK_KIND=prometheus check_receiver "f: vm-1's points are in Prometheus" \
		"$rport" "$SCRATCH/f1.expect"
	rondod_stop
	# A lost commit: vm-1's cursor back to the middle; and a new store, vm-2.
	mid_ms=$(awk 'NR == 1 { a = $2 } { b = $2 } END { printf "%.0f", int((a + b) / 2000) * 1000 }' \
		"$SCRATCH/f1.expect")
	printf '{"version":1,"consumer":"rondod","tier":0,"missed_total":0,"cursors":{"vmm":%s000000}}\n' \
		"$mid_ms" >"$SCRATCH/f.conf.cursors/vm-1/drain-rondod.0.json"
	"$EXPORT_FIXTURE" write "$STATE/vm-2" --series 2 --seconds 60 --expect "$SCRATCH/f2.expect" ||
		return 1
	rondod_start "$SCRATCH/f.conf" --state-dir "$STATE" || return 1
	CHECK_KIND=prometheus CHECK_STORE=vm-2 check_receiver \
		"f: after a 400 for the shared request, every point of vm-2 arrives" "$rport" "$SCRATCH/f2.expect"
	wait_for 10 test -n "$(metric 'rondod_export_samples_dropped_total{store="vm-1"}')"
	dropped1=$(metric 'rondod_export_samples_dropped_total{store="vm-1"}')
	dropped2=$(metric 'rondod_export_samples_dropped_total{store="vm-2"}')
	[ "${dropped1:-0}" -gt 0 ] && [ "${dropped2:-0}" = 0 ] &&
		tap_ok "f: only vm-1's resent batch is dropped ($dropped1 samples), none of vm-2's" ||
		tap_fail "f: only the resending store's batch is dropped" \
			"dropped: vm-1 '$dropped1', vm-2 '$dropped2'" "$(tail -5 "$SCRATCH/rondod.log")"
	rondod_stop
	servers_stop
}

# --- g) live cursors, checkpointed into cursor_dir
# cursor_at FILE MS: a cursor file saying everything before MS was delivered.
cursor_at() {
	printf '{"version":1,"consumer":"rondod","tier":0,"missed_total":0,"cursors":{"vmm":%s000000}}\n' \
		"$2" >"$1"
}

# vm1_pushed: rondod has finished a push of store vm-1 since it started.
vm1_pushed() { [ -n "$(metric 'rondod_export_last_success_timestamp_seconds{store="vm-1"}')" ]; }

# rows_settle PORT: the receiver's row count once rondod has pushed vm-1
# and had time for a round more (interval=1).
rows_settle() {
	wait_for 20 vm1_pushed || :
	sleep 1.5
	rows "$1"
}

# rows_are PORT N: the receiver took in N samples.
rows_are() { [ "$(rows "$1")" = "$2" ]; }

case_g() {
	STATE="$SCRATCH/g"
	"$EXPORT_FIXTURE" write "$STATE/vm-1" --series 4 --seconds 120 --expect "$SCRATCH/g.expect" ||
		return 1
	want=$(wc -l <"$SCRATCH/g.expect")
	mid_ms=$(awk 'NR == 1 { a = $2 } { b = $2 } END { printf "%.0f", int((a + b) / 2000) * 1000 }' \
		"$SCRATCH/g.expect")
	after=$(awk -v m="$mid_ms" '$2 >= m' "$SCRATCH/g.expect" | wc -l)
	rport=$(free_port)
	vm_start "$rport" "$SCRATCH/vm-g" || return 1
	live="$SCRATCH/g.live/vm-1/drain-rondod.0.json"
	kept="$SCRATCH/g.conf.cursors/vm-1/drain-rondod.0.json"
	write_conf "$SCRATCH/g.conf" "$rport" "live_cursor_dir=$SCRATCH/g.live" checkpoint_interval=3600
	rondod_start "$SCRATCH/g.conf" --state-dir "$STATE" || return 1
	check_receiver "g: with live cursors every point arrives" "$rport" "$SCRATCH/g.expect"
	[ -f "$live" ] && [ ! -e "$kept" ] &&
		tap_ok "g: the rounds write the live cursor, not cursor_dir (checkpoint not due)" ||
		tap_fail "g: the rounds write the live cursor only" "$(ls -lR "$SCRATCH"/g.* 2>&1)"
	rondod_stop
	cmp -s "$live" "$kept" &&
		tap_ok "g: SIGTERM checkpoints the live cursor into cursor_dir" ||
		tap_fail "g: SIGTERM checkpoints the live cursor" "$(cat "$live" "$kept" 2>&1)"

	# An older checkpoint beside the live cursor: the live one is newer and wins.
	cursor_at "$kept" "$mid_ms"
	touch -d '1 hour ago' "$kept"
	rondod_start "$SCRATCH/g.conf" --state-dir "$STATE" || return 1
	got=$(rows_settle "$rport")
	kill -KILL "$RONDOD_PID"
	wait "$RONDOD_PID" 2>/dev/null
	RONDOD_PID=
	[ "$got" = "$want" ] && ! cmp -s "$live" "$kept" &&
		tap_ok "g: the live cursor, newer than the checkpoint, is taken; SIGKILL checkpoints nothing" ||
		tap_fail "g: the newer live cursor is taken" "received $got, stored $want" \
			"$(cat "$live" "$kept" 2>&1)"
	rondod_start "$SCRATCH/g.conf" --state-dir "$STATE" || return 1
	got=$(rows_settle "$rport")
	kill -KILL "$RONDOD_PID"
	wait "$RONDOD_PID" 2>/dev/null
	RONDOD_PID=
	[ "$got" = "$want" ] &&
		tap_ok "g: restarted after SIGKILL, nothing is sent again" ||
		tap_fail "g: restarted after SIGKILL, nothing is sent again" "received $got, stored $want"

	# A reboot empties the live directory: the (older) checkpoint is what is left.
	rm -rf "$SCRATCH/g.live"
	rondod_start "$SCRATCH/g.conf" --state-dir "$STATE" || return 1
	wait_for 20 rows_are "$rport" $((want + after)) && got=$(rows_settle "$rport") &&
		[ "$got" = $((want + after)) ] &&
		tap_ok "g: after a reboot the $after points after the checkpoint are sent again" ||
		tap_fail "g: after a reboot the points after the checkpoint are sent again" \
			"received $(rows "$rport"), want $want + $after"
	check_receiver "g: ... and none is skipped" "$rport" "$SCRATCH/g.expect"
	rondod_stop

	# Under systemd ($RUNTIME_DIRECTORY) the live directory is there by default.
	# And a checkpoint comes every checkpoint_interval while rondod runs.
	write_conf "$SCRATCH/g2.conf" "$rport" checkpoint_interval=2
	RUNTIME_DIRECTORY="$SCRATCH/g.run"
	export RUNTIME_DIRECTORY
	rondod_start "$SCRATCH/g2.conf" --state-dir "$STATE" || return 1
	unset RUNTIME_DIRECTORY
	wait_for 10 test -f "$SCRATCH/g.run/cursors/vm-1/drain-rondod.0.json" &&
		tap_ok "g: with \$RUNTIME_DIRECTORY the live cursors go to \$RUNTIME_DIRECTORY/cursors" ||
		tap_fail "g: \$RUNTIME_DIRECTORY/cursors by default" "$(ls -R "$SCRATCH"/g.run 2>&1)"
	wait_for 10 test -f "$SCRATCH/g2.conf.cursors/vm-1/drain-rondod.0.json" &&
		tap_ok "g: checkpoint_interval=2: a checkpoint while rondod runs" ||
		tap_fail "g: a checkpoint while rondod runs" "$(ls -R "$SCRATCH"/g2.conf.cursors 2>&1)"
	rondod_stop
	servers_stop
	write_conf "$SCRATCH/g3.conf" 1 "live_cursor_dir=$SCRATCH/g3.conf.cursors/"
	if "$RONDOD" --config "$SCRATCH/g3.conf" --state-dir "$STATE" >"$SCRATCH/g3.log" 2>&1; then
		tap_fail "g: live_cursor_dir = cursor_dir is refused"
	else
		grep -q 'live_cursor_dir must not be cursor_dir' "$SCRATCH/g3.log" &&
			tap_ok "g: live_cursor_dir = cursor_dir is refused, naming both" ||
			tap_fail "g: the refusal of live_cursor_dir = cursor_dir" "$(cat "$SCRATCH/g3.log")"
	fi
}

case_a || tap_fail "a: could not run" "$(tail -5 "$SCRATCH/rondod.log" 2>/dev/null)"
case_b || tap_fail "b: could not run" "$(tail -5 "$SCRATCH/rondod.log" 2>/dev/null)"
case_c || tap_fail "c: could not run" "$(tail -5 "$SCRATCH/rondod.log" 2>/dev/null)"
case_d || tap_fail "d: could not run" "$(tail -5 "$SCRATCH/rondod.log" 2>/dev/null)"
case_e || tap_fail "e: could not run" "$(tail -5 "$SCRATCH/rondod.log" 2>/dev/null)"
case_f || tap_fail "f: could not run" "$(tail -5 "$SCRATCH/rondod.log" 2>/dev/null)"
case_g || tap_fail "g: could not run" "$(tail -5 "$SCRATCH/rondod.log" 2>/dev/null)"
tap_done
[ "$TAP_FAILED" -eq 0 ]
