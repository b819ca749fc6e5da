#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Kernel algorithm vs its bpftcp port on CPU-bound loopback: iperf3 sender and
# receiver pinned to the same single core (so the congestion control's CPU
# cost shows in throughput), in a private netns, rounds interleaved
# (A B A B ...) so machine noise hits both alike.  Writes
# "<algo>_throughput_ratio" = median(bpf_<algo>) / median(<algo>) for each
# pair whose BPF port bpftcp ships and whose kernel version exists here.
set -euo pipefail
: "${BUILD:=build}" "${BENCH_OUT:=$BUILD/bench/fragments}"
bpftcp=$BUILD/bpftcp
rounds=${BENCH_ROUNDS:-7}
secs=${BENCH_SECONDS:-3}
cpu=${BENCH_CPU:-0}
pairs=${BENCH_PAIRS:-"cubic reno bbr"}
ns=bpftcp-bench-$$-$RANDOM
registered=()

cleanup() {
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	for a in "${registered[@]}"; do "$bpftcp" cc unregister "$a" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" taskset -c "$cpu" iperf3 -s -D -B 127.0.0.1 -p 5299 >/dev/null
sleep 0.3

avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control)
shipped=$("$bpftcp" -j cc list | python3 -c 'import json,sys; print(" ".join(a["name"] for a in json.load(sys.stdin)["algorithms"] if a["shipped"]))')
run_pairs=()
for a in $pairs; do
	[[ " $shipped " == *" bpf_$a "* ]] || { echo "skip $a: bpf_$a not shipped"; continue; }
	# The kernel version may be missing (no modules here): say so.
	[[ " $avail " == *" $a "* ]] || { echo "skip $a: kernel $a not available"; continue; }
	if ! "$bpftcp" -j cc list | grep -q "\"name\":\"bpf_$a\",\"source\":\"bpftcp\",\"shipped\":true,\"registered\":true"; then
		"$bpftcp" cc register "$a" >/dev/null
		registered+=("$a")
	fi
	run_pairs+=("$a")
done

one() { # one CC-NAME -> Mbit/s; fails with iperf3's own error
	ip netns exec "$ns" taskset -c "$cpu" iperf3 -c 127.0.0.1 -p 5299 -C "$1" -t "$secs" -J |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
if "error" in d:
    sys.exit("iperf3 with " + sys.argv[1] + ": " + d["error"])
used = d["end"].get("sender_tcp_congestion", sys.argv[1])
if used != sys.argv[1]:
    sys.exit(f"iperf3 ran {used}, not {sys.argv[1]}")
print(d["end"]["sum_received"]["bits_per_second"] / 1e6)' "$1"
}

declare -A samples
for ((r = 0; r < rounds; r++)); do
	for a in "${run_pairs[@]}"; do
		# Alternate which goes first, so neither always gets a warm cache.
		if ((r % 2)); then order="bpf_$a $a"; else order="$a bpf_$a"; fi
		for cc in $order; do samples[$cc]+="$(one "$cc") "; done
	done
done

python3 - "$BENCH_OUT/cc_throughput.json" "$rounds" "$secs" "${run_pairs[@]}" <<PY
import json, statistics, sys
out, rounds, secs, algos = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
samples = {$(for k in "${!samples[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${samples[$k]} | tr ' ' ',')"; done)}
res = {}
print(f"{'pair':<10} {'kernel Mbit/s':>14} {'bpf Mbit/s':>12} {'ratio':>7}   ({rounds} interleaved rounds of {secs}s, one core)")
for a in algos:
    k, b = statistics.median(samples[a]), statistics.median(samples["bpf_" + a])
    res[f"{a}_throughput_ratio"] = round(b / k, 4)
    res[f"{a}_kernel_mbps_median"] = round(k, 1)
    res[f"bpf_{a}_mbps_median"] = round(b, 1)
    print(f"{a:<10} {k:14.0f} {b:12.0f} {b/k:7.3f}")
res["cc_throughput_method"] = f"iperf3 loopback, sender+receiver on one core, {rounds} interleaved rounds x {secs}s, median"
json.dump(res, open(out, "w"), indent=2)
PY
