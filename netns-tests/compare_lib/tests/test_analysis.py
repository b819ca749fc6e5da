# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Tests of the comparison's analysis on synthetic inputs with known
answers: percentiles, Jain's index, convergence time, the summary numbers
against the raw samples they come from, the Flent file (loaded and plotted
by Flent itself) and the PNG plots.  Run by scripts/run-tests.sh (make test);
by hand: python3 -m unittest discover -s netns-tests/compare_lib/tests -t netns-tests
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from compare_lib import analyze, flentfile, metrics, rawdata, summary, synth

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FLENT_LIB = "/usr/share/flent"		# where Debian's flent package keeps its modules


def cumulative(rate_fn, t_from, t_to, step=0.1, t_start=None):
    """A cumulative (t, bytes) series of a piecewise-constant rate, sampled
    every step from t_from, integrated in 1 ms slices (exact for rates that
    change on millisecond edges)."""
    out, acked, n = [], 0.0, int(round((t_to - t_from) / step))
    for k in range(n + 1):
        t = t_from + k * step
        if k:
            for j in range(int(round(step * 1000))):
                acked += rate_fn(t - step + (j + 0.5) / 1000.0) / 8.0 / 1000.0
        out.append((round(t, 9), acked))
    return out


class TestPercentiles(unittest.TestCase):
    def test_known_values(self):
        xs = list(range(1, 101))
        self.assertAlmostEqual(metrics.percentile(xs, 50), 50.5)
        self.assertAlmostEqual(metrics.percentile(xs, 95), 95.05)
        self.assertAlmostEqual(metrics.percentile(xs, 99), 99.01)
        self.assertEqual(metrics.percentile([7.0], 99), 7.0)
        self.assertIsNone(metrics.percentile([], 50))

    def test_order_does_not_matter(self):
        self.assertEqual(metrics.percentile([5, 1, 4, 2, 3], 50), 3)

    def test_rejects_bad_percentile(self):
        with self.assertRaises(ValueError):
            metrics.percentile([1, 2], 101)


class TestJainIndex(unittest.TestCase):
    def test_equal_shares_are_fair(self):
        self.assertAlmostEqual(metrics.jain_index([50, 50]), 1.0)
        self.assertAlmostEqual(metrics.jain_index([3, 3, 3, 3]), 1.0)

    def test_one_flow_takes_everything(self):
        self.assertAlmostEqual(metrics.jain_index([100, 0]), 0.5)
        self.assertAlmostEqual(metrics.jain_index([9, 0, 0]), 1 / 3)

    def test_known_unequal_split(self):
        # (3 + 1)^2 / (2 * (9 + 1)) = 0.8
        self.assertAlmostEqual(metrics.jain_index([3, 1]), 0.8)
        # 60/40: 100^2 / (2 * 5200)
        self.assertAlmostEqual(metrics.jain_index([60, 40]), 10000 / 10400)

    def test_undefined(self):
        self.assertIsNone(metrics.jain_index([]))
        self.assertIsNone(metrics.jain_index([0, 0]))
        with self.assertRaises(ValueError):
            metrics.jain_index([1, -1])

    def test_over_interval_uses_only_that_interval(self):
        # Flow a: 90 then 50 Mbit/s from t=4; flow b: 10 then 50.
        a = cumulative(synth.steps((0, 90e6), (4, 50e6)), 0, 10)
        b = cumulative(synth.steps((0, 10e6), (4, 50e6)), 0, 10)
        self.assertAlmostEqual(metrics.jain_over_interval([a, b], 4, 10), 1.0)
        self.assertAlmostEqual(metrics.jain_over_interval([a, b], 0, 4),
                               metrics.jain_index([90, 10]))


class TestWindowRate(unittest.TestCase):
    def test_interpolates_between_samples(self):
        s = [(0.0, 0), (1.0, 1000), (2.0, 3000)]
        self.assertAlmostEqual(metrics.cumulative_at(s, 1.5), 2000)
        self.assertAlmostEqual(metrics.window_rate_bps(s, 0.5, 1.5), (2000 - 500) * 8)
        self.assertIsNone(metrics.window_rate_bps(s, -0.5, 1.0))
        self.assertIsNone(metrics.window_rate_bps(s, 1.0, 2.5))

    def test_interval_rates(self):
        s = [(0.0, 0), (0.5, 1000), (1.0, 1000)]
        self.assertEqual(metrics.interval_rates_bps(s), [(0.5, 16000.0), (1.0, 0.0)])


class TestConvergence(unittest.TestCase):
    def test_step_change_known_answer(self):
        # b joins at t=10 taking 10 of 100 Mbit/s; at t=14 both move to 50.
        # With 1 s windows ending at t = 14 + f, the rates are 90 - 40f and
        # 10 + 40f, and J >= 0.9 once 3200f^2 - 6400f + 8200 <= 10000/1.8,
        # i.e. f >= 0.5833: the first 0.1 s grid point is t = 14.6, which
        # is 4.6 s after the join.
        a = cumulative(synth.steps((0, 100e6), (10, 90e6), (14, 50e6)), 0, 30)
        b = cumulative(synth.steps((10, 10e6), (14, 50e6)), 10, 30)
        got = metrics.convergence_time([a, b], t_ref=10.0, window=1.0,
                                       threshold=0.9, hold=2.0, step=0.1)
        self.assertAlmostEqual(got, 4.6, places=6)

    def test_never_converges(self):
        a = cumulative(synth.const(90e6), 0, 20)
        b = cumulative(synth.const(10e6), 0, 20)
        self.assertIsNone(metrics.convergence_time([a, b], t_ref=0.0))

    def test_short_fair_spell_is_not_convergence(self):
        # Fair only during [5, 6.5) (shorter than the 2 s hold), then fair
        # for good from t=12.  With 0.99 as the bar, a window is fair enough
        # once at most 16.75 % of it is unfair (J = 1 / (1 + 0.36 g^2) for an
        # unfair fraction g), so the spell is about [5.9, 6.6] and the first
        # lasting fair window ends at 12.9 (g = 0.1).
        unfair, fair = 80e6, 50e6
        a = cumulative(synth.steps((0, unfair), (5, fair), (6.5, unfair), (12, fair)), 0, 25)
        b = cumulative(synth.steps((0, 100e6 - unfair), (5, fair), (6.5, 100e6 - unfair),
                                   (12, fair)), 0, 25)
        got = metrics.convergence_time([a, b], t_ref=0.0, window=1.0, threshold=0.99,
                                       hold=2.0, step=0.1)
        self.assertAlmostEqual(got, 12.9, places=6)

    def test_already_fair_converges_after_one_window(self):
        a = cumulative(synth.const(50e6), 0, 10)
        b = cumulative(synth.const(50e6), 0, 10)
        self.assertAlmostEqual(metrics.convergence_time([a, b], t_ref=0.0), 1.0)


SS_SAMPLE = """T 1700000000.100000
0       2953148          198.18.1.2:40001          198.18.2.2:5201
\t bpf_cubic wscale:10,10 rto:244 rtt:41.5/0.75 mss:1448 pmtu:1500 rcvmss:536 advmss:1448 cwnd:312 ssthresh:280 bytes_sent:18882555638 bytes_retrans:458381 bytes_acked:18882097258 segs_out:428311 send 87.1Mbps lastrcv:1000 pacing_rate 104.5Mbps delivery_rate 96.2Mbps delivered:428310 busy:996ms retrans:2/17 dsack_dups:7 rcv_space:14480 minrtt:40.1 snd_wnd:3145728
0       0                198.18.1.2:37296          198.18.2.2:5201
\t cubic wscale:10,10 rto:204 rtt:40.2/0.1 ato:40 mss:1448 cwnd:10 bytes_sent:184 bytes_acked:185 send 2883656bps pacing_rate 5767312bps delivery_rate 52428800000bps app_limited ecn ecnseen
T 1700000000.200000
0       0       [2001:2:0:1::2]:40002  [2001:2:0:2::2]:5202
\t reno wscale:7,7 rto:240 rtt:40.9/0.3 cwnd:100 bytes_acked:5000
"""


class TestRawParsers(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bpftcp-compare-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_ss_fields(self):
        p = os.path.join(self.tmp, "ss.txt")
        with open(p, "w") as f:
            f.write(SS_SAMPLE)
        flows = rawdata.parse_ss(p)
        self.assertEqual(sorted(flows), [37296, 40001, 40002])
        s = flows[40001][0]
        self.assertEqual(s["cc"], "bpf_cubic")
        self.assertEqual(s["cwnd"], 312)
        self.assertEqual(s["ssthresh"], 280)
        self.assertEqual(s["bytes_acked"], 18882097258)
        self.assertAlmostEqual(s["rtt_ms"], 41.5)
        self.assertAlmostEqual(s["rttvar_ms"], 0.75)
        self.assertEqual(s["retrans_total"], 17)
        self.assertAlmostEqual(s["delivery_rate_bps"], 96.2e6)
        self.assertAlmostEqual(s["pacing_rate_bps"], 104.5e6)
        self.assertEqual(s["dport"], 5201)
        self.assertAlmostEqual(s["t"], 1700000000.1)
        c = flows[37296][0]
        self.assertAlmostEqual(c["delivery_rate_bps"], 52428800000.0)
        self.assertTrue(c["ecn"] and c["ecnseen"])
        v6 = flows[40002][0]
        self.assertEqual((v6["cc"], v6["cwnd"], v6["dport"]), ("reno", 100, 5202))
        self.assertAlmostEqual(v6["t"], 1700000000.2)

    def test_ping(self):
        p = os.path.join(self.tmp, "ping.txt")
        with open(p, "w") as f:
            f.write("PING 198.18.2.2 (198.18.2.2) 56(84) bytes of data.\n"
                    "[1700000000.050000] 64 bytes from 198.18.2.2: icmp_seq=1 ttl=62 time=40.1 ms\n"
                    "[1700000000.250000] 64 bytes from 198.18.2.2: icmp_seq=3 ttl=62 time=52.7 ms\n"
                    "\n--- 198.18.2.2 ping statistics ---\n"
                    "3 packets transmitted, 2 received, 33.3333% packet loss, time 200ms\n")
        replies, sent = rawdata.parse_ping(p)
        self.assertEqual(sent, 3)
        self.assertEqual([(r["seq"], r["rtt_ms"]) for r in replies], [(1, 40.1), (3, 52.7)])

    def test_cumulative_drops_bad_samples(self):
        got = rawdata.cumulative_acked([{"t": 1, "bytes_acked": 5}, {"t": 1, "bytes_acked": 6},
                                        {"t": 2, "bytes_acked": 4}, {"t": 3}, {"t": 4, "bytes_acked": 9}])
        self.assertEqual(got, [(1, 5), (4, 9)])


def two_flow_run(rundir, **kw):
    """Cubic alone at 90 Mbit/s; bpf_cubic joins at 3 s with 10 Mbit/s and
    from 4 s both get 50: the known answers are in TestSummary."""
    return synth.write_run(rundir, [
        dict(cc="cubic", start=0, rate=synth.steps((0, 90e6), (3, 90e6), (4, 50e6)),
             cwnd=synth.steps((0, 300), (4, 200)), srtt=synth.steps((0, 45.0), (5, 60.0))),
        dict(cc="bpf_cubic", start=3, rate=synth.steps((3, 10e6), (4, 50e6)),
             cwnd=synth.const(150), srtt=synth.const(50.0)),
    ], duration=10, retransmits=[4, 9], **kw)


class TestSummary(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bpftcp-compare-test-")
        self.rundir = os.path.join(self.tmp, "run")
        self.rtts = [40.0 + (k % 20) for k in range(100)]
        two_flow_run(self.rundir, ping_rtts=self.rtts)
        self.result_run = summary.summarize_run(rawdata.load_run(self.rundir))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_flow_means_match_raw_bytes(self):
        f1, f2 = self.result_run["flows"]
        # cubic: 90 Mbit/s for 4 s then 50 for 6 s -> 66 Mbit/s.
        self.assertAlmostEqual(f1["mean_mbps"], 66.0, places=3)
        self.assertAlmostEqual(f1["utilisation"], 0.66, places=5)
        # bpf_cubic: 10 for 1 s then 50 for 6 s over 7 s.
        self.assertAlmostEqual(f2["mean_mbps"], 310 / 7, places=3)
        self.assertEqual((f1["retransmits"], f2["retransmits"]), (4, 9))
        self.assertEqual((f1["cc_seen"], f2["cc_seen"]), ("cubic", "bpf_cubic"))

    def test_flow_srtt_percentiles_from_samples(self):
        # 50 samples at 45 ms (t = 0.0 .. 4.9) and 51 at 60 ms.
        s = self.result_run["flows"][0]["srtt_ms"]
        self.assertEqual(s["n"], 101)
        self.assertAlmostEqual(s["p50"], 60.0)
        self.assertAlmostEqual(s["min"], 45.0)
        self.assertAlmostEqual(s["mean"], (50 * 45 + 51 * 60) / 101)

    def test_ping_percentiles_match_raw(self):
        p = self.result_run["ping_rtt_ms"]
        self.assertEqual(p["n"], 100)
        self.assertAlmostEqual(p["p50"], metrics.percentile(self.rtts, 50))
        self.assertAlmostEqual(p["p95"], 58.05)	# 5 of each 40..59: rank 94.05
        self.assertAlmostEqual(p["p99"], 59.0)
        self.assertEqual((self.result_run["ping_sent"], self.result_run["ping_received"]), (102, 100))

    def test_fairness_and_convergence(self):
        # Common interval [3, 10]: 390/7 vs 310/7 Mbit/s.
        self.assertAlmostEqual(self.result_run["jain"], metrics.jain_index([390, 310]), places=6)
        self.assertEqual(self.result_run["jain_interval_s"], [3.0, 10.0])
        # Same shape as TestConvergence's step change, 3 s after start.
        self.assertAlmostEqual(self.result_run["convergence_s"], 1.6, places=6)

    def test_algorithm_rollup_and_link(self):
        algos = self.result_run["algorithms"]
        self.assertEqual(list(algos), ["cubic", "bpf_cubic"])
        # The run spans 10 s: cubic's 82.5 MB is 66 % of 100 Mbit/s.
        self.assertAlmostEqual(algos["cubic"]["utilisation"], 0.66, places=5)
        self.assertAlmostEqual(algos["bpf_cubic"]["utilisation"], 0.31, places=5)
        self.assertAlmostEqual(self.result_run["utilisation"], 0.97, places=5)
        self.assertAlmostEqual(self.result_run["total_mbps"], 97.0, places=3)
        self.assertEqual(algos["bpf_cubic"]["retransmits"], 9)
        ls = self.result_run["link_stats"]
        self.assertEqual((ls["dropped"], ls["lost"], ls["marked"]), (7, 3, 5))

    def test_equivalence_verdicts(self):
        link = {"rate_bps": 100e6, "rtt_ms": 40.0, "queue_pkts": 333, "loss": 0.0,
                "ecn_k": None, "seed": 1}

        def single(cc, util, secs=60):
            return {"scenario": "single", "name": "single-" + cc, "duration_s": secs,
                    "link": link, "disturbed": False,
                    "flows": [{"cc": cc, "utilisation": util, "mean_mbps": util * 100}]}
        # cubic: the port's shares 0.48, 0.50, 0.50, 0.52 -> mean 0.5,
        # sd sqrt(0.0008/3), CI 0.5 +- 3.182 * sd / 2; the control's
        # (first-named kernel flow) 0.55, 0.45, 0.55, 0.45 -> 0.5 +- 3.182
        # * sqrt(0.01/3) / 2.  Flow 1 always gets the larger share in the
        # runs: the order effect that both orders cancel.
        runs = [single("cubic", 0.93), single("bpf_cubic", 0.90)]
        runs += synth.pair_runs("cubic", "bpf_cubic", [0.48, 0.50, 0.50, 0.52],
                                [0.55, 0.45, 0.55, 0.45], link=link)
        runs += [single("reno", 0.95, secs=10), single("bpf_reno", 0.85, secs=10)]
        runs[2]["disturbed"] = True
        e = summary.equivalence(runs)
        self.assertEqual(list(e), ["cubic", "reno"])
        c = e["cubic"]
        self.assertAlmostEqual(c["share"]["mean"], 0.5)
        self.assertEqual(c["share"]["n"], 4)
        hw = 3.182 * (0.0008 / 3) ** 0.5 / 2
        self.assertAlmostEqual(c["share"]["half_width"], hw)
        self.assertAlmostEqual(c["share"]["low"], 0.5 - hw)
        self.assertAlmostEqual(c["control_share"]["mean"], 0.5)
        self.assertAlmostEqual(c["control_share"]["half_width"], 3.182 * (0.01 / 3) ** 0.5 / 2)
        self.assertAlmostEqual(c["share_by_order"]["kernel-first"], 0.49)
        self.assertAlmostEqual(c["share_by_order"]["port-first"], 0.51)
        self.assertAlmostEqual(c["control_share_by_order"]["kernel-first"], 0.55)
        self.assertAlmostEqual(c["control_share_by_order"]["port-first"], 0.45)
        self.assertTrue(c["share_met"])
        self.assertTrue(c["overlaps_control"])
        self.assertTrue(c["met"])
        self.assertTrue(c["decisive"])			# hw = 0.026 <= 0.03
        self.assertAlmostEqual(c["utilisation_diff"], 0.03)
        self.assertEqual(c["disturbed_runs"], [runs[2]["name"]])
        self.assertIsNone(e["reno"]["met"])		# no reno pair runs
        self.assertEqual(e["reno"]["share"]["n"], 0)
        table = summary.equivalence_table(e)
        self.assertIn("| cubic vs bpf_cubic | 0.500 +- %.3f [%.3f, %.3f] (n = 4) |"
                      % (hw, 0.5 - hw, 0.5 + hw), table)
        self.assertIn("| 0.490 / 0.510 | yes | yes | 93.0 % vs 90.0 % | yes |", table)
        self.assertIn("| reno vs bpf_reno | - | - | - / - | - | - | 95.0 % vs 85.0 % | n/a", table)

    def test_equivalence_order_effect_alone_is_not_unfairness(self):
        # The figures: flow 1 takes about 2/3 whatever it runs.  A
        # faithful port then gets 1/3 kernel-first and 2/3 port-first: its
        # mean share is 0.5, as is the control's.
        runs = synth.pair_runs("reno", "bpf_reno", [0.33, 0.67] * 4, [0.67, 0.33] * 4)
        e = summary.equivalence(runs)["reno"]
        self.assertAlmostEqual(e["share"]["mean"], 0.5)
        self.assertTrue(e["met"])
        self.assertFalse(e["decisive"])			# sd 0.18 over 8 runs: +-0.15
        self.assertIn("more repetitions needed", summary.equivalence_table({"reno": e}))

    def test_equivalence_fails_on_unequal_share(self):
        # The port gets 0.40 in either order: out of 0.5 +- 0.03, and its
        # interval misses the control's.
        runs = synth.pair_runs("cubic", "bpf_cubic", [0.39, 0.41] * 3, [0.49, 0.51] * 3)
        e = summary.equivalence(runs)["cubic"]
        self.assertAlmostEqual(e["share"]["mean"], 0.40)
        self.assertFalse(e["share_met"])
        self.assertFalse(e["overlaps_control"])
        self.assertFalse(e["met"])
        # Within the tolerance but not overlapping a tight control: no.
        runs = synth.pair_runs("cubic", "bpf_cubic", [0.475, 0.476] * 3, [0.5, 0.501] * 3)
        e = summary.equivalence(runs)["cubic"]
        self.assertTrue(e["share_met"])
        self.assertFalse(e["overlaps_control"])
        self.assertFalse(e["met"])

    def test_share_of_a_run_uses_the_named_flow(self):
        r = synth.pair_runs("cubic", "bpf_cubic", [0.25, 0.25], [0.6, 0.6])
        # kernel-first: the port is flow 2 at 25 Mbit/s of 100.
        self.assertEqual([f["cc"] for f in r[0]["flows"]], ["cubic", "bpf_cubic"])
        self.assertAlmostEqual(r[0]["flows"][1]["mean_mbps"], 25.0)
        self.assertAlmostEqual(summary.run_share(r[0]), 0.25)
        # port-first: the port is flow 1.
        self.assertEqual([f["cc"] for f in r[2]["flows"]], ["bpf_cubic", "cubic"])
        self.assertAlmostEqual(r[2]["flows"][0]["mean_mbps"], 25.0)
        self.assertAlmostEqual(summary.run_share(r[2]), 0.25)
        # controls: the first-named kernel flow, flow 1 then flow 2.
        self.assertAlmostEqual(r[1]["flows"][0]["mean_mbps"], 60.0)
        self.assertAlmostEqual(r[3]["flows"][1]["mean_mbps"], 60.0)
        self.assertAlmostEqual(summary.run_share(r[3]), 0.6)

    def test_pairs_plan_alternates_orders_and_interleaves_controls(self):
        from compare_lib import cli
        runs = cli.plan_runs(cli.build_parser().parse_args(
            ["--scenario", "pairs", "--reps", "3", "--duration", "20"]))
        self.assertEqual(len(runs), 2 * 2 * 2 * 3)	# 2 algorithms, 2 orders, pair + control, 3 reps
        first = [(r["name"], [f["cc"] for f in r["flows"]], r["pair"]["share_flow"])
                 for r in runs[:5]]
        self.assertEqual(first, [
            ("pairs-cubic-kf-1", ["cubic", "bpf_cubic"], 2),
            ("pairs-cubic-control-kf-1", ["cubic", "cubic"], 1),
            ("pairs-cubic-pf-1", ["bpf_cubic", "cubic"], 1),
            ("pairs-cubic-control-pf-1", ["cubic", "cubic"], 2),
            ("pairs-reno-kf-1", ["reno", "bpf_reno"], 2)])
        for k in ("cubic", "reno"):
            for role in ("pair", "control"):
                orders = [r["pair"]["order"] for r in runs
                          if r["pair"]["kernel"] == k and r["pair"]["role"] == role]
                self.assertEqual(orders.count("kernel-first"), 3)
                self.assertEqual(orders.count("port-first"), 3)
        self.assertEqual(len({r["name"] for r in runs}), len(runs))
        self.assertEqual(len(cli.plan_runs(cli.build_parser().parse_args(
            ["--scenario", "pairs"]))), 8 * cli.DEFAULT_REPS)


    def test_disturbed_run_is_flagged(self):
        # The synthetic linkem file has no samples: not disturbed.
        self.assertFalse(self.result_run["disturbed"])
        path = os.path.join(self.rundir, "linkem.json")
        with open(path) as f:
            doc = json.load(f)
        doc["directions"]["up"]["samples"] = [{"t_s": t} for t in (0.1, 0.2, 0.3, 0.9, 1.0)]
        with open(path, "w") as f:
            json.dump(doc, f)
        run = summary.summarize_run(rawdata.load_run(self.rundir))
        self.assertAlmostEqual(run["link_stats"]["emulator_max_gap_s"], 0.6)
        self.assertTrue(run["disturbed"])
        self.assertIn("(!) the emulator stalled for up to 0.60 s", summary.run_table([run]))


class TestMeanCI(unittest.TestCase):
    def test_t_quantiles(self):
        # Standard table values of t(0.975, df).
        for df, t in ((1, 12.706), (2, 4.303), (9, 2.262), (11, 2.201), (30, 2.042),
                      (60, 2.000), (120, 1.980), (10 ** 9, 1.960)):
            self.assertAlmostEqual(metrics.t975(df), t, places=3)
        # df = 50: 2.009 in full tables; 1/df interpolation is within 0.001.
        self.assertAlmostEqual(metrics.t975(50), 2.009, delta=0.001)
        self.assertRaises(ValueError, metrics.t975, 0)

    def test_known_interval(self):
        # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7).
        ci = metrics.mean_ci95([2, 4, 4, 4, 5, 5, 7, 9])
        self.assertEqual(ci["n"], 8)
        self.assertAlmostEqual(ci["mean"], 5.0)
        self.assertAlmostEqual(ci["sd"], (32 / 7) ** 0.5)
        self.assertAlmostEqual(ci["half_width"], 2.365 * (32 / 7) ** 0.5 / 8 ** 0.5)
        self.assertAlmostEqual(ci["high"] - ci["low"], 2 * ci["half_width"])

    def test_too_few_values(self):
        self.assertIsNone(metrics.mean_ci95([])["mean"])
        one = metrics.mean_ci95([0.4])
        self.assertEqual((one["mean"], one["half_width"]), (0.4, None))

    def test_share(self):
        self.assertAlmostEqual(metrics.share(30, 70), 0.3)
        self.assertIsNone(metrics.share(0, 0))


class TestMedianCI(unittest.TestCase):
    def test_order_statistics(self):
        # Binomial(18, 1/2): P(B <= 4) = 0.0154, P(B <= 5) = 0.0481, so the
        # interval is [x_5, x_14] with coverage 1 - 2 * 0.0154.
        xs = [0.9 + 0.01 * k for k in (7, 3, 12, 1, 18, 5, 9, 14, 2, 16, 4, 11, 6, 17, 8, 13, 10, 15)]
        ci = metrics.median_ci95(xs)
        self.assertEqual(ci["n"], 18)
        self.assertAlmostEqual(ci["median"], 0.995)
        self.assertAlmostEqual(ci["low"], 0.95)
        self.assertAlmostEqual(ci["high"], 1.04)
        self.assertAlmostEqual(ci["coverage"], 1 - 2 * 4048 / 2 ** 18)
        # n = 6: P(B = 0) = 1/64 <= 0.025: the extremes.
        ci = metrics.median_ci95([3, 1, 2, 6, 5, 4])
        self.assertEqual((ci["low"], ci["high"], ci["coverage"]), (1, 6, 1 - 2 / 64))

    def test_too_few_values(self):
        ci = metrics.median_ci95([1, 2, 3, 4, 5, None])
        self.assertEqual((ci["n"], ci["median"], ci["low"], ci["coverage"]), (5, 3, None, None))
        self.assertIsNone(metrics.median_ci95([])["median"])


class TestOutputs(unittest.TestCase):
    """The files a run leaves: Flent data file, plots, run-summary.json."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bpftcp-compare-test-")
        cls.rundir = os.path.join(cls.tmp, "pairs-cubic")
        two_flow_run(cls.rundir, name="pairs-cubic")
        cls.result_run = analyze.analyze_run(cls.rundir)
        cls.flent_path = os.path.join(cls.rundir, "tcp_nup-pairs-cubic.flent.gz")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_flent_file_layout(self):
        with gzip.open(self.flent_path, "rt") as f:
            doc = json.load(f)
        self.assertEqual(doc["version"], 4)
        md = doc["metadata"]
        self.assertEqual(md["NAME"], "tcp_nup")
        self.assertEqual(md["TEST_PARAMETERS"], {"upload_streams": "2"})
        self.assertEqual(set(doc["results"]), {"TCP upload::1", "TCP upload::2", "TCP upload sum",
                                               "TCP upload avg", "Ping (ms) ICMP"})
        n = len(doc["x_values"])
        self.assertEqual(n, 51)		# 10 s in 0.2 s steps, both ends
        self.assertTrue(all(len(v) == n for v in doc["results"].values()))
        self.assertEqual(md["SERIES_META"]["TCP upload::2"]["CONG_CONTROL"], "bpf_cubic")
        # At x = 6 s both flows run at 50 Mbit/s; flow 2 has no data before 3 s.
        i6, i1 = doc["x_values"].index(6.0), doc["x_values"].index(1.0)
        self.assertAlmostEqual(doc["results"]["TCP upload::1"][i6], 50.0, places=3)
        self.assertAlmostEqual(doc["results"]["TCP upload sum"][i6], 100.0, places=3)
        self.assertIsNone(doc["results"]["TCP upload::2"][i1])
        cwnds = [r["tcp_cwnd"] for r in doc["raw_values"]["TCP upload::1"] if "tcp_cwnd" in r]
        self.assertEqual((cwnds[0], cwnds[-1]), (300, 200))

    def test_flent_loader_reads_it(self):
        """Flent's own loader (resultset.load) sees the series and T0."""
        if not os.path.isdir(os.path.join(FLENT_LIB, "flent")):
            self.skipTest("flent is not installed (run scripts/install-deps.sh)")
        code = ("import sys; sys.path.insert(0, %r)\n"
                "from flent import resultset\n"
                "r = resultset.load(sys.argv[1])\n"
                "import json; print(json.dumps([r.meta('NAME'), len(r.x_values),\n"
                "                  sorted(r.series_names), r.t0]))\n"
                % FLENT_LIB)
        out = subprocess.run(["/usr/bin/python3", "-c", code, self.flent_path],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        name, nx, names, t0 = json.loads(out.stdout)
        self.assertEqual((name, nx), ("tcp_nup", 51))
        self.assertEqual(names, ["Ping (ms) ICMP", "TCP upload avg", "TCP upload sum",
                                 "TCP upload::1", "TCP upload::2"])
        self.assertAlmostEqual(float(t0), synth.T0, places=3)

    def test_flent_renders_plots(self):
        """`flent -i FILE -p PLOT -o out.png` draws Flent's plots of it."""
        flent = shutil.which("flent")
        if not flent:
            self.skipTest("flent is not installed (run scripts/install-deps.sh)")
        for plot in ("totals", "upload", "ping", "tcp_cwnd", "tcp_rtt"):
            png = os.path.join(self.tmp, "flent-%s.png" % plot)
            out = subprocess.run([flent, "-i", self.flent_path, "-p", plot, "-o", png],
                                 capture_output=True, text=True, timeout=120,
                                 env=dict(os.environ, MPLBACKEND="Agg"))
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertNotIn("ERROR", out.stdout + out.stderr)
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), PNG_MAGIC, plot)

    def test_own_plots_and_run_summary(self):
        for name in ("throughput.png", "latency.png", "cwnd.png"):
            with open(os.path.join(self.rundir, name), "rb") as f:
                self.assertEqual(f.read(8), PNG_MAGIC, name)
        with open(os.path.join(self.rundir, "run-summary.json")) as f:
            doc = json.load(f)
        self.assertAlmostEqual(doc["jain"], self.result_run["jain"])
        self.assertIn("pairs-cubic/tcp_nup-pairs-cubic.flent.gz", doc["files"])

    def test_summary_documents(self):
        doc = summary.build_summary([self.result_run], {"command": "test"})
        js, md = os.path.join(self.tmp, "summary.json"), os.path.join(self.tmp, "summary.md")
        summary.write_summary(doc, js, md)
        with open(js) as f:
            back = json.load(f)
        self.assertEqual(back["runs"][0]["flows"][1]["cc"], "bpf_cubic")
        self.assertIn("equivalence", back)
        with open(md) as f:
            text = f.read()
        self.assertIn("| pairs | pairs-cubic | cubic | 1 | 66.0 | 66.0 % |", text)
        self.assertIn("0.987", text)
        self.assertIn("| 7 / 3 | 5 |", text)		# linkem: dropped / lost, marked


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
    unittest.main()
