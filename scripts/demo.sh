#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make run: register every algorithm bpftcp ships, then show each one
# carrying a transfer (iperf3 over loopback in a private network namespace,
# selected with setsockopt via iperf3 -C), with its throughput.  Ends with a
# short comparison over the emulated 100 Mbit/s, 40 ms link (netns-tests/
# compare: scenarios single and pairs, DEMO_COMPARE_SECONDS each, about
# 1.5 minutes) and prints its table.  The registrations stay in place
# afterwards so you can use them; undo with 'build/bpftcp cc unregister all'.
set -euo pipefail
bpftcp=${1:-build/bpftcp}
secs=${DEMO_SECONDS:-2}
ns=bpftcp-demo-$$-$RANDOM

[ "$(id -u)" = 0 ] || { echo "make run needs root (BPF and network namespaces)" >&2; exit 1; }
cleanup() { ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT

echo "== registering every algorithm bpftcp ships"
"$bpftcp" cc register all
echo
"$bpftcp" cc list
echo

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" iperf3 -s -D -B 127.0.0.1 -p 5201 >/dev/null
sleep 0.3

echo "== one ${secs}s transfer per algorithm, loopback in private netns $ns"
printf '%-16s %12s %8s\n' ALGORITHM "Mbit/s" RETRANS
names=$("$bpftcp" -j cc list | python3 -c 'import json,sys; print(" ".join(a["name"] for a in json.load(sys.stdin)["algorithms"] if a["pinned"]))')
for cc in $names; do
	json=$(ip netns exec "$ns" iperf3 -c 127.0.0.1 -p 5201 -C "$cc" -t "$secs" -J) || {
		printf '%-16s %12s\n' "$cc" "failed"; continue; }
	echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin); cc = sys.argv[1]
used = d["end"].get("sender_tcp_congestion", cc)
s = d["end"]["sum_sent"]
assert used == cc, f"iperf3 used {used}, not {cc}"
mbps, rtx = s["bits_per_second"] / 1e6, s.get("retransmits", 0)
print(f"{cc:<16} {mbps:12.0f} {rtx:8d}")' "$cc"
done
echo
compare_secs=${DEMO_COMPARE_SECONDS:-10}
build=$(dirname "$bpftcp")
echo "== short comparison on the emulated link (${compare_secs}s per run; make compare runs the full one)"
"$(dirname "$0")/../netns-tests/compare" --build "$build" --scenario single,pairs \
	--duration "$compare_secs" --out "$build/compare-demo" --table
echo
echo "registered algorithms stay in place; remove them with: $bpftcp cc unregister all"
