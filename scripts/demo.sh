#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make run: register every algorithm bpftcp ships, then show each one
# carrying a transfer as in real use, with its throughput: iperf3 over
# loopback in a private network namespace whose default congestion control
# is the algorithm, so both ends run it (the receiver's half matters to
# some: DCTCP needs a peer that negotiates ECN and echoes CE marks as DCTCP
# does).  The namespace's ECN setting comes from the algorithm's own flags
# ('bpftcp -j cc list' needs_ecn, i.e. TCP_CONG_NEEDS_ECN): on for those that
# need it, the kernel default otherwise.  Nothing depends on the host's
# default algorithm.
#
# Ends with a short comparison over the emulated 100 Mbit/s, 40 ms link
# (netns-tests/compare: scenarios single and pairs, DEMO_COMPARE_SECONDS
# each; pairs with --reps 1, i.e. each pair once in each order with its
# controls, about 2.5 minutes) and prints its table.  One repetition gives
# no usable interval: make compare's equivalence verdict needs its default.
#
# Each algorithm's outcome is one line.  An algorithm that the demo cannot
# run here (a precondition it checks first, e.g. registered by someone else
# with --restricted, so no namespace may make it its default) is SKIPPED
# with the reason; one that should have run but did not carry its own
# traffic (iperf3 failed, or the kernel used another algorithm, as DCTCP
# does when ECN is not negotiated) is FAILED.  The demo always goes on to
# the end.  Exit status: 1 if anything FAILED or the comparison failed (the
# demo exists to show every algorithm working, so a silent miss would hide
# exactly the regressions it should reveal); 0 otherwise, and skips also
# count as failures when BPFTCP_NO_SKIP=1 (as in CI and make test).
#
# The registrations stay in place afterwards so you can use them; undo with
# 'build/bpftcp cc unregister all'.
set -euo pipefail
bpftcp=${1:-build/bpftcp}
secs=${DEMO_SECONDS:-2}
here=$(cd "$(dirname "$0")" && pwd)
ns=bpftcp-demo-$$-$RANDOM
port=5201

[ "$(id -u)" = 0 ] || { echo "make run needs root (BPF and network namespaces)" >&2; exit 1; }
python=$("$here/find-python.sh")
cleanup() { ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT

echo "== registering every algorithm bpftcp ships"
"$bpftcp" cc register all
echo
"$bpftcp" cc list
echo

ip netns add "$ns"
ip -n "$ns" link set lo up

# One line per registered bpftcp algorithm: "NAME NEEDS_ECN(0/1)".
algos=$("$bpftcp" -j cc list | "$python" -c '
import json, sys
for a in json.load(sys.stdin)["algorithms"]:
    if a["pinned"]:
        print(a["name"], int(a.get("needs_ecn", False)))')

# carry CC NEEDS_ECN: one transfer with CC at both ends; prints the result
# line.  Returns 0 if CC carried it, 1 if it should have and did not, 77 if
# it cannot run here.
carry() {
	local cc=$1 ecn=$2 json srv
	if ! tr ' ' '\n' < /proc/sys/net/ipv4/tcp_allowed_congestion_control | grep -qx "$cc"; then
		# Trying anyway would be refused (EPERM), and up to Linux 6.18
		# that refusal leaks a reference to the algorithm (bpftcp(8)).
		printf '%-16s SKIPPED: not in net.ipv4.tcp_allowed_congestion_control (registered with --restricted?), so no namespace may make it its default\n' "$cc"
		return 77
	fi
	ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_congestion_control="$cc" \
		net.ipv4.tcp_ecn=$((ecn ? 1 : 2)) >/dev/null ||
		{ printf '%-16s FAILED: cannot make it the namespace default\n' "$cc"; return 1; }
	# A new server per algorithm: a listener keeps the algorithm it was
	# created with, and the kernel checks the listener's for ECN.
	ip netns exec "$ns" iperf3 -s -1 -B 127.0.0.1 -p $port >/dev/null 2>&1 &
	srv=$!
	for _ in $(seq 100); do
		ip netns exec "$ns" ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.05
	done
	json=$(ip netns exec "$ns" timeout $((secs + 20)) iperf3 -c 127.0.0.1 -p $port -C "$cc" -t "$secs" -J) || true
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	"$python" -c '
import json, sys
cc, ecn = sys.argv[1], sys.argv[2] == "1"
def fail(why):
    print("%-16s FAILED: %s" % (cc, why))
    sys.exit(1)
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    fail("iperf3 gave no result")
if "error" in d:
    fail("iperf3: %s" % d["error"])
end = d.get("end", {})
used = (end.get("sender_tcp_congestion"), end.get("receiver_tcp_congestion"))
if used != (cc, cc):
    fail("the kernel used %s (sender) and %s (receiver), not %s%s" % (used + (cc,
         ": ECN was not negotiated" if ecn else "")))
s = end["sum_sent"]
if not s.get("bytes"):
    fail("no bytes sent")
print("%-16s %12.0f %8d %s" % (cc, s["bits_per_second"] / 1e6, s.get("retransmits", 0),
                                 "on" if ecn else "-"))' "$cc" "$ecn" <<<"$json"
}

echo "== one ${secs}s transfer per algorithm, both ends running it, loopback in private netns $ns"
printf '%-16s %12s %8s %s\n' ALGORITHM "Mbit/s" RETRANS ECN
failed=() skipped=() carried=0
while read -r cc ecn; do
	rc=0
	carry "$cc" "$ecn" || rc=$?
	case $rc in
	0) carried=$((carried + 1)) ;;
	77) skipped+=("$cc") ;;
	*) failed+=("$cc") ;;
	esac
done <<<"$algos"
echo "$carried of $(wc -l <<<"$algos") algorithms carried traffic${failed[*]:+; FAILED: ${failed[*]}}${skipped[*]:+; skipped: ${skipped[*]}}"
echo

compare_secs=${DEMO_COMPARE_SECONDS:-10}
build=$(dirname "$bpftcp")
# The kernel's cubic only where this kernel has it.
ccs=reno,bpf_reno
[[ " $(cat /proc/sys/net/ipv4/tcp_available_congestion_control) " == *" cubic "* ]] &&
	ccs=cubic,bpf_cubic,$ccs
echo "== short comparison on the emulated link (${compare_secs}s per run; make compare runs the full one)"
compare_rc=0
"$here/../netns-tests/compare" --build "$build" --scenario single,pairs --reps 1 --cc "$ccs" \
	--duration "$compare_secs" --out "$build/compare-demo" --table || compare_rc=$?
echo
echo "registered algorithms stay in place; remove them with: $bpftcp cc unregister all"

status=0
[ ${#failed[@]} = 0 ] || { echo "make run: FAILED: ${failed[*]} did not carry their own traffic" >&2; status=1; }
[ $compare_rc = 0 ] || { echo "make run: FAILED: the comparison exited with status $compare_rc" >&2; status=1; }
if [ ${#skipped[@]} -gt 0 ] && [ "${BPFTCP_NO_SKIP:-0}" = 1 ]; then
	echo "make run: FAILED: BPFTCP_NO_SKIP=1 and ${skipped[*]} could not run here" >&2
	status=1
fi
exit $status
