# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The topology itself and linkem's command line: both address families
# cross the router, with and without the emulator, the path has no
# segmentation offloads, and linkem refuses bad arguments.

ALL_TESTS="
	topology_v4_v6_through_emulator
	topology_plain_forwarding
	linkem_rejects_bad_arguments
	linkem_stats_csv
"

# Pings both ways in both families; every packet must have crossed linkem.
topology_v4_v6_through_emulator() {
	local up down
	require_cmds ping
	topo_setup
	linkem_start --delay 1ms
	on client ping -q -c 3 -i 0.05 -W 2 "$SERVER_IP4" >/dev/null || fail "IPv4 client -> server"
	on client ping -6 -q -c 3 -i 0.05 -W 2 "$SERVER_IP6" >/dev/null || fail "IPv6 client -> server"
	on server ping -q -c 3 -i 0.05 -W 2 "$CLIENT_IP4" >/dev/null || fail "IPv4 server -> client"
	on server ping -6 -q -c 3 -i 0.05 -W 2 "$CLIENT_IP6" >/dev/null || fail "IPv6 server -> client"
	linkem_stop
	up=$(linkem_stat directions.up.totals.pkts_out)
	down=$(linkem_stat directions.down.totals.pkts_out)
	# 12 echo requests and 12 replies in each direction (ND/ARP may add more).
	assert_between "$up" 12 40 "packets through the up link"
	assert_between "$down" 12 40 "packets through the down link"
	# With the emulator stopped, nothing crosses the router.
	on client ping -q -c 1 -W 1 "$SERVER_IP4" >/dev/null 2>&1 && fail "ping crossed without the emulator"
	return 0
}

topology_plain_forwarding() {
	require_cmds ping
	topo_setup --no-emulator
	on client ping -q -c 2 -i 0.05 -W 2 "$SERVER_IP4" >/dev/null || fail "IPv4 client -> server"
	on client ping -6 -q -c 2 -i 0.05 -W 2 "$SERVER_IP6" >/dev/null || fail "IPv6 client -> server"
	on router ip link show tun-a >/dev/null 2>&1 && fail "tun-a exists without the emulator"
	local dev
	for dev in client:eth0 router:to-client router:to-server server:eth0; do
		on "${dev%%:*}" ethtool -k "${dev#*:}" |
			grep -Eq '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on' &&
			fail "offloads still on at $dev"
	done
	return 0
}

# expect_usage_error WHAT ARGS...: linkem must exit 2 with an error message.
expect_usage_error() {
	local what=$1 out rc
	shift
	out=$("$LINKEM" "$@" 2>&1)
	rc=$?
	[ $rc = 2 ] || fail "$what: exit status $rc, expected 2 (output: $out)"
	echo "$out" | grep -q '^linkem: error: ' || fail "$what: no error message (output: $out)"
	log "ok: $what -> $(echo "$out" | head -n1)"
}

linkem_rejects_bad_arguments() {
	[ -x "$LINKEM" ] || skip "no emulator at $LINKEM (run make)"
	"$LINKEM" --help | grep -q '^Usage: linkem' || fail "--help prints no usage"
	expect_usage_error "no devices" --delay 1ms
	expect_usage_error "one device" tun-a
	expect_usage_error "same device twice" tun-a tun-a
	expect_usage_error "unknown option" --jitter 1ms tun-a tun-b
	expect_usage_error "bad delay unit" --delay 10parsecs tun-a tun-b
	expect_usage_error "negative delay" --delay -1ms tun-a tun-b
	expect_usage_error "tc's mbps trap" --rate 10mbps tun-a tun-b
	expect_usage_error "loss above 1" --loss 150% tun-a tun-b
	expect_usage_error "queue without a rate" --queue 100 tun-a tun-b
	expect_usage_error "ecn without a rate" --ecn-k 10 tun-a tun-b
	expect_usage_error "missing value" tun-a tun-b --delay
	expect_usage_error "prefix on a global option" --up-seed 3 tun-a tun-b
	expect_usage_error "bad stats format" --stats-format xml tun-a tun-b
	expect_usage_error "MTU below IPv6 minimum" --mtu 576 tun-a tun-b
	return 0
}

# The CSV time series: one row per sample, queue columns, final counters.
linkem_stats_csv() {
	local csv rows last
	require_cmds ping
	topo_setup
	csv=$TEST_TMP/stats.csv
	bg_on router "$LINKEM" -q --rate 10mbit --queue 50 --stats-interval 20ms \
		--stats "$csv" --duration 1s tun-a tun-b
	local pid=$BG_PID
	sleep 0.3
	on client ping -q -c 5 -i 0.05 -W 1 "$SERVER_IP4" >/dev/null || fail "ping through the emulator"
	wait $pid || fail "linkem --duration exited with status $?"
	head -n1 "$csv" | grep -qx 'dir,t_s,queue_pkts,queue_pkts_max,queue_bytes,pkts_in,pkts_out,dropped,lost,marked' ||
		fail "CSV header: $(head -n1 "$csv")"
	rows=$(grep -c '^up,' "$csv")
	# 1 s at 20 ms: 50 samples per direction, fewer if a busy machine
	# delays the thread past a whole period (a late sample is not repeated).
	assert_between "$rows" 10 52 "up samples in 1 s at 20 ms"
	grep '^up,' "$csv" | awk -F, 'NR > 1 && $2 <= t { exit 1 } { t = $2 } END { exit !(t >= 0.9 && t < 2) }' ||
		fail "sample times do not increase from 0 to about 1 s"
	last=$(grep '^up,' "$csv" | tail -n1 | cut -d, -f7)
	assert_between "$last" 5 20 "up packets out in the last row"
	return 0
}
