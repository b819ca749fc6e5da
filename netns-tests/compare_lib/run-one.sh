#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# run-one.sh BUILD_DIR RUN_DIR: one comparison run (called by
# netns-tests/compare, which wrote RUN_DIR/run.env).  Builds a fresh
# client <-> router <-> server topology with netns-tests/lib.sh, starts the
# emulated link, then in the client namespace: the ss sampler, ping, and one
# iperf3 client per flow (each with its own congestion control, at both
# ends, server port and client port, starting at its own offset).  Leaves the raw files in
# RUN_DIR (see compare_lib/rawdata.py); everything else goes at exit.
#
# run.env sets: DURATION (s), ECN (0/1), SS_INTERVAL, PING_INTERVAL (s),
# PYTHON, LINKEM_ARGS (array) and FLOWS (array of "ID CC START_S SECONDS
# SERVER_PORT CLIENT_PORT").
#
# Scenario ccneg-fleet also sets CCNEG_SERVER ("PREFER FALLBACK"),
# CCNEG_CLIENTS (array of "ID HOST TCP_ECN PREFER FALLBACK") and
# CCNEG_SNAPSHOT_S.  Then the server and each of those flows' clients run
# in a cgroup of their own (random names) with 'bpftcp opt attach ccneg
# ... --record', and the option, not a route or iperf3 -C, decides what the
# flows run.  Each client runs on its HOST, client or client2 (a second
# client namespace on the same link, lib.sh's topo_add_client2), whose
# net.ipv4.tcp_ecn is set to TCP_ECN ('-': the kernel's default, 2).  The
# ss sampler runs on each client host (ss.txt, ss-client2.txt).  At
# CCNEG_SNAPSHOT_S after the start: ss -ti on the server (ss-server.txt)
# and the per-socket records of every host (sockets-{client,client2,
# server}.json); at the end the attachments' counters (ccneg-show.json),
# the cgroups' roles (ccneg-cgroups.txt) and each client host's tcp_ecn as
# read back (ccneg-hosts.txt: 'client-ID HOST TCP_ECN'): the evidence
# summary.py checks.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?build dir}" && pwd) || exit 2
RUNDIR=$(cd "${2:?run dir}" && pwd) || exit 2
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bpftcp-compare.XXXXXX")
# shellcheck source=../lib.sh
source "$here/../lib.sh" || exit 1
trap '_cleanup; rm -rf "$TEST_TMP"' EXIT
trap "exit 143" INT TERM
# shellcheck disable=SC1091
source "$RUNDIR/run.env" || exit 2

require_cmds iperf3 ping ss timeout
topo_setup
if [ "$ECN" = 1 ]; then
	# Both ends negotiate ECN (RFC 3168); DCTCP asks for it anyway.
	_sysctl client net.ipv4.tcp_ecn=1
	_sysctl server net.ipv4.tcp_ecn=1
fi
# Its queue samples' times count from its start: their place in wall time.
date +%s.%N > "$RUNDIR/linkem_t0"
linkem_start --stats-interval 100ms "${LINKEM_ARGS[@]}"

# ccneg_cgroup ROLE "PREFER FALLBACK": a fresh cgroup with the ccneg option
# attached (detached, then removed, at exit); CGROUP is its path.
ccneg_cgroup() {
	local prefer fallback
	read -r prefer fallback <<<"$2"
	cgroup_new "ccneg-$1"
	run "$BPFTCP" opt attach ccneg --cgroup "$CGROUP" --prefer "$prefer" \
		--fallback "$fallback" --record >/dev/null || fail "cannot attach ccneg to $CGROUP"
	cleanup_push "'$BPFTCP' opt detach ccneg --cgroup '$CGROUP'"
	echo "$1 $CGROUP" >> "$RUNDIR/ccneg-cgroups.txt"
}
# bg_in ROLE CGROUP CMD...: bg_on, but the command runs in CGROUP (empty:
# where it is).  It joins the cgroup before 'ip netns exec', whose private
# /sys may not show the cgroup2 mount.
bg_in() {
	local role=$1 cg=$2 ns
	shift 2
	if [ -z "$cg" ]; then
		bg_on "$role" "$@"
		return
	fi
	ns=$(ns_of "$role") || exit 1
	[ "${V:-0}" = 1 ] && echo "+ (in $cg) ip netns exec $ns $* &" >&2
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" ip netns exec "$ns" "$@" &
	BG_PID=$!
	_BG_PIDS+=("$BG_PID")
	echo "$BG_PID" >> "$TEST_TMP/pids"
}
declare -A flow_cg=() flow_host=()
server_cg=""
client_hosts=(client)
if [ -n "${CCNEG_SERVER:-}" ]; then
	ccneg_cgroup server "$CCNEG_SERVER"
	server_cg=$CGROUP
	for c in "${CCNEG_CLIENTS[@]}"; do
		read -r id host ecn policy <<<"$c"
		if [ "$host" = client2 ] && [ -z "${NS_CLIENT2:-}" ]; then
			topo_add_client2
			client_hosts+=(client2)
		fi
		# A namespace sysctl: the host's own stays as it is.
		[ "$ecn" = - ] || _sysctl "$host" net.ipv4.tcp_ecn="$ecn"
		echo "client-$id $host $(on "$host" sysctl -n net.ipv4.tcp_ecn)" >> "$RUNDIR/ccneg-hosts.txt"
		ccneg_cgroup "client-$id" "$policy"
		flow_cg[$id]=$CGROUP
		flow_host[$id]=$host
	done
fi

for flow in "${FLOWS[@]}"; do
	read -r id cc start secs sport cport <<<"$flow"
	if [ -n "${flow_cg[$id]:-}" ]; then
		# The option chooses both ends' algorithm at establishment.
		bg_in server "$server_cg" iperf3 -s -1 -B "$SERVER_IP4" -p "$sport" \
			--logfile "$TEST_TMP/iperf3-server-$id.log"
		continue
	fi
	# Both ends of each flow run its algorithm from the SYN on, as in real
	# use (iperf3 -C only sets the sender's, after connect()): DCTCP needs
	# a receiver that negotiates ECN and echoes CE marks as DCTCP does.
	route_cc client dport "$sport" "$cc"
	route_cc server sport "$sport" "$cc"
	bg_on server iperf3 -s -1 -B "$SERVER_IP4" -p "$sport" \
		--logfile "$TEST_TMP/iperf3-server-$id.log"
done
for flow in "${FLOWS[@]}"; do
	read -r id cc start secs sport cport <<<"$flow"
	wait_listen server "$sport"
done

samplers=()
for host in "${client_hosts[@]}"; do
	ssfile=$RUNDIR/ss.txt
	[ "$host" = client ] || ssfile=$RUNDIR/ss-$host.txt
	bg_on "$host" "$PYTHON" "$here/sample_ss.py" "$SS_INTERVAL" "$ssfile" dst "$SERVER_IP4"
	samplers+=("$BG_PID")
done
bg_on client ping -D -n -i "$PING_INTERVAL" -w $((DURATION + 10)) "$SERVER_IP4" > "$RUNDIR/ping.txt"
pinger=$BG_PID
# Let the sampler and ping take their first samples on the idle link.
sleep 0.3

date +%s.%N > "$RUNDIR/t0"
clients=()
for flow in "${FLOWS[@]}"; do
	read -r id cc start secs sport cport <<<"$flow"
	ccopt=(-C "$cc")
	# No -C where the option chooses: the client would set it, and send
	# it to the server, which would set it too, after the option's choice.
	[ -n "${flow_cg[$id]:-}" ] && ccopt=()
	bg_in "${flow_host[$id]:-client}" "${flow_cg[$id]:-}" bash -c 'sleep "$1"; shift; exec "$@"' flow-start "$start" \
		timeout $((secs + 30)) iperf3 -c "$SERVER_IP4" -p "$sport" --cport "$cport" \
		"${ccopt[@]}" -t "$secs" -i 1 -J --connect-timeout 5000 > "$RUNDIR/iperf3-$id.json"
	clients+=("$BG_PID:$id:$cc")
done
snapshot=""
if [ -n "${CCNEG_SERVER:-}" ]; then
	(
		sleep "$CCNEG_SNAPSHOT_S"
		# In the ss sampler's format: a 'T <epoch>' line, then ss's output.
		{ echo "T $(date +%s.%N)"
		  on server ss -tinoH state established src "$SERVER_IP4"; } > "$RUNDIR/ss-server.txt"
		for host in "${client_hosts[@]}"; do
			"$BPFTCP" -j sockets -n "$(ns_of "$host")" > "$RUNDIR/sockets-$host.json"
		done
		"$BPFTCP" -j sockets -n "$NS_SERVER" > "$RUNDIR/sockets-server.json"
	) &
	snapshot=$!
fi

status=0
for c in "${clients[@]}"; do
	IFS=: read -r pid id cc <<<"$c"
	wait "$pid"
	rc=$?
	# iperf3 -J can exit 0 after an error, which it reports in the JSON.
	if [ $rc != 0 ] || grep -q '"error":' "$RUNDIR/iperf3-$id.json"; then
		log "flow $id ($cc): iperf3 exited with status $rc: $(grep -m1 '"error":' "$RUNDIR/iperf3-$id.json")"
		status=1
	elif ! used=$("$PYTHON" -c 'import json, sys; e = json.load(open(sys.argv[1]))["end"]
print(e.get("sender_tcp_congestion"), e.get("receiver_tcp_congestion"))' "$RUNDIR/iperf3-$id.json") ||
	     [ "$used" != "$cc $cc" ]; then
		# E.g. DCTCP falls back to reno when ECN was not negotiated.
		log "flow $id ($cc): sender and receiver ran '${used:-?}', not $cc"
		status=1
	fi
done
if [ -n "$snapshot" ]; then
	wait "$snapshot" || { log "the ccneg snapshot failed"; status=1; }
	"$BPFTCP" -j opt show ccneg > "$RUNDIR/ccneg-show.json" ||
		{ log "cannot read the ccneg counters"; status=1; }
fi
sleep 0.3	# one more idle sample of the queue draining
kill -INT "$pinger" 2>/dev/null	# ping prints its statistics on SIGINT
wait "$pinger"
for pid in "${samplers[@]}"; do
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
done
linkem_stop
cp "$LINKEM_STATS" "$RUNDIR/linkem.json" || fail "cannot copy the emulator's statistics"
exit $status
