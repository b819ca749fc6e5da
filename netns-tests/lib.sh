# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# netns-tests/lib.sh: the topology and helpers every netns test uses.
# Sourced by netns-tests/run in a fresh subshell per test, never run directly.
#
#   client (eth0) <-> (to-client) router (to-server) <-> (eth0) server
#
# Namespace names are random per test ($NS_CLIENT, $NS_ROUTER, $NS_SERVER).
# Addresses come only from 198.18.0.0/15 and 2001:2::/48:
#   client  198.18.1.2/24  2001:2:0:1::2/64   (default route via the router)
#   router  198.18.1.1/24  2001:2:0:1::1/64   to-client
#           198.18.2.1/24  2001:2:0:2::1/64   to-server
#   server  198.18.2.2/24  2001:2:0:2::2/64   (default route via the router)
# and, after topo_add_client2, a second client host on the router's client
# side (its traffic takes the same emulated link):
#   client2 198.18.3.2/24  2001:2:0:3::2/64   (default route via the router)
#   router  198.18.3.1/24  2001:2:0:3::1/64   to-client2
#
# With the emulator (the default), the router holds two TUN devices and
# policy routing by incoming interface sends what arrives from the client
# into tun-a and what arrives from the server into tun-b; linkem moves
# packets between them:
#   client -> to-client -> [rule iif to-client: table 100, dev tun-a]
#          -> linkem "up" link -> tun-b -> main table -> to-server -> server
#   server -> to-server -> [rule iif to-server: table 101, dev tun-b]
#          -> linkem "down" link -> tun-a -> main table -> to-client -> client
# GSO, TSO and GRO are off on every veth, so every queue counts real packets.
#
# After topo_setup every namespace's default congestion control is $TOPO_CC
# (cubic, or reno where the host does not allow cubic in namespaces).
#
# Helpers (see each function): topo_setup, topo_add_client2, on, bg_on, bg_on_cgroup, route_cc,
# cgroup_new, linkem_start,
# linkem_stop, linkem_stat, wait_listen, wait_tcp_done, cleanup_push, skip,
# fail, require_cmds, median, assert_between, make_file, check_sha256, log,
# retained_counts, bpftcp_private, free_ccs.
#
# Variables: BUILD (absolute build dir), V=1 prints every command,
# TEST_TMP (a private directory removed after the test).

CLIENT_IP4=198.18.1.2
ROUTER_CLIENT_IP4=198.18.1.1
ROUTER_SERVER_IP4=198.18.2.1
SERVER_IP4=198.18.2.2
CLIENT_IP6=2001:2:0:1::2
ROUTER_CLIENT_IP6=2001:2:0:1::1
ROUTER_SERVER_IP6=2001:2:0:2::1
SERVER_IP6=2001:2:0:2::2
CLIENT2_IP4=198.18.3.2
ROUTER_CLIENT2_IP4=198.18.3.1
CLIENT2_IP6=2001:2:0:3::2
ROUTER_CLIENT2_IP6=2001:2:0:3::1

LINKEM=${LINKEM:-$BUILD/linkem}
BPFTCP=${BPFTCP:-$BUILD/bpftcp}
LINKEM_STATS=""
LINKEM_PID=""
SKIP_EXIT=77

_CLEANUPS=()		# commands run in reverse order by _cleanup
_BG_PIDS=()

log() { echo "$*" >&2; }

# run CMD...: runs a command, printing it first when V=1.
run() {
	[ "${V:-0}" = 1 ] && echo "+ $*" >&2
	"$@"
}

# skip REASON: this test cannot run here; it is reported as skipped.
skip() {
	echo "$*" > "$TEST_TMP/skip-reason"
	echo "SKIP: $*" >&2
	exit $SKIP_EXIT
}

# fail MESSAGE: the test failed.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# require_cmds CMD...: skip unless every command exists.
require_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			skip "'$c' is not installed (run scripts/install-deps.sh)"
	done
}

_require_base() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN devices)"
	require_cmds ip ethtool python3 ss
}

# cleanup_push CMD...: run CMD at cleanup (last pushed runs first).  The
# command is stored as one string and run with eval.
cleanup_push() {
	_CLEANUPS+=("$*")
}

_kill_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Runs on every exit of the test's subshell (trap set by netns-tests/run).
_cleanup() {
	local i pid
	trap - EXIT INT TERM
	set +e
	for ((i = ${#_CLEANUPS[@]} - 1; i >= 0; i--)); do
		[ "${V:-0}" = 1 ] && echo "+ cleanup: ${_CLEANUPS[i]}" >&2
		eval "${_CLEANUPS[i]}" >/dev/null 2>&1
	done
	for pid in "${_BG_PIDS[@]}"; do
		_kill_pid "$pid"
	done
	for ns in ${NS_CLIENT:-} ${NS_CLIENT2:-} ${NS_ROUTER:-} ${NS_SERVER:-}; do
		ip netns del "$ns" 2>/dev/null
	done
}

# ns_of ROLE: the namespace name of client, router or server (or client2,
# after topo_add_client2).
ns_of() {
	case $1 in
	client) echo "$NS_CLIENT" ;;
	client2) [ -n "${NS_CLIENT2:-}" ] || fail "no client2 (topo_add_client2)"
		echo "$NS_CLIENT2" ;;
	router) echo "$NS_ROUTER" ;;
	server) echo "$NS_SERVER" ;;
	*) fail "unknown role '$1'" ;;
	esac
}

# on ROLE CMD...: runs CMD in the client, router or server namespace.
on() {
	local ns
	ns=$(ns_of "$1") || exit 1
	shift
	run ip netns exec "$ns" "$@"
}

# bg_on ROLE CMD...: like on, in the background; BG_PID is the command's own
# pid (ip netns exec execs it), so it can be signalled and waited for.
# Every background process is killed at cleanup.
bg_on() {
	local ns
	ns=$(ns_of "$1") || exit 1
	shift
	[ "${V:-0}" = 1 ] && echo "+ ip netns exec $ns $* &" >&2
	ip netns exec "$ns" "$@" &
	BG_PID=$!
	_BG_PIDS+=("$BG_PID")
	# Recorded for the runner's last-resort sweep if the test is killed.
	echo "$BG_PID" >> "$TEST_TMP/pids"
}

# bg_on_cgroup CGROUP ROLE CMD...: like bg_on, from inside cgroup v2
# directory CGROUP (joined before ip netns exec, which mounts a sysfs of
# the namespace's own, without the cgroup mount).
bg_on_cgroup() {
	local cg=$1 ns
	ns=$(ns_of "$2") || exit 1
	shift 2
	[ "${V:-0}" = 1 ] && echo "+ (in $cg) ip netns exec $ns $* &" >&2
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" ip netns exec "$ns" "$@" &
	BG_PID=$!
	_BG_PIDS+=("$BG_PID")
	echo "$BG_PID" >> "$TEST_TMP/pids"
}

_sysctl() {
	local role=$1
	shift
	on "$role" sysctl -q -w "$@" >/dev/null || fail "sysctl $* in $role"
}

# topo_setup [--no-emulator]: makes the three namespaces, veths, addresses
# and routes.  With the emulator (default) the router forwards through
# tun-a/tun-b, which carry nothing until linkem_start.  --no-emulator: plain
# forwarding (for a bottleneck from htb/tbf instead).
topo_setup() {
	local emulator=1 suffix ns role
	[ "${1:-}" = --no-emulator ] && emulator=0
	_require_base
	if [ $emulator = 1 ]; then
		[ -c /dev/net/tun ] || skip "no /dev/net/tun (CONFIG_TUN)"
		[ -x "$LINKEM" ] || skip "no emulator at $LINKEM (run make)"
	fi
	suffix=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	NS_CLIENT=bpftcp-$suffix-client
	NS_ROUTER=bpftcp-$suffix-router
	NS_SERVER=bpftcp-$suffix-server
	for ns in $NS_CLIENT $NS_ROUTER $NS_SERVER; do
		run ip netns add "$ns" || fail "cannot create netns $ns"
		echo "$ns" >> "$TEST_TMP/namespaces"
	done

	# Fresh namespaces take their default congestion control from the
	# host, which may be anything; start from cubic.  Outside the initial
	# namespace only algorithms in the (global)
	# tcp_allowed_congestion_control may be the default; reno always is.
	TOPO_CC=reno
	tr ' ' '\n' < /proc/sys/net/ipv4/tcp_allowed_congestion_control | grep -qx cubic && TOPO_CC=cubic
	for role in client router server; do
		_sysctl "$role" net.ipv4.tcp_congestion_control=$TOPO_CC
		_sysctl "$role" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		on "$role" ip link set lo up || fail "lo up in $role"
	done
	_sysctl router net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# Packets come back from the TUN with the client's or server's source
	# address, on an interface that is not the route back to it.
	_sysctl router net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	_sysctl router net.ipv4.conf.all.send_redirects=0
	# Devices copy conf.default when created: veths come after the sysctls,
	# so no link-local address waits for DAD before neighbour discovery.
	# Distinct ifindexes on the two ends: a veth whose ifindex equals its
	# peer's (both 2 in fresh namespaces) is not an "urgent" linkwatch
	# event, and then it carries nothing for up to a second after link up.
	run ip -n "$NS_CLIENT" link add eth0 index 10 type veth peer name to-client index 11 \
		netns "$NS_ROUTER" || fail "cannot create the client veth"
	run ip -n "$NS_SERVER" link add eth0 index 13 type veth peer name to-server index 12 \
		netns "$NS_ROUTER" || fail "cannot create the server veth"

	_link_up client eth0 "$CLIENT_IP4/24" "$CLIENT_IP6/64"
	_link_up router to-client "$ROUTER_CLIENT_IP4/24" "$ROUTER_CLIENT_IP6/64"
	_link_up router to-server "$ROUTER_SERVER_IP4/24" "$ROUTER_SERVER_IP6/64"
	_link_up server eth0 "$SERVER_IP4/24" "$SERVER_IP6/64"
	on client ip route add default via "$ROUTER_CLIENT_IP4" || fail "client route"
	on client ip -6 route add default via "$ROUTER_CLIENT_IP6" || fail "client route6"
	on server ip route add default via "$ROUTER_SERVER_IP4" || fail "server route"
	on server ip -6 route add default via "$ROUTER_SERVER_IP6" || fail "server route6"

	[ $emulator = 1 ] || return 0
	local tun
	for tun in tun-a tun-b; do
		on router ip tuntap add dev $tun mode tun || fail "cannot create $tun"
		on router ip link set $tun up || fail "$tun up"
	done
	local fam
	for fam in -4 -6; do
		on router ip $fam rule add iif to-client lookup 100 pref 100 || fail "rule $fam"
		on router ip $fam rule add iif to-server lookup 101 pref 101 || fail "rule $fam"
		on router ip $fam route add default dev tun-a table 100 || fail "route $fam tun-a"
		on router ip $fam route add default dev tun-b table 101 || fail "route $fam tun-b"
	done
}

# topo_add_client2: a second client host, NS_CLIENT2 (role client2), on
# the router's client side, after topo_setup with the emulator.  Its
# packets enter the same emulated link as the client's (tun-a: one
# bottleneck), and come back by destination address; it has namespace
# sysctls of its own (net.ipv4.tcp_ecn, the default congestion control).
topo_add_client2() {
	local fam
	[ -n "${NS_CLIENT:-}" ] || fail "topo_add_client2: no topology (topo_setup)"
	NS_CLIENT2=${NS_CLIENT%-client}-client2
	run ip netns add "$NS_CLIENT2" || fail "cannot create netns $NS_CLIENT2"
	echo "$NS_CLIENT2" >> "$TEST_TMP/namespaces"
	_sysctl client2 net.ipv4.tcp_congestion_control="$TOPO_CC"
	_sysctl client2 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	on client2 ip link set lo up || fail "lo up in client2"
	run ip -n "$NS_CLIENT2" link add eth0 index 14 type veth peer name to-client2 index 15 \
		netns "$NS_ROUTER" || fail "cannot create the client2 veth"
	_link_up client2 eth0 "$CLIENT2_IP4/24" "$CLIENT2_IP6/64"
	_link_up router to-client2 "$ROUTER_CLIENT2_IP4/24" "$ROUTER_CLIENT2_IP6/64"
	on client2 ip route add default via "$ROUTER_CLIENT2_IP4" || fail "client2 route"
	on client2 ip -6 route add default via "$ROUTER_CLIENT2_IP6" || fail "client2 route6"
	for fam in -4 -6; do
		on router ip $fam rule add iif to-client2 lookup 100 pref 102 || fail "rule $fam client2"
	done
}

# allow_cc NAME: lets NAME be a namespace's default (adds it to the global
# net.ipv4.tcp_allowed_congestion_control); restored at cleanup.
allow_cc() {
	local before
	before=$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)
	echo "$before" | tr ' ' '\n' | grep -qx "$1" && return 0
	run sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$before $1" ||
		fail "cannot allow $1 in tcp_allowed_congestion_control"
	cleanup_push "sysctl -q -w net.ipv4.tcp_allowed_congestion_control='$before'"
}

# route_cc ROLE sport|dport PORT CC: ROLE's TCP connections with that source
# (or destination) port run CC from their first packet on, whatever the
# namespace's default, and negotiate ECN when CC needs it: the kernel takes
# a route's congctl before the handshake (tcp_ca_dst_init() when
# connecting; tcp_ca_openreq_child() and the SYN's ECN check when
# accepting).  A policy rule on the port looks up a table of its own that
# holds ROLE's default route with "congctl CC".  Client or server only.
route_cc() {
	local role=$1 dir=$2 port=$3 cc=$4 table=$((10000 + $3)) gw gw4 gw6 fam
	case $role in
	client) gw4=$ROUTER_CLIENT_IP4 gw6=$ROUTER_CLIENT_IP6 ;;
	server) gw4=$ROUTER_SERVER_IP4 gw6=$ROUTER_SERVER_IP6 ;;
	*) fail "route_cc: no default route in $role" ;;
	esac
	for fam in 4 6; do
		[ $fam = 4 ] && gw=$gw4 || gw=$gw6
		on "$role" ip -$fam route add default via "$gw" dev eth0 table $table congctl "$cc" ||
			fail "route congctl $cc in $role"
		on "$role" ip -$fam rule add ipproto tcp "$dir" "$port" lookup $table ||
			fail "rule $dir $port in $role"
	done
}

# cgroup_new NAME: makes a cgroup2 directory with a random name under the
# cgroup2 mount (found in /proc/mounts, wherever it is) and sets CGROUP to
# its path; removed at cleanup with whatever still runs in it.
cgroup_new() {
	local root suffix
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ] || skip "no cgroup2 mount in /proc/mounts"
	suffix=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	CGROUP=$root/bpftcp-test-$suffix-$1
	run mkdir "$CGROUP" || fail "cannot create a cgroup under $root"
	cleanup_push "cgroup_remove '$CGROUP'"
}

# cgroup_remove DIR: ends what still runs in a cgroup, then removes it.
cgroup_remove() {
	local i
	[ -d "$1" ] || return 0
	if [ -e "$1/cgroup.kill" ]; then
		echo 1 > "$1/cgroup.kill"
	else
		xargs -r kill -KILL < "$1/cgroup.procs"
	fi
	for i in $(seq 100); do
		[ -s "$1/cgroup.procs" ] || break
		sleep 0.05
	done
	rmdir "$1"
}

# cc_registered KNAME: true if the kernel offers congestion control KNAME.
cc_registered() {
	local l
	l=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control) || return 1
	[[ " $l " == *" $1 "* ]]
}

# cc_shipped NAME: true if this bpftcp build ships bpf_NAME.
cc_shipped() {
	"$BPFTCP" -j cc list 2>/dev/null | python3 -c '
import json, sys
sys.exit(not any(a["name"] == sys.argv[1] and a["shipped"] for a in json.load(sys.stdin)["algorithms"]))
' "bpf_$1"
}

# cc_register NAME: makes bpf_NAME available, registering it with bpftcp
# unless it already is (registrations are host-wide: someone else may hold
# it, and then it is left alone).  Only what this test registered is
# unregistered at cleanup.
cc_register() {
	local name=$1 out
	[ -x "$BPFTCP" ] || skip "no $BPFTCP (run make)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux): no BPF congestion control"
	cc_registered "bpf_$name" && return 0
	if ! out=$(run "$BPFTCP" cc register "$name" 2>&1); then
		# EEXIST: registered by someone else between the check and here.
		cc_registered "bpf_$name" && return 0
		fail "bpftcp cc register $name: $out"
	fi
	cleanup_push "'$BPFTCP' cc unregister $name"
	cc_registered "bpf_$name" || fail "bpf_$name registered but not offered by the kernel"
}

# _link_up ROLE DEV ADDR4 ADDR6: addresses, offloads off, up.
_link_up() {
	local role=$1 dev=$2
	on "$role" ip addr add "$3" dev "$dev" || fail "addr $3 on $role/$dev"
	on "$role" ip -6 addr add "$4" dev "$dev" nodad || fail "addr $4 on $role/$dev"
	on "$role" ethtool -K "$dev" gso off tso off gro off >/dev/null 2>&1 ||
		fail "cannot turn off GSO/TSO/GRO on $role/$dev"
	on "$role" ip link set "$dev" up || fail "$role/$dev up"
}

# linkem_start [LINKEM OPTIONS...]: starts the emulator in the router with
# these link options; statistics go to $LINKEM_STATS (JSON) when it stops.
# Waits until both TUN devices are operationally up (carrier and qdisc), so
# traffic flows on return.
linkem_start() {
	local i
	[ -z "$LINKEM_PID" ] || fail "linkem_start: already running"
	LINKEM_STATS=$TEST_TMP/linkem-$(date +%s%N).json
	bg_on router "$LINKEM" --stats "$LINKEM_STATS" -q "$@" tun-a tun-b
	LINKEM_PID=$BG_PID
	for i in $(seq 100); do
		if on router ip link show tun-a 2>/dev/null | grep -q "state UP" &&
		   on router ip link show tun-b 2>/dev/null | grep -q "state UP"; then
			return 0
		fi
		kill -0 "$LINKEM_PID" 2>/dev/null || { wait "$LINKEM_PID"; fail "linkem exited (status $?)"; }
		sleep 0.05
	done
	fail "linkem did not attach to tun-a/tun-b"
}

# linkem_stop: stops the emulator (SIGTERM) and waits for its statistics.
linkem_stop() {
	local rc
	[ -n "$LINKEM_PID" ] || fail "linkem_stop: not running"
	kill -TERM "$LINKEM_PID" 2>/dev/null
	wait "$LINKEM_PID"
	rc=$?
	LINKEM_PID=""
	[ $rc = 0 ] || fail "linkem exited with status $rc"
	[ -s "$LINKEM_STATS" ] || fail "linkem wrote no statistics"
}

# json_get PATH FILE: one value from a JSON file, PATH like a.b.0.c
# ("null" for JSON null); fails the test if the path is not there.
json_get() {
	python3 - "$1" "$2" <<'PY' || fail "no '$1' in $2"
import json, sys
v = json.load(open(sys.argv[2]))
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print("null" if v is None else v)
PY
}

# linkem_stat PATH: one value from the last linkem run's statistics, e.g.
# linkem_stat directions.up.totals.marked.
linkem_stat() {
	json_get "$1" "$LINKEM_STATS"
}

# iperf3_server ROLE [ARGS...]: starts a one-shot iperf3 server (after the
# previous one has gone) and waits until it listens.
iperf3_server() {
	local role=$1 i
	shift
	if [ -n "${IPERF3_SERVER_PID:-}" ]; then
		for i in $(seq 100); do
			kill -0 "$IPERF3_SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		_kill_pid "$IPERF3_SERVER_PID"
	fi
	bg_on "$role" iperf3 -s -1 --logfile "$TEST_TMP/iperf3-server.log" "$@"
	IPERF3_SERVER_PID=$BG_PID
	wait_listen "$role" 5201
}

# iperf3_client OUT ARGS...: runs an iperf3 client (-J) in the client
# namespace with its JSON in OUT; fails with iperf3's own error message.
iperf3_client() {
	local out=$1
	shift
	on client iperf3 -J "$@" > "$out" && return 0
	fail "iperf3 $*: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error", "no error message"))' "$out" 2>/dev/null || head -c 300 "$out")"
}

# nstat_get ROLE COUNTER: a kernel SNMP counter of the namespace (absolute).
nstat_get() {
	on "$1" nstat -asz "$2" | awk -v c="$2" '$1 == c { print $2; found = 1 } END { if (!found) print 0 }'
}

# wait_listen ROLE PORT: waits (up to 5 s) until a TCP listener is on PORT.
wait_listen() {
	local i
	for i in $(seq 100); do
		on "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	fail "nothing listens on port $2 in $1"
}

# median: the median of the numbers on stdin, one per line.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# assert_between VALUE LOW HIGH WHAT: fails unless LOW <= VALUE <= HIGH.
assert_between() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 == v && v >= lo && v <= hi) }' ||
		fail "$4: $1 is not in [$2, $3]"
	log "ok: $4 = $1 (expected $2..$3)"
}

# make_file PATH MIB: MIB mebibytes of random data.
make_file() {
	head -c $(($2 * 1048576)) /dev/urandom > "$1" || fail "cannot write $1"
}

# check_sha256 SENT RECEIVED BYTES: the first BYTES of both files match.
check_sha256() {
	local a b
	a=$(head -c "$3" "$1" | sha256sum | cut -d' ' -f1)
	b=$(head -c "$3" "$2" | sha256sum | cut -d' ' -f1)
	[ "$(stat -c %s "$2")" -ge "$3" ] || fail "received $(stat -c %s "$2") bytes of $3"
	[ "$a" = "$b" ] || fail "sha256 differs: sent $a, received $b"
	log "ok: sha256 of $3 bytes matches ($a)"
}

# assert_eq VALUE EXPECTED WHAT
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
	log "ok: $3 = $1"
}

# retained_counts: one line, "struct_ops maps N, orphans M (TCP inuse I,
# tw T)": the struct_ops maps in kernel memory (bpftool struct_ops list:
# registered ones and those retained by sockets after an unregister, see
# docs/reliability.md "Retained struct_ops maps") and the TCP orphans
# (closed by their process, not yet destroyed: host-wide), with the TCP
# sockets in use and in TIME_WAIT of the current network namespace, from
# /proc/net/sockstat.  The reliability suites log it at their start and end.
retained_counts() {
	local maps
	maps=$(bpftool struct_ops list 2>/dev/null | grep -c .)
	awk -v maps="$maps" '$1 == "TCP:" {
		for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		printf "struct_ops maps %d, orphans %d (TCP inuse %d, tw %d)\n", maps, v["orphan"], v["inuse"], v["tw"]
	}' /proc/net/sockstat
}

# bpftcp_private: a test that runs bpftcp against the host's kernel, in a
# state of its own: root, bpftcp and kernel BTF (else a skip); the host's
# default congestion control and allowed list saved (HOST_DEFAULT,
# HOST_ALLOWED) and set back at cleanup; a bpffs and a run directory of its
# own (BPFTCP_BPFFS, BPFTCP_RUNDIR, exported), emptied by 'bpftcp reset'
# and unmounted at cleanup, whatever happens.
bpftcp_private() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$BPFTCP" ] || skip "no $BPFTCP (run make)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: no BPF congestion control"
	HOST_DEFAULT=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
	HOST_ALLOWED=$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)
	cleanup_push "sysctl -q -w net.ipv4.tcp_allowed_congestion_control='$HOST_ALLOWED'"
	cleanup_push "sysctl -q -w net.ipv4.tcp_congestion_control='$HOST_DEFAULT'"
	mkdir -p "$TEST_TMP/bpffs" "$TEST_TMP/run" || fail "cannot make directories"
	run mount -t bpf bpf "$TEST_TMP/bpffs" || fail "cannot mount a bpffs of the test's"
	cleanup_push "umount '$TEST_TMP/bpffs'"
	export BPFTCP_BPFFS=$TEST_TMP/bpffs BPFTCP_RUNDIR=$TEST_TMP/run
	# Before the unmount: undo everything bpftcp made here.
	cleanup_push "'$BPFTCP' reset"
}

# free_ccs N: N short names of algorithms bpftcp ships that nobody has
# registered (registrations are host-wide), one a line; skips the test
# when there are fewer.
free_ccs() {
	local name n=0
	for name in vegas veno westwood yeah hybla illinois scalable highspeed; do
		cc_registered "bpf_$name" && continue
		echo "$name"
		n=$((n + 1))
		[ $n -lt "$1" ] || return 0
	done
	skip "fewer than $1 of the candidate algorithms are free (the others are registered by someone else)"
}
