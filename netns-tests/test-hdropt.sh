# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The max-delayed-ACK header option (hdropt/delack.bpf.c) end to end, over
# the client <-> router <-> server topology, through the link emulator with
# a 1 ms one-way delay.  The client and the server run in cgroups of their
# own (random names under the cgroup2 mount), and 'bpftcp opt attach delack'
# attaches to those.  What is on the wire is captured with tcpdump on the
# end hosts and decoded by netns-tests/hdropt-peer.py, whose parser is
# independent of the C codec.

ALL_TESTS="
	hdropt_option_on_the_wire
	hdropt_rto_lowered_to_expected
	hdropt_ack_delay_within_bound
	hdropt_one_side_changes_nothing
	hdropt_syncookies_resend
	hdropt_fastopen
	hdropt_malformed_ignored
	hdropt_peers_scope
	hdropt_tail_loss_recovers_fast
	hdropt_default_no_record
"

HD_PEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hdropt-peer.py
HD_CORRUPT=$BUILD/selftests/bpf/hdropt_corrupt.bpf.o
HD_PORT=7171

# hd_setup: topology, prerequisites, and one fresh cgroup per end:
# $HD_CG_CLIENT and $HD_CG_SERVER, removed at cleanup.
hd_setup() {
	require_cmds tcpdump tc python3 nstat
	[ -x "$BPFTCP" ] || skip "no bpftcp at $BPFTCP (run make)"
	topo_setup
	linkem_start --delay 1ms
	cgroup_new client
	HD_CG_CLIENT=$CGROUP
	cgroup_new server
	HD_CG_SERVER=$CGROUP
}

hd_cg() {
	case $1 in
	client) echo "$HD_CG_CLIENT" ;;
	server) echo "$HD_CG_SERVER" ;;
	*) fail "no cgroup for '$1'" ;;
	esac
}

# hd_attach ROLE ARGS...: attaches delack to ROLE's cgroup (detached at
# cleanup).  Sets HD_ADV_<ROLE> to the promise it advertises (us): whole
# ticks of this kernel, which 'bpftcp opt show' reports; and HD_TICK_MS.
hd_attach() {
	local role=$1 cg hz
	cg=$(hd_cg "$role")
	shift
	run "$BPFTCP" opt attach delack --cgroup "$cg" "$@" >/dev/null || fail "attach to $cg"
	cleanup_push "'$BPFTCP' opt detach delack --cgroup '$cg'"
	printf -v "HD_ADV_${role^^}" %s "$(hd_counter "$role" advertised_us)"
	hz=$(hd_counter "$role" hz)
	HD_TICK_MS=$((1000 / hz))
}

hd_detach() {
	run "$BPFTCP" opt detach delack --cgroup "$(hd_cg "$1")" >/dev/null || fail "detach from $1"
}

# hd_in ROLE CMD...: runs CMD in ROLE's netns, from inside ROLE's cgroup
# (sockets belong to the cgroup of the process that creates them).
hd_in() {
	local cg ns
	cg=$(hd_cg "$1") ns=$(ns_of "$1")
	shift
	run sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" ip netns exec "$ns" "$@"
}

# hd_server MODE [ARGS...]: one-connection server in the server's cgroup;
# its result goes to $TEST_TMP/server.json.
hd_server() {
	rm -f "$TEST_TMP/server.json"
	[ "${V:-0}" = 1 ] && echo "+ hd_server $*" >&2
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$HD_CG_SERVER" ip netns exec "$NS_SERVER" \
		python3 "$HD_PEER" server "$HD_PORT" "$@" --out "$TEST_TMP/server.json" &
	HD_SERVER_PID=$!
	_BG_PIDS+=("$HD_SERVER_PID")
	echo "$HD_SERVER_PID" >> "$TEST_TMP/pids"
	wait_listen server "$HD_PORT"
}

# hd_server_wait: waits (up to 10 s) for the server to finish its connection.
hd_server_wait() {
	local i
	for i in $(seq 200); do
		kill -0 "$HD_SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$HD_SERVER_PID" || fail "server exited with status $?"
	[ -s "$TEST_TMP/server.json" ] || fail "server wrote no result"
}

# hd_client ADDR MODE [ARGS...]: the client; its JSON result in $TEST_TMP/client.json.
hd_client() {
	local addr=$1
	shift
	hd_in client timeout 20 python3 "$HD_PEER" client "$addr" "$HD_PORT" "$@" \
		> "$TEST_TMP/client.json" || fail "client $* to $addr failed"
}

# hd_capture_start ROLE: tcpdump on ROLE's eth0 into $TEST_TMP/ROLE.pcap.
hd_capture_start() {
	local i
	HD_PCAP=$TEST_TMP/$1.pcap
	rm -f "$HD_PCAP"
	bg_on "$1" tcpdump -Z root --immediate-mode -U -n -s 256 -i eth0 -w "$HD_PCAP" \
		"tcp port $HD_PORT" 2>/dev/null
	HD_TCPDUMP_PID=$BG_PID
	for i in $(seq 100); do
		[ -s "$HD_PCAP" ] && break
		sleep 0.05
	done
	[ -s "$HD_PCAP" ] || fail "tcpdump did not start"
	sleep 0.2
}

hd_capture_stop() {
	sleep 0.2
	kill -INT "$HD_TCPDUMP_PID" 2>/dev/null
	wait "$HD_TCPDUMP_PID" 2>/dev/null
	python3 "$HD_PEER" pcap "$HD_PCAP" "$HD_PORT" > "$HD_PCAP.jsonl" || fail "cannot decode $HD_PCAP"
	[ -s "$HD_PCAP.jsonl" ] || fail "nothing captured in $HD_PCAP"
}

# hd_pkt WHICH: the decoded option of one captured packet, as JSON ("null"
# when it carries none).  WHICH: syn, synack, ack3 (the client's first
# packet after its SYN), or later:N (how many packets after the handshake's
# first three carry the option, printed as a number).
hd_pkt() {
	python3 - "$HD_PCAP.jsonl" "$1" <<'PY'
import json, sys
pkts = [json.loads(l) for l in open(sys.argv[1])]
which = sys.argv[2]
syn = next(i for i, p in enumerate(pkts) if p["syn"] and not p["ackf"])
if which == "syn":
    print(json.dumps(pkts[syn]["delack"])); sys.exit()
client = pkts[syn]["src"]
synack = next(i for i, p in enumerate(pkts) if p["syn"] and p["ackf"])
if which == "synack":
    print(json.dumps(pkts[synack]["delack"])); sys.exit()
if which == "syn_len":
    print(pkts[syn]["len"]); sys.exit()
after = [p for p in pkts[synack + 1:] if not p["syn"]]
if which == "ack3":
    print(json.dumps(next(p for p in after if p["src"] == client)["delack"])); sys.exit()
if which.startswith("carrying:"):
    who = which.split(":")[1]
    print(sum(1 for p in after if p["delack"] is not None and (p["src"] == client) == (who == "client")))
PY
}

# hd_expect_opt WHICH US FLAGS: the captured option is valid with these values.
hd_expect_opt() {
	local got
	got=$(hd_pkt "$1")
	assert_eq "$got" "{\"flags\": $3, \"us\": $2}" "option in the $1"
}

# hd_counter ROLE NAME: a counter of ROLE's attachment, from 'bpftcp -j opt show'.
hd_counter() {
	"$BPFTCP" -j opt show | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1]:
        print(a["counters"][sys.argv[2]] if sys.argv[2] in a["counters"] else a["settings"][sys.argv[2]])
        break
else:
    sys.exit("no attachment on " + sys.argv[1])' "$(hd_cg "$1")" "$2" || fail "no counters for $1"
}

# hd_expect_counters ROLE SENT RECEIVED MALFORMED APPLIED
hd_expect_counters() {
	local role=$1 name want
	shift
	for name in sent received malformed applied; do
		want=$1
		shift
		assert_eq "$(hd_counter "$role" "$name")" "$want" "$role counter $name"
	done
	assert_eq "$(hd_counter "$role" errors)" 0 "$role counter errors"
}

# hd_expect_rto WHAT VALUE UNIT PEER_ADV_US: an RTO lowered by a peer's
# promise.  RTO = srtt + max(4 rttvar, rto_min) in whole ticks: here the
# minimum (the promise + 2 ticks) plus the emulated link's 2 ms RTT, plus
# rounding; 3 ticks above the minimum leave room for a slow emulator.
hd_expect_rto() {
	local what=$1 value=$2 unit=$3 lo
	lo=$(($4 / 1000 + 2 * HD_TICK_MS))
	if [ "$unit" = ms ]; then
		assert_between "$value" "$lo" $((lo + 3 * HD_TICK_MS)) "$what (ms)"
	else
		assert_between "$value" $((lo * 1000)) $(((lo + 3 * HD_TICK_MS) * 1000)) "$what (us)"
	fi
}

# hd_client_json KEY / hd_server_json KEY
hd_client_json() { json_get "$1" "$TEST_TMP/client.json"; }
hd_server_json() { json_get "$1" "$TEST_TMP/server.json"; }

# ---------------------------------------------------------------- tests

# (a) The option is in the SYN and the SYN-ACK, with each side's value,
# over IPv4 and IPv6, and in no later packet.
hdropt_option_on_the_wire() {
	local addr
	hd_setup
	hd_attach client --max-delack 20
	hd_attach server --max-delack 40
	for addr in "$SERVER_IP4" "$SERVER_IP6"; do
		hd_capture_start client
		hd_server echo
		hd_client "$addr" rr --rounds 10
		hd_server_wait
		hd_capture_stop
		hd_expect_opt syn "$HD_ADV_CLIENT" 0
		hd_expect_opt synack "$HD_ADV_SERVER" 0
		assert_eq "$(hd_pkt carrying:client)" 0 "client packets with the option after the handshake"
		assert_eq "$(hd_pkt carrying:server)" 0 "server packets with the option after the handshake"
		assert_eq "$(hd_client_json ok)" True "echo data"
	done
	hd_expect_counters client 2 2 0 2
	hd_expect_counters server 2 2 0 2
}

# (b) The client's RTO, as `ss -ti` shows it, drops from 200+ ms to the
# server's promise plus the margin.
hdropt_rto_lowered_to_expected() {
	hd_setup
	hd_attach client --max-delack 20
	hd_attach server --max-delack 40
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 40
	hd_server_wait
	hd_expect_rto "client ss rto" "$(hd_client_json ss_rto_ms)" ms "$HD_ADV_SERVER"
	hd_expect_rto "server rto" "$(hd_server_json rto_us)" us "$HD_ADV_CLIENT"
	# The same exchange without the option: the kernel's 200 ms floor.
	hd_detach client
	hd_detach server
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 40
	hd_server_wait
	assert_between "$(hd_client_json ss_rto_ms)" 200 3000 "client ss rto without the option (ms)"
}

# (c) The server (receiver) delays ACKs by at most what it advertised;
# without the option its delayed ACKs wait longer than that.  The client
# sends one byte, waits for its ACK, waits 2 ms, and so on: one segment in
# flight, so no tail-loss probe (2 RTT + the RTO minimum) comes before the
# delayed ACK, and the server never reads (reading would ACK at once).
hdropt_ack_delay_within_bound() {
	local out bound
	hd_setup
	hd_attach client --max-delack 20
	hd_attach server --max-delack 20
	bound=$((HD_ADV_SERVER / 1000))
	hd_capture_start server
	hd_server hold --hold 3
	hd_client "$SERVER_IP4" stopwait --rounds 40 --interval 2
	hd_server_wait
	hd_capture_stop
	assert_eq "$(hd_counter server applied)" 1 "server applied"
	# A new connection ACKs its first 16 segments at once (quick-ACK
	# mode): measure the last 20.
	out=$(python3 "$HD_PEER" ackdelay "$HD_PCAP" "$HD_PORT" "$SERVER_IP4" --skip 20)
	log "with the option: $out"
	assert_between "$(echo "$out" | json_field count)" 15 40 "delayed ACKs measured with the option"
	# The timer fires by the tick the promise ends; the ACK then needs the
	# softirq, which a busy 2-CPU machine can hold up: 9 in 10 within the
	# promise (0.5 ms for capture timestamps), none more than 5 ms late.
	assert_between "$(echo "$out" | json_field p90)" $((bound / 2)) "$bound.5" \
		"90th percentile ACK delay with a $bound ms promise (ms)"
	assert_between "$(echo "$out" | json_field max)" 0 $((bound + 5)) \
		"longest ACK delay with a $bound ms promise (ms)"

	hd_detach client
	hd_detach server
	hd_capture_start server
	hd_server hold --hold 3
	hd_client "$SERVER_IP4" stopwait --rounds 40 --interval 2
	hd_server_wait
	hd_capture_stop
	out=$(python3 "$HD_PEER" ackdelay "$HD_PCAP" "$HD_PORT" "$SERVER_IP4" --skip 20)
	log "without the option: $out"
	# Linux delays an ACK by TCP_ATO_MIN (40 ms) here: well over the bound.
	assert_between "$(echo "$out" | json_field median)" $((bound + 10)) 1000 \
		"median ACK delay without the option (ms)"
}

# json_field KEY: one top-level value of the JSON object on stdin.
json_field() {
	python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# (d) Only one end speaks the option: nothing is applied on either end,
# and a transfer is delivered intact.
hdropt_one_side_changes_nothing() {
	local role other
	hd_setup
	for role in server client; do
		hd_attach "$role" --max-delack 20
		hd_server verify
		hd_client "$SERVER_IP4" bulk --bytes 2000000
		hd_server_wait
		assert_eq "$(hd_server_json ok)" True "data verified with only the $role attached"
		assert_eq "$(hd_server_json bytes)" 2000000 "bytes received with only the $role attached"
		assert_between "$(hd_client_json rto_us)" 200000 3000000 "client rto with only the $role attached"
		assert_between "$(hd_server_json rto_us)" 200000 3000000 "server rto with only the $role attached"
		if [ "$role" = server ]; then
			# No option in the SYN: the server never answers.
			hd_expect_counters server 0 0 0 0
		else
			# Sent in the SYN, no answer: nothing applied.
			hd_expect_counters client 1 0 0 0
		fi
		hd_detach "$role"
	done
}

# (e) With syncookies the server keeps no state: its SYN-ACK asks for a
# resend, the client repeats its option on the ACK, and both apply.
hdropt_syncookies_resend() {
	hd_setup
	on server sysctl -qw net.ipv4.tcp_syncookies=2 || fail "tcp_syncookies=2 in the server netns"
	hd_attach client --max-delack 20
	hd_attach server --max-delack 40
	hd_capture_start client
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 40
	hd_server_wait
	hd_capture_stop
	assert_between "$(nstat_get server TcpExtSyncookiesSent)" 1 1000 "SYN cookies sent"
	hd_expect_opt syn "$HD_ADV_CLIENT" 0
	hd_expect_opt synack "$HD_ADV_SERVER" 1
	hd_expect_opt ack3 "$HD_ADV_CLIENT" 0
	# Repeated on the ACK (and maybe the first data), then never again.
	assert_between "$(hd_pkt carrying:client)" 1 3 "client packets repeating the option"
	hd_expect_counters server 1 2 0 1
	# Sent: the SYN and each repeat.
	hd_expect_counters client $((1 + $(hd_pkt carrying:client))) 1 0 1
	hd_expect_rto "client ss rto" "$(hd_client_json ss_rto_ms)" ms "$HD_ADV_SERVER"
	hd_expect_rto "server rto" "$(hd_server_json rto_us)" us "$HD_ADV_CLIENT"
}

# (f) TCP Fast Open: data in the SYN, the child made from it, and the
# option still negotiated both ways.
hdropt_fastopen() {
	hd_setup
	# Client: TFO on, data without a cookie (0x1|0x4); server: TFO on,
	# accepted without a cookie (0x2|0x200).
	on client sysctl -qw net.ipv4.tcp_fastopen=5 || fail "tcp_fastopen on the client"
	on server sysctl -qw net.ipv4.tcp_fastopen=0x202 || fail "tcp_fastopen on the server"
	hd_attach client --max-delack 20
	hd_attach server --max-delack 40
	hd_capture_start client
	hd_server echo --tfo
	hd_client "$SERVER_IP4" rr --rounds 40 --tfo
	hd_server_wait
	hd_capture_stop
	assert_eq "$(hd_client_json syn_data)" True "client's SYN data acknowledged (TCPI_OPT_SYN_DATA)"
	assert_between "$(nstat_get server TcpExtTCPFastOpenPassive)" 1 1000 "server TFO connections"
	assert_between "$(hd_pkt syn_len)" 1 100 "payload bytes in the SYN"
	hd_expect_opt syn "$HD_ADV_CLIENT" 0
	hd_expect_opt synack "$HD_ADV_SERVER" 0
	hd_expect_counters client 1 1 0 1
	hd_expect_counters server 1 1 0 1
	hd_expect_rto "client ss rto" "$(hd_client_json ss_rto_ms)" ms "$HD_ADV_SERVER"
	hd_expect_rto "server rto" "$(hd_server_json rto_us)" us "$HD_ADV_CLIENT"
}

# (g) A tc egress program on the server damages the option in its SYN-ACKs
# five ways.  The client must ignore it (nothing applied), count the four
# malformed forms (another experiment's ExID is just not ours), and the
# connection must work.
hdropt_malformed_ignored() {
	local mode malformed=0 want
	[ -r "$HD_CORRUPT" ] || skip "no $HD_CORRUPT (run make)"
	hd_setup
	hd_attach client --max-delack 20
	hd_attach server --max-delack 40
	on server tc qdisc add dev eth0 clsact || fail "clsact on the server"
	for mode in reserved zero range length exid; do
		on server tc filter replace dev eth0 egress pref 1 handle 1 bpf da \
			obj "$HD_CORRUPT" sec "tc/$mode" || fail "cannot load the $mode corrupter"
		hd_capture_start client
		hd_server echo
		hd_client "$SERVER_IP4" rr --rounds 10
		hd_server_wait
		hd_capture_stop
		assert_eq "$(hd_pkt synack)" "\"$mode\"" "what arrived in the SYN-ACK"
		assert_eq "$(hd_client_json ok)" True "echo data with a $mode option"
		assert_between "$(hd_client_json ss_rto_ms)" 200 3000 "client ss rto after a $mode option (ms)"
		[ $mode = exid ] || malformed=$((malformed + 1))
		assert_eq "$(hd_counter client malformed)" $malformed "client malformed count after $mode"
		assert_eq "$(hd_counter client applied)" 0 "client applied after $mode"
	done
	# A bulk transfer through the corrupter: delivered intact.
	hd_server verify
	hd_client "$SERVER_IP4" bulk --bytes 2000000
	hd_server_wait
	assert_eq "$(hd_server_json ok)" True "data verified through the corrupter"
	assert_eq "$(hd_server_json bytes)" 2000000 "bytes through the corrupter"
	assert_eq "$(hd_counter client errors)" 0 "client errors"
}

# --peers: the option only goes to, and is only taken from, those prefixes.
hdropt_peers_scope() {
	hd_setup
	# The client talks delack to the server's IPv4 and IPv6 subnets; the
	# server only to the client's IPv4 address.
	hd_attach client --max-delack 20 --peers "198.18.2.0/24,2001:2:0:2::/64"
	hd_attach server --max-delack 40 --peers "$CLIENT_IP4"
	assert_eq "$("$BPFTCP" -j opt show | python3 -c '
import json, sys
print(",".join(a["settings"]["peers"][0] for a in json.load(sys.stdin)["attachments"] if a["cgroup"] == sys.argv[1]))' \
		"$HD_CG_SERVER")" "$CLIENT_IP4/32" "server peers shown"
	hd_capture_start client
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 5
	hd_server_wait
	hd_capture_stop
	hd_expect_opt syn "$HD_ADV_CLIENT" 0
	hd_expect_opt synack "$HD_ADV_SERVER" 0
	hd_expect_counters client 1 1 0 1
	# IPv6: the client sends, the server does not answer a peer out of scope.
	hd_capture_start client
	hd_server echo
	hd_client "$SERVER_IP6" rr --rounds 5
	hd_server_wait
	hd_capture_stop
	hd_expect_opt syn "$HD_ADV_CLIENT" 0
	assert_eq "$(hd_pkt synack)" null "SYN-ACK option to a peer out of scope"
	hd_expect_counters client 2 1 0 1
	hd_expect_counters server 1 1 0 1
	# A destination outside the client's list gets no option at all.
	hd_detach server
	hd_attach server --max-delack 40
	on server ip addr add 198.18.3.2/24 dev eth0 || fail "extra server address"
	on client ip route add 198.18.3.0/24 via "$ROUTER_CLIENT_IP4" 2>/dev/null
	on router ip route add 198.18.3.0/24 via "$SERVER_IP4" || fail "router route"
	hd_capture_start client
	hd_server echo
	hd_client 198.18.3.2 rr --rounds 5
	hd_server_wait
	hd_capture_stop
	assert_eq "$(hd_pkt syn)" null "SYN option to a destination out of scope"
	hd_expect_counters client 2 1 0 1
}

# What it is for: a lost response (a tail loss: nothing follows it) is
# retransmitted when the server's RTO fires.  With the option that is the
# client's promise plus the margin, tens of ms; without it 200 ms or more.
# A tc program at the client's ingress drops the 5th response segment.
hdropt_tail_loss_recovers_fast() {
	local slow
	[ -r "$HD_CORRUPT" ] || skip "no $HD_CORRUPT (run make)"
	hd_setup
	hd_attach client --max-delack 20
	hd_attach server --max-delack 20
	on client tc qdisc add dev eth0 clsact || fail "clsact on the client"
	on client tc filter add dev eth0 ingress pref 1 handle 1 bpf da obj "$HD_CORRUPT" \
		sec tc/drop_response || fail "cannot load the dropper"
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 10
	hd_server_wait
	assert_between "$(nstat_get server TcpRetransSegs)" 1 10 "server retransmissions"
	# The round with the loss waits for the server's RTO (promise + 2 ticks,
	# a few ticks of rounding, the emulated RTT): far below 200 ms.
	slow=$(hd_client_json max_round_ms)
	assert_between "$slow" $((HD_ADV_CLIENT / 1000)) 120 "slowest round with the option (ms)"

	hd_detach client
	hd_detach server
	on client tc filter replace dev eth0 ingress pref 1 handle 1 bpf da obj "$HD_CORRUPT" \
		sec tc/drop_response || fail "cannot reload the dropper"
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 10
	hd_server_wait
	assert_between "$(hd_client_json max_round_ms)" 200 3000 "slowest round without the option (ms)"
}

# Without --record (the default): no per-socket record, the same
# negotiation; with SYN cookies the client still keeps the state its repeat
# needs.  (The record itself: selftests/test_bpf_hdropt.c.)
hdropt_default_no_record() {
	hd_setup
	hd_attach client --max-delack 20
	hd_attach server --max-delack 40 --no-record
	assert_eq "$(hd_counter client record)" False "client record setting"
	assert_eq "$(hd_counter server record)" False "server record setting"
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 40
	hd_server_wait
	hd_expect_counters client 1 1 0 1
	hd_expect_counters server 1 1 0 1
	hd_expect_rto "client ss rto" "$(hd_client_json ss_rto_ms)" ms "$HD_ADV_SERVER"
	hd_expect_rto "server rto" "$(hd_server_json rto_us)" us "$HD_ADV_CLIENT"
	on server sysctl -qw net.ipv4.tcp_syncookies=2 || fail "tcp_syncookies=2 in the server netns"
	hd_capture_start client
	hd_server echo
	hd_client "$SERVER_IP4" rr --rounds 20
	hd_server_wait
	hd_capture_stop
	hd_expect_opt synack "$HD_ADV_SERVER" 1
	hd_expect_opt ack3 "$HD_ADV_CLIENT" 0
	assert_eq "$(hd_counter server applied)" 2 "server applied after the cookie"
	assert_eq "$(hd_counter client applied)" 2 "client applied after the cookie"
	assert_eq "$(hd_counter client errors)" 0 "client errors"
}
