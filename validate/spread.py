#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""validate/spread.py DIR SCRIPT: the runs validate/repeat.sh left in DIR
(ALG.N.csv and bpf_ALG.N.csv), read as compare.py reads them.  For a
script with an 'lt-bw' line: per run, when the long-term bw was taken into
use and the shortest gap between uses.  Then how many pairs compare.py
passes: each kernel run against the next (the kernel against itself) and
against the port's run of the same round; the largest relative
difference of the shortest gap within the kernel's runs and across every
native/bpf pair, and the two medians.  Runs later than the script's
'timing' are left out and counted."""
import collections
import glob
import os
import shutil
import subprocess
import tempfile
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def runs(d, cc, timing_us):
    kept, late = [], 0
    for f in sorted(glob.glob(os.path.join(d, f"{cc}.*.csv")),
                    key=lambda p: int(p.rsplit(".", 2)[1])):
        m = compare.meta(f[:-4] + ".meta")
        if timing_us is not None and (m.get("late_us") is None or m["late_us"] > timing_us):
            late += 1
            continue
        kept.append((os.path.basename(f), compare.load(f)))
    return kept, late


def hold_and_redetect(rows, uses, rate, rel_):
    """For each use: how long the bw stayed at the policed rate (the hold,
    when the run goes on past it), and the time from its end to the next
    use (the re-detection)."""
    near = [r.get("rec_bw", "") != "" and abs(int(r["rec_bw"]) - rate) <= rel_ * rate for r in rows]
    held, redetect = [], []
    for k, i in enumerate(uses):
        j = i
        while j < len(rows) and near[j]:
            j += 1
        if j == len(rows):
            break
        held.append(int(rows[j]["t_us"]) - int(rows[i]["t_us"]))
        if k + 1 < len(uses):
            redetect.append(int(rows[uses[k + 1]]["t_us"]) - int(rows[j]["t_us"]))
    return held, redetect


def pair_matches(d, script, name, native, other):
    """Does compare.py, run on one pair of runs in DIR as if they were the
    native and the bpf_ run of SCRIPT, pass it?  (its first problem, or
    None)."""
    h = compare.header(script)
    alg = h["algorithms"][0]
    with tempfile.TemporaryDirectory() as t:
        os.mkdir(os.path.join(t, "csv"))
        for src, cc in ((native, alg), (other, "bpf_" + alg)):
            for ext in (".csv", ".meta"):
                if os.path.exists(os.path.join(d, src + ext)):
                    shutil.copy(os.path.join(d, src + ext), os.path.join(t, "csv", f"{name}.{cc}{ext}"))
        r = subprocess.run([sys.executable, os.path.abspath(compare.__file__), t, script],
                           capture_output=True, text=True)
        if r.returncode == 0:
            return None
        for line in r.stdout.splitlines():
            if "FAIL" in line:
                return line.split("FAIL", 1)[1].split("|")[0].strip(": ")[:160]
        return (r.stderr.strip() or "failed")[:160]


def pairs(d, script, name, alg):
    """compare.py on kernel run i against kernel run i+1 (the control), and
    on kernel run i against bpf run i, for every i both runs were kept."""
    h = compare.header(script)
    kept = {cc: [n[:-4] for n, _ in runs(d, cc, h["timing_us"])[0]] for cc in (alg, "bpf_" + alg)}
    rounds = lambda cc: {n.rsplit(".", 1)[1]: n for n in kept[cc]}  # noqa: E731
    kn, kb = rounds(alg), rounds("bpf_" + alg)
    order = sorted(kn, key=int)
    for label, todo in (("kernel vs kernel (round i, i+1)",
                         [(kn[a], kn[b]) for a, b in zip(order, order[1:])]),
                        (f"kernel vs bpf_{alg} (round i)",
                         [(kn[i], kb[i]) for i in order if i in kb])):
        bad = [(a, b, pair_matches(d, script, name, a, b)) for a, b in todo]
        bad = [x for x in bad if x[2]]
        print(f"{label}: {len(todo) - len(bad)} of {len(todo)} pairs pass {os.path.basename(script)}")
        for a, b, why in bad:
            print(f"  {a} / {b}: {why}")


def rel(native, other):
    """As compare.check_lt_bw measures it: relative to the native run."""
    return abs(other - native) / native


def main():
    d, script = sys.argv[1], sys.argv[2]
    h = compare.header(script)
    if not h["lt_bw"]:
        raise SystemExit(f"spread: {script} has no 'lt-bw' line: nothing to measure")
    rate, rel_, hold = h["lt_bw"][:3]
    alg = h["algorithms"][0]
    gaps, phases = {}, {}
    for cc in (alg, "bpf_" + alg):
        kept, late = runs(d, cc, h["timing_us"])
        gaps[cc], phases[cc] = [], ([], [], [], collections.Counter())
        for name, rows in kept:
            uses = compare.lt_bw_events(rows, 0, rate, rel_, hold)
            g = compare.lt_bw_gap_us(rows, uses)
            held, redetect = hold_and_redetect(rows, uses, rate, rel_)
            phases[cc][0].extend(held)
            phases[cc][1].extend(redetect)
            if uses:
                phases[cc][2].append(int(rows[uses[0]]["t_us"]) // 1000)
            phases[cc][3][len(uses)] += 1
            print(f"{name:18} uses {len(uses)} at "
                  f"{','.join(str(int(rows[i]['t_us']) // 1000) for i in uses)} ms; "
                  f"shortest gap {'-' if g is None else f'{g / 1e6:.3f} s'}")
            if g is not None:
                gaps[cc].append(g)
        print(f"{cc}: {len(kept)} runs kept, {late} later than the script's timing left out")
    for cc, (held, redetect, first, counts) in phases.items():
        print(f"{cc}: uses per run " + ", ".join(f"{k} (x{v})" for k, v in sorted(counts.items())) +
              (f"; first use {min(first)}-{max(first)} ms" if first else "") +
              (f"; hold median {statistics.median(held) / 1e3:.0f} ms ({len(held)})" if held else "") +
              (f"; re-detection median {statistics.median(redetect) / 1e3:.0f} ms ({len(redetect)}), "
               f"{sum(x > 500000 for x in redetect)} over 500 ms" if redetect else ""))
    pairs(d, script, h["name"], alg)
    n, b = gaps[alg], gaps["bpf_" + alg]
    if len(n) < 2 or not b:
        raise SystemExit("spread: too few runs with two uses to compare")
    within = max(rel(x, y) for x in n for y in n)
    across = max(rel(x, y) for x in n for y in b)
    print(f"shortest gap, median: {alg} {statistics.median(n) / 1e6:.3f} s, "
          f"bpf_{alg} {statistics.median(b) / 1e6:.3f} s")
    print(f"largest relative difference: {alg} vs {alg} {within:.3f}, {alg} vs bpf_{alg} {across:.3f}")


if __name__ == "__main__":
    main()
