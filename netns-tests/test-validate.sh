# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The fast scenarios of the scripted-peer harness (docs/validation.md): each
# validate/scenarios/*.tcp marked 'fast' runs on each algorithm its
# 'algorithms' line names, native then bpf_ twin, and on each bpf_ algorithm
# its 'models' line names, in tcpscript's private network namespace; each
# must match (event by event within the script's tolerances, or its
# independent model).  `make validate` runs every scenario.  Two more tests
# check that the comparison and a model do catch a difference.

VALIDATE_SCENARIOS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../validate/scenarios" && pwd)
ALL_TESTS=""
for _f in "$VALIDATE_SCENARIOS"/*.tcp; do
	grep -qE '^fast([[:space:]]|$)' "$_f" || continue
	_t=validate_$(basename "$_f" .tcp | tr -- '-' '_')
	eval "$_t() { validate_scenario '$_f'; }"
	ALL_TESTS+=" $_t"
done
ALL_TESTS+=" validate_compare_catches_a_difference validate_model_catches_a_difference"
unset _f _t

_validate_require() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN devices, registering algorithms)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun (CONFIG_TUN)"
	[ -x "$BUILD/tcpscript" ] || skip "no $BUILD/tcpscript (run make)"
	require_cmds ip ethtool python3
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
	n=$(python3 - "$out/csv/cc-ca-loss.bpf_scalable.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
# the last Open-state ACK: the model predicts it
i = max(k for k, r in enumerate(rows) if r["ca_state"] == "0" and r["kind"] == "ack")
rows[i]["cwnd"] = str(int(rows[i]["cwnd"]) + 1)
w = csv.DictWriter(open(sys.argv[1], "w"), fieldnames=rows[0].keys())
w.writeheader(); w.writerows(rows)
print(rows[i]["event"])
PY
) || fail "cannot edit the CSV"
	if python3 "$VALIDATE_SCENARIOS/../compare.py" "$out" "$TEST_TMP/cc-ca-loss.tcp" > "$TEST_TMP/cmp.txt"; then
		fail "compare.py passed a run whose cwnd differs from the model at event $n"
	fi
	grep -q "| bpf_scalable (model) | .*FAIL: event $n: cwnd model" "$TEST_TMP/cmp.txt" ||
		fail "the failure does not name event $n: $(grep scalable "$TEST_TMP/cmp.txt")"
}
