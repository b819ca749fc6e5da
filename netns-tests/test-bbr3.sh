# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# bpf_bbr3 over the emulated link.  (1) iperf3 -C bpf_bbr3 on a 100 Mbit/s,
# 20 ms RTT link with a 1-BDP queue: it carries traffic at a high share of the
# link, and 'bpftcp sockets' in the client namespace shows its record (mode
# PROBE_BW, the model's fields) while it runs.  (2) The same link with a
# shallow queue (a quarter BDP): STARTUP's overshoot loses far more than 2 %
# of a flight, so BBRv3 bounds inflight: its counters show a STARTUP exit on
# loss or a cut of inflight_hi, and the record shows an inflight_hi.

ALL_TESTS="
	bbr3_iperf3_over_linkem
	bbr3_shallow_buffer_sets_inflight_hi
"

# bbr3_counter NAME: one of bpf_bbr3's own counters ('bpftcp cc stats').
bbr3_counter() {
	"$BPFTCP" -j cc stats bbr3 > "$TEST_TMP/stats.json" || fail "bpftcp cc stats bbr3"
	json_get "0.counters.$1" "$TEST_TMP/stats.json"
}

# bbr3_run SECONDS OUT: an iperf3 -C bpf_bbr3 transfer of SECONDS, client to
# server, JSON in OUT; 'bpftcp sockets' of the client namespace sampled in
# the middle into $TEST_TMP/sockets.txt.
bbr3_run() {
	local secs=$1 out=$2 pid
	iperf3_server server
	on client iperf3 -J -c "$SERVER_IP4" -C bpf_bbr3 -t "$secs" > "$out" &
	pid=$!
	sleep $((secs / 2))
	# From the host's namespace (ip netns exec hides the host's bpffs): the
	# client namespace's sockets by name.
	"$BPFTCP" sockets --cc bpf_bbr3 -n "$NS_CLIENT" > "$TEST_TMP/sockets.txt" 2>&1
	wait $pid || fail "iperf3 -C bpf_bbr3: $(head -c 300 "$out")"
	log "bpftcp sockets midway: $(cat "$TEST_TMP/sockets.txt")"
	grep -q '"sender_tcp_congestion":[[:space:]]*"bpf_bbr3"' "$out" ||
		fail "iperf3 did not use bpf_bbr3: $(grep -o '"sender_tcp_congestion":[^,]*' "$out")"
}

bbr3_iperf3_over_linkem() {
	local bps
	require_cmds iperf3
	topo_setup
	cc_register bbr3
	# 100 Mbit/s, 10 ms each way: BDP = 250 kB, about 170 packets of 1500 B.
	linkem_start --rate 100mbit --delay 10ms --queue 170
	bbr3_run 6 "$TEST_TMP/iperf3.json"
	bps=$(json_get end.sum_received.bits_per_second "$TEST_TMP/iperf3.json")
	log "bpf_bbr3: $bps bit/s received over 100 Mbit/s"
	# Model-based: near the link rate (BBR paces about 1 % below it, and
	# PROBE_RTT and the first round cost a few percent over 6 s).
	python3 -c "import sys; sys.exit(not float(sys.argv[1]) >= 80e6)" "$bps" ||
		fail "bpf_bbr3 reached $bps bit/s, below 80 Mbit/s on a 100 Mbit/s link"
	grep -q ' bpf_bbr3 ' "$TEST_TMP/sockets.txt" || fail "bpftcp sockets did not list the bpf_bbr3 socket"
	grep -q 'bbr3:(mode:PROBE_BW,phase:[A-Z]*,bw:' "$TEST_TMP/sockets.txt" ||
		fail "the record did not show PROBE_BW midway: $(cat "$TEST_TMP/sockets.txt")"
	grep -q ',inflight_hi:[-0-9]*,inflight_lo:[-0-9]*,ecn_alpha:' "$TEST_TMP/sockets.txt" ||
		fail "the record lacks the model's bounds"
	linkem_stop
}

bbr3_shallow_buffer_sets_inflight_hi() {
	local exits0 cuts0 exits cuts retrans
	require_cmds iperf3
	topo_setup
	cc_register bbr3
	exits0=$(bbr3_counter startup_signal_exit)
	cuts0=$(bbr3_counter inflight_hi_cuts)
	# 100 Mbit/s, 20 ms each way (BDP about 340 packets), a 85-packet queue.
	linkem_start --rate 100mbit --delay 20ms --queue 85
	bbr3_run 8 "$TEST_TMP/iperf3.json"
	retrans=$(json_get end.sum_sent.retransmits "$TEST_TMP/iperf3.json")
	exits=$(bbr3_counter startup_signal_exit)
	cuts=$(bbr3_counter inflight_hi_cuts)
	log "bpf_bbr3 on a quarter-BDP queue: $retrans retransmissions, STARTUP exits on loss/ECN $((exits - exits0)), inflight_hi cuts $((cuts - cuts0))"
	[ "$retrans" -gt 0 ] || fail "no loss at all on a quarter-BDP queue: the test does not test"
	[ $((exits - exits0 + cuts - cuts0)) -ge 1 ] ||
		fail "losses ($retrans retransmissions) but neither a STARTUP exit on loss nor an inflight_hi cut"
	grep -q ',inflight_hi:[0-9][0-9]*,' "$TEST_TMP/sockets.txt" ||
		fail "no inflight_hi in the record after losses: $(cat "$TEST_TMP/sockets.txt")"
	linkem_stop
}
