# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Live swaps (issue #17, docs/reliability.md "Live swaps"): concurrent
# transfers over the emulated link (50 Mbit/s, 5 ms each way, a 300-packet
# queue), every socket on the algorithm under test, while its registration
# changes under them:
#
#   swaps_replace_then_unregister  `bpftcp cc replace ALG` SWAPS times, then
#                                  `bpftcp cc unregister ALG`;
#   swaps_apply_then_unregister    `bpftcp apply` SWAPS times, alternating two
#                                  files and two builds (this bpftcp and
#                                  BUILD/variant/bpftcp, whose programs have
#                                  other tags): each apply replaces ALG, and
#                                  registers or unregisters a second
#                                  algorithm and edits the delack attachment
#                                  of the transfers' cgroup; then an apply of
#                                  a file without ALG unregisters it.
#
# netns-tests/swap-xfer.py makes the transfers: each sends random data until
# told to stop (after the unregister), then a random tail; the receiver
# checks the byte count and the sha256.  Asserted, in each test:
# - before the first swap, at least TRANSFERS established connections run
#   ALG (ss -ti in the client's and the server's namespace);
# - every replace / apply exits 0 and changes the struct_ops map the pinned
#   link holds (a new map id each time); the unregister exits 0 and ALG is
#   gone (the kernel's list, bpftcp cc list, its pins);
# - the transfers still run ALG after the last swap and after the unregister;
# - every transfer finishes, both ends report no error (no ECONNRESET,
#   EPIPE, timeout), and the two ends agree on each transfer's bytes and
#   sha256: 0 bytes lost or corrupted;
# - zero resets: no RST segment on the transfers' port (tcpdump on the
#   client's and the server's eth0, which also must have seen every
#   transfer's SYN: the capture worked), and no move of TcpEstabResets,
#   TcpOutRsts or the TCPAbortOn* counters in either namespace (nothing else
#   makes TCP connections there: readiness is checked with ss, no probe).
#
# Short form (make test): TRANSFERS=20 SWAPS=10.  Full form (STRESS=1, make
# stress): TRANSFERS=100 SWAPS=50.  Environment knobs: TRANSFERS, SWAPS, ALG
# (short name, default cubic; bpf_bbr stalled a transfer without any swap in
# an earlier attempt), SWAPS_RATE (default 50mbit).  With STRESS_OUT set,
# each test adds its numbers to STRESS_OUT/results.json and the one-line
# STRESS_OUT/summary.txt.  On failure: the transfers that did not finish,
# ss -tein of both ends, the nstat deltas.
#
# Registrations are host-wide: the test pins into a bpffs of its own
# (BPFTCP_BPFFS), keeps apply's state in its own run directory
# (BPFTCP_RUNDIR), skips if someone else has ALG registered, and sets back
# the host's default and allowed list at cleanup.

ALL_TESTS="
	swaps_replace_then_unregister
	swaps_apply_then_unregister
"

SW_XFER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/swap-xfer.py
SW_PORT=5301
if [ "${STRESS:-0}" = 1 ]; then
	SW_TRANSFERS=${TRANSFERS:-100} SW_SWAPS=${SWAPS:-50}
else
	SW_TRANSFERS=${TRANSFERS:-20} SW_SWAPS=${SWAPS:-10}
fi
SW_ALG=${ALG:-cubic}
SW_ALG=${SW_ALG#bpf_}
SW_KNAME=bpf_$SW_ALG
SW_RATE=${SWAPS_RATE:-50mbit}
# How long the transfers may take to end once told to stop before ss -tein
# is captured, and then before the client gives up on them.
SW_STALL=45
SW_GIVE_UP=75
# Counters that move when a connection is reset or aborted.
SW_RESET_COUNTERS="TcpEstabResets TcpOutRsts TcpExtTCPAbortOnData TcpExtTCPAbortOnClose
	TcpExtTCPAbortOnMemory TcpExtTCPAbortOnTimeout TcpExtTCPAbortOnLinger TcpExtTCPAbortFailed"

SW_FAILS=()

# sw_bad MESSAGE: records a failure; not fatal yet, so the transfers are
# still ended, checked and reported (sw_verify fails the test).
sw_bad() {
	SW_FAILS+=("$*")
	log "FAILED: $*"
}

# sw_setup: a private bpffs and run directory, the topology and the link,
# a cgroup for the transfers, the captures and the counters' baseline.
sw_setup() {
	bpftcp_private
	require_cmds tcpdump nstat bpftool ss
	[ "$SW_TRANSFERS" -ge 1 ] && [ "$SW_SWAPS" -ge 1 ] 2>/dev/null ||
		fail "TRANSFERS ($SW_TRANSFERS) and SWAPS ($SW_SWAPS) must be positive numbers"
	cc_registered "$SW_KNAME" &&
		skip "$SW_KNAME is registered already (by someone else): this test must replace and unregister it"
	cc_shipped "$SW_ALG" || fail "this bpftcp does not ship $SW_KNAME (ALG=$SW_ALG)"
	cleanup_push "'$BPFTCP' cc unregister $SW_ALG"
	topo_setup
	cgroup_new swaps
	SW_CG=$CGROUP
	linkem_start --rate "$SW_RATE" --delay 5ms --queue 300
}

# sw_capture: SYNs and RSTs on the transfers' port, on both hosts' eth0.
sw_capture() {
	local role
	for role in client server; do
		bg_on "$role" tcpdump -Z root --immediate-mode -U -n -s 96 -i eth0 \
			-w "$TEST_TMP/$role.pcap" \
			"tcp port $SW_PORT and (tcp[tcpflags] & (tcp-syn|tcp-rst) != 0)" \
			2> "$TEST_TMP/tcpdump-$role.err"
		eval "SW_TCPDUMP_$role=$BG_PID"
	done
	for role in client server; do
		for _ in $(seq 100); do
			grep -q "listening on" "$TEST_TMP/tcpdump-$role.err" && break
			sleep 0.05
		done
		grep -q "listening on" "$TEST_TMP/tcpdump-$role.err" ||
			fail "tcpdump in $role did not start: $(cat "$TEST_TMP/tcpdump-$role.err")"
	done
}

# sw_nstat ROLE FILE: every absolute counter of ROLE's namespace.
sw_nstat() {
	on "$1" nstat -asz > "$2" 2>/dev/null || fail "nstat in $1"
}

# sw_start: the server, then the client's TRANSFERS connections; waits
# until all have connected and checks they run ALG.
sw_start() {
	local n
	sw_capture
	sw_nstat client "$TEST_TMP/nstat-client.0"
	sw_nstat server "$TEST_TMP/nstat-server.0"
	bg_on_cgroup "$SW_CG" server python3 "$SW_XFER" server --port $SW_PORT --count "$SW_TRANSFERS" \
		--cc "$SW_KNAME" --timeout $SW_GIVE_UP --out "$TEST_TMP/server.json"
	SW_SERVER=$BG_PID
	wait_listen server $SW_PORT
	bg_on_cgroup "$SW_CG" client python3 "$SW_XFER" client --addr "$SERVER_IP4" --port $SW_PORT \
		--count "$SW_TRANSFERS" --cc "$SW_KNAME" --timeout $SW_GIVE_UP \
		--stop "$TEST_TMP/stop" --connected "$TEST_TMP/connected" --out "$TEST_TMP/client.json"
	SW_CLIENT=$BG_PID
	SW_XFER_T0=$(date +%s.%N)
	for _ in $(seq 600); do
		[ -s "$TEST_TMP/connected" ] && break
		kill -0 "$SW_CLIENT" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$TEST_TMP/connected" ] || fail "the transfers did not all connect within 30 s"
	n=$(cat "$TEST_TMP/connected")
	[ "$n" = "$SW_TRANSFERS" ] || fail "$n of $SW_TRANSFERS transfers connected"
	# Some data moving on every one before the first swap.
	sleep 1
	sw_running "before the first swap"
}

# sw_count ROLE: established connections of the transfers' port in ROLE
# whose ss -ti shows ALG.
sw_count() {
	local filter="dport = :$SW_PORT"
	[ "$1" = server ] && filter="sport = :$SW_PORT"
	on "$1" ss -tinH state established "$filter" | grep -cw -- "$SW_KNAME"
}

# sw_running WHEN: the client still runs, and at least TRANSFERS
# connections run ALG at both ends.
sw_running() {
	local c s
	kill -0 "$SW_CLIENT" 2>/dev/null || { sw_bad "the client ended $1 (too early)"; return; }
	c=$(sw_count client) s=$(sw_count server)
	log "$1: $c client and $s server connections on $SW_KNAME"
	[ "$c" -ge "$SW_TRANSFERS" ] && [ "$s" -ge "$SW_TRANSFERS" ] ||
		sw_bad "$1: $c client and $s server connections run $SW_KNAME, fewer than $SW_TRANSFERS"
}

# sw_since T0: the seconds since T0 (date +%s.%N).
sw_since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# sw_took: SW_SWAP_SECS, the seconds since SW_T0.
sw_took() {
	SW_SWAP_SECS=$(sw_since "$SW_T0")
}

# sw_map_id: the id of the struct_ops map the pinned link of ALG holds.
sw_map_id() {
	# bpftool prints the link but exits 255 (a struct_ops link has no
	# program of its own): the JSON is what counts.
	bpftool -j link show pinned "$BPFTCP_BPFFS/bpftcp/cc/$SW_KNAME/link" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["map_id"])' 2>/dev/null
}

# sw_swapped WHAT OLD: the link holds a map other than OLD (SW_MAP is the new one).
sw_swapped() {
	SW_MAP=$(sw_map_id)
	[ -n "$SW_MAP" ] && [ "$SW_MAP" != "$2" ] ||
		sw_bad "$1 left the link of $SW_KNAME on map ${SW_MAP:-none} (was $2)"
}

# sw_gone WHAT: ALG is not registered any more, anywhere.
sw_gone() {
	cc_registered "$SW_KNAME" && sw_bad "after $1 the kernel still offers $SW_KNAME"
	"$BPFTCP" -j cc list | python3 -c '
import json, sys
sys.exit(any(a["name"] == sys.argv[1] and (a["registered"] or a["pinned"])
             for a in json.load(sys.stdin)["algorithms"]))' "$SW_KNAME" ||
		sw_bad "after $1 bpftcp cc list still lists $SW_KNAME as registered or pinned"
	[ -e "$BPFTCP_BPFFS/bpftcp/cc/$SW_KNAME" ] &&
		sw_bad "after $1 its pins are still there: $(find "$BPFTCP_BPFFS/bpftcp/cc/$SW_KNAME")"
	return 0
}

# sw_diagnose: what a stalled or failed run needs to be understood.
sw_diagnose() {
	local role
	for role in client server; do
		log "--- ss -tein in $role (port $SW_PORT)"
		on "$role" ss -tein "( sport = :$SW_PORT or dport = :$SW_PORT )" >&2
	done
}

# sw_finish: tells the transfers to end, waits for both ends, stops the
# captures; captures ss -tein if they take longer than SW_STALL seconds.
sw_finish() {
	local role pid i
	touch "$TEST_TMP/stop"
	SW_STOP_T0=$(date +%s.%N)
	SW_STALLED=0
	for i in $(seq $((SW_STALL * 10))); do
		kill -0 "$SW_CLIENT" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SW_CLIENT" 2>/dev/null; then
		SW_STALLED=1
		sw_bad "transfers still running $SW_STALL s after the stop"
		sw_diagnose 2>&1 | tee "$TEST_TMP/stall-ss.txt" >&2
	fi
	wait "$SW_CLIENT"
	SW_CLIENT_RC=$?
	SW_XFER_SECS=$(sw_since "$SW_XFER_T0")
	SW_END_SECS=$(sw_since "$SW_STOP_T0")
	log "the transfers ended $SW_END_SECS s after the stop"
	wait "$SW_SERVER"
	SW_SERVER_RC=$?
	for role in client server; do
		eval "pid=\$SW_TCPDUMP_$role"
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		sw_nstat "$role" "$TEST_TMP/nstat-$role.1"
	done
}

# sw_pcap_count ROLE FLAG: segments with FLAG (S or R) in ROLE's capture.
sw_pcap_count() {
	tcpdump -n -r "$TEST_TMP/$1.pcap" 2>/dev/null | grep -c "Flags \[[^]]*$2"
}

# sw_nstat_delta ROLE COUNTER
sw_nstat_delta() {
	awk -v c="$2" 'FNR == NR { if ($1 == c) a = $2; next } $1 == c { b = $2 }
		END { print b - a }' "$TEST_TMP/nstat-$1.0" "$TEST_TMP/nstat-$1.1"
}

# sw_verify KIND SWAPS_DONE: every assertion on the transfers; writes the
# results (STRESS_OUT), prints diagnostics and fails if anything went wrong.
sw_verify() {
	local kind=$1 done=$2 role c d rsts=0 syn resets=0 deltas="" verdict
	[ "$SW_CLIENT_RC" = 0 ] || sw_bad "the client exited with status $SW_CLIENT_RC"
	[ "$SW_SERVER_RC" = 0 ] || sw_bad "the server exited with status $SW_SERVER_RC"
	# The two ends' own results, joined by transfer id.
	python3 - "$TEST_TMP/client.json" "$TEST_TMP/server.json" "$SW_TRANSFERS" "$SW_KNAME" \
		> "$TEST_TMP/verify.txt" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1]))
    s = json.load(open(sys.argv[2]))
except Exception as e:
    print("bad results: %s" % e)
    print("TOTALS 0 0 0 0 0")
    sys.exit(0)
n, kname = int(sys.argv[3]), sys.argv[4]
srv = {r.get("id"): r for r in s["records"]}
sent = lost = corrupt = unfinished = errors = 0
for r in c["records"]:
    i = r["id"]
    b = r.get("bytes", 0)
    sent += b
    t = srv.get(i)
    if r.get("error"):
        errors += 1
        print("transfer %d (client port %s): client: %s" % (i, r.get("port"), r["error"]))
    if t is None:
        unfinished += 1
        lost += b
        print("transfer %d (client port %s): never seen by the server" % (i, r.get("port")))
        continue
    if t.get("error"):
        errors += 1
        print("transfer %d (client port %s): server: %s" % (i, r.get("port"), t["error"]))
    # The server's count and hash exist once the trailer arrived.
    if "sha256" in t and (t["bytes"] != b or t["sha256"] != r.get("sha256")):
        corrupt += 1
        print("transfer %d: client sent %d bytes sha256 %s, server got %d sha256 %s"
              % (i, b, r.get("sha256"), t["bytes"], t["sha256"]))
    elif not r.get("ok") or not t.get("ok"):
        unfinished += 1
    lost += max(0, b - t.get("bytes", 0))
    for side, rec in (("client", r), ("server", t)):
        if rec.get("cc") != kname:
            print("transfer %d: the %s's socket ran %s, not %s" % (i, side, rec.get("cc"), kname))
            errors += 1
if len(c["records"]) != n or len(s["records"]) != n:
    print("%d client and %d server records, not %d" % (len(c["records"]), len(s["records"]), n))
    errors += 1
print("TOTALS %d %d %d %d %d" % (sent, lost, corrupt, unfinished, errors))
PY
	grep -v '^TOTALS' "$TEST_TMP/verify.txt" >&2
	read -r _ SW_SENT SW_LOST SW_CORRUPT SW_UNFINISHED SW_ERRORS <<<"$(grep '^TOTALS' "$TEST_TMP/verify.txt")"
	[ "$SW_UNFINISHED" = 0 ] || sw_bad "$SW_UNFINISHED of $SW_TRANSFERS transfers did not finish"
	[ "$SW_ERRORS" = 0 ] || sw_bad "$SW_ERRORS errors in the transfers' results"
	[ "$SW_LOST" = 0 ] || sw_bad "$SW_LOST bytes lost"
	[ "$SW_CORRUPT" = 0 ] || sw_bad "$SW_CORRUPT transfers corrupted"
	[ "$SW_SENT" -gt 0 ] || sw_bad "no byte sent"
	# Resets on the wire: none on the port, and every handshake seen.
	for role in client server; do
		c=$(sw_pcap_count "$role" R)
		syn=$(sw_pcap_count "$role" S)
		rsts=$((rsts + c))
		log "$role's eth0: $syn SYN/SYN-ACK, $c RST on port $SW_PORT"
		[ "$syn" -ge $((2 * SW_TRANSFERS)) ] ||
			sw_bad "the capture in $role saw $syn SYN segments, fewer than $((2 * SW_TRANSFERS)): it did not work"
		if [ "$c" -gt 0 ]; then
			sw_bad "$c RST segments on port $SW_PORT in $role's capture"
			tcpdump -n -r "$TEST_TMP/$role.pcap" 2>/dev/null | grep "Flags \[[^]]*R" | head -20 >&2
		fi
		for d in $SW_RESET_COUNTERS; do
			c=$(sw_nstat_delta "$role" "$d")
			deltas="$deltas $role:$d=$c"
			[ "$c" = 0 ] || { sw_bad "$role: $d moved by $c"; resets=$((resets + c)); }
		done
		deltas="$deltas $role:TcpRetransSegs=$(sw_nstat_delta "$role" TcpRetransSegs)"
	done
	log "nstat deltas:$deltas"
	SW_RESETS=$((rsts + $(json_get resets "$TEST_TMP/client.json" 2>/dev/null || echo 0) +
		$(json_get resets "$TEST_TMP/server.json" 2>/dev/null || echo 0)))
	[ ${#SW_FAILS[@]} = 0 ] && verdict=passed || verdict=failed
	sw_results "$kind" "$done" "$verdict" "$rsts" "$deltas"
	if [ ${#SW_FAILS[@]} -gt 0 ]; then
		[ "$SW_STALLED" = 1 ] || sw_diagnose
		log "nstat deltas:$deltas"
		fail "${#SW_FAILS[@]} failures: $(printf '%s; ' "${SW_FAILS[@]}")"
	fi
	log "ok: $SW_TRANSFERS transfers ($SW_XFER_SECS s), $done swaps by $kind ($SW_SWAP_SECS s) + unregister, $SW_SENT bytes, 0 resets, 0 bytes lost"
}

# sw_results KIND SWAPS VERDICT RSTS DELTAS: this test's numbers into
# STRESS_OUT/results.json (keyed by test) and the summary line of all.
sw_results() {
	[ -n "${STRESS_OUT:-}" ] || return 0
	mkdir -p "$STRESS_OUT" || return 0
	python3 - "$STRESS_OUT" "$1" "$2" "$3" "$4" "$5" "$SW_TRANSFERS" "$SW_KNAME" "$SW_SENT" \
		"$SW_LOST" "$SW_CORRUPT" "$SW_UNFINISHED" "$SW_RESETS" "$SW_RATE" "$SW_SWAP_SECS" \
		"$SW_XFER_SECS" "$SW_END_SECS" <<'PY'
import json, os, sys
(out, kind, swaps, verdict, rsts, deltas, n, kname, sent, lost, corrupt, unfinished, resets, rate,
 swap_secs, xfer_secs, end_secs) = sys.argv[1:]
path = os.path.join(out, "results.json")
try:
    doc = json.load(open(path))
except Exception:
    doc = {"tests": {}}
doc["tests"][kind] = {
    "verdict": verdict, "algorithm": kname, "transfers": int(n), "swaps": int(swaps),
    "swap": "bpftcp cc replace" if kind == "replace" else "bpftcp apply",
    "then": "unregister", "link": "%s, 5 ms each way, 300-packet queue" % rate,
    "swap_seconds": float(swap_secs), "transfer_seconds": float(xfer_secs),
    "end_seconds_after_stop": float(end_secs),
    "bytes_sent": int(sent), "bytes_lost": int(lost), "corrupted": int(corrupt),
    "unfinished": int(unfinished), "resets": int(resets), "rst_segments": int(rsts),
    "nstat_deltas": {k: int(v) for k, v in (d.split("=") for d in deltas.split())},
}
json.dump(doc, open(path, "w"), indent=1)
lines = []
for k in ("replace", "apply"):
    t = doc["tests"].get(k)
    if t:
        lines.append("%d transfers, %d %s + unregister, %d resets, %d bytes lost%s" % (
            t["transfers"], t["swaps"], "replaces" if k == "replace" else "applies",
            t["resets"], t["bytes_lost"], "" if t["verdict"] == "passed" else " (FAILED)"))
open(os.path.join(out, "summary.txt"), "w").write("; ".join(lines) + "\n")
PY
}

swaps_replace_then_unregister() {
	local i out rc done=0 map0
	sw_setup
	run "$BPFTCP" cc register "$SW_ALG" >/dev/null || fail "cannot register $SW_ALG"
	cc_registered "$SW_KNAME" || fail "$SW_KNAME registered but not offered by the kernel"
	SW_MAP=$(sw_map_id)
	[ -n "$SW_MAP" ] || fail "no map id for the pinned link of $SW_KNAME"
	map0=$SW_MAP
	sw_start
	SW_T0=$(date +%s.%N)
	for i in $(seq "$SW_SWAPS"); do
		local old=$SW_MAP
		out=$("$BPFTCP" cc replace "$SW_ALG" 2>&1)
		rc=$?
		if [ $rc != 0 ]; then
			sw_bad "replace $i exited with status $rc: $out"
			continue
		fi
		done=$((done + 1))
		sw_swapped "replace $i" "$old"
	done
	sw_took
	log "$done replaces in $SW_SWAP_SECS s: the link went from map $map0 to map $SW_MAP"
	sw_running "after the last replace"
	out=$("$BPFTCP" cc unregister "$SW_ALG" 2>&1)
	rc=$?
	[ $rc = 0 ] || sw_bad "unregister exited with status $rc: $out"
	sw_gone "the unregister"
	sleep 1
	sw_running "after the unregister"
	sw_finish
	sw_verify replace "$done"
}

# sw_conf NAME LINE...: a config file, one argument a line.
sw_conf() {
	local f=$TEST_TMP/$1.conf
	shift
	printf '%s\n' "$@" > "$f"
}

swaps_apply_then_unregister() {
	local variant=$BUILD/variant/bpftcp other name i bin conf out rc done=0 old
	[ -x "$variant" ] || skip "no $variant (make test and make stress build it)"
	sw_setup
	other=
	for name in vegas veno westwood yeah hybla illinois scalable highspeed; do
		[ "$name" = "$SW_ALG" ] && continue
		cc_registered "bpf_$name" && continue
		other=$name
		break
	done
	[ -n "$other" ] || skip "every candidate for a second algorithm is registered already"
	# a: this bpftcp's ALG and a second algorithm, delack at 10 ms.
	# b: the variant's ALG alone, delack at 5 ms with records.
	# end: no [cc] at all (ALG unregistered), delack left as it is.
	sw_conf a "[cc]" "register = $SW_ALG $other" "[cgroup $SW_CG]" "delack = yes" "max-delack = 10"
	sw_conf b "[cc]" "register = $SW_ALG" "[cgroup $SW_CG]" "delack = yes" "max-delack = 5" "record = yes"
	sw_conf end "[cgroup $SW_CG]" "delack = yes" "max-delack = 5" "record = yes"
	run "$BPFTCP" apply -f "$TEST_TMP/a.conf" > "$TEST_TMP/apply.out" 2>&1 ||
		fail "the first apply failed: $(cat "$TEST_TMP/apply.out")"
	cc_registered "$SW_KNAME" || fail "apply did not register $SW_KNAME"
	SW_MAP=$(sw_map_id)
	[ -n "$SW_MAP" ] || fail "no map id for the pinned link of $SW_KNAME"
	sw_start
	SW_T0=$(date +%s.%N)
	for i in $(seq "$SW_SWAPS"); do
		if [ $((i % 2)) = 1 ]; then bin=$variant conf=b; else bin=$BPFTCP conf=a; fi
		old=$SW_MAP
		out=$("$bin" apply -f "$TEST_TMP/$conf.conf" 2>&1)
		rc=$?
		if [ $rc != 0 ]; then
			sw_bad "apply $i ($conf.conf) exited with status $rc: $out"
			continue
		fi
		done=$((done + 1))
		grep -q "^replace $SW_KNAME" <<<"$out" || sw_bad "apply $i ($conf.conf) did not replace $SW_KNAME: $out"
		if [ $conf = b ]; then
			grep -q "^unregister bpf_$other" <<<"$out" || sw_bad "apply $i did not unregister bpf_$other: $out"
			grep -q "^update delack on $SW_CG" <<<"$out" || sw_bad "apply $i did not update delack: $out"
		else
			grep -q "^register bpf_$other" <<<"$out" || sw_bad "apply $i did not register bpf_$other: $out"
		fi
		cc_registered "$SW_KNAME" || sw_bad "$SW_KNAME not registered after apply $i"
		sw_swapped "apply $i" "$old"
	done
	sw_took
	log "$done applies in $SW_SWAP_SECS s: the link of $SW_KNAME ends on map $SW_MAP"
	sw_running "after the last apply"
	out=$("$BPFTCP" apply -f "$TEST_TMP/end.conf" 2>&1)
	rc=$?
	[ $rc = 0 ] || sw_bad "the last apply (end.conf) exited with status $rc: $out"
	grep -q "^unregister $SW_KNAME" <<<"$out" || sw_bad "the last apply did not unregister $SW_KNAME: $out"
	sw_gone "the last apply"
	sleep 1
	sw_running "after the unregister"
	sw_finish
	sw_verify apply "$done"
}
