#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make fuzz: runs every libFuzzer target in BUILD/fuzz/ for SECONDS each.
# The corpus of each lives in BUILD/fuzz/corpus/<name> and grows across
# runs; it starts from seeds written here (valid options and near misses),
# so the fuzzer does not have to discover the kind and ExID by itself.
# A crash stops the run with a non-zero status; libFuzzer saves the input as
# BUILD/fuzz/crash-* and prints how to reproduce it.
set -euo pipefail
out=${1:-build}
secs=${2:-60}
status=0

# seed_hdropt_decode DIR: a few inputs around the delack option.
seed_hdropt_decode() {
	local d=$1
	printf '\xfd\x07\xda\x1c\x00\x00\xc8' > "$d/valid-20ms"
	printf '\xfd\x07\xda\x1c\x01\x27\x10\x01\x01' > "$d/valid-resend-1s-nops"
	printf '\xfd\x08\xda\x1c\x00\x00\xc8\x01' > "$d/length-8"
	printf '\xfd\x07\xda\x1c\x80\x00\xc8' > "$d/reserved-bit"
	printf '\xfd\x07\xda\x1c' > "$d/truncated"
}

for f in "$out"/fuzz/*_fuzz; do
	[ -x "$f" ] || continue
	name=$(basename "$f" _fuzz)
	corpus=$out/fuzz/corpus/$name
	mkdir -p "$corpus"
	if declare -F "seed_$name" >/dev/null; then
		"seed_$name" "$corpus"
	fi
	echo "== $name: ${secs}s"
	log=$out/fuzz/$name.log
	rc=0
	(cd "$out/fuzz" && "./$(basename "$f")" -max_total_time="$secs" -print_final_stats=1 \
		"corpus/$name") > "$log" 2>&1 || rc=$?
	grep -E '^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|Test unit written)' "$log" || true
	[ $rc -eq 0 ] || { echo "** $name found a crash (status $rc; full log: $log)"; status=1; }
done
exit $status
