#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make stress: the reliability suites of docs/reliability.md in their full
# form (make test runs their short forms).
#
#   scripts/stress.sh [BUILD] [SUITE...]
#
# Runs every suite listed in SUITES below (or the SUITEs named), each with
# STRESS=1 and its own output directory STRESS_OUT=BUILD/stress/<suite>/,
# then prints a summary table and writes BUILD/stress/results.json.
#
# A suite is one line in SUITES:  name|kind|argument
#   fuzz    every libFuzzer target for STRESS_FUZZ_RUNS executions (default
#           10 million) from its seed corpus (scripts/run-fuzz.sh);
#   netns   a netns-tests file run with STRESS=1 (its full mode), e.g.
#           "hostile-peers|netns|test-hostile.sh".  It reports through
#           netns-tests/run (passed, failed, skipped; exit 77 = skip) and may
#           write, into $STRESS_OUT:
#             summary.txt   one line of its numbers for the table
#                           ("36 variants, 0 crashes");
#             results.json  its numbers, copied into results.json.
# Privileged suites load BPF and make namespaces: run make stress under
# flock /tmp/bpftcp-priv.lock, as make test.  A suite that cannot run says
# why and counts as skipped, never as passed; with BPFTCP_NO_SKIP=1 a skip
# fails the run.
set -uo pipefail

# ---------------------------------------------------------------- suites
# One line per suite; the other suites of issue #17 are added here.
SUITES=(
	"fuzz|fuzz|all"
	"hostile-peers|netns|test-hostile.sh"
	"live-swaps|netns|test-swaps.sh"
	"crash-trials|netns|test-crash.sh"
	"concurrency|netns|test-concurrency.sh"
)
# -------------------------------------------------------------------------

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1
out=${1:-build}
[ $# -gt 0 ] && shift
want=("$@")
stress=$out/stress
fuzz_runs=${STRESS_FUZZ_RUNS:-10000000}
export STRESS=1
# A full-mode netns test runs far longer than the short form's 180 s.
export TEST_TIMEOUT=${STRESS_TEST_TIMEOUT:-7200}

# suite_fuzz ARG: every fuzz target at full length.
suite_fuzz() {
	bash scripts/run-fuzz.sh -r "$fuzz_runs" -w "$STRESS_OUT" "$out" || return 1
	# The table's line: executions and rate per target, and crashes.
	awk -F'[:,]' '/"target":/ {
			gsub(/[" {]/, "", $2); t = $2
			for (i = 3; i <= NF; i++) {
				k = $i; gsub(/[" ]/, "", k)
				if (k == "executions") e = $(i + 1) + 0
				if (k == "exec_per_sec") r = $(i + 1) + 0
				if (k == "crashes") c += $(i + 1)
			}
			s = s sprintf("%s%s %d exec (%d/s)", s ? ", " : "", t, e, r)
		}
		END { printf "%s; %d crashes\n", s, c }' "$STRESS_OUT/results.json" > "$STRESS_OUT/summary.txt"
}

# suite_netns FILE: a netns-tests file in its full mode.  Returns 0 passed,
# 1 failed, 77 skipped.
suite_netns() {
	local file=$1 log line p f s
	[ -f "netns-tests/$file" ] || { echo "** no netns-tests/$file"; return 1; }
	log=$STRESS_OUT/run.log
	netns-tests/run "$out" "$file" 2>&1 | tee "$log"
	line=$(grep -E '^netns-tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -n1)
	read -r p f s <<<"$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')"
	[ -s "$STRESS_OUT/summary.txt" ] || echo "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped" > "$STRESS_OUT/summary.txt"
	[ -n "$line" ] || return 1
	[ "$f" -eq 0 ] || return 1
	[ "$p" -gt 0 ] || return 77
	[ "$s" -eq 0 ] || return 77
	return 0
}

# counts: "struct_ops maps N, orphans M (...)" now (retained_counts of
# netns-tests/lib.sh), logged before and after each suite: maps retained by
# a suite's sockets, or leaked, show as a difference (docs/reliability.md,
# "Retained struct_ops maps").
counts() {
	bash -c 'source netns-tests/lib.sh && retained_counts' 2>/dev/null
}

selected() {
	local w
	[ ${#want[@]} -eq 0 ] && return 0
	for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}

mkdir -p "$stress"
rows=() json=() status=0 skips=0
for line in "${SUITES[@]}"; do
	IFS='|' read -r name kind arg <<<"$line"
	selected "$name" || continue
	export STRESS_OUT=$stress/$name
	rm -rf "$STRESS_OUT"
	mkdir -p "$STRESS_OUT"
	echo "== stress: $name ($kind $arg)"
	before=$(counts)
	echo "== before: $before"
	t0=$(date +%s)
	rc=0
	"suite_$kind" "$arg" || rc=$?
	secs=$(($(date +%s) - t0))
	after=$(counts)
	echo "== after: $after"
	case $rc in
	0) verdict=passed ;;
	77) verdict=skipped; skips=$((skips + 1)) ;;
	*) verdict=failed; status=1 ;;
	esac
	summary=$(head -n1 "$STRESS_OUT/summary.txt" 2>/dev/null)
	rows+=("$(printf '%-16s %-8s %7ss  %s' "$name" "$verdict" "$secs" "${summary:--}")")
	details=null
	[ -s "$STRESS_OUT/results.json" ] && details=$(cat "$STRESS_OUT/results.json")
	json+=("$(printf '{"suite": "%s", "kind": "%s", "arg": "%s", "verdict": "%s", "seconds": %s, "summary": "%s", "counts_before": "%s", "counts_after": "%s", "details": %s}' \
		"$name" "$kind" "$arg" "$verdict" "$secs" "$(echo "$summary" | sed 's/["\\]/\\&/g')" "$before" "$after" "$details")")
done
if [ ${#rows[@]} -eq 0 ]; then
	echo "stress: no suite named ${want[*]} (suites: $(printf '%s\n' "${SUITES[@]}" | cut -d'|' -f1 | tr '\n' ' '))"
	exit 2
fi
if [ "${BPFTCP_NO_SKIP:-0}" = 1 ] && [ "$skips" -gt 0 ]; then
	echo "BPFTCP_NO_SKIP=1: $skips suite(s) skipped, which is not allowed here"
	status=1
fi

{
	printf '{\n  "command": "make stress",\n  "date": "%s",\n  "host_cpus": %s,\n  "suites": [\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)"
	for i in "${!json[@]}"; do
		sep=,; [ "$i" -eq $((${#json[@]} - 1)) ] && sep=
		printf '%s%s\n' "${json[$i]}" "$sep" | sed 's/^/    /'
	done
	printf '  ],\n  "ok": %s\n}\n' "$([ $status -eq 0 ] && echo true || echo false)"
} > "$stress/results.json"

echo
echo "stress summary ($stress/results.json):"
printf '%-16s %-8s %8s  %s\n' suite verdict time numbers
printf '%s\n' "${rows[@]}"
exit $status
