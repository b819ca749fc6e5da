#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# validate/repeat.sh BUILD SCRIPT [ROUNDS]
#
# How much the kernel differs from itself on one scenario, and the port from
# the kernel: runs SCRIPT's algorithm ALG (its 'algorithms' line) and bpf_ALG
# ROUNDS times (default 10), interleaved, the native run first in odd rounds
# and second in even ones, and prints per run what validate/spread.py reads
# from it (for an 'lt-bw' script: each use of the long-term bw and the
# shortest gap between uses), then the spread within the kernel's runs and
# across native/bpf pairs.  A run later than the script's 'timing' is
# discarded and counted.  CSVs in BUILD/validate-repeat/NAME/
# (VALIDATE_OUT= elsewhere).  Registers bpf_ALG if needed, unregisters at exit
# only what it registered.  Needs root; run it under the same lock as
# make test.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: repeat.sh BUILD SCRIPT [ROUNDS]}" && pwd) || exit 2
script=${2:?usage: repeat.sh BUILD SCRIPT [ROUNDS]}
rounds=${3:-10}
case $rounds in ''|*[!0-9]*|0) echo "repeat: ROUNDS must be a positive integer" >&2; exit 2;; esac
[ -r "$script" ] || { echo "repeat: cannot read $script" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "repeat: needs root (network namespaces, TUN, registering bpf_ algorithms)" >&2; exit 77; }
field() { sed -n "s/^$2[[:space:]]\{1,\}\([^#]*\).*/\1/p" "$1" | head -n1; }
name=$(field "$script" name); name=${name%% *}; [ -n "$name" ] || name=$(basename "$script" .tcp)
alg=$(field "$script" algorithms); alg=${alg%% *}
[ -n "$alg" ] || { echo "repeat: $script has no 'algorithms' line" >&2; exit 2; }
out=${VALIDATE_OUT:-$build/validate-repeat}/$name
registered=0
cleanup() { [ $registered = 0 ] || "$build/bpftcp" cc unregister "$alg" >/dev/null || echo "repeat: cannot unregister bpf_$alg" >&2; }
trap cleanup EXIT
trap 'exit 143' INT TERM
if ! grep -qw "bpf_$alg" /proc/sys/net/ipv4/tcp_available_congestion_control; then
	"$build/bpftcp" cc register "$alg" >/dev/null || exit 1
	registered=1
fi
rm -rf "$out"; mkdir -p "$out"
for ((i = 1; i <= rounds; i++)); do
	order="$alg bpf_$alg"; [ $((i % 2)) = 1 ] || order="bpf_$alg $alg"
	for cc in $order; do
		"$build/tcpscript" -q -c "$cc" -o "$out/$cc.$i.csv" "$script" 2> "$out/$cc.$i.log" ||
			{ cat "$out/$cc.$i.log" >&2; exit 1; }
		grep '^tcpscript-summary' "$out/$cc.$i.log" | cut -d' ' -f2- > "$out/$cc.$i.meta"
	done
done
python3 "$here/validate/spread.py" "$out" "$script"
