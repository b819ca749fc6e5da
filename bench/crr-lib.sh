# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# bench/crr-lib.sh: what the header-option benchmarks (bench-delack.sh,
# bench-ccneg.sh) share: a private netns over loopback where CRR can run
# for long, and servers of build/bench/delack_crr, each in its cgroup, on
# one CPU.  Sourced; the caller sets ns (the netns name), cpu and tool.

# crr_netns: makes $ns with lo up.  Each CRR connection leaves a TIME_WAIT
# on the client: a wide port range and a fresh server address (127.0.x.y)
# per round keep connect() going.  Extra arguments are more sysctls.
crr_netns() {
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 "$@"
}

# in_cg CGROUP CMD...: runs CMD from inside CGROUP, in the netns, on $cpu.
# Only in a subshell (& or $(...)): it execs, so that the servers' end by
# cgroup.kill is not reported as a "Killed" job.
in_cg() {
	local cg=$1
	shift
	exec sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" \
		ip netns exec "$ns" taskset -c "$cpu" "$@"
}

# crr_servers CGROUP:PORT...: a server on each port, in its cgroup; returns
# when all listen.  The caller's cleanup ends them with cgroup.kill.
crr_servers() {
	local s filter=""
	for s in "$@"; do
		in_cg "${s%:*}" "$tool" server "${s##*:}" &
		filter+="${filter:+ or }sport = :${s##*:}"
	done
	disown -a	# no job notices for their end
	for _ in $(seq 100); do
		[ "$(ip netns exec "$ns" ss -Hltn "( $filter )" | wc -l)" = $# ] && break
		sleep 0.05
	done
}
