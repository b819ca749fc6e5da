#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# validate/run.sh BUILD [--fast] [SCENARIO...]
#
# The differential runner (docs/validation.md): runs each scenario script
# (default: every validate/scenarios/*.tcp; --fast: those marked 'fast') on
# each algorithm its 'algorithms' line names, first the kernel's ALG then
# bpftcp's bpf_ALG, with build/tcpscript, and compares the trajectories
# event by event (validate/compare.py); and bpf_ALG alone for each algorithm
# its 'models' line names, checked against the independent model
# validate/models/ALG.py.  Writes BUILD/validate/table.md,
# results.json and csv/<scenario>.<algorithm>.csv (VALIDATE_OUT= elsewhere).  A run whose worst ACK
# lateness exceeds the script's 'timing' is retried (VALIDATE_TRIES tries,
# default 5, a second apart: a late run is discarded, never accepted); the
# last try counts.  Registers the bpf_ twins it needs and unregisters, at
# exit, only those it registered.  Needs root.  Exit status 1 on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD [--fast] [SCENARIO...]}" && pwd) || exit 2
shift
fast=0
[ "${1:-}" = --fast ] && { fast=1; shift; }
out=${VALIDATE_OUT:-$build/validate}
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$here"/validate/scenarios/*.tcp)
tcpscript=$build/tcpscript bpftcp=$build/bpftcp

[ "$(id -u)" = 0 ] || { echo "validate: needs root (network namespaces, TUN, registering bpf_ algorithms)" >&2; exit 77; }
for f in "$tcpscript" "$bpftcp"; do
	[ -x "$f" ] || { echo "validate: no $f (run make)" >&2; exit 2; }
done

registered=()
cleanup() {
	local a
	for a in "${registered[@]}"; do
		"$bpftcp" cc unregister "$a" >/dev/null || echo "validate: cannot unregister bpf_$a" >&2
	done
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# available NAME: the kernel offers NAME (one read of the list, no pipe:
# under pipefail a pipe's early exit could read as "not there").
available() {
	local l
	l=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control) || return 1
	[[ " $l " == *" $1 "* ]]
}

# ensure ALG [model]: bpftcp's bpf_ALG is available, and (unless 'model')
# the kernel's ALG too.
ensure() {
	if [ "${2:-}" != model ]; then
		available "$1" || modprobe "tcp_$1" 2>/dev/null
		available "$1" || { echo "validate: the kernel has no '$1' (it offers: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control))" >&2; return 1; }
	fi
	available "bpf_$1" && return 0
	"$bpftcp" cc register "$1" >/dev/null || { available "bpf_$1" && return 0; return 1; }
	registered+=("$1")
}

# field SCRIPT KEY: the words after KEY on the script's KEY line.
field() { sed -n "s/^$2[[:space:]]\{1,\}\([^#]*\).*/\1/p" "$1" | head -n1; }
duration_us() {
	awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u);
		print (u == "us" ? n : u == "ms" ? n * 1000 : u == "s" ? n * 1000000 : -1) }'
}

rm -rf "$out"
mkdir -p "$out/csv"
selected=()
for s in "${scripts[@]}"; do
	[ $fast = 0 ] || grep -qE '^fast([[:space:]]|$)' "$s" || continue
	selected+=("$s")
	name=$(field "$s" name); name=${name%% *}
	[ -n "$name" ] || name=$(basename "$s" .tcp)
	timing=$(field "$s" timing); timing=$(duration_us "${timing:-1s}")
	# 'algorithms': the native ALG, then bpf_ALG; 'models': bpf_ALG alone,
	# checked against validate/models/ALG.py.
	runs=()
	# 'control': the native ALG once more, to measure how much the kernel
	# differs from itself on this script (compare.py).
	control=0; grep -qE '^control([[:space:]]|$)' "$s" && control=1
	for alg in $(field "$s" algorithms); do
		runs+=("$alg:$alg" "$alg:bpf_$alg")
		[ $control = 0 ] || runs+=("$alg/control:$alg")
	done
	for alg in $(field "$s" models); do runs+=("$alg/model:bpf_$alg"); done
	for run in "${runs[@]}"; do
		alg=${run%%:*} cc=${run#*:} tag=
		kind=; [ "${alg%/model}" != "$alg" ] && kind=model alg=${alg%/model}
		[ "${alg%/control}" != "$alg" ] && tag=.control alg=${alg%/control}
		ensure "$alg" $kind || { echo "validate: cannot make bpf_$alg available" >&2; exit 1; }
		csvf=$out/csv/$name.$cc$tag.csv
		for ((try = 1; try <= ${VALIDATE_TRIES:-5}; try++)); do
			if ! "$tcpscript" -q -c "$cc" -o "$csvf" "$s" 2> "${csvf%.csv}.log"; then
				cat "${csvf%.csv}.log" >&2
				exit 1
			fi
			grep '^tcpscript-summary' "${csvf%.csv}.log" | cut -d' ' -f2- > "${csvf%.csv}.meta"
			late=$(sed -n 's/.*late_us=\([0-9]*\).*/\1/p' "${csvf%.csv}.meta")
			[ "${late:-0}" -le "${timing%.*}" ] && break
			echo "validate: $name/$cc: ACK lateness $late us > $timing us (try $try)" >&2
			sleep 1
		done
		printf '  %-14s %-18s %s\n' "$name" "$cc$tag" "$(cat "${csvf%.csv}.meta")"
	done
done
[ ${#selected[@]} -gt 0 ] || { echo "validate: no scenario selected" >&2; exit 2; }
python3 "$here/validate/compare.py" "$out" "${selected[@]}"
