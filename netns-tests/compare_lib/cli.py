# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""netns-tests/compare: compare congestion controls over the emulated link.

Plans the runs (the default scenarios, or one custom experiment), registers
the bpf_* algorithms it needs (and unregisters, at exit, only those it
registered), has compare_lib/run-one.sh carry out each run in a fresh
topology, analyses each run (Flent file, plots, run summary) and writes
summary.json and summary.md.  docs/compare.md describes everything.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

from . import analyze, fleet, summary

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SCENARIOS = ("single", "fairness", "pairs", "ecn", "loss", "bbr", "ccneg-fleet", "bbr3")
DEFAULT_CCS = ("cubic", "bpf_cubic", "reno", "bpf_reno")
DEFAULT_RATE = "100mbit"
DEFAULT_RTT = "40ms"
DEFAULT_QUEUE = "1bdp"
DEFAULT_DURATION = 60.0
DEFAULT_LOSS_SCENARIO = 0.01		# scenario 5: 1 % random loss
DEFAULT_ECN_K = 50			# scenario 4, in packets (about BDP / 7)
ECN_CCS = ("bpf_dctcp", "cubic")	# scenario 4: latency with K marking
PACKET_BYTES = 1500			# for queue sizes given in BDPs
SERVER_PORT0, CLIENT_PORT0 = 5201, 40001
SS_INTERVAL = 0.1
PING_INTERVAL = 0.1
MAX_FLOWS = 16
# Scenario pairs: repetitions of each order, and seconds per run unless
# --duration is given: many short runs give a narrower interval of the mean
# share in the same time than a few long ones (docs/compare.md).
DEFAULT_REPS = 7
DEFAULT_PAIRS_DURATION = 15.0
# Scenario bbr (issue #14): bbr vs bpf_bbr, order-balanced with controls, on
# the link's queue (1 BDP by default) and on a shallow and a deep one, and
# each alone on each; 60 s runs (BBR's state machine cycles every 8 RTTs and
# probes min_rtt every 10 s), 3 repetitions of each order unless --reps.
BBR_PAIR = ("bbr", "bpf_bbr")
BBR_QUEUES = (("", None), ("0.25bdp", 0.25), ("4bdp", 4.0))
DEFAULT_BBR_REPS = 3
# Scenario ccneg-fleet (issue #16): a server whose ccneg policy prefers
# DCTCP, and two client hosts (namespaces) sharing the bottleneck (ECN
# marking at K): one that can run DCTCP and one that can't (it offers cubic
# only).  The option decides what each connection runs, and asks for ECN
# where DCTCP could be chosen.  Two cases (FLEET_CASES): in "ecn" the
# classic client's host asks for ECN itself (net.ipv4.tcp_ecn=1 in its own
# namespace), so its cubic is an ECN-capable classic flow; in "noecn" every
# host keeps the kernel's default (2: accept ECN, never ask for it) and
# only the option asks.  "expect" is what each connection must run at both
# ends, "ecn" whether it must have ECN, "host" the client namespace and
# "tcp_ecn" the sysctl set there (None: left alone): the summary checks
# them against ss, the per-socket records and the hosts' sysctl, read back.
FLEET_SERVER = {"prefer": ["bpf_dctcp", "cubic"], "fallback": "cubic"}
FLEET_CLIENTS = {
    "capable": {"prefer": ["bpf_dctcp", "cubic"], "fallback": "cubic",
                "expect": "bpf_dctcp", "ecn": True, "host": "client", "tcp_ecn": None},
    "classic": {"prefer": ["cubic"], "fallback": "cubic", "expect": "cubic", "ecn": False,
                "host": "client2", "tcp_ecn": None},
}
# Each case: what it changes in the classic client's policy.
FLEET_CASES = (("ecn", {"ecn": True, "tcp_ecn": 1}), ("noecn", {}))
DEFAULT_FLEET_REPS = 3
# Scenario bbr3 (issue #18): the draft's four claims for bpf_bbr3, each
# case run for bpf_bbr too in the same (interleaved) runs; --reps
# repetitions of each, both orders where order matters (docs/compare.md).
# Seconds per run unless --duration: 30, and for the two-flow case the
# stagger (10 s) + the 30 s of the claim + 2 s for the last samples.  The
# ECN case runs at BBR3_ECN_RTT_MS whatever --rtt says: bpf_bbr3, as v3,
# uses ECN only when min_rtt <= ecn_max_rtt_us (5 ms), a load-time tunable
# bpftcp cc register cannot change.  ECN is RFC 3168's (tcp_ecn=1 in both
# namespaces, as scenario ecn): this 6.18 kernel refuses AccECN's
# tcp_ecn=3.  Its queue is 10 K so that only marking keeps it short.
BBR3_CCS = ("bpf_bbr3", "bpf_bbr")
DEFAULT_BBR3_REPS = 3
# Without --reps, the ECN and two-flow cases run more often: their measures
# (the queue's p95, Jain's index) vary more from run to run than the
# others' (docs/compare.md), and their claims sit near the bound.
DEFAULT_BBR3_CASE_REPS = {"ecn": 8, "jain": 8}
BBR3_DURATION = 30.0
BBR3_JAIN_STAGGER = 10.0
BBR3_JAIN_DURATION = 42.0
BBR3_ECN_RTT_MS = 4.0
BBR3_ECN_K = 20

SCENARIO_HELP = """scenarios (default: all eight, on a 100 Mbit/s link with a 40 ms RTT and a
one-BDP droptail queue, unless options change them):
  single    one flow per algorithm, each alone on the link
  fairness  two flows of the same algorithm, the second joining after
            --stagger (default: a sixth of the duration)
  pairs     kernel algorithm vs its BPF port sharing the link:
            cubic vs bpf_cubic, reno vs bpf_reno (those in --cc), in both
            orders, --reps times each, each run followed by a control run
            of two kernel flows (cubic vs cubic) in the same order
  ecn       ECN with CE marking at K packets (--ecn-k, default 50):
            bpf_dctcp alone, cubic alone, then both together
  loss      one flow per algorithm with 1 % random loss (or --loss)
  bbr       bbr vs bpf_bbr as in pairs (--reps, default 3, of 60 s runs),
            on the link's queue and on a 0.25-BDP and a 4-BDP one, and each
            alone on each (utilisation, RTT under load); whatever --cc says
  ccneg-fleet  a mixed fleet negotiating its congestion control with the
            ccneg header option, ECN marking at K (--ecn-k, default 50): a
            server preferring bpf_dctcp, a client host that can run it and
            one that can't (cubic), in two cases: that cubic with ECN (its
            host's tcp_ecn=1) and without; each client alone, then both
            sharing the link, capable client first and second, --reps times
            (default 3) in each case; whatever --cc says
  bbr3      the IETF draft's claims for bpf_bbr3, with bpf_bbr in the same
            runs (--reps, default 3, 8 for the ECN and two-flow cases):
            alone on a 0.25-BDP queue
            (retransmission rate); against cubic on the link's queue, both
            orders (cubic's share); alone at 4 ms RTT with ECN and
            marking at K (--ecn-k, default 20; the queue near K); two
            flows, the second 10 s later (Jain's index 30 s on); 30 s
            runs, 42 s for the two flows, unless --duration; whatever --cc
            says

Without --scenario but with --cc, one custom run puts --flows flows of every
listed algorithm on the link together (--separate: one run per algorithm).

Examples:
  netns-tests/compare                              all default scenarios
  netns-tests/compare --scenario pairs --duration 30
  netns-tests/compare --cc cubic,bpf_cubic --rate 50mbit --rtt 20ms --queue 0.5bdp
  netns-tests/compare --cc bpf_dctcp --ecn-k 20 --flows 2 --out /tmp/dctcp
  netns-tests/compare --scenario ccneg-fleet --reps 5

Exit status: 0 all runs done, 1 a run failed, 2 bad arguments."""


class UsageError(Exception):
    pass


# --- argument values ----------------------------------------------------------

def parse_rate(text):
    """'100mbit', '1.5gbit', '800kbit', '50000000' -> bit/s."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:bit|bps|b)?(?:/s)?\s*", text, re.I)
    if not m:
        raise argparse.ArgumentTypeError(
            "invalid rate '%s' (examples: 100mbit, 1gbit, 800kbit, 50000000)" % text)
    v = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2).lower()]
    if v < 100e3 or v > 10e9:
        raise argparse.ArgumentTypeError("rate '%s' is out of range (100kbit..10gbit)" % text)
    return v


def parse_time_ms(text):
    """'40ms', '0.04s', '40' (ms), '500us' -> milliseconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|us)?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError("invalid time '%s' (examples: 40ms, 0.1s, 500us)" % text)
    v = float(m.group(1)) * {None: 1, "ms": 1, "s": 1e3, "us": 1e-3}[m.group(2)]
    if v > 10e3:
        raise argparse.ArgumentTypeError("RTT '%s' is too long (at most 10 s)" % text)
    return v


def parse_queue(text):
    """'333' (packets) or '1bdp', '0.5bdp' -> ('pkts', n) or ('bdp', x)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(bdp|p|pkts|packets)?\s*", text, re.I)
    if not m or (not m.group(2) or m.group(2).lower() != "bdp") and "." in m.group(1):
        raise argparse.ArgumentTypeError("invalid queue '%s' (packets, e.g. 333, or BDPs, e.g. 1bdp)"
                                         % text)
    v = float(m.group(1))
    if v <= 0:
        raise argparse.ArgumentTypeError("queue '%s' must be > 0" % text)
    return ("bdp", v) if m.group(2) and m.group(2).lower() == "bdp" else ("pkts", int(v))


def parse_loss(text):
    """'1%', '0.01' -> probability."""
    t = text.strip()
    try:
        v = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid loss '%s' (examples: 1%%, 0.01)" % text)
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError("loss '%s' is not in [0, 1)" % text)
    return v


def _number(lo, hi, what, seconds=False):
    """An argparse type: an int (or, with seconds, a float with an optional
    trailing 's') in [lo, hi]."""
    unit = " s" if seconds else ""

    def parse(text):
        try:
            v = float(text[:-1] if seconds and text.endswith("s") else text) if seconds \
                else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("invalid %s '%s'%s" % (
                what, text, " (seconds)" if seconds else ""))
        if not lo <= v <= hi:
            fmt = "%g" if seconds else "%d"
            raise argparse.ArgumentTypeError(("%s " + fmt + "%s is not in " + fmt + ".." + fmt + "%s")
                                             % (what, v, unit, lo, hi, unit))
        return v
    return parse


def parse_list(text):
    items = [x.strip() for x in text.split(",") if x.strip()]
    if not items:
        raise argparse.ArgumentTypeError("empty list")
    return items


def build_parser():
    p = argparse.ArgumentParser(
        prog="netns-tests/compare",
        description="Compare TCP congestion controls on an emulated bottleneck link "
                    "(bpftcp's netns test bench) and write Flent data files, plots, "
                    "summary.json and summary.md.",
        epilog=SCENARIO_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", type=parse_list, metavar="LIST",
                   help="comma-separated scenarios, or 'all' (see below)")
    p.add_argument("--cc", type=parse_list, metavar="LIST",
                   help="comma-separated congestion controls [%s]" % ",".join(DEFAULT_CCS))
    p.add_argument("--rate", type=parse_rate, metavar="RATE",
                   help="bottleneck rate, both directions [%s]" % DEFAULT_RATE)
    p.add_argument("--rtt", type=parse_time_ms, metavar="TIME",
                   help="base round-trip time, half each way [%s]" % DEFAULT_RTT)
    p.add_argument("--queue", type=parse_queue, metavar="N|XBDP",
                   help="droptail queue in packets, or in bandwidth-delay products "
                        "of %d-byte packets [%s]" % (PACKET_BYTES, DEFAULT_QUEUE))
    p.add_argument("--loss", type=parse_loss, metavar="P",
                   help="random loss on the data direction, e.g. 1%% [0; scenario loss: 1%%]")
    p.add_argument("--ecn-k", type=_number(1, 100000, "ECN K"), metavar="K",
                   help="mark CE while >= K packets wait, and turn ECN on in both hosts "
                        "(in ccneg-fleet only where its case says) "
                        "[off; scenarios ecn and ccneg-fleet: %d; bbr3: %d]" % (DEFAULT_ECN_K, BBR3_ECN_K))
    p.add_argument("--flows", type=_number(1, MAX_FLOWS, "flow count"), metavar="N",
                   help="custom run: flows per algorithm [1]")
    p.add_argument("--separate", action="store_true",
                   help="custom run: one run per algorithm instead of all together")
    p.add_argument("--stagger", type=_number(0, 3600, "stagger", seconds=True), metavar="S",
                   help="seconds between successive flows' starts [custom, ccneg-fleet: 0; "
                        "fairness: duration/6]")
    p.add_argument("--duration", type=_number(2, 3600, "duration", seconds=True), metavar="S",
                   help="seconds of traffic per run [%g; scenario pairs: %g]"
                        % (DEFAULT_DURATION, DEFAULT_PAIRS_DURATION))
    p.add_argument("--reps", type=_number(1, 100, "repetition count"), metavar="N",
                   help="scenario pairs: runs of each order of each pair, and as many "
                        "controls [%d; bbr: %d; ccneg-fleet: runs of each case and order, %d; bbr3: "
                        "runs of each case and order, %d, the ECN and two-flow cases %d]"
                        % (DEFAULT_REPS, DEFAULT_BBR_REPS, DEFAULT_FLEET_REPS,
                           DEFAULT_BBR3_REPS, max(DEFAULT_BBR3_CASE_REPS.values())))
    p.add_argument("--seed", type=_number(0, 2**63 - 1, "seed"), default=1,
                   help="the emulator's random loss seed [1]")
    p.add_argument("--out", metavar="DIR", default=os.path.join(ROOT, "build", "compare"),
                   help="output directory [build/compare]; its old runs are replaced")
    p.add_argument("--build", metavar="DIR", default=os.path.join(ROOT, "build"),
                   help="build directory holding bpftcp and linkem [build]")
    p.add_argument("--table", action="store_true",
                   help="print the summary table (summary.md's first table) at the end")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the commands each run executes (V=1 does too)")
    return p


# --- the link -------------------------------------------------------------------

def link_params(args, scenario=None):
    rate = args.rate or parse_rate(DEFAULT_RATE)
    rtt = args.rtt if args.rtt is not None else parse_time_ms(DEFAULT_RTT)
    kind, q = args.queue or parse_queue(DEFAULT_QUEUE)
    bdp_pkts = rate * rtt / 1e3 / 8 / PACKET_BYTES
    queue = max(1, int(round(q * bdp_pkts))) if kind == "bdp" else q
    loss = args.loss
    if loss is None:
        loss = DEFAULT_LOSS_SCENARIO if scenario == "loss" else 0.0
    ecn_k = args.ecn_k
    if ecn_k is None and scenario in ("ecn", "ccneg-fleet"):
        ecn_k = DEFAULT_ECN_K
    return {"rate_bps": rate, "rtt_ms": rtt, "queue_pkts": queue, "loss": loss,
            "ecn_k": ecn_k, "seed": args.seed, "bdp_pkts": bdp_pkts}


def linkem_args(link):
    """Both directions get the rate, half the RTT and the queue; loss and
    ECN marking apply to the data direction (client to server, 'up')."""
    a = ["--rate", "%d" % link["rate_bps"], "--delay", "%dus" % round(link["rtt_ms"] * 500),
         "--queue", str(link["queue_pkts"]), "--seed", str(link["seed"])]
    if link["loss"]:
        a += ["--up-loss", "%.9g" % link["loss"]]
    if link["ecn_k"] is not None:
        a += ["--up-ecn-k", str(link["ecn_k"])]
    return a


def _describe(link):
    s = "%g Mbit/s, %g ms RTT, %d-packet queue" % (link["rate_bps"] / 1e6, link["rtt_ms"],
                                                   link["queue_pkts"])
    if link["loss"]:
        s += ", %g %% loss" % (link["loss"] * 100)
    if link["ecn_k"] is not None:
        s += ", ECN K=%d" % link["ecn_k"]
    return s


# --- planning -----------------------------------------------------------------------

def make_run(name, scenario, ccs, link, duration, stagger=0.0, title=None):
    flows = []
    for i, cc in enumerate(ccs):
        start = round(i * stagger, 3)
        if start >= duration - 1:
            raise UsageError("--stagger %g s leaves flow %d no time in a %g s run"
                             % (stagger, i + 1, duration))
        flows.append({"id": i + 1, "cc": cc, "start_s": start,
                      "duration_s": round(duration - start, 3),
                      "port": SERVER_PORT0 + i, "cport": CLIENT_PORT0 + i})
    return {"name": name, "scenario": scenario,
            "title": "%s (%s)" % (title or " vs ".join(ccs), _describe(link)),
            "link": link, "ecn": link["ecn_k"] is not None, "duration_s": duration,
            "server": "198.18.2.2", "flows": flows,
            "sample_interval_s": SS_INTERVAL, "ping_interval_s": PING_INTERVAL,
            "convergence": {"window_s": 1.0, "threshold": 0.9, "hold_s": 2.0, "step_s": 0.1}}


def plan_pairs(pairs, link, duration, reps):
    """Scenario pairs: for each kernel algorithm k and its port p, reps
    repetitions of both orders (k first, then p first), each pair run
    followed by its control, two flows of k in the same order; the
    algorithms' runs interleaved (rep 1 of every pair, then rep 2, ...),
    so that a slow drift of the machine's load falls on all of them.
    plan["pair"]["share_flow"] is the flow whose share of the throughput is
    taken: in a pair run the port's; in a control run the first-named flow
    of "k vs k" in the same order as the pair run (flow 1 when k went
    first, flow 2 when the port did), which stands in the kernel's place.
    docs/compare.md explains the choice.
    """
    runs = []
    for rep in range(1, reps + 1):
        for k, p in pairs:
            for order, ccs, port_flow, kernel_flow in (("kernel-first", [k, p], 2, 1),
                                                       ("port-first", [p, k], 1, 2)):
                tag = "kf" if order == "kernel-first" else "pf"
                for role, flows, name, title in (
                        ("pair", ccs, "pairs-%s-%s-%d" % (k, tag, rep), None),
                        # The control: two of the kernel's own flows in the
                        # same order show the split the algorithm reaches
                        # with itself (a port cannot be expected to do better).
                        ("control", [k, k], "pairs-%s-control-%s-%d" % (k, tag, rep),
                         "%s vs %s, control for %s" % (k, k, order))):
                    run = make_run(name, "pairs", flows, link, duration, title=title)
                    run["pair"] = {"kernel": k, "port": p, "role": role, "order": order,
                                   "rep": rep,
                                   "share_flow": port_flow if role == "pair" else kernel_flow}
                    runs.append(run)
    return runs


def plan_bbr(args, reps):
    """Scenario bbr: for the link's queue (1 BDP unless --queue) and for
    0.25 and 4 BDP, the pair runs of bbr vs bpf_bbr with their controls (as
    plan_pairs, 'group' naming the queue) and a single run of each."""
    k, p = BBR_PAIR
    duration = args.duration or DEFAULT_DURATION
    runs = []
    for tag, bdps in BBR_QUEUES:
        link = link_params(args, "bbr")
        if bdps is not None:
            link["queue_pkts"] = max(1, int(round(bdps * link["bdp_pkts"])))
        group = "bbr" + ("@" + tag if tag else "")
        suffix = "-" + tag if tag else ""
        for cc in (k, p):
            run = make_run("bbr-single-%s%s" % (cc, suffix), "bbr", [cc], link, duration)
            run["group"] = group
            runs.append(run)
        for run in plan_pairs([(k, p)], link, duration, reps):
            run["name"] = run["name"].replace("pairs-bbr-", "bbr-pairs%s-" % suffix)
            run["scenario"] = "bbr"
            run["group"] = run["pair"]["group"] = group
            runs.append(run)
    return runs


def plan_fleet(link, duration, stagger, reps):
    """Scenario ccneg-fleet: each client alone on the link (the classic one
    once per case), then reps repetitions of both sharing it, in each case
    and order (capable client first, then second; flow 1 starts first,
    flow 2 stagger seconds later), interleaved: repetition 1 of every case
    and order, then repetition 2, ...  The run's "ccneg" record holds the
    policies compare_lib/run-one.sh attaches (one cgroup per client, one
    for the server), each client's host and tcp_ecn, and what each flow
    must run; the plan's "ecn" stays False: no host-wide ECN switch."""
    cases = dict(FLEET_CASES)

    def client(role, case):
        return dict(FLEET_CLIENTS[role], **(cases[case] if role == "classic" else {}))

    def run(name, roles, case, title, **extra):
        clients = [dict(client(x, case), role=x, flow=i + 1) for i, x in enumerate(roles)]
        r = make_run(name, "ccneg-fleet", [c["expect"] for c in clients], link,
                     duration, stagger, title=title)
        r["ecn"] = False
        r["ccneg"] = dict({"server": FLEET_SERVER, "case": case, "clients": clients}, **extra)
        return r

    def label(role, case):
        return "%s client%s" % (role, "" if role == "capable" else
                                " (ECN)" if client(role, case)["ecn"] else " (no ECN)")

    runs = [run("ccneg-fleet-alone-capable", ["capable"], None, "capable client alone",
                order="alone", rep=1)]
    runs += [run("ccneg-fleet-alone-classic-%s" % case, ["classic"], case,
                 "%s alone" % label("classic", case), order="alone", rep=1)
             for case, _ in FLEET_CASES]
    for rep in range(1, reps + 1):
        for case, _ in FLEET_CASES:
            for order, roles, tag in (("capable-first", ["capable", "classic"], "cf"),
                                      ("capable-second", ["classic", "capable"], "cs")):
                runs.append(run("ccneg-fleet-%s-%s-%d" % (case, tag, rep), roles, case,
                                " vs ".join(label(x, case) for x in roles),
                                order=order, rep=rep))
    return runs


def plan_bbr3(args, reps=None):
    """Scenario bbr3: for each repetition, each case for bpf_bbr3 and
    bpf_bbr (interleaved, so that a drift of the machine's load falls on
    both): alone on a 0.25-BDP queue; cubic against it on the link's queue
    in both orders; alone on the ECN link; two flows, the second joining
    BBR3_JAIN_STAGGER later (a quarter of the run in runs too short for
    it).  reps (--reps) applies to every case; without it, each case runs
    DEFAULT_BBR3_CASE_REPS times or DEFAULT_BBR3_REPS.  run["bbr3"] names
    the case, the algorithm, the repetition and, against cubic, the order
    and cubic's flow (compare_lib/bbr3claims.py)."""
    link = dict(link_params(args, "bbr3"), ecn_k=None)	# --ecn-k: the ECN case's K
    shallow = dict(link, queue_pkts=max(1, int(round(0.25 * link["bdp_pkts"]))))
    ecn = dict(link, rtt_ms=BBR3_ECN_RTT_MS, ecn_k=args.ecn_k or BBR3_ECN_K)
    ecn["bdp_pkts"] = ecn["rate_bps"] * ecn["rtt_ms"] / 1e3 / 8 / PACKET_BYTES
    ecn["queue_pkts"] = 10 * ecn["ecn_k"]
    duration = args.duration or BBR3_DURATION
    jain_duration = args.duration or BBR3_JAIN_DURATION
    stagger = args.stagger if args.stagger is not None else \
        BBR3_JAIN_STAGGER if jain_duration >= BBR3_JAIN_STAGGER + 30 else round(jain_duration / 4, 1)

    def run(name, ccs, lnk, dur, rec, stag=0.0, title=None):
        r = make_run(name, "bbr3", ccs, lnk, dur, stag, title=title)
        r["bbr3"] = rec
        return r

    def times(case):
        return reps or DEFAULT_BBR3_CASE_REPS.get(case, DEFAULT_BBR3_REPS)

    runs = []
    for rep in range(1, max(times(c) for c in ("shallow", "cubic", "ecn", "jain")) + 1):
        for cc in BBR3_CCS if rep <= times("shallow") else ():
            runs.append(run("bbr3-shallow-%s-%d" % (cc, rep), [cc], shallow, duration,
                            {"case": "shallow", "cc": cc, "rep": rep},
                            title="%s alone, 0.25-BDP queue" % cc))
        for cc in BBR3_CCS if rep <= times("cubic") else ():
            for order, ccs, tag in (("cubic-first", ["cubic", cc], "cf"),
                                    ("cubic-second", [cc, "cubic"], "cs")):
                runs.append(run("bbr3-cubic-vs-%s-%s-%d" % (cc, tag, rep), ccs, link, duration,
                                {"case": "cubic", "cc": cc, "order": order, "rep": rep,
                                 "cubic_flow": ccs.index("cubic") + 1}))
        for cc in BBR3_CCS if rep <= times("ecn") else ():
            runs.append(run("bbr3-ecn-%s-%d" % (cc, rep), [cc], ecn, duration,
                            {"case": "ecn", "cc": cc, "rep": rep}, title="%s alone" % cc))
        for cc in BBR3_CCS if rep <= times("jain") else ():
            runs.append(run("bbr3-jain-%s-%d" % (cc, rep), [cc, cc], link, jain_duration,
                            {"case": "jain", "cc": cc, "rep": rep}, stagger,
                            title="2 x %s, second joins at %g s" % (cc, stagger)))
    return runs


def plan_runs(args):
    duration = args.duration or DEFAULT_DURATION
    ccs = args.cc or list(DEFAULT_CCS)
    if args.reps and args.scenario is None and args.cc is not None or \
            args.reps and args.scenario and \
            not {"pairs", "bbr", "ccneg-fleet", "bbr3", "all"} & set(args.scenario):
        raise UsageError("--reps is for scenarios pairs, bbr, ccneg-fleet and bbr3")
    if args.scenario is None and args.cc is not None:
        link = link_params(args)
        n = args.flows or 1
        stagger = args.stagger or 0.0
        if args.separate:
            return [make_run("custom-%s" % cc, "custom", [cc] * n, link, duration, stagger)
                    for cc in ccs]
        together = [cc for cc in ccs for _ in range(n)]
        if len(together) > MAX_FLOWS:
            raise UsageError("%d flows in one run: at most %d" % (len(together), MAX_FLOWS))
        return [make_run("custom", "custom", together, link, duration, stagger)]
    if args.flows or args.separate:
        raise UsageError("--flows and --separate are for a custom run (--cc without --scenario)")
    scenarios = args.scenario or ["all"]
    if "all" in scenarios:
        scenarios = list(SCENARIOS)
    for s in scenarios:
        if s not in SCENARIOS:
            raise UsageError("unknown scenario '%s' (one of: %s, all)" % (s, ", ".join(SCENARIOS)))
    runs = []
    for s in SCENARIOS:
        if s not in scenarios:
            continue
        link = link_params(args, s)
        if s == "single":
            runs += [make_run("single-%s" % cc, s, [cc], link, duration) for cc in ccs]
        elif s == "fairness":
            stagger = args.stagger if args.stagger is not None else round(duration / 6, 1)
            runs += [make_run("fairness-%s" % cc, s, [cc, cc], link, duration, stagger,
                              title="2 x %s, second joins at %g s" % (cc, stagger))
                     for cc in ccs]
        elif s == "pairs":
            pairs = [(k, p) for k, p in summary.EQUIV_PAIRS if k in ccs and p in ccs]
            if not pairs:
                raise UsageError("scenario pairs needs a kernel algorithm and its port in --cc "
                                 "(e.g. cubic,bpf_cubic)")
            runs += plan_pairs(pairs, link, args.duration or DEFAULT_PAIRS_DURATION,
                               args.reps or DEFAULT_REPS)
        elif s == "ecn":
            a, b = ECN_CCS
            runs += [make_run("ecn-%s" % a, s, [a], link, duration),
                     make_run("ecn-%s" % b, s, [b], link, duration),
                     make_run("ecn-%s-vs-%s" % (a, b), s, [a, b], link, duration)]
        elif s == "loss":
            runs += [make_run("loss-%s" % cc, s, [cc], link, duration) for cc in ccs]
        elif s == "bbr":
            runs += plan_bbr(args, args.reps or DEFAULT_BBR_REPS)
        elif s == "ccneg-fleet":
            runs += plan_fleet(link, duration, args.stagger or 0.0,
                               args.reps or DEFAULT_FLEET_REPS)
        elif s == "bbr3":
            runs += plan_bbr3(args, args.reps)
    return runs


# --- congestion controls ------------------------------------------------------------

def _bpftcp(build, *argv, check=True):
    return subprocess.run([os.path.join(build, "bpftcp")] + list(argv), capture_output=True,
                          text=True, check=check)


def available_ccs(build):
    """{name: registered?} of the kernel's and bpftcp's algorithms."""
    with open("/proc/sys/net/ipv4/tcp_available_congestion_control") as f:
        out = {n: True for n in f.read().split()}
    try:
        doc = json.loads(_bpftcp(build, "-j", "cc", "list").stdout)
        for a in doc["algorithms"]:
            out[a["name"]] = out.get(a["name"], False) or a["registered"]
    except (OSError, subprocess.CalledProcessError, ValueError, KeyError) as e:
        sys.stderr.write("compare: warning: cannot list bpftcp's algorithms (%s)\n" % e)
    return out


class Registrations:
    """Registers the bpf_* algorithms a comparison needs; unregisters only
    those it registered itself (others may be someone else's)."""

    def __init__(self, build):
        self.build = build
        self.mine = []

    def ensure(self, names):
        avail = available_ccs(self.build)
        for n in names:
            if avail.get(n):
                continue
            res = _bpftcp(self.build, "cc", "register", n, check=False)
            if res.returncode == 0:
                sys.stderr.write("compare: registered %s (unregistered at exit)\n" % n)
                if n not in self.mine:
                    self.mine.append(n)
            elif "File exists" not in res.stderr:
                # EEXIST: registered meanwhile by someone else; use theirs.
                raise RuntimeError("cannot register %s: %s" % (n, res.stderr.strip()))

    def release(self):
        while self.mine:
            n = self.mine.pop()
            res = _bpftcp(self.build, "cc", "unregister", n, check=False)
            if res.returncode == 0:
                sys.stderr.write("compare: unregistered %s\n" % n)
            elif not available_ccs(self.build).get(n):
                # Registrations are global: someone else removed it.
                sys.stderr.write("compare: unregistered %s (already gone)\n" % n)
            else:
                sys.stderr.write("compare: warning: cannot unregister %s: %s\n"
                                 % (n, res.stderr.strip()))


# --- running ------------------------------------------------------------------------

def write_run_env(rundir, plan, python):
    flows = ["%d %s %g %d %d %d" % (f["id"], f["cc"], f["start_s"],
                                    int(round(f["duration_s"])), f["port"], f["cport"])
             for f in plan["flows"]]
    with open(os.path.join(rundir, "run.env"), "w") as f:
        f.write("# written by netns-tests/compare for compare_lib/run-one.sh\n")
        f.write("DURATION=%d\n" % int(round(plan["duration_s"])))
        f.write("ECN=%d\n" % (1 if plan["ecn"] else 0))
        f.write("SS_INTERVAL=%g\nPING_INTERVAL=%g\n" % (SS_INTERVAL, PING_INTERVAL))
        f.write("PYTHON=%s\n" % shlex.quote(python))
        f.write("LINKEM_ARGS=(%s)\n" % " ".join(shlex.quote(a) for a in linkem_args(plan["link"])))
        f.write("FLOWS=(%s)\n" % " ".join(shlex.quote(x) for x in flows))
        cn = plan.get("ccneg")
        if cn:
            # "PREFER FALLBACK" of the server, and "FLOW HOST TCP_ECN PREFER
            # FALLBACK" of each client ('-': tcp_ecn left alone); the
            # snapshot of both ends' sockets (ss and the ccneg records) is
            # taken halfway through the time all flows run.
            pol = lambda p: "%s %s" % (",".join(p["prefer"]), p["fallback"])
            last = max(f["start_s"] for f in plan["flows"])
            f.write("CCNEG_SERVER=%s\n" % shlex.quote(pol(cn["server"])))
            f.write("CCNEG_CLIENTS=(%s)\n" % " ".join(
                shlex.quote("%d %s %s %s" % (c["flow"], c["host"],
                                             "-" if c["tcp_ecn"] is None else c["tcp_ecn"],
                                             pol(c)))
                for c in cn["clients"]))
            f.write("CCNEG_SNAPSHOT_S=%g\n" % round(last + (plan["duration_s"] - last) / 2, 1))


def execute_run(plan, out, build, verbose):
    rundir = os.path.join(out, plan["name"])
    os.makedirs(rundir, exist_ok=True)
    for old in os.listdir(rundir):
        os.unlink(os.path.join(rundir, old))
    with open(os.path.join(rundir, "run.json"), "w") as f:
        json.dump(plan, f, indent=2)
    write_run_env(rundir, plan, sys.executable)
    env = dict(os.environ)
    if verbose:
        env["V"] = "1"
    log_path = os.path.join(rundir, "run.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(["bash", os.path.join(HERE, "run-one.sh"), build, rundir],
                                stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            rc = proc.wait(timeout=plan["duration_s"] + 120)
        except BaseException:
            # Never SIGKILL it first: its EXIT trap removes the namespaces
            # and stops the emulator.
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    if rc != 0:
        with open(log_path) as f:
            tail = f.read().strip().splitlines()[-8:]
        raise RuntimeError("run %s failed (status %d):\n    %s\n(full log: %s)"
                           % (plan["name"], rc, "\n    ".join(tail), log_path))
    return analyze.analyze_run(rundir)


def run_with_registrations(plan, out, build, regs, verbose):
    """Registers the run's bpf_* algorithms, then runs it; the summary of
    the run, or None (after saying why) if it failed.  Registrations are
    global: if someone else unregistered an algorithm during the run (the
    flows then fail to select it), it is registered again and the run is
    retried, once."""
    bpf = sorted({f["cc"] for f in plan["flows"] if f["cc"].startswith("bpf_")})
    for attempt in (1, 2):
        try:
            regs.ensure(bpf)
            return execute_run(plan, out, build, verbose)
        except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
            avail = available_ccs(build)
            gone = [n for n in bpf if not avail.get(n)]
            if attempt == 1 and gone:
                print("   %s was unregistered during the run (by someone else); retrying"
                      % ", ".join(gone), flush=True)
                continue
            print("   FAILED: %s" % e, flush=True)
            return None


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        runs = plan_runs(args)
    except UsageError as e:
        parser.error(str(e))
    build = os.path.abspath(args.build)
    if os.geteuid() != 0:
        sys.stderr.write("compare: error: needs root (network namespaces, TUN, BPF)\n")
        return 1
    if not os.access(os.path.join(build, "bpftcp"), os.X_OK):
        sys.stderr.write("compare: error: no bpftcp in %s (run make)\n" % build)
        return 1
    needed = sorted({f["cc"] for r in runs for f in r["flows"]})
    avail = available_ccs(build)
    unknown = [n for n in needed if n not in avail]
    if unknown:
        parser.error("unknown congestion control %s (see '%s/bpftcp cc list')"
                     % (", ".join("'%s'" % u for u in unknown), args.build))
    # lib.sh runs $LINKEM, by default the build's.
    linkem = os.environ.get("LINKEM") or os.path.join(build, "linkem")
    if not os.access(linkem, os.X_OK):
        sys.stderr.write("compare: error: no link emulator at %s (run make)\n" % linkem)
        return 1

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    # SIGTERM (timeout, CI) unwinds like Ctrl-C, so the finally clause
    # below unregisters what this command registered.
    signal.signal(signal.SIGTERM, _interrupt)
    regs = Registrations(build)
    results, failures = [], []
    started = time.time()
    try:
        for i, plan in enumerate(runs, start=1):
            print("== [%d/%d] %s: %s" % (i, len(runs), plan["name"], plan["title"]), flush=True)
            run = run_with_registrations(plan, out, build, regs,
                                         args.verbose or os.environ.get("V") == "1")
            if run is None:
                failures.append(plan["name"])
                continue
            results.append(run)
            print("   " + "; ".join(
                "%s %.1f Mbit/s" % (f["cc"], f["mean_mbps"]) for f in run["flows"]) +
                "; ping p50 %s ms" % ("%.1f" % run["ping_rtt_ms"]["p50"]
                                      if run["ping_rtt_ms"]["p50"] is not None else "-") +
                ("; Jain %.3f" % run["jain"] if run["jain"] is not None else "") +
                ("" if "ccneg" not in run else "; negotiation verified" if run["ccneg"]["verified"]
                 else "; NEGOTIATION NOT VERIFIED: " + "; ".join(run["ccneg"]["problems"])),
                flush=True)
    except KeyboardInterrupt:
        print("compare: interrupted", file=sys.stderr)
        return 130
    finally:
        regs.release()

    meta = {
        "command": " ".join(["netns-tests/compare"] + [shlex.quote(a) for a in
                                                        (argv if argv is not None else sys.argv[1:])]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": socket.gethostname(),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "elapsed_s": round(time.time() - started, 1),
        "failed_runs": failures,
    }
    doc = summary.build_summary(results, meta)
    summary.write_summary(doc, os.path.join(out, "summary.json"), os.path.join(out, "summary.md"))
    print()
    if args.table:
        print(summary.run_table(results))
        if doc["equivalence"]:
            print()
            print(summary.equivalence_table(doc["equivalence"]))
        if doc.get("ccneg_fleet"):
            print()
            print(fleet.markdown(doc["ccneg_fleet"]))
        print()
    print("wrote %s/summary.json, summary.md and one directory per run (%d run(s), %d failed)"
          % (out, len(results), len(failures)))
    return 1 if failures else 0
