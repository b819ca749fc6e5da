#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Runs libFuzzer targets for a fixed number of executions each.
#
#   scripts/run-fuzz.sh [-r RUNS] [-s SEED] [-w WORKDIR] BUILD [NAME...]
#
# BUILD/fuzz/<NAME>_fuzz is a target (selftests/fuzz/<NAME>_fuzz.c); with no
# NAME, every target there.  Each starts from its seed corpus, kept in the
# repository as selftests/fuzz/corpus/<NAME>/ (one small binary file per
# input: the valid forms and near misses).  A target without a seed
# directory, or a seed directory without a target, is an error: adding a
# target means adding its seeds, nothing else.
#
# The seeds are copied to a fresh working corpus WORKDIR/corpus/<NAME>
# (WORKDIR defaults to BUILD/fuzz), so every run starts from the same
# inputs; what libFuzzer adds stays there for inspection.  A crash, a
# sanitizer report, an invariant violation (the targets trap) or a timeout
# stops that target: its input is saved as WORKDIR/artifacts/<NAME>/crash-*
# (or timeout-*, leak-*) and the run fails; the other targets still run.
#
# Prints one line per target (executions, seconds, executions per second,
# corpus size, crashes) and writes the same numbers to WORKDIR/results.json.
# -r RUNS: executions per target (default $FUZZ_RUNS, else 10000000).
# -s SEED: libFuzzer's -seed (default 0: libFuzzer picks one and logs it).
set -uo pipefail

runs=${FUZZ_RUNS:-10000000}
seed=0
work=
while getopts 'r:s:w:' o; do
	case $o in
	r) runs=$OPTARG ;;
	s) seed=$OPTARG ;;
	w) work=$OPTARG ;;
	*) echo "usage: $0 [-r RUNS] [-s SEED] [-w WORKDIR] BUILD [NAME...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=${1:-build}
[ $# -gt 0 ] && shift
work=${work:-$out/fuzz}
here=$(cd "$(dirname "$0")/.." && pwd)
seeds=$here/selftests/fuzz/corpus
case $runs in ''|*[!0-9]*) echo "run-fuzz: RUNS must be a number, not '$runs'" >&2; exit 2 ;; esac

names=("$@")
status=0
if [ ${#names[@]} -eq 0 ]; then
	for f in "$out"/fuzz/*_fuzz; do
		[ -x "$f" ] && names+=("$(basename "$f" _fuzz)")
	done
	# Seeds nobody fuzzes: a target that was not built (or was removed).
	for d in "$seeds"/*/; do
		[ -d "$d" ] || continue
		[ -x "$out/fuzz/$(basename "$d")_fuzz" ] && continue
		echo "** seeds $d have no target $out/fuzz/$(basename "$d")_fuzz (not built?)"
		status=1
	done
fi
if [ ${#names[@]} -eq 0 ]; then
	echo "** no fuzz targets in $out/fuzz (build them: make $out/fuzz/<name>_fuzz)"
	exit 1
fi

mkdir -p "$work"
results=()
printf '%-22s %12s %9s %12s %8s %8s\n' target executions seconds exec/s corpus crashes
for name in "${names[@]}"; do
	bin=$(cd "$out/fuzz" 2>/dev/null && pwd)/${name}_fuzz
	corpus=$work/corpus/$name
	arts=$work/artifacts/$name
	log=$work/$name.log
	if [ ! -x "$bin" ]; then
		echo "** $name: no target $bin"; status=1; continue
	fi
	if [ -z "$(ls -A "$seeds/$name" 2>/dev/null)" ]; then
		echo "** $name: no seeds in $seeds/$name (every target needs its seed corpus)"
		status=1; continue
	fi
	rm -rf "$corpus" "$arts"
	mkdir -p "$corpus" "$arts"
	cp "$seeds/$name"/* "$corpus"/
	t0=$(date +%s.%N)
	rc=0
	"$bin" -runs="$runs" -seed="$seed" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$arts/" "$corpus" > "$log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	# A target that died before its final stats: count what it logged last.
	[ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
	execs=${execs:-0}
	used_seed=$(sed -n 's/^INFO: Seed: *\([0-9]*\).*/\1/p' "$log" | head -n1)
	crashes=$(find "$arts" -type f | wc -l)
	size=$(find "$corpus" -type f | wc -l)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	rate=$(awk -v n="$execs" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
	ok=true
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		ok=false
		[ "$crashes" -ne 0 ] || crashes=1	# failed without saving an input
	elif [ "$execs" -lt "$runs" ]; then
		ok=false
		echo "** $name: ran $execs of $runs executions"
	fi
	printf '%-22s %12s %9s %12s %8s %8s\n' "$name" "$execs" "$secs" "$rate" "$size" "$crashes"
	if ! $ok; then
		status=1
		echo "** $name failed (status $rc; log: $log)"
		grep -E '==[0-9]+==ERROR|SUMMARY|runtime error|Test unit written|deadly signal' "$log" | head -n 8
		ls "$arts" 2>/dev/null | sed "s|^|   input: $arts/|"
	fi
	results+=("$(printf '{"target": "%s", "seed": %s, "runs_requested": %s, "executions": %s, "seconds": %s, "exec_per_sec": %s, "corpus_files": %s, "crashes": %s, "ok": %s}' \
		"$name" "${used_seed:-null}" "$runs" "$execs" "$secs" "$rate" "$size" "$crashes" "$ok")")
done

{
	printf '{\n  "command": "scripts/run-fuzz.sh -r %s -s %s",\n' "$runs" "$seed"
	printf '  "date": "%s",\n  "host_cpus": %s,\n  "targets": [\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)"
	for i in "${!results[@]}"; do
		sep=,; [ "$i" -eq $((${#results[@]} - 1)) ] && sep=
		printf '    %s%s\n' "${results[$i]}" "$sep"
	done
	printf '  ],\n  "ok": %s\n}\n' "$([ $status -eq 0 ] && echo true || echo false)"
} > "$work/results.json"
echo "results: $work/results.json"
exit $status
