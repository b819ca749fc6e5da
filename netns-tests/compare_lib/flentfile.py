# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Writes one run as a Flent data file (format version 4, gzipped JSON), so
that Flent's own plots apply to bpftcp's measurements.

The file claims to be Flent's `tcp_nup` test ("TCP upload - N streams w/ping",
with TEST_PARAMETERS upload_streams = N): its series are 'TCP upload::1' ..
'TCP upload::N' in Mbit/s, 'TCP upload sum'/'TCP upload avg', and
'Ping (ms) ICMP'.  Flent re-reads the test's .conf when plotting, so the
names must match that file exactly.  Layout, as Flent's resultset.py reads it:

  {"version": 4,
   "metadata": {NAME, TITLE, TIME, T0 (ISO-8601 UTC with 'Z'), LENGTH,
                TOTAL_LENGTH, STEP_SIZE, HOST(S), IP_VERSION,
                TEST_PARAMETERS, SERIES_META {series: {...}}, ...},
   "x_values": [0, STEP, 2*STEP, ...]   seconds since T0,
   "results": {series: [value or null per x]},
   "raw_values": {series: [{"t": epoch s, "val": ...}, ...]}}

Each TCP series' raw values also carry the socket statistics the way
Flent's own `ss` sampler stores them (tcp_cwnd, tcp_rtt in ms,
tcp_delivery_rate and tcp_pacing_rate in Mbit/s), so that Flent's tcp_cwnd,
tcp_rtt and tcp_delivery_with_rtt plots work too.
"""

import datetime
import gzip
import json
import math
import socket

from . import metrics

FLENT_TEST = "tcp_nup"
FORMAT_VERSION = 4
STEP_SIZE = 0.2		# Flent's default step
PING_SERIES = "Ping (ms) ICMP"


def tcp_series_name(index):
    """Flent's name of the index-th upload stream (1-based)."""
    return "TCP upload::%d" % index


def _iso_utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def _interpolate(points, t, max_gap):
    """Value at t from sorted (t, v) points, linearly interpolated between
    neighbours at most max_gap apart; None elsewhere (as Flent does)."""
    lo, hi = 0, len(points)
    while lo < hi:
        mid = (lo + hi) // 2
        if points[mid][0] < t:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(points) and abs(points[lo][0] - t) < 1e-9:
        return points[lo][1]
    if lo == 0 or lo == len(points):
        return None
    (t0, v0), (t1, v1) = points[lo - 1], points[lo]
    if t1 - t0 > max_gap:
        return None
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def build(raw, run, series_by_flow, step=STEP_SIZE):
    """The Flent document (a dict) for one run.  raw: rawdata.load_run();
    run: summary.summarize_run(); series_by_flow: summary.flow_series()."""
    plan, t0 = raw["plan"], raw["t0"]
    flows = plan["flows"]
    n_steps = int(math.floor(plan["duration_s"] / step + 1e-9)) + 1
    x_values = [round(i * step, 6) for i in range(n_steps)]

    results = {}
    raw_values = {}
    series_meta = {}
    per_step = []		# per flow: its value at each x (or None)
    for i, flow in enumerate(flows, start=1):
        name = tcp_series_name(i)
        samples, cum = series_by_flow[flow["id"]]
        rates = [(t, bps / 1e6) for t, bps in metrics.interval_rates_bps(cum)]
        values = [_interpolate([(t - t0, v) for t, v in rates], x, 5 * step) for x in x_values]
        results[name] = values
        per_step.append(values)
        rv = [{"t": t, "val": v, "dur": t - tp}
              for (t, v), (tp, _) in zip(rates, cum)]
        for s in samples:
            e = {"t": s["t"]}
            if "cwnd" in s:
                e["tcp_cwnd"] = s["cwnd"]
            if "rtt_ms" in s:
                e["tcp_rtt"] = s["rtt_ms"]
                e["tcp_rtt_var"] = s.get("rttvar_ms")
            if "delivery_rate_bps" in s:
                e["tcp_delivery_rate"] = s["delivery_rate_bps"] / 1e6
            if "pacing_rate_bps" in s:
                e["tcp_pacing_rate"] = s["pacing_rate_bps"] / 1e6
            rv.append(e)
        rv.sort(key=lambda e: e["t"])
        raw_values[name] = rv
        f = run["flows"][i - 1]
        series_meta[name] = {
            "UNITS": "Mbits/s",
            "MEAN_VALUE": f["mean_mbps"],
            "CONG_CONTROL": f["cc_seen"] or f["cc"],
            "TCP_RETRANSMIT": f["retransmits"],
            "BYTES_RECVD": f["bytes_received"],
            "ELAPSED_TIME": f["seconds"],
            "START_OFFSET": f["start_s"],
            "BPFTCP_FLOW_ID": flow["id"],
        }

    # Flent computes these from the streams ('sum'/'average' runners); the
    # file carries them so that every reader sees the same numbers.
    sums, avgs = [], []
    for k in range(n_steps):
        vals = [v[k] for v in per_step if v[k] is not None]
        sums.append(math.fsum(vals) if vals else None)
        avgs.append(math.fsum(vals) / len(vals) if vals else None)
    results["TCP upload sum"] = sums
    results["TCP upload avg"] = avgs
    series_meta["TCP upload sum"] = {"UNITS": "Mbits/s"}
    series_meta["TCP upload avg"] = {"UNITS": "Mbits/s"}

    ping = [(p["t"] - t0, p["rtt_ms"]) for p in raw["ping"]]
    results[PING_SERIES] = [_interpolate(ping, x, 5 * step) for x in x_values]
    raw_values[PING_SERIES] = [{"t": p["t"], "val": p["rtt_ms"], "seq": p["seq"]}
                               for p in raw["ping"]]
    series_meta[PING_SERIES] = {"UNITS": "ms", "MEAN_VALUE": run["ping_rtt_ms"]["mean"]}

    server = plan["server"]
    metadata = {
        "NAME": FLENT_TEST,
        "TITLE": plan.get("title", plan["name"]),
        "NOTE": "written by bpftcp netns-tests/compare (traffic: iperf3, ping, ss)",
        "TIME": _iso_utc(t0),
        "T0": _iso_utc(t0),
        "LENGTH": plan["duration_s"],
        "TOTAL_LENGTH": plan["duration_s"],
        "STEP_SIZE": step,
        "HOST": server,
        "HOSTS": [server],
        "LOCAL_HOST": socket.gethostname(),
        "IP_VERSION": 6 if ":" in server else 4,
        "TEST_PARAMETERS": {"upload_streams": str(len(flows))},
        "SERIES_META": series_meta,
        "FAILED_RUNNERS": 0,
        "DATA_FILENAME": None,
        "BPFTCP_RUN": plan["name"],
        "BPFTCP_SCENARIO": plan["scenario"],
        "BPFTCP_LINK": plan["link"],
        "BPFTCP_LINK_STATS": run["link_stats"],
    }
    return {"version": FORMAT_VERSION, "metadata": metadata, "x_values": x_values,
            "results": results, "raw_values": raw_values}


def write(doc, path):
    """Writes doc as gzipped JSON at path (which should end in .flent.gz)."""
    doc["metadata"]["DATA_FILENAME"] = path.rsplit("/", 1)[-1]
    with gzip.open(path, "wt") as f:
        json.dump(doc, f)
