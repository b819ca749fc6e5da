# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Accuracy of the link emulator, measured from outside it (ping, iperf3,
# the receivers' kernel counters) and cross-checked with its own counters.
# The bounds are the issue's; the measurements are made robust instead
# (many samples and a median, long enough transfers, a fixed loss seed).

ALL_TESTS="
	linkem_rtt_40ms
	linkem_rate_50mbit
	linkem_loss_1pct
	linkem_droptail_limits
	linkem_ecn_marks_only_at_k
	linkem_ecn_tcp_flow_gets_ce
	linkem_ecn_bpf_dctcp_holds_queue_at_k
"

# ping_rtts ROLE DEST [PING ARGS...]: prints one RTT (ms) per line.
ping_rtts() {
	local role=$1 dest=$2
	shift 2
	on "$role" ping -n "$@" "$dest" | sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p'
}

# 20 ms each way: an idle ping sees 40 ms.  The median of many samples is
# robust to the odd late wakeup on a busy machine; none may be early.
linkem_rtt_40ms() {
	local rtts4 rtts6 n med min
	require_cmds ping
	topo_setup
	linkem_start --delay 20ms --rt-priority 50
	rtts4=$(ping_rtts client "$SERVER_IP4" -c 100 -i 0.02 -W 2)
	rtts6=$(ping_rtts client "$SERVER_IP6" -6 -c 50 -i 0.02 -W 2)
	n=$(printf '%s\n%s\n' "$rtts4" "$rtts6" | grep -c .)
	assert_between "$n" 148 150 "ping replies (of 150)"
	med=$(echo "$rtts4" | median)
	assert_between "$med" 39 41 "median IPv4 RTT (ms) over 100 pings"
	med=$(echo "$rtts6" | median)
	assert_between "$med" 39 41 "median IPv6 RTT (ms) over 50 pings"
	min=$(printf '%s\n%s\n' "$rtts4" "$rtts6" | sort -g | head -n1)
	assert_between "$min" 40 41 "smallest RTT (ms): never shorter than the delay"
	linkem_stop
	return 0
}

# A 50 Mbit/s bottleneck with a queue over one BDP keeps TCP's pipe full; the
# receiver's goodput is the rate less headers (1448/1500 of 50 = 48.3).
linkem_rate_50mbit() {
	local out bps
	require_cmds iperf3
	topo_setup
	linkem_start --rate 50mbit --queue 100 --delay 5ms
	iperf3_server server
	out=$TEST_TMP/iperf3.json
	iperf3_client "$out" -c "$SERVER_IP4" -t 5 -O 1
	bps=$(json_get end.sum_received.bits_per_second "$out")
	assert_between "$(awk -v b="$bps" 'BEGIN { printf "%.2f", b / 1e6 }')" 47.5 50 \
		"iperf3 receiver goodput (Mbit/s) at 50mbit"
	linkem_stop
	# The emulator's own view: what left the up link, over the whole run,
	# cannot beat the configured rate.
	local bytes elapsed
	bytes=$(linkem_stat directions.up.totals.bytes_out)
	elapsed=$(linkem_stat elapsed_s)
	assert_between "$(awk -v b="$bytes" -v t="$elapsed" 'BEGIN { printf "%.2f", b * 8 / t / 1e6 }')" \
		5 50.01 "average rate out of the up link (Mbit/s)"
	return 0
}

# 1 % random loss on the up link over 30000 UDP datagrams (one standard
# deviation is 0.06 %).  Counted by the two kernels, not by iperf3: the
# client's UdpOutDatagrams against what reached the server's UDP layer
# (queued, or dropped for a full socket buffer, which a busy machine can
# cause and which is not the link's doing).
linkem_loss_1pct() {
	local out sent recv pct
	require_cmds iperf3 nstat
	topo_setup
	linkem_start --up-loss 1% --delay 1ms --seed 7
	iperf3_server server
	out=$TEST_TMP/iperf3.json
	iperf3_client "$out" -c "$SERVER_IP4" -u -b 20M -l 200 -k 30000
	linkem_stop
	sent=$(nstat_get client UdpOutDatagrams)
	recv=$(( $(nstat_get server UdpInDatagrams) + $(nstat_get server UdpRcvbufErrors) ))
	assert_between "$sent" 30000 30100 "UDP datagrams sent by the client"
	pct=$(awk -v s="$sent" -v r="$recv" 'BEGIN { printf "%.3f", 100 * (s - r) / s }')
	assert_between "$pct" 0.8 1.2 "UDP loss (%) between the two hosts with --loss 1%"
	log "info: iperf3's own count: $(json_get end.sum.lost_percent "$out") % lost"
	pct=$(awk -v l="$(linkem_stat directions.up.totals.lost)" \
		  -v p="$(linkem_stat directions.up.totals.pkts_in)" 'BEGIN { printf "%.3f", 100 * l / p }')
	assert_between "$pct" 0.8 1.2 "the emulator's own loss count (%)"
	assert_eq "$(linkem_stat directions.down.totals.lost)" 0 "losses on the down link (none set)"
	return 0
}

# udp_flow RATE SECONDS [IPERF3 ARGS...]: a UDP flow of 1428-byte IPv4
# packets from the client to the server at RATE.
udp_flow() {
	local out=$TEST_TMP/udp.json rate=$1 secs=$2
	shift 2
	iperf3_server server
	iperf3_client "$out" -c "$SERVER_IP4" -u -b "$rate" -l 1400 -t "$secs" "$@"
}

# udp_ect RATE SECONDS: the same, ECT(0): UDP sockets keep the ECN bits of
# IP_TOS (TOS 0x02).
udp_ect() {
	udp_flow "$1" "$2" -S 0x02
}

# Twice the rate into a 10 Mbit/s link: the queue fills to its limit, in
# packets or in bytes, and no further.
linkem_droptail_limits() {
	require_cmds iperf3
	topo_setup
	linkem_start --rate 10mbit --queue 30 --delay 1ms
	udp_flow 20M 1
	linkem_stop
	assert_eq "$(linkem_stat directions.up.totals.queue_max)" 30 "largest queue with --queue 30"
	assert_between "$(linkem_stat directions.up.totals.dropped)" 100 100000 "tail drops"

	linkem_start --rate 10mbit --queue-bytes 30000 --delay 1ms
	udp_flow 20M 1
	linkem_stop
	# 21 packets of 1428 bytes fit in 30000 (a small control packet may sneak in).
	assert_between "$(linkem_stat directions.up.totals.queue_bytes_max)" $((30000 - 1428)) 30000 \
		"largest queue in bytes with --queue-bytes 30000"
	assert_between "$(linkem_stat directions.up.totals.dropped)" 100 100000 "tail drops"
	return 0
}

# K = 20 on a 20 Mbit/s link.  An ECT flow at half the rate never builds a
# queue of 20: no marks, and the receiver sees ECT(0) but no CE.  At 1.5x the
# rate the queue fills: marks, each made with >= K packets waiting, and the
# receiver sees CE.
linkem_ecn_marks_only_at_k() {
	local k=20 ect0 ce ect0_2 ce_2
	require_cmds iperf3 nstat
	topo_setup
	linkem_start --rate 20mbit --queue 200 --ecn-k $k --delay 2ms
	udp_ect 10M 2
	linkem_stop
	assert_eq "$(linkem_stat directions.up.totals.marked)" 0 "CE marks below K"
	assert_between "$(linkem_stat directions.up.totals.queue_max)" 0 $((k - 1)) "largest queue below K"
	ect0=$(nstat_get server IpExtInECT0Pkts)
	ce=$(nstat_get server IpExtInCEPkts)
	assert_between "$ect0" 1000 100000 "ECT(0) packets received by the server"
	assert_eq "$ce" 0 "CE packets received by the server below K"

	linkem_start --rate 20mbit --queue 200 --ecn-k $k --delay 2ms
	udp_ect 30M 2
	linkem_stop
	assert_between "$(linkem_stat directions.up.totals.marked)" 100 1000000 "CE marks above K"
	assert_eq "$(linkem_stat directions.up.totals.mark_queue_min)" $k \
		"smallest queue length at a mark"
	ce_2=$(nstat_get server IpExtInCEPkts)
	ect0_2=$(nstat_get server IpExtInECT0Pkts)
	assert_between "$ce_2" 100 1000000 "CE packets received by the server above K"
	assert_between "$((ect0_2 - ect0))" 5 1000000 "ECT(0) packets left unmarked (while the queue built up)"
	# The time series agrees: marks only grow in intervals whose queue
	# reached K.
	python3 - "$LINKEM_STATS" $k <<'PY' || fail "a mark in an interval whose queue stayed below K"
import json, sys
s, k = json.load(open(sys.argv[1]))["directions"]["up"]["samples"], int(sys.argv[2])
bad = [b["t_s"] for a, b in zip(s, s[1:]) if b["marked"] > a["marked"] and b["queue_pkts_max"] < k]
sys.exit(1 if bad else 0)
PY
	return 0
}

# An ECN-capable TCP flow (IPv6, net.ipv4.tcp_ecn=1 on both ends) through a
# marking queue: the receiver gets CE, and the sender gets ECE back.
linkem_ecn_tcp_flow_gets_ce() {
	local out
	require_cmds iperf3 nstat
	topo_setup
	on client sysctl -q -w net.ipv4.tcp_ecn=1 || fail "tcp_ecn in client"
	on server sysctl -q -w net.ipv4.tcp_ecn=1 || fail "tcp_ecn in server"
	linkem_start --rate 20mbit --queue 100 --ecn-k 10 --delay 5ms
	iperf3_server server
	out=$TEST_TMP/iperf3.json
	iperf3_client "$out" -6 -c "$SERVER_IP6" -t 3
	linkem_stop
	assert_between "$(linkem_stat directions.up.totals.marked)" 1 10000000 "CE marks by the emulator"
	assert_between "$(nstat_get server Ip6InCEPkts)" 1 10000000 "CE packets received by the server"
	assert_between "$(nstat_get client TcpExtTCPDeliveredCE)" 1 10000000 \
		"packets the client learnt were CE-marked (ECE)"
	return 0
}

# bpf_dctcp on both ends through a K = 20 marking queue: CE reaches the
# receiver, ECE the sender, and DCTCP keeps the queue near K, far from the
# 200-packet limit, so nothing is dropped.
linkem_ecn_bpf_dctcp_holds_queue_at_k() {
	local out k=20
	require_cmds iperf3 nstat ss
	[ -x "$BPFTCP" ] || skip "no $BPFTCP (run make)"
	cc_shipped dctcp || skip "this bpftcp ships no bpf_dctcp"
	topo_setup
	cc_register dctcp
	allow_cc bpf_dctcp
	on server sysctl -q -w net.ipv4.tcp_congestion_control=bpf_dctcp || fail "server default bpf_dctcp"
	# DCTCP's own ECN request only reaches the SYN if the algorithm is set
	# before connect(), and iperf3 (3.12) sets -C after it; so the client
	# asks for ECN by sysctl (DCTCP falls back to reno without ECN).
	on client sysctl -q -w net.ipv4.tcp_ecn=1 || fail "tcp_ecn in client"
	linkem_start --rate 20mbit --queue 200 --ecn-k $k --delay 5ms
	iperf3_server server
	out=$TEST_TMP/iperf3.json
	iperf3_client "$out" -c "$SERVER_IP4" -t 3 -C bpf_dctcp
	linkem_stop
	assert_eq "$(json_get end.sender_tcp_congestion "$out")" bpf_dctcp "sender's congestion control"
	assert_eq "$(json_get end.receiver_tcp_congestion "$out")" bpf_dctcp "receiver's congestion control"
	assert_between "$(linkem_stat directions.up.totals.marked)" 1 10000000 "CE marks by the emulator"
	assert_between "$(nstat_get server IpExtInCEPkts)" 1 10000000 "CE packets received by the server"
	assert_between "$(nstat_get client TcpExtTCPDeliveredCE)" 1 10000000 "CE deliveries the client learnt of"
	assert_eq "$(linkem_stat directions.up.totals.dropped)" 0 "tail drops under DCTCP"
	assert_between "$(linkem_stat directions.up.totals.queue_max)" $k 150 "largest queue under DCTCP"
	return 0
}
