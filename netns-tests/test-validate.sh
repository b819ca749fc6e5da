# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The fast scenarios of the scripted-peer harness (docs/validation.md): each
# validate/scenarios/*.tcp marked 'fast' runs on each algorithm its
# 'algorithms' line names, native then bpf_ twin, and on each bpf_ algorithm
# its 'models' line names, in tcpscript's private network namespace; each
# must match (event by event within the script's tolerances, or its
# independent model).  `make validate` runs every scenario.  Three more tests
# check that the comparison and the models do catch a difference.

VALIDATE_SCENARIOS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../validate/scenarios" && pwd)
ALL_TESTS=""
for _f in "$VALIDATE_SCENARIOS"/*.tcp; do
	grep -qE '^fast([[:space:]]|$)' "$_f" || continue
	_t=validate_$(basename "$_f" .tcp | tr -- '-' '_')
	eval "$_t() { validate_scenario '$_f'; }"
	ALL_TESTS+=" $_t"
done
ALL_TESTS+=" validate_compare_catches_a_difference validate_model_catches_a_difference"
ALL_TESTS+=" validate_bbr3_model_catches_a_difference"
unset _f _t

_validate_require() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN devices, registering algorithms)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun (CONFIG_TUN)"
	[ -x "$BUILD/tcpscript" ] || skip "no $BUILD/tcpscript (run make)"
	require_cmds ip ethtool python3
}

# _validate_edit_csv CSV: runs the Python on stdin with `rows` (the CSV's
# rows, as dicts) and writes them back; prints what that Python prints.
_validate_edit_csv() {
	python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
exec(sys.stdin.read())
w = csv.DictWriter(open(sys.argv[1], "w"), fieldnames=rows[0].keys())
w.writeheader(); w.writerows(rows)
' "$1"
}

# _validate_must_fail OUT SCRIPT PATTERN WHAT: compare.py must fail on the
# CSVs in OUT, with a table row that matches PATTERN (grep).
_validate_must_fail() {
	if python3 "$VALIDATE_SCENARIOS/../compare.py" "$1" "$2" > "$TEST_TMP/cmp.txt"; then
		fail "compare.py passed $4"
	fi
	grep -q -- "$3" "$TEST_TMP/cmp.txt" ||
		fail "the failure does not match '$3': $(grep FAIL "$TEST_TMP/cmp.txt")"
}

# validate_scenario SCRIPT: native vs bpf_ twin must match.
validate_scenario() {
	local alg
	_validate_require
	for alg in $(sed -n 's/^\(algorithms\|models\)[[:space:]]\{1,\}//p' "$1"); do
		cc_register "$alg"
	done
	VALIDATE_OUT=$TEST_TMP/validate run bash "$VALIDATE_SCENARIOS/../run.sh" "$BUILD" "$1" ||
		fail "$(basename "$1"): a trajectory differs from its twin or its model (table above)"
	grep -q '| match' "$TEST_TMP/validate/table.md" || fail "no matching pair in the table"
}

# The comparison must fail on a trajectory that differs in one cwnd value
# at one event, name that event, and pass the unchanged pair.
validate_compare_catches_a_difference() {
	local s=$VALIDATE_SCENARIOS/slow-start.tcp out=$TEST_TMP/validate
	_validate_require
	cc_register reno
	VALIDATE_OUT=$out run bash "$VALIDATE_SCENARIOS/../run.sh" "$BUILD" "$s" ||
		fail "the unchanged pair did not match"
	python3 - "$out/csv/slow-start.bpf_reno.csv" <<'PY' || fail "cannot edit the CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rows[99]["cwnd"] = str(int(rows[99]["cwnd"]) + 1)
w = csv.DictWriter(open(sys.argv[1], "w"), fieldnames=rows[0].keys())
w.writeheader(); w.writerows(rows)
PY
	if python3 "$VALIDATE_SCENARIOS/../compare.py" "$out" "$s" > "$TEST_TMP/cmp.txt"; then
		fail "compare.py passed a trajectory whose cwnd differs at event 100"
	fi
	grep -q '| slow-start | reno | .*FAIL: event 100: cwnd' "$TEST_TMP/cmp.txt" ||
		fail "the failure does not name event 100 and cwnd: $(grep reno "$TEST_TMP/cmp.txt")"
	grep -q '| slow-start | cubic | .*| match' "$TEST_TMP/cmp.txt" ||
		fail "the unchanged cubic pair no longer matches"
}

# A model must fail a run whose cwnd differs at one Open-state event it
# predicts, and name that event.
validate_model_catches_a_difference() {
	local s=$VALIDATE_SCENARIOS/cc-ca-loss.tcp out=$TEST_TMP/validate n
	_validate_require
	cc_register scalable
	sed 's/^models .*/models scalable/' "$s" > "$TEST_TMP/cc-ca-loss.tcp"
	VALIDATE_OUT=$out run bash "$VALIDATE_SCENARIOS/../run.sh" "$BUILD" "$TEST_TMP/cc-ca-loss.tcp" ||
		fail "the unchanged run does not match its model"
	n=$(_validate_edit_csv "$out/csv/cc-ca-loss.bpf_scalable.csv" <<'PY'
# the last Open-state ACK: the model predicts it
i = max(k for k, r in enumerate(rows) if r["ca_state"] == "0" and r["kind"] == "ack")
rows[i]["cwnd"] = str(int(rows[i]["cwnd"]) + 1)
print(rows[i]["event"])
PY
) || fail "cannot edit the CSV"
	_validate_must_fail "$out" "$TEST_TMP/cc-ca-loss.tcp" \
		"| bpf_scalable (model) | .*FAIL: event $n: cwnd model" \
		"a run whose cwnd differs from the model at event $n"
}

# bpf_bbr3's state-machine model (validate/models/bbr3.py) must fail a run
# whose ECN cut differs by one packet, and one that goes from CRUISE
# straight to UP (its REFILL relabelled), naming the event; and pass the
# unchanged run.
validate_bbr3_model_catches_a_difference() {
	local s=$VALIDATE_SCENARIOS/bbr3-ecn-cut.tcp out=$TEST_TMP/validate csv n
	_validate_require
	cc_register bbr3
	VALIDATE_OUT=$out run bash "$VALIDATE_SCENARIOS/../run.sh" "$BUILD" "$s" ||
		fail "the unchanged bbr3-ecn-cut run does not match its model"
	csv=$out/csv/bbr3-ecn-cut.bpf_bbr3.csv
	cp "$csv" "$TEST_TMP/orig.csv"
	n=$(_validate_edit_csv "$csv" <<'PY'
none = "4294967295"
# the cut: the first event where inflight_lo leaves "none", and the events
# that keep its value
i = next(k for k, r in enumerate(rows) if k and r["rec_inflight_lo"] != none
         and rows[k - 1]["rec_inflight_lo"] == none)
v = rows[i]["rec_inflight_lo"]
for r in rows[i:]:
    if r["rec_inflight_lo"] != v:
        break
    r["rec_inflight_lo"] = str(int(v) + 1)
print(rows[i]["event"])
PY
) || fail "cannot edit the CSV"
	_validate_must_fail "$out" "$s" "| bpf_bbr3 (model) | .*FAIL: event $n: rec_inflight_lo model" \
		"an ECN cut one packet off at event $n"
	cp "$TEST_TMP/orig.csv" "$csv"
	n=$(_validate_edit_csv "$csv" <<'PY'
first = None
for r in rows:
    if r["rec_mode"] == "2" and r["rec_cycle"] == "3":	# REFILL -> UP
        r["rec_cycle"] = "0"
        first = first or r["event"]
print(first)
PY
) || fail "cannot edit the CSV"
	_validate_must_fail "$out" "$s" "| bpf_bbr3 (model) | .*FAIL: event $n: PROBE_BW/CRUISE -> PROBE_BW/UP" \
		"a cycle with no REFILL (CRUISE -> UP at event $n)"
}
