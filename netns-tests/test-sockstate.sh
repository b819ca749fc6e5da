# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# bpftcp's per-socket records seen by a tool that knows nothing of bpftcp:
# iproute2's ss (>= 6.15, built with libbpf) prints a socket's
# sk_local_storage with --bpf-maps / --bpf-map-id=ID, decoded with the map's
# BTF.  Collection is attached to a cgroup of the test's own; a process in
# that cgroup makes a loopback connection in the client namespace (bpf_cubic
# on the connecting side, the namespace default on the accepting side) and
# keeps it open while ss looks.

ALL_TESTS="
	sockstate_ss_decodes_record
"

SS_PORT=7300

sockstate_ss_decodes_record() {
	local bpffs map id out
	require_cmds bpftool
	[ -x "$BPFTCP" ] || skip "no bpftcp at $BPFTCP (run make)"
	ss --help 2>&1 | grep -q -e --bpf-map-id ||
		skip "ss has no --bpf-map-id (iproute2 < 6.15 or built without libbpf; run scripts/install-deps.sh)"
	topo_setup --no-emulator
	cc_register cubic
	cgroup_new sockstate
	run "$BPFTCP" sockets attach --cgroup "$CGROUP" >/dev/null || fail "sockets attach"
	cleanup_push "'$BPFTCP' sockets detach --cgroup '$CGROUP'"

	# The record map is pinned under the bpffs bpftcp uses: /sys/fs/bpf if
	# mounted there, else the first bpffs in /proc/mounts.
	bpffs=$(awk '$3 == "bpf" { if (!m || $2 == "/sys/fs/bpf") m = $2 } END { print m }' /proc/mounts)
	map=$bpffs/bpftcp/sock_state_v3
	[ -e "$map" ] || fail "no record map pinned at $map"
	id=$(bpftool -j map show pinned "$map" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') ||
		fail "bpftool cannot show $map"

	# Sockets belong to the cgroup of the process that creates them.
	cat > "$TEST_TMP/peer.py" <<'PY'
import socket, sys, time
port, ready = int(sys.argv[1]), sys.argv[2]
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port))
l.listen()
c = socket.socket()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"bpf_cubic")
c.connect(("127.0.0.1", port))
s, _ = l.accept()
for _ in range(20):		# request/response rounds: RTT samples on both ends
    c.sendall(b"x" * 100000)
    n = 0
    while n < 100000:
        n += len(s.recv(1 << 20))
    s.sendall(b"y")
    c.recv(1)
open(ready, "w").close()
time.sleep(60)
PY
	[ "${V:-0}" = 1 ] && echo "+ peer.py in $CGROUP, netns $NS_CLIENT &" >&2
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CGROUP" ip netns exec "$NS_CLIENT" \
		python3 "$TEST_TMP/peer.py" $SS_PORT "$TEST_TMP/ready" &
	_BG_PIDS+=("$!")
	echo "$!" >> "$TEST_TMP/pids"
	for _ in $(seq 200); do
		[ -e "$TEST_TMP/ready" ] && break
		sleep 0.05
	done
	[ -e "$TEST_TMP/ready" ] || fail "the loopback connection did not finish its exchange"

	out=$TEST_TMP/ss.txt
	on client ss -tinH --bpf-map-id="$id" "( sport = :$SS_PORT or dport = :$SS_PORT )" > "$out" ||
		fail "ss --bpf-map-id=$id"
	[ "${V:-0}" = 1 ] && cat "$out" >&2
	# Both ends' records, decoded: header, algorithm name, statistics and
	# (bpf_cubic's side) the exported kind, checked against ss's own
	# tcp_info fields on the same socket.
	python3 - "$out" "$id" "$SS_PORT" "$TOPO_CC" <<'PY' || fail "ss did not show the expected records (output: $out)"
import re, sys
text, map_id, port, accept_cc = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4]
socks = re.split(r"^(?=ESTAB)", text, flags=re.M)[1:]
ok = True
def check(what, cond):
    global ok
    print(("ok: " if cond else "FAIL: ") + what, file=sys.stderr)
    ok &= bool(cond)
check("two established sockets listed", len(socks) == 2)
for s in socks:
    side = "connecting" if re.match(r"ESTAB\s+\S+\s+\S+\s+\S+:\d+\s+\S+:%s\b" % port, s) else "accepting"
    want_cc = "bpf_cubic" if side == "connecting" else accept_cc
    field = lambda n: int(re.search(r"\.%s = \(__u\d+\)(\d+)," % n, s).group(1)) \
        if re.search(r"\.%s = \(__u\d+\)(\d+)," % n, s) else None
    check("%s: map_id:%s printed" % (side, map_id), "map_id:%s [" % map_id in s)
    check("%s: record type struct bpftcp_sock_state" % side, "(struct bpftcp_sock_state){" in s)
    check("%s: version 3" % side, field("version") == 3)
    check("%s: size 136" % side, field("size") == 136)
    m = re.search(r"\.ca_name = \(char\[16\]\)\[(.*?)\]", s, re.S)
    name = "".join(re.findall(r"'(.)'", m.group(1))) if m else None
    check("%s: ca_name %r = %s" % (side, name, want_cc), name == want_cc)
    check("%s: kernel shows %s too" % (side, want_cc), re.search(r"^\s+%s\s" % want_cc, s, re.M))
    check("%s: rtt_samples %s > 0" % (side, field("rtt_samples")), (field("rtt_samples") or 0) > 0)
    check("%s: established_ns > 0" % side, (field("established_ns") or 0) > 0)
    rmin, srtt, rmax = field("rtt_min_us"), field("srtt_us"), field("rtt_max_us")
    check("%s: 0 < rtt_min %s <= srtt %s <= rtt_max %s" % (side, rmin, srtt, rmax),
          None not in (rmin, srtt, rmax) and 0 < rmin <= srtt <= rmax)
    acked = re.search(r"\bbytes_acked:(\d+)", s)
    check("%s: 0 < record bytes_acked %s <= tcp_info's %s" % (side, field("bytes_acked"),
          acked and acked.group(1)), acked and 0 < (field("bytes_acked") or 0) <= int(acked.group(1)))
    check("%s: cc.kind %s (1 = CUBIC's export, 0 = none)" % (side, field("kind")),
          field("kind") == (1 if want_cc == "bpf_cubic" else 0))
sys.exit(0 if ok else 1)
PY
	return 0
}
