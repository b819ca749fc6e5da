#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# What the max-delayed-ACK header option (hdropt/delack.bpf.c) costs.
# Two cgroups, "on" with 'bpftcp opt attach delack' and "off" without; in a
# private netns over loopback, a server in each and the client in the same
# cgroup as the server it talks to, so with "on" both ends negotiate.
# Client and server are pinned to one CPU, so the program's CPU cost shows.
# Rounds interleave the variants, each in every position in turn, so that a
# slow drift of the machine's load hits them alike; each ratio is the median
# of the per-round ratios (printed with their range):
#   delack_crr_ratio   connections/s (connect, 1-byte request, 1-byte
#                      response, close, in a loop), on / off; target >= 0.95
#                      ("on" is 'opt attach delack' as shipped: counters,
#                      no per-socket record)
#   delack_bulk_ratio  bulk throughput of one connection, on / off;
#                      target >= 0.99 (the option callbacks are off after the
#                      handshake, so the data path should not see it)
#   delack_crr_record_ratio  CRR with 'attach --record' / off: the same
#                      negotiation plus the per-socket record, whose
#                      sk_local_storage allocation (and RCU free) on each end
#                      is most of what the option can cost a connection
# BENCH_ROUNDS (18 per variant: each order of the three CRR variants three
# times), BENCH_SECONDS (1 per CRR round), BENCH_BULK_SECONDS (3 per bulk
# round: loopback bulk rates swing more from second to second) and
# BENCH_CPU (0) tune it.
set -euo pipefail
: "${BUILD:=build}" "${BENCH_OUT:=$BUILD/bench/fragments}"
bpftcp=$BUILD/bpftcp
tool=$BUILD/bench/delack_crr
rounds=${BENCH_ROUNDS:-18}
secs=${BENCH_SECONDS:-1}
bulk_secs=${BENCH_BULK_SECONDS:-3}
cpu=${BENCH_CPU:-0}
tag=bpftcp-bench-delack-$$-$RANDOM
ns=$tag
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cgroot" ] || { echo "bench-delack: no cgroup2 mount in /proc/mounts" >&2; exit 1; }
[ -x "$tool" ] || { echo "bench-delack: no $tool (make bench builds it)" >&2; exit 1; }
cg_on=$cgroot/$tag-on
cg_off=$cgroot/$tag-off
cg_rec=$cgroot/$tag-rec
attached=0

cleanup() {
	local cg
	for cg in "$cg_on" "$cg_off" "$cg_rec"; do
		[ -d "$cg" ] || continue
		echo 1 > "$cg/cgroup.kill" 2>/dev/null || true
		for _ in $(seq 100); do [ -s "$cg/cgroup.procs" ] || break; sleep 0.05; done
	done
	if [ $attached = 1 ]; then
		"$bpftcp" opt detach delack --cgroup "$cg_on" >/dev/null 2>&1
		"$bpftcp" opt detach delack --cgroup "$cg_rec" >/dev/null 2>&1
	fi
	rmdir "$cg_on" "$cg_off" "$cg_rec" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

mkdir "$cg_on" "$cg_off" "$cg_rec"
attached=1
"$bpftcp" opt attach delack --cgroup "$cg_on" --max-delack 20 >/dev/null
"$bpftcp" opt attach delack --cgroup "$cg_rec" --max-delack 20 --record >/dev/null
# shellcheck source=crr-lib.sh
source "$(dirname "$0")/crr-lib.sh"
crr_netns
crr_servers "$cg_on:7101" "$cg_off:7102" "$cg_rec:7103"

declare -a crr_on crr_off crr_rec bulk_on bulk_off
crr_round() {	# on|off|rec ROUND
	case $1 in
	on) crr_on+=("$(in_cg "$cg_on" "$tool" crr 127.0.1.$2 7101 "$secs")") ;;
	off) crr_off+=("$(in_cg "$cg_off" "$tool" crr 127.0.2.$2 7102 "$secs")") ;;
	rec) crr_rec+=("$(in_cg "$cg_rec" "$tool" crr 127.0.3.$2 7103 "$secs")") ;;
	esac
}
bulk_round() {	# on|off
	if [ "$1" = on ]; then
		bulk_on+=("$(in_cg "$cg_on" "$tool" bulk 127.0.0.1 7101 "$bulk_secs")")
	else
		bulk_off+=("$(in_cg "$cg_off" "$tool" bulk 127.0.0.1 7102 "$bulk_secs")")
	fi
}
# on_counters: "applied errors malformed" of the "on" attachment.
on_counters() {
	"$bpftcp" -j opt show | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1]:
        c = a["counters"]
        print(c["applied"], c["errors"], c["malformed"])' "$cg_on"
}

# Warm-up, not measured: on the development machine the first 4 s or so of
# CRR in a new namespace ran at about 60 % of the later rate, whatever the
# variant and however long the namespace had existed (cause not pinned down).
for v in on off rec on off rec; do crr_round "$v" 250; done
crr_on=() crr_off=() crr_rec=()
warm=$(on_counters)
# The CRR variants take turns in every order (each of the six once in six
# rounds), so none is always first or last in a round.
crr_orders=("on off rec" "off rec on" "rec on off" "rec off on" "off on rec" "on rec off")
for r in $(seq "$rounds"); do
	for v in ${crr_orders[$(((r - 1) % 6))]}; do crr_round "$v" "$r"; done
	if [ $((r % 2)) = 1 ]; then order="on off"; else order="off on"; fi
	for v in $order; do bulk_round "$v"; done
done

# Both ends negotiated in every "on" connection: 2 applied per connection.
applied=$(on_counters)

mkdir -p "$BENCH_OUT"
python3 - "$BENCH_OUT/delack.json" "$secs" "$applied" "$warm" \
	"${crr_on[*]}" "${crr_off[*]}" "${bulk_on[*]}" "${bulk_off[*]}" "${crr_rec[*]}" <<'PY'
import json, statistics, sys
out, secs = sys.argv[1], float(sys.argv[2])
# The counters after the rounds, less what the warm-up left in them.
total = [int(x) for x in sys.argv[3].split()]
applied = [x - int(w) for x, w in zip(total, sys.argv[4].split())]
crr_on, crr_off, bulk_on, bulk_off, crr_rec = ([float(x) for x in a.split()] for a in sys.argv[5:10])
m = statistics.median
conns = sum(crr_on) * secs + len(bulk_on)

# Each round measures every variant within a few seconds: the ratios are
# taken per round (on / off of the same round), then the median of those,
# which a slow drift of the shared machine's speed does not bias.
def paired(a, b):
    r = [x / y for x, y in zip(a, b)]
    return round(m(r), 4), round(min(r), 3), round(max(r), 3)

crr, bulk, rec = paired(crr_on, crr_off), paired(bulk_on, bulk_off), paired(crr_rec, crr_off)
res = {
    "delack_crr_ratio": crr[0],
    "delack_bulk_ratio": bulk[0],
    "delack_crr_record_ratio": rec[0],
    # Medians as time per connection (µs): what the option adds, and what
    # --record adds on top of it.
    "delack_option_cost_us": round((1 / m(crr_on) - 1 / m(crr_off)) * 1e6, 2),
    "delack_record_cost_us": round((1 / m(crr_rec) - 1 / m(crr_on)) * 1e6, 2),
    "delack_crr_on_cps": round(m(crr_on), 1),
    "delack_crr_off_cps": round(m(crr_off), 1),
    "delack_crr_record_cps": round(m(crr_rec), 1),
    "delack_bulk_on_gbps": round(m(bulk_on) / 1e9, 3),
    "delack_bulk_off_gbps": round(m(bulk_off) / 1e9, 3),
    "delack_rounds": len(crr_on),
    # Every "on" connection negotiated at both ends (about 2 per connection).
    "delack_applied_per_conn": round(applied[0] / conns, 3),
    "delack_errors": total[1],
}
json.dump(res, open(out, "w"), indent=1)
print(f"{'median of':22} {'option on':>12} {'option off':>12} {'ratio':>8}   per-round ratios")
for name, a, b, r in (("CRR conn/s", crr_on, crr_off, crr),
                      ("bulk Gbit/s", [x / 1e9 for x in bulk_on], [x / 1e9 for x in bulk_off], bulk),
                      ("CRR, --record", crr_rec, crr_off, rec)):
    print(f"{name:22} {round(m(a), 3):>12} {round(m(b), 3):>12} {r[0]:>8}   {r[1]} .. {r[2]}")
print(f"per connection: the option {res['delack_option_cost_us']} us, --record {res['delack_record_cost_us']} us more")
print(f"option applied per 'on' connection: {res['delack_applied_per_conn']} (both ends: 2), errors {res['delack_errors']}")
if res["delack_errors"] or not 1.9 <= res["delack_applied_per_conn"] <= 2.1:
    sys.exit("bench-delack: the 'on' connections did not all negotiate")
PY
