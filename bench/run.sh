#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make bench: runs every bench/bench-*.sh.  Each writes a flat JSON object of
# its results to $BENCH_OUT/<name>.json and a short table to stdout; this
# script merges the fragments into $OUT/bench/results.json.
set -euo pipefail
out=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export BENCH_OUT="$out/bench/fragments" BUILD="$out"
rm -rf "$BENCH_OUT"; mkdir -p "$BENCH_OUT"
status=0
for b in bench/bench-*.sh; do
	[ -f "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	bash "$b" || { echo "** $b failed" >&2; status=1; }
done
python3 - "$BENCH_OUT" "$out/bench/results.json" <<'PY'
import json, pathlib, sys, platform, datetime
frags, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
res = {"machine": {"kernel": platform.release(), "cpus": __import__("os").cpu_count()},
       "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
for f in sorted(frags.glob("*.json")):
    res.update(json.loads(f.read_text()))
dest.write_text(json.dumps(res, indent=2) + "\n")
print(f"wrote {dest}")
PY
exit $status
