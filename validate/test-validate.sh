# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The fast differential scenarios of the scripted-peer harness
# (docs/validation.md): each validate/scenarios/*.tcp marked 'fast' runs on
# each algorithm it names, native then bpf_ twin, in tcpscript's private
# network namespace, and must match event by event within the script's
# tolerances.  `make validate` runs every scenario.  One more test checks
# that the comparison does catch a difference.

VALIDATE_SCENARIOS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../validate/scenarios" && pwd)
ALL_TESTS=""
for _f in "$VALIDATE_SCENARIOS"/*.tcp; do
	grep -qE '^fast([[:space:]]|$)' "$_f" || continue
	_t=validate_$(basename "$_f" .tcp | tr -- '-' '_')
	eval "$_t() { validate_scenario '$_f'; }"
	ALL_TESTS+=" $_t"
done
ALL_TESTS+=" validate_compare_catches_a_difference"
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
	for alg in $(sed -n 's/^algorithms[[:space:]]\{1,\}//p' "$1"); do
		cc_register "$alg"
	done
	VALIDATE_OUT=$TEST_TMP/validate run bash "$VALIDATE_SCENARIOS/../run.sh" "$BUILD" "$1" ||
		fail "$(basename "$1"): native and bpf_ trajectories differ (table above)"
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
