# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""From one run's raw data to its summary (per flow, per algorithm, per
run), and from all runs to summary.json, summary.md and the equivalence
verdicts.  docs/compare.md defines every number computed here."""

import collections
import json
import math

from . import bbr3claims, fleet, metrics, rawdata

# The equivalence check (issue #13, part 5): the port's mean share of the
# pair's throughput must be within 0.5 +- 0.03, and its 95 % confidence
# interval must overlap the control's (two kernel flows in the same orders).
EQUIV_SHARE = 0.5
EQUIV_SHARE_TOLERANCE = 0.03
EQUIV_PAIRS = (("cubic", "bpf_cubic"), ("reno", "bpf_reno"))
# Scenario bbr (issue #14) adds, on the default link: single-flow
# utilisation within 2 % (relative) of bbr's and the median RTT under load
# (ping, its own single run) within 10 % of bbr's.  Its groups: "bbr" (the
# link's queue), "bbr@0.25bdp", "bbr@4bdp".
BBR_UTIL_TOLERANCE = 0.02
BBR_RTT_TOLERANCE = 0.10
# A run whose emulator stopped for longer than this (linkem samples every
# 100 ms) is marked disturbed: the machine was too busy to emulate the link.
DISTURBED_GAP_S = 0.25


def _most_common(values):
    values = [v for v in values if v is not None]
    return collections.Counter(values).most_common(1)[0][0] if values else None


def flow_series(raw):
    """{flow id: (ss samples, cumulative bytes_acked series)} for one run,
    matched by the client port each flow was told to bind."""
    out = {}
    for flow in raw["plan"]["flows"]:
        port = raw["iperf"][flow["id"]]["local_port"]
        samples = raw["ss"].get(port, [])
        out[flow["id"]] = (samples, rawdata.cumulative_acked(samples))
    return out


def summarize_run(raw):
    plan, t0 = raw["plan"], raw["t0"]
    rate = float(plan["link"]["rate_bps"])
    series = flow_series(raw)
    conv = plan.get("convergence", {})

    flows = []
    for flow in plan["flows"]:
        ip = raw["iperf"][flow["id"]]
        samples, cum = series[flow["id"]]
        mean_bps = ip["bytes_received"] * 8.0 / ip["seconds"] if ip["seconds"] else 0.0
        cwnds = [s["cwnd"] for s in samples if "cwnd" in s]
        flows.append({
            "id": flow["id"],
            "cc": flow["cc"],
            # What the kernel reported for the socket: proves the selection.
            "cc_seen": _most_common(s.get("cc") for s in samples),
            "start_s": flow["start_s"],
            "seconds": ip["seconds"],
            "bytes_received": ip["bytes_received"],
            "mean_mbps": mean_bps / 1e6,
            "utilisation": mean_bps / rate,
            "retransmits": ip["retransmits"],
            "srtt_ms": metrics.rtt_stats(s.get("rtt_ms") for s in samples),
            "cwnd_mean": math.fsum(cwnds) / len(cwnds) if cwnds else None,
            "cwnd_max": max(cwnds) if cwnds else None,
            "ss_samples": len(samples),
        })

    # The span every flow was running somewhere in: from the first start
    # to the last end.
    span_start = min(f["start_s"] for f in flows)
    span_end = max(f["start_s"] + f["seconds"] for f in flows)
    span = span_end - span_start

    algorithms = collections.OrderedDict()
    for f in flows:
        a = algorithms.setdefault(f["cc"], {"flows": 0, "_bytes": 0, "_means": [],
                                            "_srtt": [], "retransmits": 0})
        a["flows"] += 1
        a["_bytes"] += f["bytes_received"]
        a["_means"].append(f["mean_mbps"])
        a["retransmits"] += f["retransmits"] or 0
        a["_srtt"].extend(s.get("rtt_ms") for s in series[f["id"]][0])
    for a in algorithms.values():
        a["mean_mbps"] = math.fsum(a.pop("_means")) / a["flows"]
        a["utilisation"] = a.pop("_bytes") * 8.0 / (rate * span) if span > 0 else None
        a["srtt_ms"] = metrics.rtt_stats(a.pop("_srtt"))

    ping_rtts = [p["rtt_ms"] for p in raw["ping"]]
    run = {
        "name": plan["name"],
        "scenario": plan["scenario"],
        "title": plan.get("title", plan["name"]),
        "link": plan["link"],
        "ecn": plan.get("ecn", False),
        "duration_s": plan["duration_s"],
        "flows": flows,
        "algorithms": algorithms,
        "total_mbps": math.fsum(f["bytes_received"] for f in flows) * 8.0 / span / 1e6
        if span > 0 else None,
        "ping_rtt_ms": metrics.rtt_stats(ping_rtts),
        "ping_sent": raw["ping_sent"],
        "ping_received": len(ping_rtts),
        "jain": None,
        "jain_interval_s": None,
        "convergence_s": None,
        "link_stats": link_stats(raw["linkem"]),
    }
    if plan.get("pair"):
        run["pair"] = plan["pair"]
    if plan.get("group"):
        run["group"] = plan["group"]
    run["utilisation"] = run["total_mbps"] * 1e6 / rate if run["total_mbps"] is not None else None
    gap = (run["link_stats"] or {}).get("emulator_max_gap_s")
    run["disturbed"] = gap is not None and gap > DISTURBED_GAP_S

    common = None
    if len(flows) >= 2:
        cums = [series[f["id"]][1] for f in flows]
        common = metrics.common_interval(cums)
        if common:
            run["jain"] = metrics.jain_over_interval(cums, *common)
            run["jain_interval_s"] = [common[0] - t0, common[1] - t0]
        t_join = t0 + max(f["start_s"] for f in flows)
        run["convergence_s"] = metrics.convergence_time(
            cums, t_join, window=conv.get("window_s", 1.0),
            threshold=conv.get("threshold", 0.9), hold=conv.get("hold_s", 2.0),
            step=conv.get("step_s", 0.1))
    if plan.get("bbr3"):
        run["bbr3"] = bbr3claims.run_part(
            plan, t0, {i: v[0] for i, v in series.items()}, {i: v[1] for i, v in series.items()},
            linkem_queue_samples(raw))
    if plan.get("ccneg"):
        cn = raw.get("ccneg") or {}
        run["ccneg"] = fleet.run_evidence(
            plan, raw["iperf"], raw["ss"], cn.get("server_ss", {}), cn.get("sockets_client"),
            cn.get("sockets_server"), cn.get("show"), cn.get("cgroups", {}), common,
            run["link_stats"], cn.get("hosts", {}))
    return run


def link_stats(linkem):
    """Drops, random losses and CE marks of the data direction (client to
    server, linkem's 'up'), and the ACK direction's drops."""
    if not linkem:
        return None
    up = linkem["directions"]["up"]["totals"]
    down = linkem["directions"]["down"]["totals"]
    # linkem samples its queue from the loop that moves the packets: a gap
    # between samples much longer than the interval means the emulator did
    # not run (a busy machine), and packets waited outside the emulated
    # queue for that long.
    times = [x["t_s"] for x in linkem["directions"]["up"].get("samples", [])]
    gap = max((b - a for a, b in zip(times, times[1:])), default=None)
    return {
        "pkts_in": up["pkts_in"],
        "pkts_out": up["pkts_out"],
        "dropped": up["dropped"] + up["overflow"],
        "lost": up["lost"],
        "marked": up["marked"],
        "not_ect": up.get("not_ect"),
        "queue_max_pkts": up["queue_max"],
        "ack_dir_dropped": down["dropped"] + down["overflow"] + down["lost"],
        "emulator_max_gap_s": gap,
    }


def linkem_queue_samples(raw):
    """[(epoch s, packets waiting)] of the data direction's queue samples,
    placed in time by linkem_t0 (the epoch run-one.sh noted just before it
    started the emulator, whose sample times count from its start); None
    without either."""
    if not raw.get("linkem") or raw.get("linkem_t0") is None:
        return None
    return [(raw["linkem_t0"] + x["t_s"], x["queue_pkts"])
            for x in raw["linkem"]["directions"]["up"].get("samples", [])]


def _single_run(runs, cc, group=None):
    """cc's single-flow run alone on the link (scenario 'single', or the
    bbr scenario's of @group), or None."""
    for r in runs:
        if [f["cc"] for f in r["flows"]] != [cc]:
            continue
        if group is None and r["scenario"] == "single" or \
                group is not None and r["scenario"] == "bbr" and r.get("group") == group:
            return r
    return None


def _single_run_util(runs, cc, group=None):
    """The utilisation of cc's single-flow run (see _single_run), or None."""
    r = _single_run(runs, cc, group)
    return (r["flows"][0]["utilisation"], r["name"]) if r else (None, None)


def run_share(run):
    """The share of a 'pairs' run's throughput taken by the flow
    run["pair"]["share_flow"]: in a pair run the port, in a control run the
    first-named kernel flow (see cli.plan_pairs).  None if undefined."""
    pos = run["pair"]["share_flow"]
    mine = [f["mean_mbps"] for f in run["flows"] if f["id"] == pos]
    other = [f["mean_mbps"] for f in run["flows"] if f["id"] != pos]
    if len(mine) != 1 or len(other) != 1:
        return None
    return metrics.share(mine[0], other[0])


def _shares(runs, kernel, role, group=None):
    out = []
    for r in runs:
        p = r.get("pair")
        if not p or p["kernel"] != kernel or p["role"] != role:
            continue
        if group is None and r["scenario"] == "pairs" or \
                group is not None and r["scenario"] == "bbr" and p.get("group") == group:
            s = run_share(r)
            if s is not None:
                out.append({"run": r["name"], "order": p["order"], "rep": p["rep"], "share": s})
    return out


def _overlap(a, b):
    return (a["low"] is not None and b["low"] is not None and
            a["low"] <= b["high"] and b["low"] <= a["high"])


def equivalence(runs):
    """For each kernel algorithm and its BPF port: the port's mean share of
    the pair's throughput over the runs of both orders, with its 95 %
    confidence interval, the control's the same way, and the verdict:
    met when |mean - 0.5| <= 0.03 and the two intervals overlap."""
    out = collections.OrderedDict()
    groups = [(k, p, None, k) for k, p in EQUIV_PAIRS]
    groups += [("bbr", "bpf_bbr", g, g) for g in
               sorted({r["group"] for r in runs if r["scenario"] == "bbr" and r.get("group")},
                      key=lambda g: (g != "bbr", g))]
    for kernel, port, group, key in groups:
        u_k, run_k = _single_run_util(runs, kernel, group)
        u_p, run_p = _single_run_util(runs, port, group)
        pair_runs = _shares(runs, kernel, "pair", group)
        control_runs = _shares(runs, kernel, "control", group)
        if not pair_runs and u_k is None and u_p is None:
            continue
        e = collections.OrderedDict()
        e["kernel"], e["port"] = kernel, port
        if group is not None:
            e["group"] = group
        e["share"] = metrics.mean_ci95(x["share"] for x in pair_runs)
        e["control_share"] = metrics.mean_ci95(x["share"] for x in control_runs)
        # The flow-order effect the method cancels: the port's mean share
        # when it started second (kernel first) and when it started first.
        e["share_by_order"] = {o: metrics.mean_ci95(x["share"] for x in pair_runs
                                                    if x["order"] == o)["mean"]
                               for o in ("kernel-first", "port-first")}
        e["control_share_by_order"] = {o: metrics.mean_ci95(x["share"] for x in control_runs
                                                            if x["order"] == o)["mean"]
                                       for o in ("kernel-first", "port-first")}
        e["share_target"] = EQUIV_SHARE
        e["share_tolerance"] = EQUIV_SHARE_TOLERANCE
        e["pair_runs"] = pair_runs
        e["control_runs"] = control_runs
        used = [r for r in runs if r["name"] in {x["run"] for x in pair_runs + control_runs}]
        e["pair_duration_s"] = sorted({r["duration_s"] for r in used})
        s, c = e["share"], e["control_share"]
        if s["half_width"] is None or c["half_width"] is None:
            e["share_met"] = e["overlaps_control"] = e["met"] = None
        else:
            e["share_met"] = abs(s["mean"] - EQUIV_SHARE) <= EQUIV_SHARE_TOLERANCE
            e["overlaps_control"] = _overlap(s, c)
            e["met"] = e["share_met"] and e["overlaps_control"]
        # An interval wider than the tolerance cannot rule out an unequal
        # split of that size: more repetitions would be needed to decide.
        e["decisive"] = s["half_width"] is not None and s["half_width"] <= EQUIV_SHARE_TOLERANCE
        # Informative: each one alone on the link (scenario single).
        e["utilisation"] = {kernel: u_k, port: u_p}
        e["utilisation_diff"] = abs(u_k - u_p) if u_k is not None and u_p is not None else None
        e["single_runs"] = [run_k, run_p]
        e["disturbed_runs"] = [r["name"] for r in used if r.get("disturbed")]
        if group is not None:
            _bbr_single(e, runs, kernel, port, group)
        out[key] = e
    return out


def _bbr_single(e, runs, kernel, port, group):
    """Scenario bbr's single-flow checks: utilisation within 2 % of the
    kernel's (relative), the median ping RTT under load within 10 % of the
    kernel's, and the queueing delay (that median less the base RTT); the
    verdict 'met' then needs them too."""
    rk, rp = _single_run(runs, kernel, group), _single_run(runs, port, group)
    u = e["utilisation"]
    e["utilisation_tolerance"] = BBR_UTIL_TOLERANCE
    e["utilisation_met"] = (abs(u[port] - u[kernel]) <= BBR_UTIL_TOLERANCE * u[kernel]
                            if u[kernel] and u[port] is not None else None)
    p50 = {cc: (r["ping_rtt_ms"] or {}).get("p50") if r else None
           for cc, r in ((kernel, rk), (port, rp))}
    base = (rk or rp or {}).get("link", {}).get("rtt_ms")
    e["rtt_p50_ms"] = p50
    e["queueing_delay_ms"] = {cc: (v - base if v is not None and base is not None else None)
                              for cc, v in p50.items()}
    e["rtt_tolerance"] = BBR_RTT_TOLERANCE
    e["rtt_met"] = (abs(p50[port] - p50[kernel]) <= BBR_RTT_TOLERANCE * p50[kernel]
                    if p50[kernel] and p50[port] is not None else None)
    e["share_only_met"] = e["met"]
    if e["met"] is not None:
        e["met"] = bool(e["met"] and e["utilisation_met"] and e["rtt_met"])
    e["disturbed_runs"] += [r["name"] for r in (rk, rp) if r and r.get("disturbed")]


def build_summary(runs, meta):
    """The whole summary.json document."""
    doc = collections.OrderedDict()
    doc["format"] = "bpftcp-compare-1"
    doc.update(meta)
    doc["runs"] = runs
    doc["equivalence"] = equivalence(runs)
    fl = fleet.fleet_summary(runs)
    if fl is not None:
        doc["ccneg_fleet"] = fl
    b3 = bbr3claims.claims(runs)
    if b3 is not None:
        doc["claims"] = {"bbr3": b3}
    return doc


# --- markdown ---------------------------------------------------------------

def _f(v, fmt="%.1f", none="-"):
    return none if v is None else fmt % v


def _pct(v):
    return _f(None if v is None else v * 100.0, "%.1f %%")


def _rtt(s):
    if not s or s.get("n", 0) == 0:
        return "-"
    return "%.1f / %.1f / %.1f" % (s["p50"], s["p95"], s["p99"])


def run_table(runs):
    """One row per algorithm in each run: the table make run prints."""
    lines = [
        "| scenario | run | algorithm | flows | Mbit/s per flow | link util. | ping RTT p50/p95/p99 ms "
        "| srtt p50/p95/p99 ms | retrans | queue drops / random losses | CE marks | Jain | convergence s |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in runs:
        ls = r["link_stats"] or {}
        for i, (cc, a) in enumerate(r["algorithms"].items()):
            first = i == 0
            name = r["name"] + (" (!)" if r.get("disturbed") else "")
            lines.append("| %s | %s | %s | %d | %s | %s | %s | %s | %d | %s | %s | %s | %s |" % (
                r["scenario"] if first else "", name if first else "", cc, a["flows"],
                _f(a["mean_mbps"]), _pct(a["utilisation"]),
                _rtt(r["ping_rtt_ms"]) if first else "", _rtt(a["srtt_ms"]), a["retransmits"],
                ("%s / %s" % (_f(ls.get("dropped"), "%d"), _f(ls.get("lost"), "%d"))) if first else "",
                _f(ls.get("marked"), "%d") if first else "",
                _f(r["jain"], "%.3f") if first else "",
                _f(r["convergence_s"], "%.1f") if first else ""))
    disturbed = [r for r in runs if r.get("disturbed")]
    if disturbed:
        lines += ["", "(!) the emulator stalled for up to %s s during this run (a busy machine): "
                  "packets waited outside the emulated queue, so its latency and throughput "
                  "numbers are not the link's." % "/".join(
                      "%.2f" % r["link_stats"]["emulator_max_gap_s"] for r in disturbed)]
    return "\n".join(lines)


def flow_table(run):
    lines = [
        "| flow | algorithm (kernel saw) | start s | Mbit/s | util. | srtt p50/p95/p99 ms | retrans | mean cwnd |",
        "|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for f in run["flows"]:
        lines.append("| %d | %s (%s) | %.1f | %.1f | %s | %s | %s | %s |" % (
            f["id"], f["cc"], f["cc_seen"] or "?", f["start_s"], f["mean_mbps"],
            _pct(f["utilisation"]), _rtt(f["srtt_ms"]), _f(f["retransmits"], "%d"),
            _f(f["cwnd_mean"], "%.0f")))
    return "\n".join(lines)


def _share_ci(s):
    if s["mean"] is None:
        return "-"
    if s["half_width"] is None:
        return "%.3f (n = %d)" % (s["mean"], s["n"])
    return "%.3f +- %.3f [%.3f, %.3f] (n = %d)" % (s["mean"], s["half_width"], s["low"],
                                                   s["high"], s["n"])


def _verdict(e):
    if e["met"] is None:
        return "n/a (needs >= 2 runs of the pair and of the control)"
    v = "yes" if e["met"] else "no"
    if not e["decisive"]:
        v += " (not decisive: interval wider than +-%.2f, more repetitions needed)" \
            % e["share_tolerance"]
    return v


def equivalence_table(equiv):
    lines = [
        "| kernel vs port | port's share, mean +- 95 %% CI | control: kernel's share, same orders "
        "| port's share kernel-first / port-first | within %.2f +- %.2f | overlaps control | "
        "single-flow utilisation | met |" % (EQUIV_SHARE, EQUIV_SHARE_TOLERANCE),
        "|---|--:|--:|--:|---|---|--:|---|",
    ]

    def yn(v):
        return "-" if v is None else "yes" if v else "no"
    for e in equiv.values():
        u = e["utilisation"]
        bo = e["share_by_order"]
        label = "%s vs %s" % (e["kernel"], e["port"])
        if e.get("group", e["kernel"]) != e["kernel"]:
            label += " (queue %s)" % e["group"].split("@", 1)[1]
        if e.get("group"):
            # scenario bbr: utilisation and median RTT under load, each alone
            label += "; p50 RTT %s vs %s ms" % (_f(e["rtt_p50_ms"][e["kernel"]]),
                                                _f(e["rtt_p50_ms"][e["port"]]))
        lines.append("| %s | %s | %s | %s / %s | %s | %s | %s | %s |" % (
            label, _share_ci(e["share"]), _share_ci(e["control_share"]),
            _f(bo["kernel-first"], "%.3f"), _f(bo["port-first"], "%.3f"),
            yn(e["share_met"]), yn(e["overlaps_control"]),
            "%s vs %s" % (_pct(u[e["kernel"]]), _pct(u[e["port"]])), _verdict(e)))
    disturbed = sorted({n for e in equiv.values() for n in e["disturbed_runs"]})
    if disturbed:
        lines += ["", "Disturbed runs among these (the emulator stalled): " + ", ".join(disturbed)]
    return "\n".join(lines)


def _link_text(link):
    parts = ["%g Mbit/s" % (link["rate_bps"] / 1e6), "RTT %g ms" % link["rtt_ms"],
             "droptail queue %d packets" % link["queue_pkts"]]
    if link.get("loss"):
        parts.append("loss %g %%" % (link["loss"] * 100))
    if link.get("ecn_k") is not None:
        parts.append("ECN mark at K = %d packets" % link["ecn_k"])
    return ", ".join(parts)


def markdown(doc):
    out = ["# bpftcp congestion control comparison", ""]
    out.append("Command: `%s`  " % doc.get("command", "?"))
    out.append("Host: %s, kernel %s, %s" % (doc.get("host", "?"), doc.get("kernel", "?"),
                                              doc.get("date", "?")))
    out += ["", "Columns are defined in docs/compare.md.", "", run_table(doc["runs"]), ""]
    if doc["equivalence"]:
        out += ["## Equivalence of the BPF ports", "", equivalence_table(doc["equivalence"]), ""]
    if doc.get("ccneg_fleet"):
        out += [fleet.markdown(doc["ccneg_fleet"]), ""]
    if doc.get("claims", {}).get("bbr3"):
        out += [bbr3claims.markdown(doc["claims"]["bbr3"]), ""]
    for r in doc["runs"]:
        out += ["## %s: %s" % (r["name"], r["title"]), "",
                "Link: %s%s. Duration %g s." % (_link_text(r["link"]),
                                                 ", ECN on" if r["ecn"] else "", r["duration_s"]),
                ""]
        out += [flow_table(r), ""]
        if r.get("files"):
            out.append("Files: " + ", ".join("`%s`" % p for p in r["files"]))
            out.append("")
    return "\n".join(out)


def write_summary(doc, json_path, md_path):
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    with open(md_path, "w") as f:
        f.write(markdown(doc))
