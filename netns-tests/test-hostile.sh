# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Hostile peers (issue #17, part 1): netns-tests/hostile-peer.py throws
# crafted segments -- every variant of its table, each with its expected
# counter deltas -- at a server and at a client that have delack attached,
# over the client <-> router <-> server topology (plain forwarding).
#
#   - the victim server (hostile-peer.py hold, port 7300) runs in the
#     server's cgroup; the generator connects from the client namespace;
#   - the victim client (hostile-peer.py connector) runs in the client's
#     cgroup; the generator answers its SYNs from the server namespace.
#
# The generator speaks from addresses no interface holds (198.18.1.50 and
# .200 on the client side, 198.18.2.50 and .200 on the server side); the
# router's neighbour entries for them point at the attacker's veth, so the
# attacker's kernel drops the replies silently (no RST) while the
# generator's AF_PACKET socket reads them.  The .50 addresses are in the
# victims' --peers (198.18.1.0/25, 198.18.2.0/25), the .200 ones are not.
#
# Checked: each variant's counter deltas and handshake answer; the RTO
# `ss -ti` shows on the victim's connection (never below the admin floor,
# 200 ms or more where nothing may apply); a legitimate connection (a
# client in the client's cgroup to an echo server in the server's)
# running throughout, its data verified by sha256 at both ends; no new
# WARNING/BUG/Call Trace/bpf line in the kernel log.
#
# The generator runs in the host namespaces (it calls bpftcp, which needs
# the host's bpffs and cgroup mounts) with its sockets in the attacker's
# namespace (setns).
#
# Short form (make test): every variant once, a 200-SYN flood.  Full form:
#   STRESS=1 netns-tests/run build test-hostile.sh
# (3 repetitions, a 20000-SYN flood at 4000/s).  HOSTILE_OUT=DIR keeps the
# generator's JSON results (hostile-peer.py report DIR/*.json sums them).

ALL_TESTS="
	hostile_server
	hostile_client
"

HS_PEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hostile-peer.py
HS_VICTIM_PORT=7300
HS_LEGIT_PORT=7200

if [ "${STRESS:-0}" = 1 ]; then
	HS_REPS=3 HS_FLOOD=20000 HS_FLOOD_RATE=4000
else
	HS_REPS=1 HS_FLOOD=200 HS_FLOOD_RATE=1000
fi

# hs_in CGROUP ROLE CMD...: CMD in ROLE's netns, from inside CGROUP.
hs_in() {
	local cg=$1 ns
	ns=$(ns_of "$2")
	shift 2
	run sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" ip netns exec "$ns" "$@"
}

# hs_bg CGROUP ROLE CMD...: hs_in in the background (bg_on_cgroup); BG_PID
# is CMD's pid.  Killed at cleanup, with its cgroup.
hs_bg() {
	bg_on_cgroup "$@"
}

hs_setup() {
	local mac a
	require_cmds ss nstat
	[ -x "$BPFTCP" ] || skip "no bpftcp at $BPFTCP (run make)"
	[ -r /dev/kmsg ] || skip "cannot read the kernel log (/dev/kmsg)"
	topo_setup --no-emulator
	cgroup_new client
	HS_CG_CLIENT=$CGROUP
	cgroup_new server
	HS_CG_SERVER=$CGROUP
	HS_KMSG=$(python3 "$HS_PEER" kmsg-mark) || fail "cannot read /dev/kmsg"
	run "$BPFTCP" opt attach delack --cgroup "$HS_CG_SERVER" --max-delack 20 \
		--rto-floor 30 --rto-ceiling 150 --peers 198.18.1.0/25 >/dev/null || fail "attach to the server"
	cleanup_push "'$BPFTCP' opt detach delack --cgroup '$HS_CG_SERVER'"
	run "$BPFTCP" opt attach delack --cgroup "$HS_CG_CLIENT" --max-delack 20 \
		--rto-floor 30 --rto-ceiling 150 --peers 198.18.2.0/25 >/dev/null || fail "attach to the client"
	cleanup_push "'$BPFTCP' opt detach delack --cgroup '$HS_CG_CLIENT'"

	# The attacker's addresses: the router delivers them to the
	# attacker's veth, whose kernel holds no such address.
	mac=$(on client cat /sys/class/net/eth0/address) || fail "client mac"
	for a in 198.18.1.50 198.18.1.200; do
		on router ip neigh replace $a lladdr "$mac" dev to-client nud permanent || fail "neigh $a"
	done
	mac=$(on server cat /sys/class/net/eth0/address) || fail "server mac"
	for a in 198.18.2.50 198.18.2.200; do
		on router ip neigh replace $a lladdr "$mac" dev to-server nud permanent || fail "neigh $a"
	done

	# The legitimate connection, running throughout.
	hs_bg "$HS_CG_SERVER" server python3 "$HS_PEER" echo $HS_LEGIT_PORT --out "$TEST_TMP/echo.json"
	HS_ECHO_PID=$BG_PID
	wait_listen server $HS_LEGIT_PORT
	hs_bg "$HS_CG_CLIENT" client python3 "$HS_PEER" legit "$SERVER_IP4" $HS_LEGIT_PORT \
		--stop "$TEST_TMP/stop" --out "$TEST_TMP/legit.json"
	HS_LEGIT_PID=$BG_PID
	sleep 0.5
}

# hs_finish: stops the legitimate connection and checks its data, the
# kernel log, and the generator's result.
hs_finish() {
	local rc=$1 sent
	touch "$TEST_TMP/stop"
	wait "$HS_LEGIT_PID" || fail "the legitimate client failed: $(cat "$TEST_TMP/legit.json" 2>/dev/null)"
	wait "$HS_ECHO_PID" || fail "the echo server failed"
	sent=$(json_get sent_bytes "$TEST_TMP/legit.json")
	assert_between "$sent" 100000 100000000000 "bytes the legitimate client sent during the attack"
	assert_eq "$(json_get bytes "$TEST_TMP/echo.json")" "$sent" "bytes the echo server received"
	assert_eq "$(json_get sha256 "$TEST_TMP/echo.json")" "$(json_get sent_sha256 "$TEST_TMP/legit.json")" \
		"sha256 at the server of what the client sent"
	assert_eq "$(json_get echo_bytes "$TEST_TMP/legit.json")" "$sent" "bytes echoed back"
	assert_eq "$(json_get echo_sha256 "$TEST_TMP/legit.json")" "$(json_get sent_sha256 "$TEST_TMP/legit.json")" \
		"sha256 of the echo at the client"
	python3 "$HS_PEER" kmsg-check "$HS_KMSG" >&2 || fail "new kernel warnings (above)"
	log "ok: no kernel warning since kernel log record $HS_KMSG"
	[ "$rc" = 0 ] || fail "the generator reported failed variants (above)"
	assert_eq "$(hs_counter server errors)" 0 "server errors"
	assert_eq "$(hs_counter client errors)" 0 "client errors"
	if [ -n "${HOSTILE_OUT:-}" ]; then
		mkdir -p "$HOSTILE_OUT" || fail "cannot create $HOSTILE_OUT"
		cp "$TEST_TMP/attack.json" "$HOSTILE_OUT/$HS_ROLE.json" || fail "cannot write to $HOSTILE_OUT"
	fi
}

# hs_counter ROLE NAME
hs_counter() {
	local cg
	[ "$1" = server ] && cg=$HS_CG_SERVER || cg=$HS_CG_CLIENT
	"$BPFTCP" -j opt show | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1]:
        print(a["counters"][sys.argv[2]])' "$cg" "$2"
}

hs_attack_args() {
	echo --reps "$HS_REPS" --flood "$HS_FLOOD" --flood-rate "$HS_FLOOD_RATE" \
		--bpftcp "$BPFTCP" --server-cgroup "$HS_CG_SERVER" --client-cgroup "$HS_CG_CLIENT" \
		--out "$TEST_TMP/attack.json"
}

# The victim is a server: the generator plays clients from the client
# namespace, and a SYN flood under syncookies.
hostile_server() {
	local rc=0
	HS_ROLE=server
	hs_setup
	hs_bg "$HS_CG_SERVER" server python3 "$HS_PEER" hold $HS_VICTIM_PORT
	wait_listen server $HS_VICTIM_PORT
	# shellcheck disable=SC2046
	run python3 "$HS_PEER" attack --role server --netns "$NS_CLIENT" --victim-ip "$SERVER_IP4" \
		--victim-port $HS_VICTIM_PORT --victim-netns "$NS_SERVER" --victim-cgroup "$HS_CG_SERVER" \
		--in-ip 198.18.1.50 --out-ip 198.18.1.200 $(hs_attack_args) || rc=$?
	hs_finish $rc
}

# The victim is a client: the generator answers its SYNs from the server
# namespace with crafted SYN-ACKs.
hostile_client() {
	local rc=0
	HS_ROLE=client
	hs_setup
	# shellcheck disable=SC2046
	run python3 "$HS_PEER" attack --role client --netns "$NS_SERVER" --victim-ip "$CLIENT_IP4" \
		--victim-port $HS_VICTIM_PORT --victim-netns "$NS_CLIENT" --victim-cgroup "$HS_CG_CLIENT" \
		--in-ip 198.18.2.50 --out-ip 198.18.2.200 $(hs_attack_args) -- \
		sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$HS_CG_CLIENT" \
		ip netns exec "$NS_CLIENT" python3 "$HS_PEER" connector || rc=$?
	hs_finish $rc
}
