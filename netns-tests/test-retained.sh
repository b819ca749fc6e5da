# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Retained struct_ops maps (issue #17, item 5): after 'bpftcp cc unregister'
# an algorithm's struct_ops map stays in 'bpftool struct_ops list' while a
# socket that runs it still exists, live or orphaned (closed by its process,
# not yet destroyed: FIN_WAIT1 here), and goes once the last such socket is
# destroyed.  A TIME_WAIT socket holds nothing: the kernel destroys the full
# socket when it makes the time-wait one.  docs/reliability.md, "Retained
# struct_ops maps", names the kernel code path and the workaround.
#
# Each test registers an algorithm nobody has registered (private bpffs),
# runs a connection whose client end uses it (route congctl) from the
# client to the server namespace over veths (198.18.0.0/15), unregisters,
# and checks that the map is still listed (with its socket count from the
# map's value), then ends the sockets and requires the map gone within
# GONE_MS.  retained_counts (lib.sh) prints the counts before and after.

ALL_TESTS="
	retained_while_a_socket_lives_not_by_time_wait
	retained_while_orphaned_until_killed
"

GONE_MS=${GONE_MS:-5000}
PORT=5301

# retained_setup: root and tools, a private bpffs, a free algorithm
# ($CC: short name, $KCC: kernel name), the topology without emulator.
retained_setup() {
	bpftcp_private
	require_cmds bpftool socat ss
	CC=$(free_ccs 1) || exit $?
	KCC=bpf_$CC
	log "before: $(retained_counts)"
	ORPHANS_BEFORE=$(orphans)
	topo_setup --no-emulator
}

# register: registers $CC; MAP is its struct_ops map's id.
register() {
	run "$BPFTCP" cc register "$CC" >/dev/null || fail "cannot register $CC"
	cleanup_push "'$BPFTCP' cc unregister '$CC'"
	MAP=$(bpftool -j link show pinned "$BPFTCP_BPFFS/bpftcp/cc/$KCC/link" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["map_id"])') ||
		fail "cannot read the map of $KCC's link"
	map_listed || fail "map $MAP of $KCC is not listed"
	log "ok: $KCC registered, struct_ops map $MAP"
}

map_listed() {
	bpftool struct_ops show id "$MAP" >/dev/null 2>&1
}

# map_sockets: the map's estimate of the sockets using it (the kernel
# reports the map's references minus its user references in the value's
# refcnt: bpf_struct_ops_map_sys_lookup_elem()).
map_sockets() {
	bpftool -j struct_ops dump id "$MAP" 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    v = e.get("bpf_struct_ops_tcp_congestion_ops")
    if v:
        print(v["common"]["refcnt"]["refs"]["counter"])'
}

# connect: a client connection on $KCC to a server that reads; the client
# writes only what the test puts in its fifo.  CLIENT is the client's
# socat process.
connect() {
	# The route names the algorithm by its key: registered first.
	route_cc client dport $PORT "$KCC"
	mkfifo "$TEST_TMP/fifo" || fail "mkfifo"
	exec 7<>"$TEST_TMP/fifo"
	bg_on server socat -u "TCP4-LISTEN:$PORT,reuseaddr" OPEN:/dev/null
	wait_listen server $PORT
	# From fd 7 (the fifo, held open here): a background command's stdin
	# is /dev/null.
	bg_on client socat -u FD:7 "TCP4:$SERVER_IP4:$PORT"
	CLIENT=$BG_PID
	local i
	for i in $(seq 100); do
		on client ss -tinH state established "dport = :$PORT" | grep -qw "$KCC" && break
		sleep 0.05
	done
	on client ss -tinH state established "dport = :$PORT" | grep -qw "$KCC" ||
		fail "the client's connection does not run $KCC: $(on client ss -tinH "dport = :$PORT")"
	log "ok: the client's connection runs $KCC"
}

# unregister_retained: unregisters $CC; the kernel no longer offers it,
# and its map stays listed (still after a second) while a socket uses it.
unregister_retained() {
	local n
	run "$BPFTCP" cc unregister "$CC" >/dev/null || fail "cannot unregister $CC"
	cc_registered "$KCC" && fail "the kernel still offers $KCC after unregister"
	sleep 1
	map_listed || fail "map $MAP is gone while a socket still runs $KCC"
	n=$(map_sockets)
	assert_between "$n" 1 1000 "sockets the retained map $MAP counts"
	"$BPFTCP" -j status | python3 -c '
import json, sys
ids = [r["map_id"] for r in json.load(sys.stdin).get("retained_cc") or []]
sys.exit(int(sys.argv[1]) not in ids)' "$MAP" || fail "bpftcp status does not report map $MAP as retained"
	log "ok: unregistered, map $MAP retained ($n socket(s)); $(retained_counts)"
}

# expect_gone WHY: the map goes within GONE_MS.
expect_gone() {
	local waited=0
	while map_listed; do
		[ $waited -ge "$GONE_MS" ] && fail "map $MAP still listed $GONE_MS ms after $1"
		sleep 0.1
		waited=$((waited + 100))
	done
	log "ok: map $MAP gone ${waited} ms (polled every 100) after $1"
}

orphans() {
	awk '$1 == "TCP:" { for (i = 2; i < NF; i += 2) if ($i == "orphan") print $(i + 1) }' /proc/net/sockstat
}

retained_while_a_socket_lives_not_by_time_wait() {
	local i
	retained_setup
	register
	connect
	unregister_retained
	# The client closes first: its end goes through FIN_WAIT2 to
	# TIME_WAIT, the server's closes when its socat sees the end.
	kill -TERM "$CLIENT"
	for i in $(seq 100); do
		[ -z "$(on client ss -tanH "dport = :$PORT" | grep -v TIME-WAIT)" ] &&
			[ -z "$(on server ss -tanH "sport = :$PORT" | grep -v LISTEN)" ] && break
		sleep 0.05
	done
	on client ss -tanH state time-wait "dport = :$PORT" | grep -q . ||
		fail "the client's end is not in TIME_WAIT: $(on client ss -tanH "dport = :$PORT")"
	expect_gone "the last full socket was destroyed"
	# The time-wait socket is still there: it held nothing.
	on client ss -tanH state time-wait "dport = :$PORT" | grep -q . ||
		fail "the time-wait socket is gone too: the test shows nothing about it"
	log "ok: map gone with the client's end still in TIME_WAIT ($(on client ss -tanH state time-wait "dport = :$PORT" | wc -l) socket(s))"
	log "after: $(retained_counts)"
}

retained_while_orphaned_until_killed() {
	local i
	retained_setup
	register
	connect
	# The server goes silent: the client's FIN is never acknowledged.
	on server ip link set eth0 down || fail "server eth0 down"
	# Killed, the client's process closes its socket: an orphan in
	# FIN_WAIT1, retransmitting its FIN (net.ipv4.tcp_orphan_retries).
	kill -KILL "$CLIENT"
	wait "$CLIENT" 2>/dev/null
	for i in $(seq 100); do
		on client ss -tanH state fin-wait-1 "dport = :$PORT" | grep -q . && break
		sleep 0.05
	done
	on client ss -tinH state fin-wait-1 "dport = :$PORT" | grep -qw "$KCC" ||
		fail "no orphan on $KCC in FIN_WAIT1: $(on client ss -tanH "dport = :$PORT")"
	assert_between "$(orphans)" $((ORPHANS_BEFORE + 1)) 100000 "orphans in /proc/net/sockstat"
	unregister_retained
	sleep 1
	map_listed || fail "map $MAP went while its orphan lives"
	log "ok: map $MAP still listed 2 s after unregister, held by the orphan"
	# ss -K destroys it (CONFIG_INET_DIAG_DESTROY); else, the orphan's
	# retransmissions end it (tcp_orphan_retries 1: a few RTOs).
	if ! on client ss -K state fin-wait-1 "dport = :$PORT" >/dev/null 2>&1 ||
	   on client ss -tanH state fin-wait-1 "dport = :$PORT" | grep -q .; then
		log "ss -K did not destroy the orphan; waiting for tcp_orphan_retries=1 instead"
		on client sysctl -q -w net.ipv4.tcp_orphan_retries=1
		GONE_MS=$((GONE_MS + 30000))
	fi
	expect_gone "the orphan was destroyed"
	on client ss -tanH "dport = :$PORT" | grep -q . &&
		fail "a socket is left: $(on client ss -tanH "dport = :$PORT")"
	assert_between "$(orphans)" 0 "$ORPHANS_BEFORE" "orphans after the kill"
	log "after: $(retained_counts)"
}
