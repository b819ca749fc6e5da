# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Which clock does the running kernel's cubic keep last_time (and the epoch)
# in, and does bpf_cubic keep the same?  Upstream discussed moving last_time
# from jiffies to microseconds; the port follows the kernel that runs, so
# this asks the kernel.  A sockops program (selftests/bpf/ca_priv_peek.bpf.c,
# no tracing needed) copies the sender's icsk_ca_priv with jiffies and
# tp->tcp_mstamp each time it sends, during a tcpscript run of congestion
# avoidance (netns-tests/cubic-clock.tcp) in a cgroup of the test's own.
# The two clocks are far apart (jiffies count from boot at HZ, tcp_mstamp in
# microseconds), so each value shows which one it was taken from.

CUBIC_CLOCK_SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cubic-clock.tcp

ALL_TESTS="
	cubic_clock_native_and_port_agree
"

# peek_run CC OUT: one tcpscript run with CC, the samples as JSON in OUT.
peek_run() {
	local cc=$1 out=$2 pin map
	pin=$BPFFS/bpftcp-test-peek-$$-$RANDOM
	run bpftool prog load "$BUILD/selftests/bpf/ca_priv_peek.bpf.o" "$pin" type sockops ||
		fail "cannot load the sockops peek program"
	cleanup_push "rm -f '$pin'"
	run bpftool cgroup attach "$CGROUP" sock_ops pinned "$pin" || fail "cannot attach the peek program"
	cleanup_push "bpftool cgroup detach '$CGROUP' sock_ops pinned '$pin'"
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CGROUP" \
		"$BUILD/tcpscript" -q -c "$cc" -o "$TEST_TMP/$cc.csv" "$CUBIC_CLOCK_SCRIPT" 2> "$TEST_TMP/$cc.log" ||
		{ cat "$TEST_TMP/$cc.log" >&2; fail "tcpscript -c $cc failed"; }
	map=$(bpftool -j prog show pinned "$pin" | python3 -c '
import json, subprocess, sys
for m in json.load(sys.stdin)["map_ids"]:
    info = json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "id", str(m)]))
    if info["name"] == "samples":
        print(m)') || fail "no samples map"
	bpftool -j map dump id "$map" > "$out" || fail "cannot dump the samples"
	run bpftool cgroup detach "$CGROUP" sock_ops pinned "$pin"
	rm -f "$pin"
}

cubic_clock_native_and_port_agree() {
	require_cmds bpftool python3
	[ -x "$BUILD/tcpscript" ] || skip "no $BUILD/tcpscript (make build/tcpscript)"
	cc_registered cubic || skip "the kernel has no cubic"
	BPFFS=$(awk '$3 == "bpf" { print $2; exit }' /proc/mounts)
	[ -n "$BPFFS" ] || skip "no bpffs mounted (bpftcp mounts one at its first use; run bpftcp status)"
	cc_register cubic
	cgroup_new cubicclock
	peek_run cubic "$TEST_TMP/native.json"
	peek_run bpf_cubic "$TEST_TMP/port.json"
	python3 - "$TEST_TMP/native.json" "$TEST_TMP/port.json" <<'PY' || fail "clock check failed"
import json, sys

def verdict(path, who):
    """For samples in congestion avoidance (epoch_start set), where
    last_time and epoch_start sit: near jiffies, or near tcp_mstamp."""
    rows = [e["formatted"]["value"] for e in json.load(open(path))]
    rows = [r for r in rows if r["jiffies"] and r["w"][7]]
    if len(rows) < 50:
        sys.exit(f"{who}: only {len(rows)} samples in congestion avoidance")
    near = lambda a, b, span: (b - a) % 2**32 <= span
    out = {}
    for name, k in (("last_time", 3), ("epoch_start", 7)):
        jif = sum(near(r["w"][k], r["jiffies"] % 2**32, 2500) for r in rows)  # 10 s at HZ 250
        usec = sum(near(r["w"][k], r["mstamp"], 10_000_000) for r in rows)
        if jif == len(rows) and not usec:
            out[name] = "jiffies"
        elif usec == len(rows) and not jif:
            out[name] = "usec"
        else:
            sys.exit(f"{who}: {name} is neither always jiffies ({jif}) nor always usec ({usec}) "
                     f"of {len(rows)} samples")
    print(f"{who}: {len(rows)} samples: last_time in {out['last_time']}, "
          f"epoch_start in {out['epoch_start']}")
    return out

native, port = verdict(sys.argv[1], "cubic"), verdict(sys.argv[2], "bpf_cubic")
if native != port:
    sys.exit(f"bpf_cubic keeps {port} but the running kernel's cubic keeps {native}")
PY
}
