#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Runs every test suite and prints one summary line:
#   N passed, N failed, N skipped
# Suites:
#   1. every cmocka driver build/selftests/test_* (host unit tests first, then
#      the privileged BPF tests, whose names start with test_bpf_);
#   2. Python unittest suites: every netns-tests/<lib>/tests/ package (for
#      example the comparison's analysis, netns-tests/compare_lib/tests) and
#      validate/tests (the differential comparison's checks),
#      counted from unittest's verbose result lines;
#   3. netns-tests/run, which ends with "netns-tests: N passed, N failed, N skipped".
# Exit status is non-zero if anything failed, or if anything was skipped
# while BPFTCP_NO_SKIP=1 (CI sets it: on the CI machine nothing may skip).
set -uo pipefail
out=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1

passed=0 failed=0 skipped=0
failed_suites=()

# count_cmocka LOG: adds cmocka's closing counts to the totals.
count_cmocka() {
	local log=$1 p f s
	p=$(grep -oE '\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	f=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	s=$(grep -oE '\[  SKIPPED \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	echo "$p $f $s"
}

run_suite() {
	local name=$1; shift
	local log rc counts p f s
	log=$(mktemp)
	echo "== $name"
	# Line-buffered, so cmocka's stdout and stderr lines do not interleave.
	stdbuf -oL -eL "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	counts=$("$counter" "$log")
	read -r p f s <<<"$counts"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	# A suite that crashed or exited non-zero without reporting a failure
	# still counts as one failure: never pass what did not run.
	if [ "$rc" -ne 0 ] && [ "$(echo "$counts" | awk '{print $2}')" = 0 ]; then
		echo "** $name exited with status $rc without reporting a failed test"
		failed=$((failed + 1))
	fi
	[ "$rc" -ne 0 ] && failed_suites+=("$name")
	rm -f "$log"
}

# bpffs as found: tests mount it when missing (as bpftcp does); if it was not
# mounted before, unmount it again at the end unless something is pinned.
bpffs_before=$(awk '$3 == "bpf" { print $2; exit }' /proc/mounts)
pins_before=$(find /sys/fs/bpf/bpftcp -mindepth 1 2>/dev/null | sort)
restore_bpffs() {
	local fs pins_after left
	fs=$(awk '$3 == "bpf" { print $2; exit }' /proc/mounts)
	[ -n "$fs" ] || return 0
	pins_after=$(find "$fs/bpftcp" -mindepth 1 ! -type d 2>/dev/null | sort)
	left=$(comm -13 <(echo "$pins_before") <(echo "$pins_after") | sed '/^$/d')
	[ -z "$left" ] || echo "** pins left behind by the tests: $(echo $left)"
	# Remove the empty directories the tests created, then the mount.
	[ -n "$pins_before" ] || find "$fs/bpftcp" -depth -type d -empty -delete 2>/dev/null
	if [ -z "$bpffs_before" ] && [ -z "$(find "$fs" -mindepth 1 2>/dev/null | head -1)" ]; then
		umount "$fs" 2>/dev/null && echo "unmounted bpffs at $fs (it was not mounted before the tests)"
	fi
	return 0
}
trap restore_bpffs EXIT

counter=count_cmocka
shopt -s nullglob
tests=()
for t in "$out"/selftests/test_*; do
	[ -x "$t" ] && [ "${t%.o}" = "$t" ] && [ "${t%.d}" = "$t" ] && tests+=("$t")
done
# Host unit tests first; privileged BPF tests (test_bpf_*) last.
for t in "${tests[@]}"; do
	case $(basename "$t") in test_bpf_*) ;; *) run_suite "$(basename "$t")" "$t" ;; esac
done
for t in "${tests[@]}"; do
	case $(basename "$t") in test_bpf_*) run_suite "$(basename "$t")" "$t" ;; esac
done

# count_unittest LOG: the counts of one `python3 -m unittest -v` run, from
# its per-test result lines (ok, skipped, FAIL, ERROR, expected failure,
# unexpected success).
count_unittest() {
	local log=$1
	awk '
		/ \.\.\. ok$/ { p++ }
		/ \.\.\. skipped/ { s++ }
		/ \.\.\. expected failure$/ { p++ }
		/ \.\.\. (FAIL|ERROR|unexpected success)$/ { f++ }
		/^(FAIL|ERROR): / { e++ }
		END {
			# A failure in setUpClass/tearDownClass has no "..." line.
			if (e > f) f = e
			print p + 0, f + 0, s + 0
		}' "$log"
}
# A Python that has the suites' modules (matplotlib: Debian's python3).
py_suites=()
for d in netns-tests/*/tests validate/tests; do
	[ -f "$d/__init__.py" ] && py_suites+=("$d")
done
if [ ${#py_suites[@]} -gt 0 ]; then
	counter=count_unittest
	if python=$(scripts/find-python.sh matplotlib); then
		for d in "${py_suites[@]}"; do
			# netns-tests/LIB/tests imports LIB (top: netns-tests);
			# validate/tests imports validate/*.py by path (top: itself).
			top=$d; [ "${d#netns-tests/}" = "$d" ] || top=${d%/*/tests}
			run_suite "${d#netns-tests/}" env PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg \
				"$python" -m unittest discover -v -s "$d" -t "$top"
		done
	else
		echo "** python unittest suites (${py_suites[*]}) cannot run: no python3 with matplotlib"
		failed=$((failed + 1)); failed_suites+=(python-suites)
	fi
fi

count_netns() {
	local log=$1 line p f s
	line=$(grep -E '^netns-tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -n1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/'); p=${p:-0}
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/'); f=${f:-0}
	s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/'); s=${s:-0}
	echo "$p $f $s"
}
if [ -x netns-tests/run ]; then
	counter=count_netns
	run_suite netns-tests netns-tests/run "$out"
fi

echo
[ ${#failed_suites[@]} -gt 0 ] && echo "failed suites: ${failed_suites[*]}"
if [ "${BPFTCP_NO_SKIP:-0}" = 1 ] && [ "$skipped" -gt 0 ]; then
	echo "BPFTCP_NO_SKIP=1: $skipped test(s) skipped, which is not allowed here"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
[ "${BPFTCP_NO_SKIP:-0}" = 1 ] && [ "$skipped" -gt 0 ] && exit 1
exit 0
