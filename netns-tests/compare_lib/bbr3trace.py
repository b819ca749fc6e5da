# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""bbr3trace.py RUN_DIR: what netns-tests/bbr3-trace.sh recorded of one
two-flow run, summarised.

Prints Jain's index of the two flows' rates over the bbr3 scenario's window
(bbr3claims.jain_window: 20-30 s after the join), each flow's rate per 2 s
after the join, and writes RUN_DIR/trajectory.txt: one line per sample in
which a flow's record (mode, phase, inflight_hi, inflight_lo) changed, with
its bw, cwnd and retransmissions at that moment (times from the first
flow's start).  Flows are told apart by client port (40001 first, 40002
the joining one)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from compare_lib import bbr3claims, metrics, rawdata  # noqa: E402

PORTS = (40001, 40002)
JOIN_S = 10.0


def load_records(path):
    """{port: [(t, socket dict)]} from records.jsonl."""
    out = {p: [] for p in PORTS}
    with open(path) as f:
        text = f.read()
    # One object per sample, starting '{"t": ' (bpftcp's output inside it
    # may end in a newline).
    for chunk in text.split('{"t": ')[1:]:
        try:
            doc = json.loads('{"t": ' + chunk)
        except ValueError:
            continue	# a sample cut by the end of the run
        socks = doc.get("sockets")
        if isinstance(socks, dict):
            socks = socks.get("sockets")
        for s in socks or []:
            if s.get("local_port") in out:
                out[s["local_port"]].append((doc["t"], s))
    return out


def mbps(bytes_per_s):
    return bytes_per_s * 8 / 1e6


def bound(v):
    return "-" if v is None or v == "none" or v == 4294967295 else str(v)


def trajectory(t0, records, ss):
    lines = []
    events = sorted((t, port, s) for port, rs in records.items() for t, s in rs)
    last = {}
    for t, port, s in events:
        e = s.get("export") or {}
        key = (e.get("mode"), e.get("phase"), e.get("inflight_hi"), e.get("inflight_lo"))
        if last.get(port) == key:
            continue
        last[port] = key
        near = [x for x in ss.get(port, []) if abs(x["t"] - t) < 0.15]
        retr = near[0].get("retrans_total", 0) if near else "?"
        lines.append("%6.2f flow%d %-9s %-6s bw %6.1f hi %5s lo %5s cwnd %4s retrans %s" % (
            t - t0, PORTS.index(port) + 1, e.get("mode"), e.get("phase") or "",
            mbps(e.get("bw", 0)), bound(e.get("inflight_hi")), bound(e.get("inflight_lo")),
            s.get("cwnd"), retr))
    return lines


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    d = argv[1]
    with open(os.path.join(d, "t0")) as f:
        t0 = float(f.read())
    ss = rawdata.parse_ss(os.path.join(d, "ss.txt"))
    series = [rawdata.cumulative_acked(ss.get(p, [])) for p in PORTS]
    t_join = t0 + JOIN_S
    common = metrics.common_interval(series)
    w = bbr3claims.jain_window(t_join, common) if common else None
    jain = metrics.jain_over_interval(series, *w) if w else None
    print("%s: Jain %s over %s s after the join" % (
        d, "%.3f" % jain if jain is not None else "n/a",
        "%.1f-%.1f" % (w[0] - t_join, w[1] - t_join) if w else "n/a"))
    rows = []
    for k in range(0, 32, 2):
        a, b = t_join + k, t_join + k + 2
        r = [metrics.window_rate_bps(s, a, b) for s in series]
        rows.append("%d-%d:%s" % (k, k + 2, "/".join("%.0f" % (x / 1e6) if x else "-" for x in r)))
    print("  Mbit/s flow1/flow2 per 2 s after the join: " + " ".join(rows))
    records = load_records(os.path.join(d, "records.jsonl"))
    lines = trajectory(t0, records, ss)
    with open(os.path.join(d, "trajectory.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for p in PORTS:
        ups = sum(1 for ln in lines if ln.split()[1] == "flow%d" % (PORTS.index(p) + 1) and
                  " UP " in ln)
        print("  flow%d: %d records, %d trajectory lines in PROBE_UP" % (
            PORTS.index(p) + 1, len(records[p]), ups))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
