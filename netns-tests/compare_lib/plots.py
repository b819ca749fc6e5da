# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""PNG plots of one run: throughput, latency and cwnd over time.  Needs
matplotlib (Debian's python3-matplotlib); it is imported here only, so that
the rest of the library works without it."""

import os

import matplotlib
matplotlib.use("Agg")		# headless: never look for a display
import matplotlib.pyplot as plt  # noqa: E402

from . import metrics  # noqa: E402

SMOOTH_S = 0.5		# throughput plot: rate over the last 0.5 s
DPI = 80


def _label(flow):
    return "flow %d: %s" % (flow["id"], flow["cc"])


def _smoothed_rates(cum, t0, window):
    """(x, Mbit/s) at each sample, as the mean rate over the last window."""
    xs, ys = [], []
    for t, _ in cum:
        if t - window < cum[0][0]:
            continue
        r = metrics.window_rate_bps(cum, t - window, t)
        if r is not None:
            xs.append(t - t0)
            ys.append(r / 1e6)
    return xs, ys


def _finish(fig, ax, title, path):
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("time (s)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def throughput(raw, run, series_by_flow, path):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    t0 = raw["t0"]
    for flow in run["flows"]:
        xs, ys = _smoothed_rates(series_by_flow[flow["id"]][1], t0, SMOOTH_S)
        ax.plot(xs, ys, linewidth=1.2, label=_label(flow))
    ax.axhline(run["link"]["rate_bps"] / 1e6, color="black", linestyle="--",
               linewidth=0.8, label="link rate")
    ax.set_ylabel("throughput (Mbit/s, %.1f s mean)" % SMOOTH_S)
    ax.set_ylim(bottom=0)
    _finish(fig, ax, "%s: throughput" % run["title"], path)


def latency(raw, run, series_by_flow, path):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    t0 = raw["t0"]
    ax.plot([p["t"] - t0 for p in raw["ping"]], [p["rtt_ms"] for p in raw["ping"]],
            color="black", linewidth=0.8, marker=".", markersize=2, label="ping RTT")
    for flow in run["flows"]:
        samples = [s for s in series_by_flow[flow["id"]][0] if "rtt_ms" in s]
        ax.plot([s["t"] - t0 for s in samples], [s["rtt_ms"] for s in samples],
                linewidth=1.0, label="srtt " + _label(flow))
    ax.axhline(run["link"]["rtt_ms"], color="grey", linestyle=":", linewidth=0.8,
               label="base RTT")
    ax.set_ylabel("RTT (ms)")
    ax.set_ylim(bottom=0)
    _finish(fig, ax, "%s: latency under load" % run["title"], path)


def cwnd(raw, run, series_by_flow, path):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    t0 = raw["t0"]
    for flow in run["flows"]:
        samples = [s for s in series_by_flow[flow["id"]][0] if "cwnd" in s]
        ax.plot([s["t"] - t0 for s in samples], [s["cwnd"] for s in samples],
                linewidth=1.0, label=_label(flow))
    link = run["link"]
    bdp = link["rate_bps"] * link["rtt_ms"] / 1e3 / 8 / 1500
    ax.axhline(bdp, color="grey", linestyle=":", linewidth=0.8, label="BDP (1500 B packets)")
    ax.set_ylabel("cwnd (packets)")
    ax.set_ylim(bottom=0)
    _finish(fig, ax, "%s: congestion window" % run["title"], path)


def all_plots(raw, run, series_by_flow, outdir):
    """Writes throughput.png, latency.png and cwnd.png; returns their paths."""
    paths = []
    for name, fn in (("throughput", throughput), ("latency", latency), ("cwnd", cwnd)):
        p = os.path.join(outdir, name + ".png")
        fn(raw, run, series_by_flow, p)
        paths.append(p)
    return paths
