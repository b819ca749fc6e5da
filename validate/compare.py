#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Compares tcpscript trajectories, native algorithm against its bpf_ twin,
and bpf_ALG runs against the independent models in validate/models/.

    compare.py OUTDIR SCENARIO_FILE...

For each scenario and each algorithm it names, reads
OUTDIR/csv/<scenario>.<alg>.csv and OUTDIR/csv/<scenario>.bpf_<alg>.csv
(and the .meta files beside them), pairs the rows by event number and
reports, per field, the largest difference.  The gating fields are those
named on the script's 'tolerance' line (e.g. cwnd=0 ssthresh=0); a pair
passes when every gating field stays within its tolerance at every event,
the two runs have the same number of events of the same kinds, and neither
run's worst ACK lateness exceeded the script's 'timing'.  Pacing and
delivery rates are reported (largest relative difference) but do not gate:
they are measured from timestamps, so they carry the timing jitter.
Writes OUTDIR/table.md and OUTDIR/results.json; exits 1 if any pair fails.
"""
import csv
import importlib.util
import json
import os
import sys

GATED_DEFAULT = {"cwnd": 0, "ssthresh": 0}
REPORTED = ("cwnd", "ssthresh", "ca_state")
RATES = ("pacing_rate", "delivery_rate")


def duration_us(text):
    for unit, mult in (("us", 1), ("ms", 1000), ("s", 1000000)):
        if text.endswith(unit) and text[: -len(unit)].replace(".", "", 1).isdigit():
            return float(text[: -len(unit)]) * mult
    raise ValueError(f"bad duration {text!r}")


def header(path):
    """The runner's lines of a script: name, algorithms, tolerance, timing, fast."""
    h = {"name": os.path.basename(path).rsplit(".", 1)[0], "algorithms": [], "models": [],
         "tolerance": dict(GATED_DEFAULT), "tick_tolerance": {}, "timing_us": None,
         "fast": False}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "name":
                h["name"] = words[1]
            elif words[0] == "algorithms":
                h["algorithms"] = words[1:]
            elif words[0] == "models":
                h["models"] = words[1:]
            elif words[0] == "tolerance":
                h["tolerance"] = {k: float(v) for k, v in (w.split("=", 1) for w in words[1:])}
            elif words[0] == "tick-tolerance":
                # tick-tolerance ALG... FIELD=N...: for the algorithms named
                lim = {k: float(v) for k, v in (w.split("=", 1) for w in words[1:] if "=" in w)}
                for alg in (w for w in words[1:] if "=" not in w):
                    h["tick_tolerance"][alg] = lim
            elif words[0] == "timing":
                h["timing_us"] = duration_us(words[1])
            elif words[0] == "fast":
                h["fast"] = True
    return h


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def meta(path):
    m = {}
    try:
        with open(path) as f:
            for w in f.read().split():
                if "=" in w:
                    k, v = w.split("=", 1)
                    m[k] = int(v)
    except FileNotFoundError:
        pass
    return m


def tick_divergence(native, bpf):
    """The first event (1-based) after which the two runs' ACKs fell on
    different sides of a jiffies tick (the jiffies between consecutive events
    differ), or None: from there on, algorithms that keep time in jiffies
    may legitimately differ by what one tick changes."""
    for i in range(1, min(len(native), len(bpf))):
        ja, jb = native[i].get("jiffies"), bpf[i].get("jiffies")
        if not ja or not jb:
            return None
        if int(ja) - int(native[i - 1]["jiffies"]) != int(jb) - int(bpf[i - 1]["jiffies"]):
            return i + 1
    return None


def compare(native, bpf, tol, tick_tol=None):
    """Per-field largest |difference|, the first event that breaks tolerance,
    the first event whose kinds differ, and the tick divergence.  With
    @tick_tol (the script's 'tick-tolerance'), events from the tick
    divergence on are held to it instead, and their kinds may differ."""
    worst = {f: 0 for f in REPORTED}
    rates = {f: 0.0 for f in RATES}
    first_bad = None
    kinds_differ = None
    tick = tick_divergence(native, bpf) if tick_tol is not None else None
    for i, (a, b) in enumerate(zip(native, bpf)):
        after_tick = tick is not None and i + 1 >= tick
        limit = tick_tol if after_tick else tol
        if a["kind"] != b["kind"] and kinds_differ is None and not after_tick:
            kinds_differ = i + 1
        for f in REPORTED:
            d = abs(int(a[f]) - int(b[f]))
            worst[f] = max(worst[f], d)
            if f in limit and d > limit[f] and first_bad is None:
                first_bad = (i + 1, f, a[f], b[f])
        for f in RATES:
            x, y = int(a[f]), int(b[f])
            if max(x, y):
                rates[f] = max(rates[f], abs(x - y) / max(x, y))
    return worst, rates, first_bad, kinds_differ, tick


def load_model(alg):
    """validate/models/ALG.py, whose expect(rows, script) gives, per row,
    None (not predicted) or a dict of predicted fields (cwnd, ssthresh)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", alg + ".py")
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location("model_" + alg, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_model(rows, predicted, tol):
    """Per-field largest |model - run| over the predicted rows, the number of
    rows predicted, and the first row that breaks tolerance."""
    worst = {f: 0 for f in REPORTED}
    checked, first_bad = 0, None
    for row, want in zip(rows, predicted):
        if not want:
            continue
        checked += 1
        for f, v in want.items():
            d = abs(int(row[f]) - int(v))
            worst[f] = max(worst.get(f, 0), d)
            if d > tol.get(f, 0) and first_bad is None:
                first_bad = (int(row["event"]), f, v, row[f])
    return worst, checked, first_bad


def run_model(out, h, script, alg):
    """One bpf_ALG run of a scenario against validate/models/ALG.py."""
    base = os.path.join(out, "csv", f"{h['name']}.bpf_{alg}")
    r = {"scenario": h["name"], "algorithm": f"bpf_{alg} (model)", "tolerance": h["tolerance"],
         "timing_us": h["timing_us"]}
    try:
        rows = load(base + ".csv")
    except FileNotFoundError as e:
        r.update(status="missing", detail=str(e))
        return r
    predicted = load_model(alg).expect(rows, script)
    if len(predicted) != len(rows):
        raise SystemExit(f"validate/models/{alg}.py: {len(predicted)} predictions for {len(rows)} rows")
    worst, checked, first_bad = check_model(rows, predicted, h["tolerance"])
    late = meta(base + ".meta").get("late_us")
    r.update(events=[len(rows), checked], worst=worst, rates={f: 0.0 for f in RATES}, late_us=[late])
    problems = []
    if checked < len(rows) // 2:
        problems.append(f"the model predicted only {checked} of {len(rows)} events")
    if first_bad:
        problems.append("event %d: %s model %s, run %s" % first_bad)
    if h["timing_us"] is not None and (late is None or late > h["timing_us"]):
        problems.append(f"ACK lateness {late} us beyond timing {h['timing_us']:.0f} us")
    r["status"] = "match" if not problems else "FAIL"
    r["problems"] = problems
    return r


def main():
    out, scripts = sys.argv[1], sys.argv[2:]
    results, ok = [], True
    for s in scripts:
        h = header(s)
        for alg in h["algorithms"]:
            base = os.path.join(out, "csv", f"{h['name']}.")
            r = {"scenario": h["name"], "algorithm": alg, "tolerance": h["tolerance"],
                 "timing_us": h["timing_us"]}
            try:
                native, bpf = load(base + alg + ".csv"), load(base + "bpf_" + alg + ".csv")
            except FileNotFoundError as e:
                r.update(status="missing", detail=str(e))
                results.append(r)
                ok = False
                continue
            worst, rates, first_bad, kinds, tick = compare(native, bpf, h["tolerance"],
                                                           h["tick_tolerance"].get(alg))
            late = [meta(base + n + ".meta").get("late_us") for n in (alg, "bpf_" + alg)]
            r.update(events=[len(native), len(bpf)], worst=worst, rates=rates, late_us=late,
                     tick_divergence=tick)
            problems = []
            if len(native) != len(bpf) and tick is None:
                problems.append(f"{len(native)} vs {len(bpf)} events")
            if kinds:
                problems.append(f"event kinds differ from event {kinds}")
            if first_bad:
                problems.append("event %d: %s %s vs %s" % first_bad)
            if h["timing_us"] is not None and any(x is None or x > h["timing_us"] for x in late):
                problems.append(f"ACK lateness {late} us beyond timing {h['timing_us']:.0f} us")
            if len(native) < 2:
                problems.append("no events")
            r["status"] = "match" if not problems else "FAIL"
            r["problems"] = problems
            ok &= not problems
            results.append(r)
        for alg in h["models"]:
            r = run_model(out, h, s, alg)
            ok &= r["status"] == "match"
            results.append(r)

    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    lines = ["| scenario | algorithm | events | result | max Δcwnd | max Δssthresh | max Δca_state "
             "| max rel. Δpacing | max rel. Δdelivery | worst ACK lateness (µs) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r["status"] == "missing":
            lines.append(f"| {r['scenario']} | {r['algorithm']} | | missing | | | | | | |")
            continue
        tol = r["tolerance"]
        res = "match" if r["status"] == "match" else "FAIL: " + "; ".join(r["problems"])
        if r["status"] == "match" and any(tol.get(k, 0) for k in tol):
            res += " (within " + ", ".join(f"{k}±{v:g}" for k, v in tol.items() if v) + ")"
        if r.get("tick_divergence"):
            res += f" (exact to event {r['tick_divergence'] - 1}, then a tick apart)"
        w, q = r["worst"], r["rates"]
        events = r["events"][0] if "(model)" not in r["algorithm"] else \
            f"{r['events'][0]} ({r['events'][1]} predicted)"
        lines.append(f"| {r['scenario']} | {r['algorithm']} | {events} | {res} | {w['cwnd']} "
                     f"| {w['ssthresh']} | {w['ca_state']} | {q['pacing_rate']:.3f} "
                     f"| {q['delivery_rate']:.3f} | {' / '.join(str(x) for x in r['late_us'])} |")
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
