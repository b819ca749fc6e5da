# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Scenario ccneg-fleet (issue #16): a server preferring DCTCP, a client
host that can run it and one that can't, negotiating with the ccneg
header option over a bottleneck that marks CE at K; in two cases, the
classic client's cubic with ECN (its host's tcp_ecn=1) and without.

Two parts, both pure (no I/O; the raw files are read by rawdata.py):

- run_evidence(): for one run, whether each connection really ran what the
  option had to choose, with ECN where it had to: from the client's ss
  samples (algorithm and the 'ecn' flag, every 100 ms), the server's ss
  snapshot and both ends' per-socket ccneg records (bpftcp -j sockets,
  taken during the run), iperf3's report of both ends' TCP_CONGESTION,
  each client host's tcp_ecn and the attachments' counters.  Each flow's
  srtt median and queueing delay too.
- fleet_summary(): over the runs, the negotiation verdict, and per case
  Jain's index of the two clients, the capable client's share and each
  client's throughput and queueing delay, each a mean with its 95 %
  confidence interval, with what ss showed of each client.

docs/compare.md defines every number."""

import collections

from . import metrics

ORDERS = ("capable-first", "capable-second")
ROLES = ("capable", "classic")
def registry_name(cc):
    """The ccneg registry's name of a kernel algorithm name: bpftcp's ports
    and the kernel's algorithms share ids (bpf_dctcp and dctcp are both
    'dctcp', docs/hdropt-ccneg.md)."""
    return cc[4:] if cc.startswith("bpf_") else cc


def find_record(sockets_doc, local_port, peer_port=None):
    """The established socket with that local (and peer) port in a
    'bpftcp -j sockets' document, or None."""
    for s in (sockets_doc or {}).get("sockets", []):
        if s.get("state") == "ESTAB" and s.get("local_port") == local_port and \
                (peer_port is None or s.get("peer_port") == peer_port):
            return s
    return None


def find_counters(show_doc, cgroup):
    """The counters of the ccneg attachment on cgroup in a
    'bpftcp -j opt show ccneg' document, or None."""
    for a in (show_doc or {}).get("attachments", []):
        if a.get("option", "ccneg") == "ccneg" and a.get("cgroup") == cgroup:
            return a.get("counters")
    return None


def ss_shows_flags(samples):
    """Whether this ss prints the TCP option flags (ts sack ecn ...) at
    all: some do not, and then no 'ecn' says nothing.  The topology keeps
    timestamps and SACK on, so a ss that prints flags shows 'ts' or 'sack'."""
    return any(s.get(f) for s in samples for f in ("ts", "sack", "ecn"))


def _ss_check(samples, expect_cc, expect_ecn, where, problems, first_may_differ=False,
              flags=True):
    """The count of ss samples, the algorithm most of them show and the
    fraction with ECN (None when this ss prints no option flags: flags
    False); appends to problems when a sample disagrees with the expected
    algorithm or (with flags) ECN state, or when there are none.  With
    first_may_differ (the client's samples every 100 ms) the first may
    show the algorithm before the switch at establishment."""
    n = len(samples)
    checked = samples[1:] if first_may_differ else samples
    wrong_cc = sum(1 for s in checked if s.get("cc") != expect_cc)
    wrong_ecn = sum(1 for s in checked if bool(s.get("ecn")) != expect_ecn) if flags else 0
    seen = collections.Counter(s.get("cc") for s in samples).most_common()
    if n == 0:
        problems.append("%s: no ss samples" % where)
    if wrong_cc:
        problems.append("%s: %d of %d ss samples not %s (%s)" % (
            where, wrong_cc, len(checked), expect_cc, ", ".join("%s x%d" % (c, k) for c, k in seen)))
    if wrong_ecn:
        problems.append("%s: %d of %d ss samples %s ECN" % (
            where, wrong_ecn, len(checked), "without" if expect_ecn else "with"))
    return {"samples": n, "cc": seen[0][0] if seen else None,
            "ecn_fraction": sum(1 for s in samples if s.get("ecn")) / n if n and flags else None}


def _record_check(rec, expect_cc, where, problems):
    if rec is None:
        problems.append("%s: no per-socket record" % where)
        return None
    cn = rec.get("ccneg") or {}
    out = {"cc": rec.get("cc"), "negotiated": cn.get("negotiated"), "chosen": cn.get("chosen"),
           "fallback": cn.get("fallback")}
    if rec.get("cc") != expect_cc:
        problems.append("%s: the record's socket runs %s, not %s" % (where, rec.get("cc"), expect_cc))
    if not cn.get("negotiated") or cn.get("chosen") != registry_name(expect_cc):
        problems.append("%s: the record says negotiated=%s chosen=%s, not negotiated %s" % (
            where, cn.get("negotiated"), cn.get("chosen"), registry_name(expect_cc)))
    return out


def flow_evidence(client, flow, iperf, client_samples, server_samples, client_rec, server_rec,
                  flags=True):
    """One flow's evidence: client is the plan's policy of its client
    (role, expect, ecn), flow the plan's flow (port, cport), iperf the
    iperf3 totals (sender_cc, receiver_cc); the samples are parsed ss
    samples of the flow's socket at each end (the server's with the
    flow's client port as peer), the records 'bpftcp -j sockets' entries;
    flags: whether this ss prints the option flags (ss_shows_flags()).
    A DCTCP sender's record must also carry DCTCP's export, updated
    (alpha_updates > 0): its own code ran, not the non-ECN Reno fallback."""
    exp, ecn = client["expect"], client["ecn"]
    problems = []
    ev = collections.OrderedDict()
    ev["flow"] = flow["id"]
    ev["role"] = client["role"]
    ev["expect_cc"], ev["expect_ecn"] = exp, ecn
    ev["client_ss"] = _ss_check(client_samples, exp, ecn, "client ss", problems,
                                first_may_differ=True, flags=flags)
    ev["server_ss"] = _ss_check(server_samples, exp, ecn, "server ss", problems, flags=flags)
    ev["client_record"] = _record_check(client_rec, exp, "client", problems)
    ev["server_record"] = _record_check(server_rec, exp, "server", problems)
    if registry_name(exp) == "dctcp":
        x = (client_rec or {}).get("export") or {}
        ev["dctcp_export"] = {k: x.get(k) for k in ("algorithm", "alpha", "alpha_updates")}
        if x.get("algorithm") != "dctcp" or not x.get("alpha_updates"):
            problems.append("client: the record has no updated DCTCP export (%s)"
                            % ev["dctcp_export"])
    ev["iperf3_cc"] = [iperf.get("sender_cc"), iperf.get("receiver_cc")]
    if ev["iperf3_cc"] != [exp, exp]:
        problems.append("iperf3: sender and receiver ran %s, not %s" % (ev["iperf3_cc"], exp))
    ev["problems"] = problems
    ev["verified"] = not problems
    return ev


def counter_problems(role, counters, expect):
    """What is wrong with one attachment's counters: role 'server' or
    'client-N', expect the algorithms its connections had to choose.  No
    errors, malformed options or fallbacks, and each expected algorithm
    chosen at least once (iperf3's control connection negotiates too)."""
    if counters is None:
        return ["%s: no counters" % role]
    out = []
    for k in ("errors", "malformed", "fallback", "no_room"):
        if counters.get(k):
            out.append("%s: %s = %d" % (role, k, counters[k]))
    chosen = counters.get("chosen") or {}
    for cc in expect:
        n = sum(v for k, v in chosen.items() if registry_name(k) == registry_name(cc))
        if not n:
            out.append("%s: %s never chosen" % (role, cc))
    return out


def srtt_p50_ms(samples, t_from=None, t_to=None):
    """The median srtt of the samples taken in [t_from, t_to] (all if
    None), or None without samples."""
    return metrics.percentile([s["rtt_ms"] for s in samples if "rtt_ms" in s and
                               (t_from is None or s["t"] >= t_from) and
                               (t_to is None or s["t"] <= t_to)], 50)


# net.ipv4.tcp_ecn of a fresh namespace: accept ECN, never ask for it.
KERNEL_TCP_ECN = 2


def host_problems(client, hosts):
    """What is wrong with the client's host: client the plan's policy of
    one client (flow, host, tcp_ecn: None for the kernel's default), hosts
    {'client-N': {host, tcp_ecn}} as read back during the run."""
    role = "client-%d" % client["flow"]
    h = (hosts or {}).get(role)
    if h is None:
        return ["%s: no host record (ccneg-hosts.txt)" % role]
    want = KERNEL_TCP_ECN if client.get("tcp_ecn") is None else client["tcp_ecn"]
    out = []
    if h["host"] != client.get("host", h["host"]):
        out.append("%s: ran on %s, not %s" % (role, h["host"], client["host"]))
    if h["tcp_ecn"] != want:
        out.append("%s: its host's tcp_ecn is %d, not %d" % (role, h["tcp_ecn"], want))
    return out


def run_evidence(plan, iperf, client_ss, server_ss, sockets_client, sockets_server, show,
                 cgroups, window=None, link=None, hosts=None):
    """Scenario ccneg-fleet's part of one run's summary: each flow's
    evidence and queueing delay (its srtt median over window, the
    [from, to] epoch interval in which all flows ran, less the base RTT),
    the counters' problems, and the verdict: verified when nothing is
    wrong.  client_ss and server_ss are parse_ss() results keyed by local
    port; cgroups {role: path} from ccneg-cgroups.txt; link the run's
    link_stats (the emulator's marks); hosts {role: {host, tcp_ecn}} from
    ccneg-hosts.txt."""
    cn = plan["ccneg"]
    base = plan["link"]["rtt_ms"]
    by_flow = {f["id"]: f for f in plan["flows"]}
    flows, problems = [], []
    samples = {}
    for client in cn["clients"]:
        f = by_flow[client["flow"]]
        samples[f["id"]] = (client_ss.get(iperf[f["id"]]["local_port"], []),
                            [s for s in server_ss.get(f["port"], []) if s.get("dport") == f["cport"]])
    flags = ss_shows_flags([s for c, sv in samples.values() for s in c + sv])
    for client in cn["clients"]:
        f = by_flow[client["flow"]]
        csamples, ssamples = samples[f["id"]]
        ev = flow_evidence(client, f, iperf[f["id"]], csamples, ssamples,
                           find_record(sockets_client, f["cport"]),
                           find_record(sockets_server, f["port"], f["cport"]), flags)
        ev["host"] = (hosts or {}).get("client-%d" % f["id"])
        ev["problems"] += host_problems(client, hosts)
        ev["verified"] = not ev["problems"]
        ev["srtt_p50_ms"] = srtt_p50_ms(csamples, *(window or (None, None)))
        ev["queueing_delay_ms"] = None if ev["srtt_p50_ms"] is None else ev["srtt_p50_ms"] - base
        flows.append(ev)
        problems += ["flow %d (%s): %s" % (f["id"], client["role"], p) for p in ev["problems"]]
    show_problems = []
    expect_server = [c["expect"] for c in cn["clients"]]
    show_problems += counter_problems(
        "server", find_counters(show, cgroups.get("server")), expect_server)
    for client in cn["clients"]:
        role = "client-%d" % client["flow"]
        show_problems += counter_problems(role, find_counters(show, cgroups.get(role)),
                                          [client["expect"]])
    problems += show_problems
    problems += link_ecn_problems([c["ecn"] for c in cn["clients"]], link)
    return collections.OrderedDict([
        ("case", cn.get("case")), ("order", cn.get("order")), ("rep", cn.get("rep")),
        ("ss_shows_flags", flags),
        ("link_ecn", {k: (link or {}).get(k) for k in ("marked", "not_ect")}),
        ("flows", flows), ("problems", problems), ("verified", not problems)])


def link_ecn_problems(ecn, link):
    """The emulator's side of the ECN evidence: it CE-marks only ECT
    packets, and counts as not_ect the packets it would have marked that
    were not.  ecn: whether each flow of the run must have ECN; link: the
    run's link_stats.  With an ECN flow some packets were marked; with a
    flow without ECN some reached K unmarked (not_ect); with none, none
    was marked."""
    if not link or link.get("marked") is None or link.get("not_ect") is None:
        return ["link: no emulator counters (marked, not_ect)"]
    out = []
    if any(ecn) and not link["marked"]:
        out.append("link: no packet CE-marked, though a flow had to have ECN")
    if not all(ecn) and not link["not_ect"]:
        out.append("link: no non-ECT packet reached K, though a flow had to run without ECN")
    if not any(ecn) and link["marked"]:
        out.append("link: %d packets CE-marked, though no flow had to have ECN" % link["marked"])
    return out


def _capable_share(run):
    mbps = {f["id"]: f["mean_mbps"] for f in run["flows"]}
    ids = {e["role"]: e["flow"] for e in run["ccneg"]["flows"]}
    if set(ids) != set(ROLES):
        return None
    return metrics.share(mbps[ids["capable"]], mbps[ids["classic"]])


def _role_flows(runs, role):
    """(run, flow evidence) of every flow of that role in the runs."""
    return [(r, e) for r in runs for e in r["ccneg"]["flows"] if e["role"] == role]


def _ss_seen(pairs):
    """What ss showed of one role's connections over runs: the algorithms
    (client and server side) and the least fraction of samples with ECN at
    each end (None where this ss prints no option flags)."""
    out = collections.OrderedDict()
    for end in ("client_ss", "server_ss"):
        ccs = sorted({e[end]["cc"] for _, e in pairs if e[end]["cc"]})
        fr = [e[end]["ecn_fraction"] for _, e in pairs if e[end]["ecn_fraction"] is not None]
        out[end] = {"cc": ccs, "ecn_fraction_min": min(fr) if fr else None,
                    "ecn_fraction_max": max(fr) if fr else None}
    out["record_chosen"] = sorted({(e["client_record"] or {}).get("chosen") or "-"
                                   for _, e in pairs})
    out["ss_shows_flags"] = all(r["ccneg"]["ss_shows_flags"] for r, _ in pairs) if pairs else None
    return out


def case_summary(shared):
    """One case's shared runs (both orders, all repetitions): Jain's index,
    the capable client's share, each client's throughput, srtt median and
    queueing delay (srtt median less the base RTT), the ping's queueing
    delay, each a mean with its 95 % CI; and what ss showed per client."""
    out = collections.OrderedDict()
    clients = {e["role"]: e for r in shared for e in r["ccneg"]["flows"]}
    out["classic_ecn"] = clients["classic"]["expect_ecn"] if "classic" in clients else None
    out["runs"] = len(shared)
    out["jain"] = metrics.mean_ci95(r["jain"] for r in shared)
    out["jain_by_order"] = {o: metrics.mean_ci95(r["jain"] for r in shared
                                                 if r["ccneg"]["order"] == o) for o in ORDERS}
    out["capable_share"] = metrics.mean_ci95(_capable_share(r) for r in shared)
    out["capable_share_by_order"] = {o: metrics.mean_ci95(_capable_share(r) for r in shared
                                                          if r["ccneg"]["order"] == o)
                                     for o in ORDERS}
    pairs = {role: _role_flows(shared, role) for role in ROLES}
    out["mean_mbps"] = {role: metrics.mean_ci95(f["mean_mbps"] for r, e in pairs[role]
                                                for f in r["flows"] if f["id"] == e["flow"])
                        for role in ROLES}
    out["srtt_p50_ms"] = {role: metrics.mean_ci95(e["srtt_p50_ms"] for _, e in pairs[role])
                          for role in ROLES}
    out["queueing_delay_ms"] = {role: metrics.mean_ci95(e["queueing_delay_ms"]
                                                        for _, e in pairs[role])
                                for role in ROLES}
    out["ping_queueing_delay_ms"] = metrics.mean_ci95(
        r["ping_rtt_ms"]["p50"] - r["link"]["rtt_ms"] for r in shared
        if r["ping_rtt_ms"]["p50"] is not None)
    out["ss"] = {role: _ss_seen(pairs[role]) for role in ROLES}
    out["shared_runs"] = [{"run": r["name"], "order": r["ccneg"]["order"], "rep": r["ccneg"]["rep"],
                           "jain": r["jain"], "capable_share": _capable_share(r),
                           "queueing_delay_ms": {e["role"]: e["queueing_delay_ms"]
                                                 for e in r["ccneg"]["flows"]}}
                          for r in shared]
    return out


def fleet_summary(runs):
    """summary.json's "ccneg_fleet", or None without such runs."""
    mine = [r for r in runs if r.get("scenario") == "ccneg-fleet" and r.get("ccneg")]
    if not mine:
        return None
    out = collections.OrderedDict()
    out["runs"] = len(mine)
    out["verified_runs"] = sum(1 for r in mine if r["ccneg"]["verified"])
    out["verified"] = out["verified_runs"] == len(mine)
    out["unverified"] = [{"run": r["name"], "problems": r["ccneg"]["problems"]}
                         for r in mine if not r["ccneg"]["verified"]]
    cases = collections.OrderedDict()
    for r in mine:
        if r["ccneg"]["order"] in ORDERS:
            cases.setdefault(r["ccneg"].get("case"), []).append(r)
    out["cases"] = collections.OrderedDict((c, case_summary(rs)) for c, rs in cases.items())
    alone = collections.OrderedDict()
    for r in mine:
        if r["ccneg"]["order"] != "alone":
            continue
        e = r["ccneg"]["flows"][0]
        p50 = r["ping_rtt_ms"]["p50"]
        key = e["role"] if e["role"] == "capable" or r["ccneg"].get("case") is None \
            else "%s-%s" % (e["role"], r["ccneg"]["case"])
        alone[key] = {"run": r["name"], "cc": e["expect_cc"], "ecn": e["expect_ecn"],
                      "mean_mbps": r["flows"][0]["mean_mbps"],
                      "srtt_p50_ms": e["srtt_p50_ms"],
                      "queueing_delay_ms": e["queueing_delay_ms"],
                      "ping_queueing_delay_ms": p50 - r["link"]["rtt_ms"]
                      if p50 is not None else None}
    out["alone"] = alone
    out["disturbed_runs"] = [r["name"] for r in mine if r.get("disturbed")]
    return out


# --- markdown ---------------------------------------------------------------

def _ci(s, fmt="%.3f"):
    if s["mean"] is None:
        return "-"
    if s["half_width"] is None:
        return (fmt + " (n = %d)") % (s["mean"], s["n"])
    return (fmt + " +- " + fmt + " (n = %d)") % (s["mean"], s["half_width"], s["n"])


def _case_title(case, c):
    if c["classic_ecn"] is None:
        return case or "-"
    return "classic cubic %s ECN (%s)" % ("with" if c["classic_ecn"] else "without", case)


def _ss_text(role, seen):
    cs, ss = seen["client_ss"], seen["server_ss"]
    if not seen["ss_shows_flags"]:
        ecn = "this ss prints no ECN flag"
    else:
        def pct(x):
            lo, hi = x["ecn_fraction_min"], x["ecn_fraction_max"]
            if lo is None:
                return "-"
            return "%.0f %%" % (100 * lo) if lo == hi else "%.0f-%.0f %%" % (100 * lo, 100 * hi)
        ecn = "ECN in %s of client samples, %s of server samples" % (pct(cs), pct(ss))
    return "%s client: ss shows %s (client) / %s (server), %s; records: chosen %s" % (
        role, ",".join(cs["cc"]) or "-", ",".join(ss["cc"]) or "-", ecn,
        ",".join(seen["record_chosen"]))


def markdown(fl):
    """The summary.md section of scenario ccneg-fleet."""
    lines = ["## Mixed fleet (ccneg)", ""]
    if fl["verified"]:
        lines.append("Negotiation verified in all %d runs: the capable client's connections ran "
                     "bpf_dctcp with ECN at both ends, the classic client's cubic with ECN "
                     "where its host asks for it (tcp_ecn=1) and without where it does not "
                     "(ss -ti, the ccneg records and DCTCP's export, iperf3, the hosts' "
                     "tcp_ecn, the option's and the emulator's counters)." % fl["runs"])
    else:
        lines.append("**Negotiation NOT verified** in %d of %d runs:" % (
            fl["runs"] - fl["verified_runs"], fl["runs"]))
        for u in fl["unverified"]:
            lines.append("- %s: %s" % (u["run"], "; ".join(u["problems"])))
    cases = list(fl["cases"].items())
    if cases:
        lines += ["", "| measure (both clients sharing the link), mean +- 95 % CI | " +
                  " | ".join(_case_title(k, c) for k, c in cases) + " |",
                  "|---|" + "--:|" * len(cases)]

        def row(label, get, fmt="%.3f"):
            lines.append("| %s | %s |" % (label, " | ".join(_ci(get(c), fmt) for _, c in cases)))
        row("Jain's index", lambda c: c["jain"])
        for o in ORDERS:
            row("Jain's index, %s" % o, lambda c, o=o: c["jain_by_order"][o])
        row("capable client's share", lambda c: c["capable_share"])
        for o in ORDERS:
            row("capable client's share, %s" % o, lambda c, o=o: c["capable_share_by_order"][o])
        for role in ROLES:
            row("%s client: Mbit/s" % role, lambda c, r=role: c["mean_mbps"][r], "%.1f")
            row("%s client: srtt p50, ms" % role, lambda c, r=role: c["srtt_p50_ms"][r], "%.1f")
            row("%s client: queueing delay (srtt p50 - base RTT), ms" % role,
                lambda c, r=role: c["queueing_delay_ms"][r], "%.1f")
        row("ping p50 - base RTT, ms", lambda c: c["ping_queueing_delay_ms"], "%.1f")
        lines.append("")
        for k, c in cases:
            lines.append("- %s: %s." % (_case_title(k, c), "; ".join(
                _ss_text(role, c["ss"][role]) for role in ROLES)))
    if fl["alone"]:
        lines += ["", "| alone on the link | algorithm | ECN | Mbit/s | srtt p50 ms | "
                  "queueing delay ms (srtt) | (ping) |", "|---|---|---|--:|--:|--:|--:|"]
        f = lambda v, fmt="%.1f": "-" if v is None else fmt % v
        for key, a in fl["alone"].items():
            lines.append("| %s client | %s | %s | %s | %s | %s | %s |" % (
                key, a["cc"], "yes" if a["ecn"] else "no", f(a["mean_mbps"]),
                f(a["srtt_p50_ms"]), f(a["queueing_delay_ms"]), f(a["ping_queueing_delay_ms"])))
    if fl["disturbed_runs"]:
        lines += ["", "Disturbed runs (the emulator stalled): " + ", ".join(fl["disturbed_runs"])]
    return "\n".join(lines)
