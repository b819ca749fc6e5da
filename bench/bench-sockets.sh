#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# How fast 'bpftcp sockets' lists, against 'ss -tin' listing the same sockets.
# A cgroup with collection attached ('bpftcp sockets attach'); in it, in a
# private netns, one process opens BENCH_SOCKETS_CONNS (20 000) loopback
# connections and holds them: both ends are in the cgroup, so every one of
# the 2 x 20 000 sockets has a record.  Then, rounds in turn A B, B A, ...
# (each order in every other round), each command lists all of them into
# /dev/null from the host netns (ss -N NS, bpftcp sockets -n NS: both enter
# the namespace themselves), timed from fork to exit:
#   sockets_list_ratio  median wall time of 'ss -tin' / median wall time of
#                       'bpftcp sockets'; target >= 1.0
# with the per-round ratios' median and range, and both medians in ms.
# BENCH_ROUNDS (20) and BENCH_SOCKETS_CONNS tune it.
set -euo pipefail
: "${BUILD:=build}" "${BENCH_OUT:=$BUILD/bench/fragments}"
bpftcp=$(realpath "$BUILD/bpftcp")
rounds=${BENCH_ROUNDS:-20}
conns=${BENCH_SOCKETS_CONNS:-20000}
tag=bpftcp-bench-sockets-$$-$RANDOM
ns=$tag
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cgroot" ] || { echo "bench-sockets: no cgroup2 mount in /proc/mounts" >&2; exit 1; }
cg=$cgroot/$tag
ready=$(mktemp /tmp/$tag.XXXXXX)
attached=0

cleanup() {
	if [ -d "$cg" ]; then
		echo 1 > "$cg/cgroup.kill" 2>/dev/null || true
		# (cgroupfs files stat as empty: read it, do not test -s)
		for _ in $(seq 100); do [ -n "$(cat "$cg/cgroup.procs")" ] || break; sleep 0.05; done
	fi
	[ $attached = 1 ] && "$bpftcp" sockets detach --cgroup "$cg" >/dev/null 2>&1
	rmdir "$cg" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -f "$ready" "$ready".*
}
trap cleanup EXIT

mkdir "$cg"
attached=1
"$bpftcp" sockets attach --cgroup "$cg" >/dev/null
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
# Holders: each connects to its own listener and accepts PER times (2 fds a
# connection), says so in its file, then sleeps until cleanup() kills the
# cgroup.  As many as RLIMIT_NOFILE needs: raised to the hard limit, which
# root may not be allowed to pass (20 000 in some containers).
ulimit -n "$(ulimit -Hn)"
per=$(( ($(ulimit -n) - 64) / 2 ))
((per > 5000)) && per=5000
holders=$(( (conns + per - 1) / per ))
for ((h = 0; h < holders; h++)); do
	n=$(( conns - h * per < per ? conns - h * per : per ))
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" \
		ip netns exec "$ns" python3 -c '
import socket, sys, time
n, port, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lst = socket.socket()
lst.bind(("127.0.0.1", port))
lst.listen(4096)
held = []
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port))
    s, _ = lst.accept()
    held += (c, s)
open(ready, "w").write(str(len(held)))
while True:
    time.sleep(3600)
' "$n" $((7201 + h)) "$ready.$h" &
done
disown -a
for ((h = 0; h < holders; h++)); do
	for _ in $(seq 1200); do [ -s "$ready.$h" ] && break; sleep 0.05; done
	[ -s "$ready.$h" ] || { echo "bench-sockets: holder $h did not open its connections" >&2; exit 1; }
done

# Both list the same sockets: every established one has a record.
estab=$(ss -N "$ns" -Htn state established | wc -l)
records=$("$bpftcp" -j sockets -n "$ns" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["sockets"]))')
if [ "$estab" != $((2 * conns)) ] || [ "$records" != $((2 * conns)) ]; then
	echo "bench-sockets: $estab established sockets and $records records, expected $((2 * conns)) each" >&2
	exit 1
fi

mkdir -p "$BENCH_OUT"
python3 - "$BENCH_OUT/sockets.json" "$rounds" "$conns" "$records" "$ns" "$bpftcp" <<'PY'
import json, statistics, subprocess, sys, time
out, rounds, conns, records, ns, bpftcp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
cmds = {"ss": ["ss", "-N", ns, "-tin"], "bpftcp": [bpftcp, "sockets", "-n", ns]}

def run(name):
    t0 = time.perf_counter()
    subprocess.run(cmds[name], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0

# One of each, not measured: page cache, slab and the dentries warm.
run("ss"); run("bpftcp")
t = {"ss": [], "bpftcp": []}
for r in range(rounds):
    for name in (("ss", "bpftcp") if r % 2 == 0 else ("bpftcp", "ss")):
        t[name].append(run(name))
m = statistics.median
per_round = [a / b for a, b in zip(t["ss"], t["bpftcp"])]
res = {
    "sockets_list_ratio": round(m(t["ss"]) / m(t["bpftcp"]), 3),
    "sockets_list_ratio_per_round_median": round(m(per_round), 3),
    "sockets_list_ratio_min": round(min(per_round), 3),
    "sockets_list_ratio_max": round(max(per_round), 3),
    "sockets_list_ss_ms": round(m(t["ss"]) * 1e3, 1),
    "sockets_list_bpftcp_ms": round(m(t["bpftcp"]) * 1e3, 1),
    "sockets_list_records": records,
    "sockets_list_rounds": rounds,
}
json.dump(res, open(out, "w"), indent=1)
print(f"{conns} connections, {records} sockets with a record, listed in full into /dev/null")
print(f"{'median of':16} {'ms':>8}   range")
for name, label in (("ss", "ss -tin"), ("bpftcp", "bpftcp sockets")):
    print(f"{label:16} {m(t[name]) * 1e3:8.1f}   {min(t[name]) * 1e3:.1f} .. {max(t[name]) * 1e3:.1f}")
print(f"sockets_list_ratio {res['sockets_list_ratio']}  (ss / bpftcp; per round: median "
      f"{res['sockets_list_ratio_per_round_median']}, range {res['sockets_list_ratio_min']} .. "
      f"{res['sockets_list_ratio_max']}; {rounds} rounds, ABAB in both orders)")
PY
