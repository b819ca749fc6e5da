# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""check_run.py OUT_DIR: checks a real comparison's summary.json against the
raw samples it came from, recomputing every number with code of its own
(not compare_lib's), and the physical bounds a real link imposes.  Used by
netns-tests/test-compare.sh; prints one line per check, exits 1 on the
first mismatch."""

import gzip
import json
import os
import re
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def close(a, b, what, rel=1e-6, abs_=1e-9):
    if a is None or b is None or abs(a - b) > max(abs_, rel * max(abs(a), abs(b))):
        fail("%s: summary says %r, raw samples give %r" % (what, a, b))
    print("ok: %s = %.6g" % (what, a))


def interp_percentile(xs, p):
    xs = sorted(xs)
    pos = (len(xs) - 1) * p / 100.0
    i = int(pos)
    if i + 1 >= len(xs):
        return xs[-1]
    return xs[i] * (1 - (pos - i)) + xs[i + 1] * (pos - i)


def ss_acked(paths, cport):
    """[(t, bytes_acked)] of the socket whose local port is cport, in the
    samplers' files (one per client host)."""
    out, t, want = [], None, False
    lines = [line for path in paths if os.path.exists(path) for line in open(path)]
    for line in lines:
        if line.startswith("T "):
            t = float(line[2:])
        elif not line[0].isspace():
            # Recv-Q Send-Q Local Peer [timer:(...)]: the local address is
            # the first with a port.
            addrs = [x for x in line.split() if re.fullmatch(r".*:\d+", x)]
            want = len(addrs) >= 2 and addrs[0].endswith(":%d" % cport)
        elif want:
            m = re.search(r"bytes_acked:(\d+)", line)
            if m and (not out or t > out[-1][0]):
                out.append((t, int(m.group(1))))
            want = False
    return out


def at(series, t):
    for (t0, b0), (t1, b1) in zip(series, series[1:]):
        if t0 <= t <= t1:
            return b0 + (b1 - b0) * (t - t0) / (t1 - t0)
    return None


def check_run(out, run):
    d = os.path.join(out, run["dir"])
    plan = json.load(open(os.path.join(d, "run.json")))
    rate = plan["link"]["rate_bps"]
    total_bytes, span = 0, 0.0
    series = []
    for f, pf in zip(run["flows"], plan["flows"]):
        ip = json.load(open(os.path.join(d, "iperf3-%d.json" % f["id"])))
        rcv = ip["end"]["sum_received"]
        close(f["mean_mbps"], rcv["bytes"] * 8 / rcv["seconds"] / 1e6,
              "%s flow %d mean Mbit/s" % (run["name"], f["id"]))
        close(f["utilisation"], rcv["bytes"] * 8 / rcv["seconds"] / rate,
              "%s flow %d utilisation" % (run["name"], f["id"]))
        if f["retransmits"] != ip["end"]["sum_sent"]["retransmits"]:
            fail("flow %d retransmits %r != iperf3's %r" % (f["id"], f["retransmits"],
                                                           ip["end"]["sum_sent"]["retransmits"]))
        if f["cc_seen"] != pf["cc"] or ip["end"].get("sender_tcp_congestion") != pf["cc"]:
            fail("flow %d ran %r (ss) / %r (iperf3), not %r" % (
                f["id"], f["cc_seen"], ip["end"].get("sender_tcp_congestion"), pf["cc"]))
        print("ok: flow %d used %s (ss and iperf3 agree)" % (f["id"], pf["cc"]))
        total_bytes += rcv["bytes"]
        span = max(span, rcv["seconds"])
        s = ss_acked([os.path.join(d, x) for x in ("ss.txt", "ss-client2.txt")], pf["cport"])
        if len(s) < plan["duration_s"] / plan["sample_interval_s"] / 2:
            fail("flow %d: only %d ss samples" % (f["id"], len(s)))
        series.append(s)

    # Physical bounds: goodput cannot beat the link; the link was used.
    # Flows that join late run shorter and all end together, so the total
    # is every flow's bytes over the longest flow's time (adding the flows'
    # own mean rates would overstate it: 14.4 + 6.4 Mbit/s on a 20 Mbit/s
    # link when the second flow ran 3 s of 4).
    total_bps = total_bytes * 8 / span
    if not 0.5 * rate <= total_bps <= 1.02 * rate:
        fail("total goodput %.1f Mbit/s is implausible on a %.0f Mbit/s link"
             % (total_bps / 1e6, rate / 1e6))
    print("ok: total goodput %.1f Mbit/s on a %.0f Mbit/s link" % (total_bps / 1e6, rate / 1e6))

    rtts = [float(m.group(1)) for m in
            (re.search(r"time=([\d.]+) ms", l) for l in open(os.path.join(d, "ping.txt"))) if m]
    if len(rtts) < plan["duration_s"] / plan["ping_interval_s"] / 2:
        fail("only %d ping replies" % len(rtts))
    for p in (50, 95, 99):
        close(run["ping_rtt_ms"]["p%d" % p], interp_percentile(rtts, p),
              "%s ping p%d ms" % (run["name"], p))
    if min(rtts) < plan["link"]["rtt_ms"] - 0.5:
        fail("a ping RTT of %.2f ms beats the %g ms base RTT" % (min(rtts), plan["link"]["rtt_ms"]))

    if len(series) >= 2:
        lo = max(s[0][0] for s in series)
        hi = min(s[-1][0] for s in series)
        x = [(at(s, hi) - at(s, lo)) * 8 / (hi - lo) for s in series]
        close(run["jain"], sum(x) ** 2 / (len(x) * sum(v * v for v in x)),
              "%s Jain's index" % run["name"])

    lk = json.load(open(os.path.join(d, "linkem.json")))["directions"]["up"]["totals"]
    for key, want in (("dropped", lk["dropped"] + lk["overflow"]), ("lost", lk["lost"]),
                      ("marked", lk["marked"])):
        if run["link_stats"][key] != want:
            fail("link %s %r != linkem's %r" % (key, run["link_stats"][key], want))
    print("ok: link drops/losses/marks match linkem's counters")

    for name in run["files"]:
        path = os.path.join(out, name)
        head = (gzip.open(path).read(2) if name.endswith(".gz") else open(path, "rb").read(8))
        if not head or (name.endswith(".png") and head != b"\x89PNG\r\n\x1a\n"):
            fail("%s is not a valid output file" % name)
    print("ok: %d output files" % len(run["files"]))


def main():
    out = sys.argv[1]
    doc = json.load(open(os.path.join(out, "summary.json")))
    if doc["failed_runs"] or not doc["runs"]:
        fail("failed runs: %r" % doc["failed_runs"])
    for run in doc["runs"]:
        check_run(out, run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
