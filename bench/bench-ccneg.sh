#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# What the congestion-control negotiation option (hdropt/ccneg.bpf.c) costs
# a connection, by bench-delack.sh's method and traffic (build/bench/delack_crr):
# two cgroups, "on" with 'bpftcp opt attach ccneg' and "off" without; in a
# private netns over loopback, a server in each and the client in the same
# cgroup as the server it talks to, so with "on" both ends negotiate.
# Client and server are pinned to one CPU, so the program's CPU cost shows.
# "on" prefers reno (cubic where the namespace's default is reno), so that
# every connection pays for the whole option: the offer in the SYN, the
# saved SYN and the choice on the server, the answer, and a real switch of
# the algorithm at both ends (bpf_setsockopt TCP_CONGESTION).
# Rounds run both variants, in alternating order; each round's ratio is on / off:
#   ccneg_crr_ratio     the median of the per-round ratios of connections/s
#                       (connect, 1-byte request, 1-byte response, close, in
#                       a loop); target >= 0.95
#   ccneg_crr_ratio_ci  a distribution-free confidence interval of that
#                       median (order statistics; at least 95 %, its exact
#                       coverage in ccneg_crr_ratio_ci_coverage)
# BENCH_ROUNDS (24), BENCH_SECONDS (1 per CRR run) and BENCH_CPU (0) tune it.
set -euo pipefail
: "${BUILD:=build}" "${BENCH_OUT:=$BUILD/bench/fragments}"
here=$(cd "$(dirname "$0")/.." && pwd)
bpftcp=$BUILD/bpftcp
tool=$BUILD/bench/delack_crr
rounds=${BENCH_ROUNDS:-24}
secs=${BENCH_SECONDS:-1}
cpu=${BENCH_CPU:-0}
tag=bpftcp-bench-ccneg-$$-$RANDOM
ns=$tag
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cgroot" ] || { echo "bench-ccneg: no cgroup2 mount in /proc/mounts" >&2; exit 1; }
[ -x "$tool" ] || { echo "bench-ccneg: no $tool (make bench builds it)" >&2; exit 1; }
cg_on=$cgroot/$tag-on
cg_off=$cgroot/$tag-off
attached=0

cleanup() {
	local cg
	for cg in "$cg_on" "$cg_off"; do
		[ -d "$cg" ] || continue
		echo 1 > "$cg/cgroup.kill" 2>/dev/null || true
		for _ in $(seq 100); do [ -s "$cg/cgroup.procs" ] || break; sleep 0.05; done
	done
	if [ $attached = 1 ]; then
		"$bpftcp" opt detach ccneg --cgroup "$cg_on" >/dev/null 2>&1 || true
	fi
	rmdir "$cg_on" "$cg_off" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

mkdir "$cg_on" "$cg_off"
# shellcheck source=crr-lib.sh
source "$(dirname "$0")/crr-lib.sh"
crr_netns
# The namespace's default comes from the host (and only an allowed one may
# be set): "on" negotiates another, so that every connection switches.
default=$(ip netns exec "$ns" sysctl -n net.ipv4.tcp_congestion_control)
if [ "$default" = reno ]; then alg=cubic; else alg=reno; fi
attached=1
"$bpftcp" opt attach ccneg --cgroup "$cg_on" --prefer "$alg" --fallback "$default" >/dev/null
crr_servers "$cg_on:7201" "$cg_off:7202"

declare -a crr_on crr_off
crr_round() {	# on|off ROUND
	case $1 in
	on) crr_on+=("$(in_cg "$cg_on" "$tool" crr "127.0.1.$2" 7201 "$secs")") ;;
	off) crr_off+=("$(in_cg "$cg_off" "$tool" crr "127.0.2.$2" 7202 "$secs")") ;;
	esac
}
# on_counters: "chosen($alg) fallback errors malformed" of the "on" attachment.
on_counters() {
	"$bpftcp" -j opt show ccneg | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1]:
        c = a["counters"]
        print(c["chosen"][sys.argv[2]], c["fallback"], c["errors"], c["malformed"])' "$cg_on" "$alg"
}

# Warm-up, not measured (as in bench-delack.sh: the first seconds of CRR
# in a new namespace run slower).
for v in on off on off on off; do crr_round "$v" 250; done
crr_on=() crr_off=()
warm=$(on_counters)
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="on off"; else order="off on"; fi
	for v in $order; do crr_round "$v" "$r"; done
done
counters=$(on_counters)

mkdir -p "$BENCH_OUT"
PYTHONPATH=$here/netns-tests python3 - "$BENCH_OUT/ccneg.json" "$secs" "$counters" "$warm" \
	"${crr_on[*]}" "${crr_off[*]}" <<'PY'
import json, statistics, sys
from compare_lib import metrics
out, secs = sys.argv[1], float(sys.argv[2])
total = [int(x) for x in sys.argv[3].split()]
chosen = total[0] - int(sys.argv[4].split()[0])
crr_on, crr_off = ([float(x) for x in a.split()] for a in sys.argv[5:7])
m = statistics.median
# Per round (on / off of the same round, seconds apart), then the median
# of those, which a slow drift of the shared machine's speed does not bias.
ratios = [x / y for x, y in zip(crr_on, crr_off)]
ci = metrics.median_ci95(ratios)
conns = sum(crr_on) * secs
res = {
    "ccneg_crr_ratio": round(ci["median"], 4),
    "ccneg_crr_ratio_ci": [round(ci["low"], 4), round(ci["high"], 4)] if ci["low"] is not None else None,
    "ccneg_crr_ratio_ci_coverage": round(ci["coverage"], 4) if ci["coverage"] is not None else None,
    "ccneg_crr_ratio_range": [round(min(ratios), 4), round(max(ratios), 4)],
    # The medians as time per connection (µs): what the option adds.
    "ccneg_option_cost_us": round((1 / m(crr_on) - 1 / m(crr_off)) * 1e6, 2),
    "ccneg_crr_on_cps": round(m(crr_on), 1),
    "ccneg_crr_off_cps": round(m(crr_off), 1),
    "ccneg_rounds": len(ratios),
    # Both ends of every "on" connection switched: about 2.
    "ccneg_chosen_per_conn": round(chosen / conns, 3),
    "ccneg_fallback": total[1],
    "ccneg_errors": total[2],
    "ccneg_malformed": total[3],
}
json.dump(res, open(out, "w"), indent=1)
lo, hi = res["ccneg_crr_ratio_ci"] or (None, None)
print(f"{'median of':22} {'option on':>12} {'option off':>12} {'ratio':>8}   ratio's CI ({ci['coverage'] or 0:.1%})   range")
print(f"{'CRR conn/s':22} {res['ccneg_crr_on_cps']:>12} {res['ccneg_crr_off_cps']:>12} "
      f"{res['ccneg_crr_ratio']:>8}   [{lo}, {hi}]   {res['ccneg_crr_ratio_range']}")
print(f"per connection: the option {res['ccneg_option_cost_us']} us; target ratio >= 0.95")
print(f"switched per 'on' connection: {res['ccneg_chosen_per_conn']} (both ends: 2), "
      f"fallback {res['ccneg_fallback']}, errors {res['ccneg_errors']}, malformed {res['ccneg_malformed']}")
if res["ccneg_errors"] or res["ccneg_fallback"] or not 1.9 <= res["ccneg_chosen_per_conn"] <= 2.1:
    sys.exit("bench-ccneg: the 'on' connections did not all negotiate")
PY
