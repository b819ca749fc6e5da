#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Compares tcpscript trajectories, native algorithm against its bpf_ twin,
and bpf_ALG runs against the independent models in validate/models/.

    compare.py OUTDIR SCENARIO_FILE...

For each scenario and each algorithm it names, reads
OUTDIR/csv/<scenario>.<alg>.csv and OUTDIR/csv/<scenario>.bpf_<alg>.csv
(and the .meta files beside them), pairs the events (align(): in the Open
state by ACK number, in loss recovery by episode and place) and reports,
per field, the largest difference over what the algorithm decides (cwnd
and ssthresh in the Open state, ssthresh in recovery, where TCP's recovery
sets cwnd; that difference is reported apart and does not gate).  The
gating fields are those named on the script's 'tolerance' line (e.g.
cwnd=0 ssthresh=0); a pair passes when every gating field stays within its
tolerance at every paired event, every event has a counterpart of the same
kind, and neither run's worst ACK lateness exceeded the script's 'timing'.  Pacing and
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
# A control (the kernel against itself) that differs by more than this, in
# any gated field, means the scenario is decided by timing, not the algorithm.
CONTROL_MAX = 2
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
         "fast": False, "control": False, "compare_until": None, "after_tolerance": None,
         "align": None, "segments": None, "lt_bw": None}
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
            elif words[0] == "compare-until":
                # compare-until FIELD=VALUE: the tolerance holds through the
                # first event at which the native run has FIELD == VALUE
                k, v = words[1].split("=", 1)
                h["compare_until"] = (k, v)
            elif words[0] == "after-tolerance":
                h["after_tolerance"] = {k: float(v) for k, v in
                                        (w.split("=", 1) for w in words[1:])}
            elif words[0] == "align":
                # align FIELD=VALUE events=N: after compare-until, pair the N
                # events from the first at which each run has FIELD == VALUE
                k, v = words[1].split("=", 1)
                n = dict(w.split("=", 1) for w in words[2:])
                h["align"] = (k, v, int(n["events"]))
            elif words[0] == "segments":
                # segments FIELD shift=N: pair events within each run of
                # equal FIELD values, from its start; the k-th change of
                # FIELD may be N events apart in the two runs
                n = dict(w.split("=", 1) for w in words[2:])
                h["segments"] = (words[1], int(n["shift"]))
            elif words[0] == "lt-bw":
                # lt-bw RATE rel=R events=N shift=S gap=G: the policer check
                n = dict(w.split("=", 1) for w in words[2:])
                h["lt_bw"] = (float(words[1]), float(n["rel"]), int(n["events"]), int(n["shift"]),
                              float(n.get("gap", "inf")))
            elif words[0] == "timing":
                h["timing_us"] = duration_us(words[1])
            elif words[0] == "fast":
                h["fast"] = True
            elif words[0] == "control":
                # control [FIELD=N...]: a floor for the kernel's own
                # difference, from repeated controls, justified in the script
                h["control"] = {k: float(v) for k, v in (w.split("=", 1) for w in words[1:])}
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


def align(rows):
    """Keys that pair one run's events with the other's.  In the Open state
    (ca_state 0) each event is keyed by its kind and ACK number (and its
    occurrence, for a repeated ACK; a DSACK by its rank among DSACKs): the
    algorithm decides cwnd there, and the key holds
    even when the two runs' loss recoveries differ in length.  An event in
    loss recovery or CWR (any other state) is keyed by its episode and its
    place in it: there TCP's recovery (PRR, RACK, limited transmit) sets
    cwnd from microsecond timestamps, and the kernel's own runs differ (the
    'control' line measures it), while the algorithm sets ssthresh."""
    keys, seen, episode, place = [], {}, -1, 0
    for i, r in enumerate(rows):
        if r["ca_state"] == "0":
            # a SACK in the Open state is a DSACK (a spurious retransmission
            # reported): where it falls among the ACKs is the retransmission's
            # timing, so it pairs with the other run's DSACK of the same rank
            k = ("sack",) if r["kind"] == "sack" else (r["kind"], int(r["ack"]))
            seen[k] = seen.get(k, 0) + 1
            keys.append(("open",) + k + (seen[k],))
        else:
            if i == 0 or rows[i - 1]["ca_state"] == "0":
                episode, place = episode + 1, 0
            place += 1
            keys.append(("recovery", episode, place))
    return keys


def tick_divergence(pairs):
    """The first native event (1-based) after which the two runs' ACKs fell
    on different sides of a jiffies tick (the jiffies between consecutive
    paired events differ), or None: from there on, algorithms that keep
    time in jiffies may legitimately differ by what one tick changes."""
    for (i0, a0, b0), (i1, a1, b1) in zip(pairs, pairs[1:]):
        if not a1.get("jiffies") or not b1.get("jiffies"):
            return None
        if int(a1["jiffies"]) - int(a0["jiffies"]) != int(b1["jiffies"]) - int(b0["jiffies"]):
            return i1 + 1
    return None


def compare(native, bpf, tol, tick_tol=None):
    """Pairs the runs' events (align()) and returns: per field the largest
    |difference| over the events the algorithm decides (cwnd and ssthresh in
    the Open state, ssthresh in recovery), the rates' largest relative
    difference, the first event that breaks tolerance, the first native
    event with no counterpart (or a different kind), the tick divergence,
    and the largest cwnd difference in recovery (reported, not gated).
    With @tick_tol (the script's 'tick-tolerance'), events from the tick
    divergence on are held to it instead."""
    worst = {f: 0 for f in REPORTED}
    rates = {f: 0.0 for f in RATES}
    first_bad = unpaired = None
    recovery_cwnd = 0
    other = dict(zip(align(bpf), bpf))
    pairs = []
    episodes = [set(), set()]
    for i, (k, a) in enumerate(zip(align(native), native)):
        b = other.pop(k, None)
        if k[0] == "recovery":
            episodes[0].add(k[1])
        if b is None or a["kind"] != b["kind"]:
            # an episode's length is TCP's recovery, not the algorithm
            if k[0] == "open" or b is not None:
                unpaired = unpaired or i + 1
            continue
        pairs.append((i, a, b))
    episodes[1] = {k[1] for k in align(bpf) if k[0] == "recovery"}
    if episodes[0] != episodes[1]:
        unpaired = unpaired or len(native)
    if any(k[0] == "open" for k in other) and unpaired is None:
        unpaired = len(native)
    tick = tick_divergence([p for p in pairs if p[1]["ca_state"] == "0"]) \
        if tick_tol is not None else None
    for i, a, b in pairs:
        limit = tick_tol if tick is not None and i + 1 >= tick else tol
        # cwnd is not compared where TCP's recovery sets it, nor at a DSACK,
        # whose place among the ACKs is the retransmission's timing: the
        # ACKs around it are compared.
        unpositioned = a["ca_state"] != "0" or a["kind"] == "sack"
        for f in REPORTED:
            d = abs(int(a[f]) - int(b[f]))
            if unpositioned and f == "cwnd":
                recovery_cwnd = max(recovery_cwnd, d)
                continue
            worst[f] = max(worst[f], d)
            if f in limit and d > limit[f] and first_bad is None:
                first_bad = (i + 1, f, a[f], b[f])
        for f in RATES:
            x, y = int(a[f]), int(b[f])
            if max(x, y):
                rates[f] = max(rates[f], abs(x - y) / max(x, y))
    return worst, rates, first_bad, unpaired, tick, recovery_cwnd


def compare_indexed(native, bpf, tol, tick_tol=None):
    """compare() for rows already paired by position (the BBR sections:
    first_event/pair_segments pair them): per field the largest |difference|,
    the rates', the first event that breaks tolerance, the first whose kinds
    differ, and None (no tick divergence).  A record field one side does not
    report is skipped."""
    worst = {f: 0 for f in REPORTED}
    rates = {f: 0.0 for f in RATES}
    first_bad = kinds_differ = None
    for i, (a, b) in enumerate(zip(native, bpf)):
        if a["kind"] != b["kind"] and kinds_differ is None:
            kinds_differ = i + 1
        for f in set(REPORTED) | set(tol):
            if a.get(f, "") == "" or b.get(f, "") == "":
                continue
            d = abs(int(a[f]) - int(b[f]))
            worst[f] = max(worst.get(f, 0), d)
            if f in tol and d > tol[f] and first_bad is None:
                first_bad = (i + 1, f, a[f], b[f])
        for f in RATES:
            x, y = int(a[f]), int(b[f])
            if max(x, y):
                rates[f] = max(rates[f], abs(x - y) / max(x, y))
    return worst, rates, first_bad, kinds_differ, None


def first_event(rows, field, value, start=0):
    """The index of the first row from @start with rows[i][field] == value."""
    for i in range(start, len(rows)):
        if rows[i].get(field) == value:
            return i
    return None


def segment_starts(rows, field):
    """[(index, value)] of each run of equal @field values in @rows (@field:
    one column or several, comma-separated, whose values are joined; a row
    where one of them is empty, as the kernel's mode before the first ACK,
    belongs to the segment before it)."""
    out = []
    for i, r in enumerate(rows):
        vals = [r.get(f, "") for f in field.split(",")]
        v = "/".join(vals)
        if r.get("kind") == "established":
            continue	# before the first ACK: no gains set yet
        if "" not in vals and (not out or out[-1][1] != v):
            out.append((i, v))
    return out


def pair_segments(native, bpf, field, shift):
    """Pairs the rows of @native and @bpf segment by segment: the k-th run
    of equal @field values in one with the k-th in the other, from their
    starts, as far as the shorter goes.  Returns the paired row lists, the
    native and bpf index of each pair, the largest shift of a segment start,
    and problems: the sequences of values differ, or a start moved by more
    than @shift events."""
    sn, sb = segment_starts(native, field), segment_starts(bpf, field)
    problems = []
    vn, vb = [v for _, v in sn], [v for _, v in sb]
    k = 0
    while k < min(len(vn), len(vb)) and vn[k] == vb[k]:
        k += 1
    if k < min(len(vn), len(vb)):
        problems.append(f"{field} sequence differs at its change {k}: "
                        f"{vn[max(0, k - 1):k + 2]} vs {vb[max(0, k - 1):k + 2]}")
    pa, pb, idx, worst_shift = [], [], [], 0
    for j in range(k):
        (i0, _), (j0, _) = sn[j], sb[j]
        if j > 0:
            d = abs(j0 - i0)
            worst_shift = max(worst_shift, d)
            if d > shift:
                problems.append(f"{field}={vn[j]} from event {i0 + 1} vs {j0 + 1} "
                                f"(more than {shift} apart)")
        i1 = sn[j + 1][0] if j + 1 < len(sn) else len(native)
        j1 = sb[j + 1][0] if j + 1 < len(sb) else len(bpf)
        # a segment that is the last of one run (cut by the end of the
        # compared range) only pairs as far as it goes
        for o in range(min(i1 - i0, j1 - j0)):
            pa.append(native[i0 + o])
            pb.append(bpf[j0 + o])
            idx.append((i0 + o + 1, j0 + o + 1))
    return pa, pb, idx, worst_shift, problems


def compare_part(native, bpf, tol, h, offsets):
    """compare() of one part, by event number or, with 'segments', segment by
    segment; first_bad and kinds carry native (and bpf) event numbers."""
    if not h["segments"]:
        res = compare_indexed(native, bpf, tol)
        worst, rates, fb, kinds, tick = res
        if fb:
            fb = (fb[0] + offsets[0],) + fb[1:]
        if kinds:
            kinds = kinds + offsets[0]
        return worst, rates, fb, kinds, 0, []
    field, shift = h["segments"]
    pa, pb, idx, worst_shift, problems = pair_segments(native, bpf, field, shift)
    worst, rates, fb, kinds, _ = compare_indexed(pa, pb, tol)
    # Paired by segment, the events are the same decisions at different
    # ACKs: whether an ACK carries SACK blocks depends on which segment a
    # 'lose' hit, which the sender's pacing decides; not gated.
    kinds = None
    if fb:
        n, b = idx[fb[0] - 1]
        fb = (n + offsets[0], fb[1] + f" (bpf event {b + offsets[1]})", fb[2], fb[3])
    if kinds:
        kinds = idx[kinds - 1][0] + offsets[0]
    return worst, rates, fb, kinds, worst_shift, problems


def compare_sections(native, bpf, h):
    """compare-until / after-tolerance / align / segments (docs/validation.md,
    "BBR"): the exact part, up to the first native event with the
    compare-until value (which the bpf run must reach, within the segments'
    shift); then either the aligned window (align: N events from the first
    at which each run has the align value) or every later event, held to
    after-tolerance (not gated when there is none).  Returns
    (worst, rates, first_bad, kinds, shift), the end of the exact part and
    problems."""
    field, value = h["compare_until"]
    un, ub = first_event(native, field, value), first_event(bpf, field, value)
    problems, parts = [], []
    shift = h["segments"][1] if h["segments"] else 0
    if un is None or ub is None:
        problems.append(f"{field}={value} never reached ({'native' if un is None else 'bpf'})")
        en, eb = len(native), len(bpf)
    else:
        if abs(un - ub) > shift:
            problems.append(f"{field}={value} at event {un + 1} vs {ub + 1}")
        en, eb = un, ub	# up to it: its gains are PROBE_BW's random phase
    parts.append(compare_part(native[:en], bpf[:eb], h["tolerance"], h, (0, 0)))
    after = h["after_tolerance"]
    aligned = None
    if h["align"] and un is not None and ub is not None:
        af, av, n = h["align"]
        an, ab = first_event(native, af, av, un), first_event(bpf, af, av, ub)
        if an is None or ab is None or an + n > len(native) or ab + n > len(bpf):
            problems.append(f"align {af}={av}: fewer than {n} events after it")
        else:
            parts.append(compare_part(native[an:an + n], bpf[ab:ab + n], after or h["tolerance"],
                                      h, (an, ab)))
            aligned = [an + 1, ab + 1]
    elif after is not None and un is not None and ub is not None:
        parts.append(compare_part(native[en:], bpf[eb:], after, h, (en, eb)))
    worst, rates, first_bad, kinds, wshift = {}, {f: 0.0 for f in RATES}, None, None, 0
    for w, r, fb, k, sh, pr in parts:
        for f, v in w.items():
            worst[f] = max(worst.get(f, 0), v)
        for f, v in r.items():
            rates[f] = max(rates[f], v)
        first_bad = first_bad or fb
        kinds = kinds or k
        wshift = max(wshift, sh)
    if un is not None and ub is not None:
        wshift = max(wshift, abs(un - ub))
        problems += pr
    return (worst, rates, first_bad, kinds, wshift), en, aligned, problems


def lt_bw_events(rows, start, rate, rel, hold):
    """The indexes (from @start) of the events at which a run's bw estimate
    (rec_bw) comes within @rel of @rate and stays there for @hold events or
    more: BBR taking a policer's long-term bw into use (bbr_lt_bw_sampling;
    bbr_bw() is then lt_bw, held for 48 rounds), rather than a max-filtered
    bw passing by."""
    out, i = [], start
    near = [r.get("rec_bw", "") != "" and abs(int(r["rec_bw"]) - rate) <= rel * rate for r in rows]
    while i < len(rows):
        if near[i] and (i == 0 or not near[i - 1]):
            j = i
            while j < len(rows) and near[j]:
                j += 1
            if j - i >= hold:
                out.append(i)
            i = j
        else:
            i += 1
    return out


def lt_bw_gap_us(rows, uses):
    """The shortest time between two successive uses of the long-term bw:
    one 48-round hold plus the sampling that finds the policer again
    (None with fewer than two uses).  The shortest, because a run that
    misses one re-detection (the kernel's bbr does too) has a gap twice as
    long."""
    t = [int(rows[i]["t_us"]) for i in uses]
    return min((b - a for a, b in zip(t, t[1:])), default=None)


def check_lt_bw(native, bpf, start, h):
    """'lt-bw': both runs take the policed rate into use, the first time
    within 'shift' events of each other, and again after the hold expires:
    both at least twice, with shortest gaps between uses within 'gap'
    (relative) of each other.  How many times is reported, not compared:
    the kernel's bbr, run against itself, takes it into use 2 to 5 times in
    the same 6 s script (docs/validation.md, validate/repeat.sh)."""
    rate, rel, hold, shift, gap = h["lt_bw"]
    en, eb = (lt_bw_events(x, start, rate, rel, hold) for x in (native, bpf))
    problems = []
    if not en or not eb:
        problems.append(f"lt-bw: the policed rate is never taken into use "
                        f"({len(en)} native, {len(eb)} bpf)")
        return [i + 1 for i in en], [i + 1 for i in eb], problems
    if abs(en[0] - eb[0]) > shift:
        problems.append(f"lt-bw: first taken into use at event {en[0] + 1} vs {eb[0] + 1}")
    if gap != float("inf"):
        gn, gb = lt_bw_gap_us(native, en), lt_bw_gap_us(bpf, eb)
        if gn is None or gb is None:
            problems.append(f"lt-bw: taken into use only {len(en)} (native) and {len(eb)} (bpf) "
                            f"times: no re-detection after the hold to compare")
        elif abs(gb - gn) > gap * gn:
            problems.append(f"lt-bw: shortest gap between uses {gn / 1e6:.3f} s vs {gb / 1e6:.3f} s "
                            f"(more than {gap:g} apart)")
    return [i + 1 for i in en], [i + 1 for i in eb], problems


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
    mod = load_model(alg)
    predicted = mod.expect(rows, script)
    if len(predicted) != len(rows):
        raise SystemExit(f"validate/models/{alg}.py: {len(predicted)} predictions for {len(rows)} rows")
    worst, checked, first_bad = check_model(rows, predicted, h["tolerance"])
    late = meta(base + ".meta").get("late_us")
    r.update(events=[len(rows), checked], worst=worst, rates={f: 0.0 for f in RATES}, late_us=[late])
    problems = []
    if hasattr(mod, "check"):
        # a model's own checks (bpf_bbr3: the transitions, bounds, ecn_alpha)
        # and the path it followed, shown in the table
        extra, r["path"] = mod.check(rows, script)
        problems += extra
    if checked < len(rows) // 2:
        problems.append(f"the model predicted only {checked} of {len(rows)} events")
    if first_bad:
        problems.append("event %d: %s model %s, run %s" % first_bad)
    if h["timing_us"] is not None and (late is None or late > h["timing_us"]):
        problems.append(f"ACK lateness {late} us beyond timing {h['timing_us']:.0f} us")
    r["status"] = "match" if not problems else "FAIL"
    r["problems"] = problems
    return r


def write_summary(out, results):
    """OUTDIR/summary.md: one row per algorithm (twin or model), its
    scenarios matched, and each scenario that did not match with why."""
    algs = {}
    for r in results:
        model = "(model)" in r["algorithm"]
        name = r["algorithm"].split()[0] if model else "bpf_" + r["algorithm"]
        against = f"validate/models/{name[4:]}.py" if model else \
            f"the kernel's {r['algorithm']}, event by event"
        a = algs.setdefault((name, against), {"ok": [], "bad": []})
        if r["status"] == "match":
            a["ok"].append(r["scenario"])
        else:
            a["bad"].append(f"{r['scenario']}: " + "; ".join(r.get("problems") or [r["status"]]))
    rows = ["| algorithm | checked against | scenarios matched | scenarios |", "|---|---|--:|---|"]
    for name, against in sorted(algs):
        a = algs[(name, against)]
        n = len(a["ok"]) + len(a["bad"])
        cell = ", ".join(a["ok"]) + ("" if not a["bad"] else " · **not matched:** " +
                                     " · ".join(a["bad"]))
        rows.append(f"| {name} | {against} | {len(a['ok'])} of {n} | {cell} |")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(rows) + "\n")


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
            sections = None
            rec_cwnd = None
            if h["compare_until"]:
                res, exact_end, aligned, sec_problems = compare_sections(native, bpf, h)
                worst, rates, first_bad, kinds, seg_shift = res
                tick = None
                sections = True
            elif h["segments"]:
                worst, rates, first_bad, kinds, seg_shift, sec_problems = compare_part(
                    native, bpf, h["tolerance"], h, (0, 0))
                tick, exact_end, aligned, sections = None, None, None, True
            else:
                worst, rates, first_bad, kinds, tick, rec_cwnd = compare(
                    native, bpf, h["tolerance"], h["tick_tolerance"].get(alg))
            late = [meta(base + n + ".meta").get("late_us") for n in (alg, "bpf_" + alg)]
            r.update(events=[len(native), len(bpf)], worst=worst, rates=rates, late_us=late,
                     tick_divergence=tick, recovery_cwnd=rec_cwnd)
            # The control: the kernel's ALG run twice.  What differs between
            # those two runs is the stack's own timing (e.g. how loss
            # recovery's limited transmit and PRR fall against the ACKs), and
            # the pair may differ that much too, field by field.
            ctl = None
            if h["control"] is not False and os.path.exists(base + alg + ".control.csv"):
                control = load(base + alg + ".control.csv")
                cw, _, _, ck, _, crec = compare(native, control, h["tolerance"],
                                                h["tick_tolerance"].get(alg))
                for f, floor in h["control"].items():
                    cw[f] = max(cw[f], floor)
                ctl = {"worst": cw, "unpaired": ck or bool(h["control"]), "recovery_cwnd": crec}
                r["control"] = ctl
            within = ctl is not None and all(worst[f] <= max(h["tolerance"].get(f, 0), ctl["worst"][f])
                                             for f in REPORTED if f in h["tolerance"])
            problems = []
            if sections is not None:
                problems += sec_problems
                r["exact_events"] = exact_end
                r["after_tolerance"] = h["after_tolerance"]
                r["aligned_at"] = aligned
                r["segment_shift"] = seg_shift
                if h["lt_bw"]:
                    r["lt_bw_events"] = check_lt_bw(native, bpf, exact_end, h)[:2]
                    problems += check_lt_bw(native, bpf, exact_end, h)[2]
            if kinds and not (within and ctl["unpaired"]):
                problems.append(f"event {kinds} has no counterpart of its kind in the other run")
            if first_bad and not within:
                problems.append("event %d: %s %s vs %s" % first_bad)
            if h["control"] is not False and ctl is None:
                problems.append("no control run")
            needs_control = bool(first_bad or kinds)
            if needs_control and ctl and any(ctl["worst"][f] > CONTROL_MAX for f in h["tolerance"]):
                problems.append("the kernel differs from itself by " +
                                ", ".join(f"{ctl['worst'][f]} {f}" for f in h["tolerance"]) +
                                ": the scenario is decided by timing")
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
             "| max Δcwnd in recovery or at a DSACK (not gated) | max rel. Δpacing | max rel. Δdelivery "
             "| worst ACK lateness (µs) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r["status"] == "missing":
            lines.append(f"| {r['scenario']} | {r['algorithm']} | | missing | | | | | | | |")
            continue
        tol = r["tolerance"]
        res = "match" if r["status"] == "match" else "FAIL: " + "; ".join(r["problems"])
        if r["status"] == "match" and any(tol.get(k, 0) for k in tol):
            res += " (within " + ", ".join(f"{k}±{v:g}" for k, v in tol.items() if v) + ")"
        if r["status"] == "match" and r.get("control") and \
                any(r["worst"][f] > tol.get(f, 0) for f in tol):
            c = r["control"]
            res += (" (within the kernel's own run-to-run difference: control Δ" +
                    ", Δ".join(f"{f} {c['worst'][f]}" for f in tol) + ")")
        if r.get("exact_events"):
            at = r.get("after_tolerance")
            if r["status"] == "match" and at:
                res += " (then " + ", ".join(f"{k}±{v:g}" for k, v in at.items() if v) + ")"
            res += f" (compared to event {r['exact_events']}"
            if r.get("segment_shift"):
                res += f", mode changes up to {r['segment_shift']} events apart"
            if r.get("lt_bw_events"):
                res += "; policed rate taken into use at events %s / %s" % tuple(
                    ",".join(map(str, x)) for x in r["lt_bw_events"])
            if r.get("aligned_at"):
                res += f"; aligned from events {r['aligned_at'][0]}/{r['aligned_at'][1]}"
            res += ")"
        if r.get("path"):
            res += f" ({r['path']})"
        if r.get("tick_divergence"):
            res += f" (exact to event {r['tick_divergence'] - 1}, then a tick apart)"
        w, q = r["worst"], r["rates"]
        events = r["events"][0] if "(model)" not in r["algorithm"] else \
            f"{r['events'][0]} ({r['events'][1]} predicted)"
        extra = [f"{k}±{v}" for k, v in w.items() if k.startswith("rec_") and v]
        if extra:
            res += " (max Δ " + ", ".join(extra) + ")"
        lines.append(f"| {r['scenario']} | {r['algorithm']} | {events} | {res} | {w['cwnd']} "
                     f"| {w['ssthresh']} | {w['ca_state']} | {'' if r.get('recovery_cwnd') is None else r['recovery_cwnd']} "
                     f"| {q['pacing_rate']:.3f} "
                     f"| {q['delivery_rate']:.3f} | {' / '.join(str(x) for x in r['late_us'])} |")
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    write_summary(out, results)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
