# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Scenario bbr3 (issue #18): the draft's four claims about BBRv3,
measured for bpf_bbr3 with bpf_bbr's figures from the same runs.

- shallow: a flow alone on a 0.25-BDP queue; its retransmission rate
  (TCP_INFO's total_retrans / data_segs_out at the flow's last ss sample)
  is <= 4 %, and below bpf_bbr's;
- cubic: cubic against bpf_bbr3 and against bpf_bbr on a 1-BDP queue, in
  both orders; cubic's share against bpf_bbr3 is higher;
- ecn: a flow alone on a queue that CE-marks at K, at a short RTT;
  the queue stays near K (the 95th percentile of the sampled queue after
  the first fifth of the run is at most QUEUE_NEAR_K_FACTOR * K) with a
  link utilisation >= 90 %; ECN is RFC 3168's (tcp_ecn=1 at both ends);
- jain: two flows of one algorithm, the second joining 10 s later; Jain's
  index of their rates over the JAIN_WINDOW_S seconds that end JAIN_AT_S
  after the join is >= 0.9.

Each claim is judged on the 95 % confidence interval of the mean over the
repetitions (metrics.mean_ci95) at the side the claim bounds: the upper
end for "at most", the lower end for "at least", and for "higher/below"
the interval of the per-repetition differences (paired by repetition and
order, as the runs are interleaved) must lie above 0.  With fewer than two
repetitions there is no interval and no verdict (None).

Pure: no I/O.  docs/compare.md defines every number."""

import collections

from . import metrics

BBR3, BBR1 = "bpf_bbr3", "bpf_bbr"
CASES = ("shallow", "cubic", "ecn", "jain")
RETRANS_LIMIT = 0.04
UTIL_MIN = 0.90
JAIN_MIN = 0.90
JAIN_AT_S = 30.0		# "within 30 s" of the second flow's start
JAIN_WINDOW_S = 10.0		# the rates' window, ending JAIN_AT_S after the join
QUEUE_NEAR_K_FACTOR = 2.0	# "near K": p95 of the queue at most 2 K
STEADY_FROM = 0.2		# queue samples from this fraction of the run on
ORDERS = ("cubic-first", "cubic-second")


# --- per run -------------------------------------------------------------------

def retrans_rate(samples):
    """{retrans, data_segs_out, rate} from a flow's last ss sample with
    data_segs_out (TCP_INFO's total_retrans and data_segs_out), or None.
    ss prints no retrans:... before the first retransmission: 0."""
    for s in reversed(samples):
        if s.get("data_segs_out"):
            n = s.get("retrans_total", 0)
            return {"retrans": n, "data_segs_out": s["data_segs_out"],
                    "rate": n / float(s["data_segs_out"])}
    return None


def queue_stats(samples, t_from, t_to, k):
    """The queue (packets waiting, linkem's samples [(epoch s, packets)])
    over [t_from, t_to]: p50, p95, mean, the fraction of samples above K
    and their count; None without samples."""
    xs = [q for t, q in samples if t_from <= t <= t_to]
    if not xs:
        return None
    return {"n": len(xs), "p50": metrics.percentile(xs, 50), "p95": metrics.percentile(xs, 95),
            "mean": sum(xs) / float(len(xs)), "max": max(xs),
            "above_k": sum(1 for x in xs if x > k) / float(len(xs)) if k else None}


def jain_window(t_join, common):
    """[from, to] of the Jain claim's window: JAIN_WINDOW_S seconds ending
    JAIN_AT_S after t_join, clipped to the common interval of the flows'
    data (a short run; the joining flow's first sample comes a little
    after its planned start) and to start no earlier than t_join; None if
    nothing is left."""
    to = min(t_join + JAIN_AT_S, common[1])
    frm = max(t_join, common[0], to - JAIN_WINDOW_S)
    return (frm, to) if to > frm else None


def run_part(plan, t0, flow_samples, cums, linkem_samples):
    """Scenario bbr3's part of one run's summary.  flow_samples and cums:
    per flow id (in plan order) its ss samples and cumulative series;
    linkem_samples: [(epoch s, packets waiting)] of the data direction, or
    None."""
    b = plan["bbr3"]
    out = collections.OrderedDict(b)
    out["retrans"] = {str(f["id"]): retrans_rate(flow_samples[f["id"]]) for f in plan["flows"]}
    if b["case"] == "ecn":
        k = plan["link"]["ecn_k"]
        out["queue"] = None if linkem_samples is None else queue_stats(
            linkem_samples, t0 + STEADY_FROM * plan["duration_s"], t0 + plan["duration_s"], k)
    if b["case"] == "jain":
        series = [cums[f["id"]] for f in plan["flows"]]
        t_join = t0 + max(f["start_s"] for f in plan["flows"])
        common = metrics.common_interval(series)
        w = jain_window(t_join, common) if common else None
        out["jain_window_s"] = [w[0] - t_join, w[1] - t_join] if w else None
        out["jain"] = metrics.jain_over_interval(series, *w) if w else None
    return out


# --- over the runs -------------------------------------------------------------

def _mine(runs, case, **match):
    return [r for r in runs if r.get("scenario") == "bbr3" and (r.get("bbr3") or {}).get("case")
            == case and all(r["bbr3"].get(k) == v for k, v in match.items())]


def _paired_diff(a, b):
    """mean_ci95 of a[key] - b[key] over the keys both have."""
    return metrics.mean_ci95(a[key] - b[key] for key in sorted(set(a) & set(b))
                             if a[key] is not None and b[key] is not None)


def _at_most(ci, limit):
    return None if ci["high"] is None else ci["high"] <= limit


def _at_least(ci, limit):
    return None if ci["low"] is None else ci["low"] >= limit


def _above_zero(ci):
    return None if ci["low"] is None else ci["low"] > 0


def _all(*verdicts):
    return None if any(v is None for v in verdicts) else all(verdicts)


def _per_rep(runs, value):
    """{(order, rep): value(run)} (order None where order does not matter)."""
    return {(r["bbr3"].get("order"), r["bbr3"]["rep"]): value(r) for r in runs}


def shallow_claim(runs):
    rate = lambda r: (r["bbr3"]["retrans"].get("1") or {}).get("rate")
    per = {cc: _per_rep(_mine(runs, "shallow", cc=cc), rate) for cc in (BBR3, BBR1)}
    out = collections.OrderedDict()
    out["retrans_rate"] = {cc: metrics.mean_ci95(per[cc].values()) for cc in per}
    out["difference"] = _paired_diff(per[BBR1], per[BBR3])	# bpf_bbr's less bpf_bbr3's
    out["limit"] = RETRANS_LIMIT
    out["within_limit"] = _at_most(out["retrans_rate"][BBR3], RETRANS_LIMIT)
    out["below_bpf_bbr"] = _above_zero(out["difference"])
    out["met"] = _all(out["within_limit"], out["below_bpf_bbr"])
    out["runs"] = [{"run": r["name"], "cc": r["bbr3"]["cc"], "rep": r["bbr3"]["rep"],
                    "retrans": r["bbr3"]["retrans"].get("1")} for r in _mine(runs, "shallow")]
    return out


def cubic_share(run):
    """cubic's share of a cubic-vs-competitor run's throughput."""
    mbps = {f["id"]: f["mean_mbps"] for f in run["flows"]}
    c = run["bbr3"]["cubic_flow"]
    other = [v for i, v in mbps.items() if i != c]
    return metrics.share(mbps[c], other[0]) if len(other) == 1 else None


def cubic_claim(runs):
    per = {cc: _per_rep(_mine(runs, "cubic", cc=cc), cubic_share) for cc in (BBR3, BBR1)}
    out = collections.OrderedDict()
    out["cubic_share"] = {cc: metrics.mean_ci95(per[cc].values()) for cc in per}
    out["cubic_share_by_order"] = {
        cc: {o: metrics.mean_ci95(v for (oo, _), v in per[cc].items() if oo == o)["mean"]
             for o in ORDERS} for cc in per}
    out["difference"] = _paired_diff(per[BBR3], per[BBR1])	# against bbr3 less against bbr
    out["higher_against_bpf_bbr3"] = out["met"] = _above_zero(out["difference"])
    out["runs"] = [{"run": r["name"], "competitor": r["bbr3"]["cc"], "order": r["bbr3"]["order"],
                    "rep": r["bbr3"]["rep"], "cubic_share": cubic_share(r)}
                   for r in _mine(runs, "cubic")]
    return out


def ecn_claim(runs):
    out = collections.OrderedDict()
    per = {cc: _mine(runs, "ecn", cc=cc) for cc in (BBR3, BBR1)}
    ks = sorted({r["link"]["ecn_k"] for rs in per.values() for r in rs})
    k = ks[0] if len(ks) == 1 else None
    out["k"] = k
    out["near_k_factor"] = QUEUE_NEAR_K_FACTOR
    out["util_min"] = UTIL_MIN
    q = lambda r, key: (r["bbr3"].get("queue") or {}).get(key)
    out["queue_p50"] = {cc: metrics.mean_ci95(q(r, "p50") for r in rs) for cc, rs in per.items()}
    out["queue_p95"] = {cc: metrics.mean_ci95(q(r, "p95") for r in rs) for cc, rs in per.items()}
    out["above_k"] = {cc: metrics.mean_ci95(q(r, "above_k") for r in rs) for cc, rs in per.items()}
    out["utilisation"] = {cc: metrics.mean_ci95(r["utilisation"] for r in rs)
                          for cc, rs in per.items()}
    out["marked"] = {cc: [(r["link_stats"] or {}).get("marked") for r in rs]
                     for cc, rs in per.items()}
    out["dropped"] = {cc: [(r["link_stats"] or {}).get("dropped") for r in rs]
                      for cc, rs in per.items()}
    out["queue_near_k"] = None if k is None else \
        _at_most(out["queue_p95"][BBR3], QUEUE_NEAR_K_FACTOR * k)
    out["utilisation_met"] = _at_least(out["utilisation"][BBR3], UTIL_MIN)
    out["met"] = _all(out["queue_near_k"], out["utilisation_met"])
    return out


def jain_claim(runs):
    out = collections.OrderedDict()
    per = {cc: _mine(runs, "jain", cc=cc) for cc in (BBR3, BBR1)}
    out["jain"] = {cc: metrics.mean_ci95(r["bbr3"]["jain"] for r in rs) for cc, rs in per.items()}
    out["convergence_s"] = {cc: [r["convergence_s"] for r in rs] for cc, rs in per.items()}
    out["windows_s"] = sorted({tuple(r["bbr3"]["jain_window_s"]) for rs in per.values()
                               for r in rs if r["bbr3"]["jain_window_s"]})
    out["jain_min"] = JAIN_MIN
    out["met"] = _at_least(out["jain"][BBR3], JAIN_MIN)
    return out


def claims(runs):
    """summary.json's claims.bbr3, or None without such runs."""
    if not any(r.get("scenario") == "bbr3" for r in runs):
        return None
    out = collections.OrderedDict()
    for case, fn in (("shallow", shallow_claim), ("cubic", cubic_claim), ("ecn", ecn_claim),
                     ("jain", jain_claim)):
        if _mine(runs, case):
            out[case] = fn(runs)
    verdicts = [c["met"] for c in out.values()]
    out["all_met"] = _all(*verdicts) if len(out) == len(CASES) else None
    out["disturbed_runs"] = [r["name"] for r in runs if r.get("scenario") == "bbr3"
                             and r.get("disturbed")]
    return out


# --- markdown ------------------------------------------------------------------

def _ci(s, fmt="%.3f", scale=1.0):
    if not s or s["mean"] is None:
        return "-"
    if s["half_width"] is None:
        return (fmt + " (n = %d)") % (s["mean"] * scale, s["n"])
    return (fmt + " +- " + fmt + " (n = %d)") % (s["mean"] * scale, s["half_width"] * scale, s["n"])


def _yn(v):
    return "n/a (needs >= 2 repetitions)" if v is None else "yes" if v else "NO"


def markdown(c):
    """The summary.md section of scenario bbr3."""
    lines = ["## BBRv3's claims (bpf_bbr3, with bpf_bbr's figures from the same runs)", "",
             "| claim | bpf_bbr3, mean +- 95 % CI | bpf_bbr | holds |", "|---|--:|--:|---|"]
    if "shallow" in c:
        s = c["shallow"]
        lines.append("| shallow queue: retransmission rate <= %.0f %% and below bpf_bbr's "
                     "(difference bpf_bbr - bpf_bbr3: %s %%) | %s %% | %s %% | %s |" % (
                         s["limit"] * 100, _ci(s["difference"], "%.2f", 100),
                         _ci(s["retrans_rate"][BBR3], "%.2f", 100),
                         _ci(s["retrans_rate"][BBR1], "%.2f", 100), _yn(s["met"])))
    if "cubic" in c:
        s = c["cubic"]
        lines.append("| cubic's share against it higher than against bpf_bbr (difference: %s) "
                     "| %s | %s | %s |" % (_ci(s["difference"]), _ci(s["cubic_share"][BBR3]),
                                           _ci(s["cubic_share"][BBR1]), _yn(s["met"])))
    if "ecn" in c:
        s = c["ecn"]
        lines.append("| ECN at K = %s: queue p95 <= %g K (packets) | %s | %s | %s |" % (
            s["k"], s["near_k_factor"], _ci(s["queue_p95"][BBR3], "%.1f"),
            _ci(s["queue_p95"][BBR1], "%.1f"), _yn(s["queue_near_k"])))
        lines.append("| ECN at K: queue p50 (packets) | %s | %s | |" % (
            _ci(s["queue_p50"][BBR3], "%.1f"), _ci(s["queue_p50"][BBR1], "%.1f")))
        lines.append("| ECN at K: utilisation >= %.0f %% | %s %% | %s %% | %s |" % (
            s["util_min"] * 100, _ci(s["utilisation"][BBR3], "%.1f", 100),
            _ci(s["utilisation"][BBR1], "%.1f", 100), _yn(s["utilisation_met"])))
    if "jain" in c:
        s = c["jain"]
        lines.append("| two flows, second 10 s later: Jain's index over %s s after the join "
                     ">= %.1f | %s | %s | %s |" % (
                         ", ".join(sorted({"[%.0f, %.0f]" % tuple(w) for w in s["windows_s"]}))
                         or "-",
                         s["jain_min"], _ci(s["jain"][BBR3]), _ci(s["jain"][BBR1]),
                         _yn(s["met"])))
    lines += ["", "All four claims hold: %s" % _yn(c["all_met"])]
    if c["disturbed_runs"]:
        lines += ["", "Disturbed runs (the emulator stalled): " + ", ".join(c["disturbed_runs"])]
    return "\n".join(lines)
