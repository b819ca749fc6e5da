#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Per-packet cost of finding a socket's record: a hash map keyed by the
# 4-tuple holding 10 000 entries, vs bpf_sk_storage_get().  Both are timed in
# the same cgroup_skb/egress program on the same packets of loopback bulk
# traffic in a private netns, alternating which goes first per packet, over
# several rounds (bench/skstorage.c, bench/bpf/lookup.bpf.c; method in
# docs/sockstate.md).  Writes "skstorage_vs_hash_ratio" = median hash ns per
# lookup / median sk_storage ns per lookup (target: >= 2), plus the raw
# numbers.
set -euo pipefail
: "${BUILD:=build}" "${BENCH_OUT:=$BUILD/bench/fragments}"
rounds=${BENCH_ROUNDS:-15}
ms=${BENCH_SKSTORAGE_MS:-200}
mkdir -p "$BENCH_OUT"
"$BUILD/bench/skstorage" -r "$rounds" -t "$ms" -c 4 -o "$BENCH_OUT/skstorage.json"
