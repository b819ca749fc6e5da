# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The congestion-control negotiation option (hdropt/ccneg.bpf.c) end to end,
# over the client <-> router <-> server topology through the link emulator.
# Client and server run in cgroups of their own (random names), and
# 'bpftcp opt attach ccneg' attaches to those.  Each test checks what both
# ends run (TCP_CONGESTION and `ss -ti`, from netns-tests/hdropt-peer.py),
# and what was on the wire, decoded by hdropt-peer.py's own parser.
# The namespaces' default algorithm is $TOPO_CC (cubic, or reno where the
# host does not allow cubic in namespaces); the tests' fallbacks are chosen
# to differ from it, so that "fallback" and "kept its default" differ.

ALL_TESTS="
	ccneg_both_prefer_dctcp
	ccneg_one_end_fallback
	ccneg_no_common_algorithm
	ccneg_peers_scope
	ccneg_syncookies_resend
	ccneg_with_delack_and_fastopen
	ccneg_fastopen_cookie_space
	ccneg_malformed_ignored
"

HD_PEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hdropt-peer.py
CN_CORRUPT=$BUILD/selftests/bpf/hdropt_corrupt.bpf.o
HD_PORT=7171

# cn_setup [LINKEM ARGS...]: topology, prerequisites, one fresh cgroup per
# end ($CN_CG_CLIENT, $CN_CG_SERVER), and $CN_OTHER: an algorithm that is
# not the namespaces' default ($TOPO_CC), for fallbacks.
cn_setup() {
	require_cmds tcpdump python3 ss nstat
	[ -x "$BPFTCP" ] || skip "no bpftcp at $BPFTCP (run make)"
	topo_setup
	linkem_start --delay 1ms "$@"
	cgroup_new client
	CN_CG_CLIENT=$CGROUP
	cgroup_new server
	CN_CG_SERVER=$CGROUP
	if [ "$TOPO_CC" = reno ]; then CN_OTHER=cubic; else CN_OTHER=reno; fi
	cc_registered "$CN_OTHER" || skip "the kernel offers no $CN_OTHER"
}

cn_cg() {
	case $1 in
	client) echo "$CN_CG_CLIENT" ;;
	server) echo "$CN_CG_SERVER" ;;
	*) fail "no cgroup for '$1'" ;;
	esac
}

# cn_attach ROLE OPTION ARGS...: attaches OPTION (ccneg, delack) to ROLE's
# cgroup, detached at cleanup.
cn_attach() {
	local role=$1 option=$2 cg
	cg=$(cn_cg "$role")
	shift 2
	run "$BPFTCP" opt attach "$option" --cgroup "$cg" "$@" >/dev/null || fail "attach $option to $cg"
	cleanup_push "'$BPFTCP' opt detach $option --cgroup '$cg'"
}

# cn_server MODE [ARGS...] / cn_server_wait / cn_client ADDR MODE [ARGS...]:
# one connection each, in the role's netns and cgroup; results in
# $TEST_TMP/{server,client}.json.
cn_server() {
	rm -f "$TEST_TMP/server.json"
	[ "${V:-0}" = 1 ] && echo "+ cn_server $*" >&2
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CN_CG_SERVER" ip netns exec "$NS_SERVER" \
		python3 "$HD_PEER" server "$HD_PORT" "$@" --out "$TEST_TMP/server.json" &
	CN_SERVER_PID=$!
	_BG_PIDS+=("$CN_SERVER_PID")
	echo "$CN_SERVER_PID" >> "$TEST_TMP/pids"
	wait_listen server "$HD_PORT"
}

cn_server_wait() {
	local i
	for i in $(seq 200); do
		kill -0 "$CN_SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$CN_SERVER_PID" || fail "server exited with status $?"
	[ -s "$TEST_TMP/server.json" ] || fail "server wrote no result"
}

cn_client() {
	local addr=$1
	shift
	run sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CN_CG_CLIENT" ip netns exec "$NS_CLIENT" \
		timeout 20 python3 "$HD_PEER" client "$addr" "$HD_PORT" "$@" \
		> "$TEST_TMP/client.json" || fail "client $* to $addr failed"
}

# cn_transfer ADDR [CLIENT ARGS...]: a 2 MB verified transfer, client to server.
cn_transfer() {
	local addr=$1
	shift
	cn_server verify "$@"
	cn_client "$addr" bulk --bytes 2000000 "$@"
	cn_server_wait
	assert_eq "$(json_get ok "$TEST_TMP/server.json")" True "data verified"
	assert_eq "$(json_get bytes "$TEST_TMP/server.json")" 2000000 "bytes received"
}

# cn_expect_cc CLIENT_CC SERVER_CC: what each end ran, by TCP_CONGESTION
# and by `ss -ti`.
cn_expect_cc() {
	assert_eq "$(json_get cc "$TEST_TMP/client.json")" "$1" "client TCP_CONGESTION"
	assert_eq "$(json_get ss_cc "$TEST_TMP/client.json")" "$1" "client cc in ss -ti"
	assert_eq "$(json_get cc "$TEST_TMP/server.json")" "$2" "server TCP_CONGESTION"
	assert_eq "$(json_get ss_cc "$TEST_TMP/server.json")" "$2" "server cc in ss -ti"
}

# cn_counter ROLE NAME: a counter of ROLE's ccneg attachment (chosen:CC for
# one algorithm's chosen count), from 'bpftcp -j opt show ccneg'.
cn_counter() {
	"$BPFTCP" -j opt show ccneg | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1]:
        c = a["counters"]
        name = sys.argv[2]
        print(c["chosen"][name[7:]] if name.startswith("chosen:") else c[name])
        break
else:
    sys.exit("no ccneg attachment on " + sys.argv[1])' "$(cn_cg "$1")" "$2" || fail "no counters for $1"
}

# cn_expect ROLE NAME=VALUE...: ROLE's counters; errors must be 0.
cn_expect() {
	local role=$1 kv
	shift
	for kv in "$@"; do
		assert_eq "$(cn_counter "$role" "${kv%%=*}")" "${kv#*=}" "$role counter ${kv%%=*}"
	done
	assert_eq "$(cn_counter "$role" errors)" 0 "$role counter errors"
}

# cn_capture_start ROLE / cn_capture_stop / cn_pkt WHICH [KEY]: as in
# test-hdropt.sh; WHICH: syn, synack, ack3, later:client|server (how many
# packets after the handshake carry the ccneg option), or after_server (how
# many client packets carry it after the server's first packet).  KEY: ccneg (the
# default), delack, kinds, optlen.
cn_capture_start() {
	local i
	CN_PCAP=$TEST_TMP/$1.pcap
	rm -f "$CN_PCAP"
	bg_on "$1" tcpdump -Z root --immediate-mode -U -n -s 256 -i eth0 -w "$CN_PCAP" \
		"tcp port $HD_PORT" 2>/dev/null
	CN_TCPDUMP_PID=$BG_PID
	for i in $(seq 100); do
		[ -s "$CN_PCAP" ] && break
		sleep 0.05
	done
	[ -s "$CN_PCAP" ] || fail "tcpdump did not start"
	sleep 0.2
}

cn_capture_stop() {
	sleep 0.2
	kill -INT "$CN_TCPDUMP_PID" 2>/dev/null
	wait "$CN_TCPDUMP_PID" 2>/dev/null
	python3 "$HD_PEER" pcap "$CN_PCAP" "$HD_PORT" > "$CN_PCAP.jsonl" || fail "cannot decode $CN_PCAP"
	[ -s "$CN_PCAP.jsonl" ] || fail "nothing captured in $CN_PCAP"
}

cn_pkt() {
	python3 - "$CN_PCAP.jsonl" "$1" "${2:-ccneg}" <<'PY'
import json, sys
pkts = [json.loads(l) for l in open(sys.argv[1])]
which, key = sys.argv[2], sys.argv[3]
syn = next(i for i, p in enumerate(pkts) if p["syn"] and not p["ackf"])
client = pkts[syn]["src"]
synack = next(i for i, p in enumerate(pkts) if p["syn"] and p["ackf"])
after = [p for p in pkts[synack + 1:] if not p["syn"]]
if which == "syn":
    print(json.dumps(pkts[syn][key]))
elif which == "synack":
    print(json.dumps(pkts[synack][key]))
elif which == "ack3":
    print(json.dumps(next(p for p in after if p["src"] == client)[key]))
elif which == "after_server":
    # Client packets carrying the option after the server's first packet
    # that followed the handshake (which ends a repeat).
    first = next((i for i, p in enumerate(after) if p["src"] != client), len(after))
    print(sum(1 for p in after[first:] if p["ccneg"] is not None and p["src"] == client))
elif which.startswith("later:"):
    who = which.split(":")[1]
    print(sum(1 for p in after if p["ccneg"] is not None and (p["src"] == client) == (who == "client")))
PY
}

# The registry ids the tests use (docs/hdropt-ccneg.md).
cn_id() {
	case $1 in reno) echo 1 ;; cubic) echo 2 ;; dctcp) echo 3 ;; *) fail "no id for $1" ;; esac
}

# ---------------------------------------------------------------- tests

# Both ends prefer DCTCP and can run it: the SYN offers dctcp then the
# other algorithm, the SYN-ACK answers dctcp, both ends run bpf_dctcp with
# ECN negotiated (over a link that marks CE above 20 packets), the data is
# intact, and the per-socket record (--record) says so in 'bpftcp sockets'.
ccneg_both_prefer_dctcp() {
	local addr rec
	cn_setup --rate 200mbit --ecn-k 20
	cc_register dctcp
	cn_attach client ccneg --prefer "dctcp,$CN_OTHER" --fallback "$CN_OTHER" --record
	cn_attach server ccneg --prefer "dctcp,$CN_OTHER" --fallback "$CN_OTHER" --record
	for addr in "$SERVER_IP4" "$SERVER_IP6"; do
		cn_capture_start client
		cn_transfer "$addr"
		cn_capture_stop
		cn_expect_cc bpf_dctcp bpf_dctcp
		assert_eq "$(json_get ecn "$TEST_TMP/client.json")" True "client ECN negotiated"
		assert_eq "$(json_get ecn "$TEST_TMP/server.json")" True "server ECN negotiated"
		assert_eq "$(cn_pkt syn)" "{\"ctl\": 0, \"ids\": [3, $(cn_id "$CN_OTHER")]}" "offer in the SYN"
		assert_eq "$(cn_pkt synack)" '{"ctl": 2, "ids": [3]}' "answer in the SYN-ACK"
		assert_eq "$(cn_pkt later:client)" 0 "client packets with the option after the handshake"
		assert_eq "$(cn_pkt later:server)" 0 "server packets with the option after the handshake"
	done
	cn_expect client offered=2 answered=0 chosen:bpf_dctcp=2 fallback=0 malformed=0
	cn_expect server offered=0 answered=2 chosen:bpf_dctcp=2 fallback=0 malformed=0
	# The record, through sock_diag: a connection kept open, both ends.
	cn_server echo --hold 0
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CN_CG_CLIENT" ip netns exec "$NS_CLIENT" \
		python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"q"); s.recv(1); time.sleep(3); s.close()' "$SERVER_IP4" "$HD_PORT" &
	_BG_PIDS+=("$!")
	sleep 1
	for role in client server; do
		rec=$("$BPFTCP" -j sockets -n "$(ns_of $role)" --port "$HD_PORT" | python3 -c '
import json, sys
for s in json.load(sys.stdin)["sockets"]:
    if s["ccneg"] and s["state"] == "ESTAB":
        c = s["ccneg"]
        print(s["cc"], c["chosen"], c["negotiated"], c["pref_index"]); break')
		assert_eq "$rec" "bpf_dctcp dctcp True 0" "$role record in bpftcp sockets"
	done
	"$BPFTCP" sockets -n "$(ns_of client)" --port "$HD_PORT" | grep -q "ccneg(negotiated:dctcp pref:0)" ||
		fail "bpftcp sockets text shows no ccneg(negotiated:dctcp ...)"
	cn_server_wait
}

# Only one end speaks the option: that end runs its fallback, the other
# keeps its default; data intact.
ccneg_one_end_fallback() {
	local role
	cn_setup
	for role in client server; do
		cn_attach "$role" ccneg --prefer cubic,reno --fallback "$CN_OTHER"
		cn_transfer "$SERVER_IP4"
		if [ $role = client ]; then
			cn_expect_cc "$CN_OTHER" "$TOPO_CC"
			cn_expect client offered=1 fallback=1 chosen:cubic=0 no_common=0
		else
			cn_expect_cc "$TOPO_CC" "$CN_OTHER"
			cn_expect server answered=0 fallback=1 chosen:cubic=0
		fi
		run "$BPFTCP" opt detach ccneg --cgroup "$(cn_cg $role)" >/dev/null || fail "detach"
	done
}

# Preferences that do not intersect: the server answers "nothing in common"
# (id 0) and both ends run their fallbacks.
ccneg_no_common_algorithm() {
	cn_setup
	cn_attach client ccneg --prefer cubic --fallback "$CN_OTHER"
	cn_attach server ccneg --prefer reno --fallback "$CN_OTHER"
	cn_capture_start client
	cn_transfer "$SERVER_IP4"
	cn_capture_stop
	assert_eq "$(cn_pkt syn)" '{"ctl": 0, "ids": [2]}' "offer in the SYN"
	assert_eq "$(cn_pkt synack)" '{"ctl": 2, "ids": [0]}' "answer: nothing in common"
	cn_expect_cc "$CN_OTHER" "$CN_OTHER"
	cn_expect client offered=1 fallback=1 no_common=1 chosen:cubic=0
	cn_expect server answered=1 fallback=1 no_common=1 chosen:reno=0
}

# A peer outside --peers: no option is sent, and nothing is switched on
# that end; the server, attached without --peers, gets no offer: fallback.
ccneg_peers_scope() {
	cn_setup
	cn_attach client ccneg --prefer cubic,reno --fallback "$CN_OTHER" --peers 198.18.3.0/24,2001:2:0:3::/64
	cn_attach server ccneg --prefer cubic,reno --fallback "$CN_OTHER"
	cn_capture_start client
	cn_transfer "$SERVER_IP4"
	cn_capture_stop
	assert_eq "$(cn_pkt syn)" null "option in a SYN to a peer out of scope"
	cn_expect_cc "$TOPO_CC" "$CN_OTHER"
	cn_expect client offered=0 fallback=0
	cn_expect server answered=0 fallback=1
	assert_eq "$("$BPFTCP" -j opt show ccneg | python3 -c '
import json, sys
print(",".join(a["settings"]["peers"][0] for a in json.load(sys.stdin)["attachments"] if a["cgroup"] == sys.argv[1]))' \
		"$CN_CG_CLIENT")" 198.18.3.0/24 "client peers shown"
}

# SYN cookies: the server keeps no state; its answer carries RESEND, the
# client repeats its offer on the ACK, and both run the choice.
ccneg_syncookies_resend() {
	cn_setup
	on server sysctl -qw net.ipv4.tcp_syncookies=2 || fail "tcp_syncookies=2 in the server netns"
	cn_attach client ccneg --prefer reno,cubic --fallback "$TOPO_CC"
	cn_attach server ccneg --prefer reno,cubic --fallback "$TOPO_CC"
	cn_capture_start client
	cn_transfer "$SERVER_IP4"
	cn_capture_stop
	assert_between "$(nstat_get server TcpExtSyncookiesSent)" 1 1000 "SYN cookies sent"
	assert_eq "$(cn_pkt synack)" '{"ctl": 3, "ids": [1]}' "answer with RESEND"
	assert_eq "$(cn_pkt ack3)" '{"ctl": 0, "ids": [1, 2]}' "offer repeated on the ACK"
	# Repeated on the ACK and the data sent before the server's first
	# packet (the initial window), then never again.
	assert_between "$(cn_pkt later:client)" 1 12 "client packets repeating the offer"
	assert_eq "$(cn_pkt after_server)" 0 "client repeats after the server's first packet"
	cn_expect_cc reno reno
	cn_expect server answered=1 chosen:reno=1 fallback=0
	cn_expect client chosen:reno=1 fallback=0
}

# delack and ccneg on the same cgroups, TCP Fast Open on (data in the SYN,
# no cookie): both options fit in the SYN beside MSS, SACK-permitted,
# timestamps and window scale, both are answered, both applied.
ccneg_with_delack_and_fastopen() {
	local kinds
	cn_setup
	on client sysctl -qw net.ipv4.tcp_fastopen=5 || fail "tcp_fastopen on the client"
	on server sysctl -qw net.ipv4.tcp_fastopen=0x202 || fail "tcp_fastopen on the server"
	cn_attach client delack --max-delack 20
	cn_attach client ccneg --prefer cubic,reno --fallback "$CN_OTHER"
	cn_attach server delack --max-delack 40
	cn_attach server ccneg --prefer reno,cubic --fallback "$CN_OTHER"
	cn_capture_start client
	cn_server echo --tfo
	cn_client "$SERVER_IP4" rr --rounds 20 --tfo
	cn_server_wait
	cn_capture_stop
	assert_eq "$(json_get syn_data "$TEST_TMP/client.json")" True "client's SYN data acknowledged"
	assert_between "$(nstat_get server TcpExtTCPFastOpenPassive)" 1 1000 "server TFO connections"
	kinds=$(cn_pkt syn kinds)
	for k in 2 4 8 3 253; do
		echo "$kinds" | python3 -c 'import json, sys; sys.exit(int(sys.argv[1]) not in json.load(sys.stdin))' "$k" ||
			fail "the SYN lacks option kind $k: $kinds"
	done
	# MSS 4, timestamps + SACK-permitted 12, window scale 4, then delack 7
	# and the offer 7, rounded up to 16.
	assert_eq "$(cn_pkt syn optlen)" 36 "SYN option bytes"
	assert_eq "$(cn_pkt syn)" '{"ctl": 0, "ids": [2, 1]}' "ccneg offer in the SYN"
	assert_ne_null "$(cn_pkt syn delack)" "delack option in the SYN"
	assert_eq "$(cn_pkt synack)" '{"ctl": 2, "ids": [1]}' "ccneg answer in the SYN-ACK"
	assert_ne_null "$(cn_pkt synack delack)" "delack option in the SYN-ACK"
	cn_expect_cc reno reno
	cn_expect client chosen:reno=1 no_room=0
	cn_expect server chosen:reno=1 answered=1 no_room=0
	assert_eq "$("$BPFTCP" -j opt show delack | python3 -c '
import json, sys
print(sorted(a["counters"]["applied"] for a in json.load(sys.stdin)["attachments"]))')" "[1, 1]" \
		"delack applied on both ends"
}

# TCP Fast Open with cookies: the SYN that requests a cookie has room for
# both options (the offer trimmed), but the SYN-ACK that hands out the
# 8-byte cookie has 8 bytes left: delack (attached first) fits, ccneg's
# answer does not; the server must then run its fallback like the client
# (docs/hdropt-ccneg.md, "Option space").  The next SYN carries the cookie:
# no room for the offer either, and both ends fall back.
ccneg_fastopen_cookie_space() {
	cn_setup
	on client sysctl -qw net.ipv4.tcp_fastopen=1 || fail "tcp_fastopen on the client"
	on server sysctl -qw net.ipv4.tcp_fastopen=2 || fail "tcp_fastopen on the server"
	cn_attach client delack --max-delack 20
	cc_register dctcp
	cc_register vegas
	cc_register westwood
	cn_attach client ccneg --prefer cubic,reno,dctcp,vegas,westwood --fallback "$CN_OTHER"
	cn_attach server delack --max-delack 40
	cn_attach server ccneg --prefer reno,cubic --fallback "$CN_OTHER"
	cn_capture_start client
	cn_server echo --tfo
	cn_client "$SERVER_IP4" rr --rounds 5 --tfo
	cn_server_wait
	cn_capture_stop
	# The cookie request leaves 16 bytes: delack 7, an offer of 4 ids (9).
	assert_eq "$(cn_pkt syn)" '{"ctl": 0, "ids": [2, 1, 3, 5]}' "offer trimmed beside a cookie request"
	assert_ne_null "$(cn_pkt syn delack)" "delack option in the SYN"
	assert_eq "$(cn_pkt synack)" null "no room for the answer beside the cookie"
	assert_ne_null "$(cn_pkt synack delack)" "delack option in the SYN-ACK"
	cn_expect_cc "$CN_OTHER" "$CN_OTHER"
	cn_expect server no_room=1 answered=0 fallback=1 chosen:reno=0
	cn_expect client fallback=1
	# With the cookie: data in the SYN, no room for the offer.
	cn_capture_start client
	cn_server echo --tfo
	cn_client "$SERVER_IP4" rr --rounds 5 --tfo
	cn_server_wait
	cn_capture_stop
	assert_eq "$(json_get syn_data "$TEST_TMP/client.json")" True "SYN data with the cookie"
	assert_eq "$(cn_pkt syn)" null "no room for the offer beside the cookie"
	cn_expect_cc "$CN_OTHER" "$CN_OTHER"
	cn_expect client no_room=1 fallback=2
	cn_expect server fallback=2
}

# A tc egress program on the server damages the ccneg answer in its
# SYN-ACKs; the client ignores it (fallback), counts it, and the
# connection works.
ccneg_malformed_ignored() {
	local mode n=0
	[ -r "$CN_CORRUPT" ] || skip "no $CN_CORRUPT (run make)"
	require_cmds tc
	cn_setup
	cn_attach client ccneg --prefer cubic,reno --fallback "$CN_OTHER"
	cn_attach server ccneg --prefer cubic,reno --fallback "$CN_OTHER"
	on server tc qdisc add dev eth0 clsact || fail "clsact on the server"
	for mode in reserved length id offer unoffered; do
		on server tc filter replace dev eth0 egress pref 1 handle 1 bpf da \
			obj "$CN_CORRUPT" sec "tc/cn_$mode" || fail "cannot load the $mode corrupter"
		cn_capture_start client
		cn_transfer "$SERVER_IP4"
		cn_capture_stop
		n=$((n + 1))
		assert_eq "$(json_get cc "$TEST_TMP/client.json")" "$CN_OTHER" "client runs its fallback after a $mode answer"
		assert_eq "$(cn_counter client malformed)" $n "client malformed count after $mode"
		assert_eq "$(cn_counter client fallback)" $n "client fallback count after $mode"
	done
	assert_eq "$(cn_counter client errors)" 0 "client errors"
}

# assert_ne_null VALUE WHAT: VALUE is a decoded option, not null or an error word.
assert_ne_null() {
	case $1 in
	null|\"*\"|"") fail "$2: got $1" ;;
	esac
}
