#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# netns-tests/bbr3-trace.sh BUILD_DIR OUT_DIR [CC] [RUNS]
#
# The bbr3 scenario's two-flow case (docs/compare.md, "BBRv3's claims"),
# traced: two CC flows (default bpf_bbr3; bpf_bbr works too) from the client
# on a 100 Mbit/s, 40 ms RTT link with a 1-BDP (333-packet) droptail queue,
# the second joining 10 s after the first, 42 s in all, RUNS times (default
# 1).  Every 200 ms it records, for both sockets, 'bpftcp -j sockets' (the
# BBR record: mode, phase, bw, min_rtt, inflight_hi, inflight_lo) and ss -ti
# (cwnd, bytes_acked, retransmissions).  Writes OUT_DIR/run-N/{records.jsonl,
# ss.txt} and prints, per run, Jain's index of the two flows' rates over
# 20-30 s after the join (the claim's window) and the trajectory summary of
# compare_lib/bbr3trace.py.  Needs root; take /tmp/bpftcp-priv.lock.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?build dir}" && pwd) || exit 2
OUT=${2:?out dir}
CC=${3:-bpf_bbr3}
RUNS=${4:-1}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 2
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bpftcp-bbr3trace.XXXXXX")
# shellcheck source=lib.sh
source "$here/lib.sh" || exit 1
trap '_cleanup; rm -rf "$TEST_TMP"' EXIT
trap "exit 143" INT TERM
PYTHON=$("$here/../scripts/find-python.sh")

require_cmds iperf3 ss timeout
case $CC in
bpf_*) cc_register "${CC#bpf_}" ;;
esac

# one_run DIR: one 42 s two-flow run into DIR.
one_run() {
	local dir=$1 t0 pids=() p sampler rc=0
	mkdir -p "$dir"
	topo_setup
	linkem_start --rate 100mbit --delay 20ms --queue 333
	for p in 5201 5202; do
		bg_on server iperf3 -s -1 -B "$SERVER_IP4" -p $p --logfile "$TEST_TMP/srv-$p.log"
		wait_listen server $p
	done
	bg_on client "$PYTHON" "$here/compare_lib/sample_ss.py" 0.2 "$dir/ss.txt" dst "$SERVER_IP4"
	sampler=$BG_PID
	t0=$(date +%s.%N)
	echo "$t0" > "$dir/t0"
	bg_on client timeout 80 iperf3 -c "$SERVER_IP4" -p 5201 --cport 40001 -C "$CC" -t 42 -J \
		> "$dir/iperf3-1.json"
	pids+=("$BG_PID")
	bg_on client bash -c 'sleep 10; exec "$@"' join timeout 70 iperf3 -c "$SERVER_IP4" -p 5202 \
		--cport 40002 -C "$CC" -t 32 -J > "$dir/iperf3-2.json"
	pids+=("$BG_PID")
	# The records, from the host's namespace (ip netns exec hides its bpffs).
	(
		end=$(( ${t0%.*} + 43 ))
		while [ "$(date +%s)" -lt $end ]; do
			printf '{"t": %s, "sockets": ' "$(date +%s.%N)"
			"$BPFTCP" -j sockets -n "$NS_CLIENT" --cc "$CC" 2>/dev/null || printf 'null'
			printf '}\n'
			sleep 0.2
		done
	) > "$dir/records.jsonl" &
	p=$!
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	wait "$p"
	kill -TERM "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	linkem_stop
	cp "$LINKEM_STATS" "$dir/linkem.json"
	# This run's processes and namespaces; the registration stays for the
	# next run (the EXIT trap unregisters it).
	for p in "${_BG_PIDS[@]}"; do
		_kill_pid "$p"
	done
	_BG_PIDS=()
	for p in "$NS_CLIENT" "$NS_ROUTER" "$NS_SERVER"; do
		ip netns del "$p" 2>/dev/null
	done
	return $rc
}

status=0
for i in $(seq "$RUNS"); do
	one_run "$OUT/run-$i" || { log "run $i: an iperf3 flow failed"; status=1; }
	"$PYTHON" "$here/compare_lib/bbr3trace.py" "$OUT/run-$i" || status=1
done
exit $status
