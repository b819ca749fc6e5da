# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# bpf_cubic selected the three ways Linux offers, each over the emulated
# link (100 Mbit/s, 5 ms each way, 200-packet queue): the namespace default
# (sysctl), setsockopt (iperf3 -C) and a route's congctl.  Each asserts that
# ss -ti showed bpf_cubic on the transfer's socket while it ran, that the
# other ways did not leak into it, and that the data arrived intact (sha256).

ALL_TESTS="
	cc_netns_default_by_sysctl
	cc_setsockopt_by_iperf3
	cc_route_congctl
"

PORT=5001

# cc_setup: topology, emulator, bpf_cubic registered.
cc_setup() {
	require_cmds iperf3 socat ss sha256sum
	topo_setup
	cc_register cubic
	[ "$TOPO_CC" != bpf_cubic ] || fail "the namespaces' starting default is already bpf_cubic"
	linkem_start --rate 100mbit --delay 5ms --queue 200
}

# watch_ss ROLE FILTER OUT PID: appends `ss -tin FILTER` in ROLE to OUT every
# 50 ms while PID runs, so the socket is seen during the transfer.
watch_ss() {
	local role=$1 filter=$2 out=$3 pid=$4 ns
	ns=$(ns_of "$role")
	while kill -0 "$pid" 2>/dev/null; do
		ip netns exec "$ns" ss -tinH state established "$filter" >> "$out" 2>&1
		sleep 0.05
	done
}

# socat_transfer FAMILY MIB: sends MIB random mebibytes from the client to
# the server with socat while watching ss on both ends (ss-client.txt,
# ss-server.txt); fails unless the sha256 of what arrived matches.
socat_transfer() {
	local family=$1 in=$TEST_TMP/in.bin out=$TEST_TMP/out.bin listen connect recv_pid send_pid watch_pid
	make_file "$in" "$2"
	if [ "$family" = 6 ]; then
		listen=TCP6-LISTEN:$PORT,reuseaddr connect=TCP6:[$SERVER_IP6]:$PORT
	else
		listen=TCP4-LISTEN:$PORT,reuseaddr connect=TCP4:$SERVER_IP4:$PORT
	fi
	bg_on server timeout 60 socat -u "$listen" "OPEN:$out,creat,trunc"
	recv_pid=$BG_PID
	wait_listen server $PORT
	bg_on client timeout 60 socat -u "OPEN:$in" "$connect"
	send_pid=$BG_PID
	# Both ends at once: the receiver may finish only ~0.1 s after the
	# sender, too soon for a watch started when the sender is done.
	watch_ss server "sport = :$PORT" "$TEST_TMP/ss-server.txt" $recv_pid &
	watch_pid=$!
	watch_ss client "dport = :$PORT" "$TEST_TMP/ss-client.txt" $send_pid
	wait $send_pid || fail "socat sender exited with status $?"
	wait $watch_pid
	wait $recv_pid || fail "socat receiver exited with status $?"
	check_sha256 "$in" "$out" "$(stat -c %s "$in")"
}

# expect_cc_seen FILE CC WHAT: ss output in FILE shows CC (as a whole word).
expect_cc_seen() {
	[ -s "$1" ] || fail "$3: ss never saw the connection"
	grep -qw -- "$2" "$1" ||
		fail "$3: ss -ti never showed $2, but: $(grep -oE '[a-z0-9_]+ wscale' "$1" | sort | uniq -c | tr '\n' ' ')"
	log "ok: $3 uses $2 (ss -ti)"
}

# expect_cc_not_seen FILE CC WHAT
expect_cc_not_seen() {
	grep -qw -- "$2" "$1" && fail "$3: ss -ti showed $2"
	log "ok: $3 does not use $2"
}

# (1) The client namespace's default, set by sysctl, carries the transfer;
# the server namespace keeps its own default (the setting is per netns).
cc_netns_default_by_sysctl() {
	cc_setup
	allow_cc bpf_cubic	# a namespace may only default to an allowed algorithm
	on client sysctl -q -w net.ipv4.tcp_congestion_control=bpf_cubic || fail "sysctl in the client"
	assert_eq "$(on client sysctl -n net.ipv4.tcp_congestion_control)" bpf_cubic "client's default"
	assert_eq "$(on server sysctl -n net.ipv4.tcp_congestion_control)" "$TOPO_CC" "server's default"
	socat_transfer 4 16
	expect_cc_seen "$TEST_TMP/ss-client.txt" bpf_cubic "the client's connection"
	expect_cc_seen "$TEST_TMP/ss-server.txt" "$TOPO_CC" "the server's connection"
	expect_cc_not_seen "$TEST_TMP/ss-server.txt" bpf_cubic "the server's connection"
	return 0
}

# (2) iperf3 -C sets TCP_CONGESTION on its data socket (after connect());
# the namespace default stays $TOPO_CC.  iperf3 -F is no file transfer tool,
# and two of its limits are worked around so the data can be checked:
# - after a partial write iperf3 3.12 resends from the start of its buffer,
#   corrupting the stream; pacing it (-b) well below the link rate with a
#   pinned 2 MB socket buffer (-w) makes every write complete;
# - the server stops at the client's end-of-test message and drops what is
#   still in flight; so the file is followed by padding, and the sha256
#   covers the file's own bytes at the head of what arrived.
cc_setsockopt_by_iperf3() {
	local file=$TEST_TMP/file.bin in=$TEST_TMP/in.bin out=$TEST_TMP/out.bin json=$TEST_TMP/iperf3.json
	local cpid
	cc_setup
	make_file "$file" 6
	{ cat "$file"; head -c $((2 * 1048576)) /dev/zero; } > "$in"
	iperf3_server server -F "$out"
	bg_on client iperf3 -6 -c "$SERVER_IP6" -C bpf_cubic -b 50M -l 16K -w 1M -F "$in" -J \
		--logfile "$json"
	cpid=$BG_PID
	watch_ss client "dport = :5201" "$TEST_TMP/ss-client.txt" $cpid
	wait $cpid || fail "iperf3 client exited with status $?: $(head -c 500 "$json")"
	wait "$IPERF3_SERVER_PID" || fail "iperf3 server exited with status $?"
	assert_eq "$(json_get end.sender_tcp_congestion "$json")" bpf_cubic "iperf3's sender congestion control"
	expect_cc_seen "$TEST_TMP/ss-client.txt" bpf_cubic "iperf3's data connection"
	assert_eq "$(on client sysctl -n net.ipv4.tcp_congestion_control)" "$TOPO_CC" "client's default"
	check_sha256 "$file" "$out" "$(stat -c %s "$file")"
	return 0
}

# (3) congctl on the client's routes (IPv4 and IPv6) picks bpf_cubic for
# connections over them, with the namespace default left at $TOPO_CC.
cc_route_congctl() {
	local fam
	cc_setup
	on client ip route replace default via "$ROUTER_CLIENT_IP4" congctl bpf_cubic || fail "IPv4 route congctl"
	on client ip -6 route replace default via "$ROUTER_CLIENT_IP6" congctl bpf_cubic || fail "IPv6 route congctl"
	on client ip route show default | grep -q 'congctl bpf_cubic' || fail "IPv4 route lost congctl"
	on client ip -6 route show default | grep -q 'congctl bpf_cubic' || fail "IPv6 route lost congctl"
	assert_eq "$(on client sysctl -n net.ipv4.tcp_congestion_control)" "$TOPO_CC" "client's default"
	for fam in 4 6; do
		rm -f "$TEST_TMP/ss-client.txt" "$TEST_TMP/ss-server.txt"
		socat_transfer $fam 8
		expect_cc_seen "$TEST_TMP/ss-client.txt" bpf_cubic "the client's IPv$fam connection"
		expect_cc_not_seen "$TEST_TMP/ss-server.txt" bpf_cubic "the server's IPv$fam connection"
	done
	return 0
}
