# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The topology itself: both address families cross the router.

ALL_TESTS="
	topology_plain_forwarding
"

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
