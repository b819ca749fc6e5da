# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Pure measurement maths for the comparison: no I/O, standard library only,
so that the tests can check every number on synthetic inputs with known
answers.  docs/compare.md defines each metric; keep the two in step.

A *cumulative series* is a list of (t_seconds, bytes) pairs with t strictly
increasing and bytes non-decreasing (bytes_acked sampled from ss).  Rates
over any window come from interpolating that series, so sampling jitter does
not bias them.
"""

import bisect
import math


def percentile(values, p):
    """The p-th percentile (0..100) with linear interpolation between closest
    ranks (numpy's default method), or None for no values."""
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return None
    if not 0 <= p <= 100:
        raise ValueError("percentile %r is not in 0..100" % p)
    rank = p / 100.0 * (len(xs) - 1)
    lo = int(math.floor(rank))
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo)


def rtt_stats(values):
    """p50/p95/p99, mean, min, max and count of a list of RTTs (ms)."""
    xs = [v for v in values if v is not None]
    return {
        "n": len(xs),
        "min": min(xs) if xs else None,
        "mean": math.fsum(xs) / len(xs) if xs else None,
        "p50": percentile(xs, 50),
        "p95": percentile(xs, 95),
        "p99": percentile(xs, 99),
        "max": max(xs) if xs else None,
    }


def jain_index(rates):
    """Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when all equal,
    1/n when one takes everything.  None when undefined (no flows, or every
    rate is zero)."""
    xs = list(rates)
    if not xs:
        return None
    if any(x < 0 for x in xs):
        raise ValueError("negative rate in %r" % (xs,))
    sq = math.fsum(x * x for x in xs)
    if sq == 0:
        return None
    return math.fsum(xs) ** 2 / (len(xs) * sq)


def cumulative_at(series, t):
    """Bytes at time t, linearly interpolated; None outside the series."""
    if not series or t < series[0][0] or t > series[-1][0]:
        return None
    i = bisect.bisect_left([s[0] for s in series], t)
    if series[i][0] == t:
        return float(series[i][1])
    (t0, b0), (t1, b1) = series[i - 1], series[i]
    return b0 + (b1 - b0) * (t - t0) / (t1 - t0)


def window_rate_bps(series, t_from, t_to):
    """Mean rate in bit/s over [t_from, t_to], or None if the series does
    not cover that window."""
    if t_to <= t_from:
        raise ValueError("empty window [%r, %r]" % (t_from, t_to))
    b0 = cumulative_at(series, t_from)
    b1 = cumulative_at(series, t_to)
    if b0 is None or b1 is None:
        return None
    return (b1 - b0) * 8.0 / (t_to - t_from)


def interval_rates_bps(series):
    """Rate over each sampling interval: [(t_end, bit/s)]."""
    out = []
    for (t0, b0), (t1, b1) in zip(series, series[1:]):
        out.append((t1, (b1 - b0) * 8.0 / (t1 - t0)))
    return out


def common_interval(series_list):
    """[start, end] in which every series has samples, or None."""
    if not series_list or any(not s for s in series_list):
        return None
    start = max(s[0][0] for s in series_list)
    end = min(s[-1][0] for s in series_list)
    return (start, end) if end > start else None


def jain_over_interval(series_list, t_from, t_to):
    """Jain's index of the flows' mean rates over [t_from, t_to]."""
    rates = [window_rate_bps(s, t_from, t_to) for s in series_list]
    if any(r is None for r in rates):
        return None
    return jain_index(rates)


def convergence_time(series_list, t_ref, window=1.0, threshold=0.9, hold=2.0,
                     step=0.1):
    """Seconds from t_ref (when the last flow joined) until the flows share
    the link fairly, or None if they never do within the data.

    At each grid time t = t_ref + window, t_ref + window + step, ... every
    flow's rate is its mean over [t - window, t] and J(t) is Jain's index of
    those rates.  The flows have converged at the first grid time t whose
    J stays >= threshold at every grid time in [t, t + hold]; the answer is
    t - t_ref.  (The window starts after t_ref, so no pre-join rate counts.)
    """
    if window <= 0 or step <= 0 or hold < 0:
        raise ValueError("window and step must be > 0 and hold >= 0")
    span = common_interval(series_list)
    if span is None:
        return None
    t_end = span[1]
    # Integer grid indices, so that float steps never skip or repeat a point.
    n_first = 0
    n_hold = int(round(hold / step))
    fair = []
    n = n_first
    while True:
        t = t_ref + window + n * step
        if t > t_end + 1e-9:
            break
        j = jain_over_interval(series_list, t - window, min(t, t_end))
        fair.append(j is not None and j >= threshold)
        n += 1
    for i in range(len(fair) - n_hold):
        if all(fair[i:i + n_hold + 1]):
            return window + i * step
    return None


# --- means and confidence intervals ------------------------------------------

# Student's t distribution: the two-sided 95 % critical value t(0.975, df)
# for df = 1..30 (standard tables), then 40, 60, 120 and infinity.  Between
# the tabulated df above 30 it is interpolated linearly in 1/df, the usual
# table practice (error < 0.001 here).
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
_T975_TAIL = ((30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980), (float("inf"), 1.960))


def t975(df):
    """t(0.975, df): the multiplier of the standard error in a two-sided
    95 % confidence interval of a mean of df + 1 values."""
    if df < 1:
        raise ValueError("t quantile needs df >= 1, not %r" % df)
    if df <= 30:
        return _T975[int(df) - 1]
    for (d0, t0), (d1, t1) in zip(_T975_TAIL, _T975_TAIL[1:]):
        if d0 <= df <= d1:
            x0, x1, x = 1.0 / d0, 1.0 / d1 if d1 != float("inf") else 0.0, 1.0 / df
            return t0 + (t1 - t0) * (x0 - x) / (x0 - x1)
    return 1.960


def mean_ci95(values):
    """{n, mean, sd, half_width, low, high}: the mean of the values and its
    t-based two-sided 95 % confidence interval, mean +- t(0.975, n-1) * sd /
    sqrt(n) with sd the sample standard deviation (n - 1 in the
    denominator).  With fewer than two values there is no interval (None)."""
    xs = [float(v) for v in values if v is not None]
    n = len(xs)
    out = {"n": n, "mean": None, "sd": None, "half_width": None, "low": None, "high": None}
    if n == 0:
        return out
    m = math.fsum(xs) / n
    out["mean"] = m
    if n < 2:
        return out
    sd = math.sqrt(math.fsum((x - m) ** 2 for x in xs) / (n - 1))
    hw = t975(n - 1) * sd / math.sqrt(n)
    out.update(sd=sd, half_width=hw, low=m - hw, high=m + hw)
    return out


def share(x, y):
    """x's share of x + y (throughputs or bytes), or None when both are 0."""
    tot = x + y
    return x / tot if tot > 0 else None


def median_ci95(values):
    """{n, median, low, high, coverage}: the median of the values and a
    distribution-free confidence interval of at least 95 % for it, from
    order statistics: [x_(k), x_(n+1-k)] (1-based, sorted) with k the
    largest rank for which P(B <= k - 1) <= 0.025, B ~ Binomial(n, 1/2);
    coverage is the interval's exact probability, 1 - 2 P(B <= k - 1).
    Below n = 6 no such k exists (low, high and coverage are None)."""
    xs = sorted(float(v) for v in values if v is not None)
    n = len(xs)
    out = {"n": n, "median": percentile(xs, 50), "low": None, "high": None, "coverage": None}
    tail, k = 0.0, 0
    # tail = P(B <= k) while it stays <= 0.025: k + 1 is the rank.
    while k < n:
        p = tail + math.comb(n, k) / 2.0 ** n
        if p > 0.025:
            break
        tail, k = p, k + 1
    if k >= 1:
        out.update(low=xs[k - 1], high=xs[n - k], coverage=1 - 2 * tail)
    return out
