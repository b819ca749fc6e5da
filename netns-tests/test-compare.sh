# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# netns-tests/compare end to end, kept short: a real run over the emulated
# link, its summary checked against its raw samples, and every Flent file it
# wrote rendered by Flent.  The analysis maths has its own tests on
# synthetic inputs (compare_lib/tests).  compare makes its own topology (one
# per run) with lib.sh, so these tests do not call topo_setup.

ALL_TESTS="
	compare_short_run_matches_raw_samples
	compare_ccneg_fleet_smoke
	compare_bbr3_claims_smoke
	compare_rejects_bad_arguments
"

COMPARE=$(dirname "${BASH_SOURCE[0]}")/compare

compare_short_run_matches_raw_samples() {
	require_cmds iperf3 ping ss flent
	[ -x "$BPFTCP" ] || skip "no $BPFTCP (run make)"
	[ -x "$LINKEM" ] || skip "no emulator at $LINKEM (run make)"
	local out=$TEST_TMP/out py f png rc
	py=$("$(dirname "$COMPARE")/../scripts/find-python.sh" matplotlib) || fail "no python3 with matplotlib"
	# A small link keeps the emulator cheap on a busy 2-core machine.
	run "$COMPARE" --build "$BUILD" --cc cubic,bpf_cubic --rate 20mbit --rtt 20ms \
		--queue 1bdp --duration 4 --out "$out" --table 2> "$TEST_TMP/stderr"
	rc=$?
	[ $rc = 0 ] || { cat "$TEST_TMP/stderr" >&2; fail "compare exited with status $rc"; }
	cat "$TEST_TMP/stderr" >&2
	# It unregisters what it registered, and only that (it names both;
	# bpf_cubic may already have been registered, by make run or by
	# someone else: registrations are global).
	local mine unreg
	mine=$(sed -n 's/^compare: registered \([a-z_0-9]*\) .*/\1/p' "$TEST_TMP/stderr" | sort)
	unreg=$(sed -n 's/^compare: unregistered \([a-z_0-9]*\)\( (already gone)\)\{0,1\}$/\1/p' \
		"$TEST_TMP/stderr" | sort)
	assert_eq "$unreg" "$mine" "algorithms unregistered at exit = those compare registered"
	"$py" "$(dirname "$COMPARE")/compare_lib/tests/check_run.py" "$out" ||
		fail "summary does not match the raw samples"
	grep -q '^| custom | custom | cubic | 1 |' "$out/summary.md" || fail "summary.md has no cubic row"
	for f in "$out"/*/*.flent.gz; do
		png=$TEST_TMP/flent-$(basename "$f" .flent.gz).png
		MPLBACKEND=Agg run flent -i "$f" -p upload_with_ping -o "$png" > "$TEST_TMP/flent.log" 2>&1 ||
			{ cat "$TEST_TMP/flent.log" >&2; fail "flent cannot render $f"; }
		grep -q ERROR "$TEST_TMP/flent.log" && { cat "$TEST_TMP/flent.log" >&2; fail "flent: error on $f"; }
		[ "$(head -c 4 "$png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "flent wrote no PNG for $f"
		log "ok: flent renders $(basename "$f")"
	done
	return 0
}

# compare_scenario_short CC ARGS...: what the short scenario runs share:
# skips without the tools, a built tree or kernel BTF (for CC), runs
# compare ARGS into $out and checks its summary against the raw samples.
# Sets the caller's out and py (the python3 with matplotlib).
compare_scenario_short() {
	local cc=$1 rc
	shift
	require_cmds iperf3 ping ss
	[ -x "$BPFTCP" ] || skip "no $BPFTCP (run make)"
	[ -x "$LINKEM" ] || skip "no emulator at $LINKEM (run make)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: no $cc"
	out=$TEST_TMP/out
	py=$(dirname "$COMPARE")/../scripts/find-python.sh
	py=$("$py" matplotlib) || fail "no python3 with matplotlib"
	run "$COMPARE" --build "$BUILD" "$@" --out "$out" 2> "$TEST_TMP/stderr"
	rc=$?
	cat "$TEST_TMP/stderr" >&2
	[ $rc = 0 ] || fail "compare exited with status $rc"
	"$py" "$(dirname "$COMPARE")/compare_lib/tests/check_run.py" "$out" ||
		fail "summary does not match the raw samples"
}

# Scenario ccneg-fleet, short (4 s runs, one repetition: each client alone,
# then both in each case and order) on a small link with ECN marking at
# K = 10: the runs complete, the summary matches the raw samples, and it
# found the negotiation verified (the capable client's connections ran
# bpf_dctcp with ECN at both ends; the classic client's, on a host of its
# own, cubic with ECN where that host's tcp_ecn is 1 and without where it
# stays 2), with Jain's index for both shared runs of each case.  Nothing
# of the option is left attached, and this host's tcp_ecn is untouched.
compare_ccneg_fleet_smoke() {
	local out py host_ecn
	host_ecn=$(cat /proc/sys/net/ipv4/tcp_ecn)
	compare_scenario_short bpf_dctcp --scenario ccneg-fleet --reps 1 --duration 4 \
		--rate 20mbit --rtt 20ms --queue 1bdp --ecn-k 10 --table
	assert_eq "$(cat /proc/sys/net/ipv4/tcp_ecn)" "$host_ecn" "this host's tcp_ecn after the runs"
	"$py" - "$out/summary.json" <<'PY' || fail "the fleet summary is incomplete"
import json, sys
doc = json.load(open(sys.argv[1]))
fl = doc["ccneg_fleet"]
names = [r["name"] for r in doc["runs"]]
assert names == ["ccneg-fleet-alone-capable", "ccneg-fleet-alone-classic-ecn",
                 "ccneg-fleet-alone-classic-noecn", "ccneg-fleet-ecn-cf-1", "ccneg-fleet-ecn-cs-1",
                 "ccneg-fleet-noecn-cf-1", "ccneg-fleet-noecn-cs-1"], names
assert fl["verified"] and fl["verified_runs"] == 7, fl["unverified"]
for case, classic_ecn in (("ecn", True), ("noecn", False)):
    c = fl["cases"][case]
    assert c["classic_ecn"] == classic_ecn and c["runs"] == 2, c
    assert c["jain"]["n"] == 2 and 0.5 <= c["jain"]["mean"] <= 1, c["jain"]
    assert c["jain"]["half_width"] is not None, c["jain"]
    assert all(c["jain_by_order"][o]["n"] == 1 for o in ("capable-first", "capable-second")), c
    assert c["capable_share"]["n"] == 2, c["capable_share"]
    for role in ("capable", "classic"):
        assert c["queueing_delay_ms"][role]["n"] == 2, c["queueing_delay_ms"]
        assert c["srtt_p50_ms"][role]["n"] == 2, c["srtt_p50_ms"]
for r in doc["runs"]:
    case = r["ccneg"]["case"]
    for e in r["ccneg"]["flows"]:
        capable = e["role"] == "capable"
        ecn = capable or case == "ecn"
        cc, name = ("bpf_dctcp", "dctcp") if capable else ("cubic", "cubic")
        assert e["expect_ecn"] == ecn, e
        assert e["client_ss"]["cc"] == cc and e["server_ss"]["cc"] == cc, e
        assert e["client_record"]["chosen"] == e["server_record"]["chosen"] == name, e
        # Each client on a host of its own; only the classic client's in
        # case ecn asks for ECN itself.
        assert e["host"] == {"host": "client" if capable else "client2",
                             "tcp_ecn": 1 if not capable and case == "ecn" else 2}, e
        # ss -tio prints the option flags (ts sack ecn) with this iproute2.
        assert r["ccneg"]["ss_shows_flags"], "%s: ss printed no option flags" % r["name"]
        assert (e["client_ss"]["ecn_fraction"] > 0.9) == ecn, e
        assert (e["server_ss"]["ecn_fraction"] == 1.0) == ecn, e
        assert not capable or e["dctcp_export"]["alpha_updates"] > 0, e
        assert e["queueing_delay_ms"] is not None, e
    ecn = [e["expect_ecn"] for e in r["ccneg"]["flows"]]
    assert (r["link_stats"]["marked"] > 0) == any(ecn), r["link_stats"]
    # Not-ECT packets: the handshakes' only (a SYN is never ECT) when every
    # flow negotiated ECN; a classic flow's data otherwise.
    ls = r["link_stats"]
    if all(ecn):
        assert ls["not_ect"] <= max(10, 0.01 * ls["pkts_in"]), ls
    else:
        assert ls["not_ect"] > 0.1 * ls["pkts_in"], ls
print("ok: 7 runs, negotiation verified, Jain %.3f (classic with ECN), %.3f (without)"
      % (fl["cases"]["ecn"]["jain"]["mean"], fl["cases"]["noecn"]["jain"]["mean"]))
PY
	grep -q "Negotiation verified in all 7 runs" "$out/summary.md" || fail "summary.md: no verdict"
	grep -q "^| Jain's index | .* | .* |$" "$out/summary.md" ||
		fail "summary.md: no Jain's index row for both cases"
	"$BPFTCP" -j opt show ccneg | grep -q bpftcp-test- && fail "a ccneg attachment was left behind"
	return 0
}

# Scenario bbr3, short (4 s runs, one repetition: 10 runs) on a small link:
# every case runs with bpf_bbr3 and bpf_bbr at both ends, the summary
# matches the raw samples, and claims.bbr3 has each case's figures for
# both algorithms, computed from those runs (the retransmission rates from
# the flows' last ss samples); one repetition gives no interval, so no
# verdict.  The ECN case's queue was marked and sampled in the run's time.
compare_bbr3_claims_smoke() {
	local out py
	compare_scenario_short bpf_bbr3 --scenario bbr3 --reps 1 --duration 4 \
		--rate 20mbit --rtt 20ms --ecn-k 5
	"$py" - "$out/summary.json" <<'PY' || fail "claims.bbr3 is incomplete"
import json, sys
doc = json.load(open(sys.argv[1]))
c = doc["claims"]["bbr3"]
runs = {r["name"]: r for r in doc["runs"]}
assert len(runs) == 10, sorted(runs)
for r in runs.values():
    ccs = {f["cc"] for f in r["flows"]}
    assert ccs & {"bpf_bbr3", "bpf_bbr"}, r["name"]
    assert all(f["cc_seen"] == f["cc"] for f in r["flows"]), r["flows"]
for cc in ("bpf_bbr3", "bpf_bbr"):
    s = c["shallow"]["retrans_rate"][cc]
    mine = [x for x in c["shallow"]["runs"] if x["cc"] == cc]
    assert s["n"] == 1 and len(mine) == 1, s
    rt = mine[0]["retrans"]
    assert rt["data_segs_out"] > 100 and s["mean"] == rt["retrans"] / rt["data_segs_out"], rt
    assert c["cubic"]["cubic_share"][cc]["n"] == 2, c["cubic"]
    assert 0 < c["cubic"]["cubic_share"][cc]["mean"] < 1, c["cubic"]
    assert c["ecn"]["queue_p95"][cc]["n"] == 1, c["ecn"]
    assert c["jain"]["jain"][cc]["n"] == 1 and 0.5 <= c["jain"]["jain"][cc]["mean"] <= 1, c["jain"]
# The rate again from the raw ss lines of the flow's socket (client port
# 40001), by a parser of its own: the last line with data_segs_out.
import os, re
for cc in ("bpf_bbr3", "bpf_bbr"):
    last, mine = None, False
    for line in open(os.path.join(os.path.dirname(sys.argv[1]), "bbr3-shallow-%s-1" % cc, "ss.txt")):
        if not line[0].isspace():
            mine = " 198.18.1.2:40001 " in line
            continue
        m = re.search(r"data_segs_out:(\d+)", line)
        if mine and m:
            r = re.search(r"retrans:\d+/(\d+)", line)
            last = int(r.group(1)) if r else 0, int(m.group(1))
    x = [x for x in c["shallow"]["runs"] if x["cc"] == cc][0]["retrans"]
    assert last == (x["retrans"], x["data_segs_out"]), (cc, last, x)
e = runs["bbr3-ecn-bpf_bbr3-1"]
assert e["ecn"] and e["link"]["ecn_k"] == 5 and e["link_stats"]["marked"] > 0, e["link_stats"]
assert e["bbr3"]["queue"]["n"] >= 20, e["bbr3"]["queue"]
for case in ("shallow", "jain"):
    assert c[case]["met"] is None, c[case]
assert c["all_met"] is None
print("ok: claims.bbr3 from 10 runs")
PY
	grep -q "^## BBRv3's claims" "$out/summary.md" || fail "summary.md: no claims section"
	return 0
}

compare_rejects_bad_arguments() {
	local args rc
	for args in "--rate fast" "--rtt -5ms" "--queue 0" "--loss 150%" "--ecn-k 0" \
		    "--flows 0" "--duration 1" "--scenario nope" "--cc no_such_cc" \
		    "--scenario pairs --cc reno" "--scenario single --flows 2" "--bogus" \
		    "--scenario pairs --reps 0" "--scenario single --reps 2" "--cc cubic --reps 2" \
		    "--scenario bbr3 --stagger 50"; do
		# shellcheck disable=SC2086
		"$COMPARE" --build "$BUILD" $args --out "$TEST_TMP/never" > "$TEST_TMP/out" 2>&1
		rc=$?
		[ $rc = 2 ] || { cat "$TEST_TMP/out" >&2; fail "'compare $args' exited $rc, not 2"; }
		grep -q "error: " "$TEST_TMP/out" || fail "'compare $args' printed no error message"
	done
	[ -e "$TEST_TMP/never" ] && fail "a rejected command created its output directory"
	"$COMPARE" --help | grep -q -- "--ecn-k" || fail "--help does not list --ecn-k"
	log "ok: bad arguments exit 2 with a message"
	return 0
}
