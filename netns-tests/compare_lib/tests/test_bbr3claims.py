# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Tests of scenario bbr3's plan and claims (compare_lib/bbr3claims.py) on
synthetic inputs with known answers: each claim's number, interval and
verdict, both ways, and the per-run parts (retransmission rate, the queue
near K, Jain's index 30 s after the join).  Run by scripts/run-tests.sh."""

import unittest

from compare_lib import bbr3claims as b3, cli, metrics, summary

BBR3, BBR1 = b3.BBR3, b3.BBR1


def plan(*argv):
    return cli.plan_runs(cli.build_parser().parse_args(["--scenario", "bbr3"] + list(argv)))


def run(case, cc, rep, order=None, mbps=(), util=0.95, k=None, queue=None, jain=None,
        retrans=None, **extra):
    """A run summary as summary.summarize_run makes it, reduced to what
    the claims read."""
    rec = {"case": case, "cc": cc, "rep": rep}
    if order:
        rec["order"] = order
        rec["cubic_flow"] = 1 if order == "cubic-first" else 2
    rec["retrans"] = {"1": retrans}
    rec["queue"] = queue
    rec["jain"] = jain
    rec["jain_window_s"] = [20.0, 30.0] if case == "jain" else None
    r = {"name": "bbr3-%s-%s-%s-%d" % (case, cc, order, rep), "scenario": "bbr3", "bbr3": rec,
         "flows": [{"id": i + 1, "mean_mbps": m} for i, m in enumerate(mbps)],
         "link": {"ecn_k": k}, "utilisation": util, "link_stats": {"marked": 5, "dropped": 0},
         "convergence_s": 3.0, "disturbed": False}
    r.update(extra)
    return r


def shallow_runs(r3, r1):
    return [run("shallow", cc, i + 1, retrans={"rate": x})
            for cc, xs in ((BBR3, r3), (BBR1, r1)) for i, x in enumerate(xs)]


class TestPlan(unittest.TestCase):
    def test_cases_orders_and_links(self):
        runs = plan()
        # 3 repetitions, the ECN and two-flow cases 8, each for 2 algorithms.
        self.assertEqual(len(runs), 3 * 6 + 8 * 4)
        by = lambda case: [r for r in runs if r["bbr3"]["case"] == case]
        self.assertEqual(len(by("shallow")), 6)
        self.assertEqual((len(by("ecn")), len(by("jain"))), (16, 16))
        self.assertEqual(sorted({r["bbr3"]["rep"] for r in by("jain")}), list(range(1, 9)))
        self.assertEqual({r["link"]["queue_pkts"] for r in by("shallow")}, {83})
        cubic = by("cubic")
        self.assertEqual(len(cubic), 12)
        for r in cubic:
            self.assertEqual(r["flows"][r["bbr3"]["cubic_flow"] - 1]["cc"], "cubic")
            self.assertEqual(r["link"]["queue_pkts"], 333)
        self.assertEqual({(r["bbr3"]["cc"], r["bbr3"]["order"]) for r in cubic},
                         {(c, o) for c in (BBR3, BBR1) for o in b3.ORDERS})
        for r in by("ecn"):
            self.assertTrue(r["ecn"])
            self.assertEqual((r["link"]["rtt_ms"], r["link"]["ecn_k"], r["link"]["queue_pkts"]),
                             (4.0, 20, 200))
        self.assertFalse(any(r["ecn"] for r in runs if r["bbr3"]["case"] != "ecn"))
        for r in by("jain"):
            self.assertEqual([f["start_s"] for f in r["flows"]], [0.0, 10.0])
            self.assertEqual(r["duration_s"], 42.0)
            self.assertEqual(r["flows"][0]["cc"], r["flows"][1]["cc"])
        self.assertEqual({r["duration_s"] for r in runs if r["bbr3"]["case"] != "jain"}, {30.0})
        # Interleaved: the first repetition of every case comes first.
        self.assertEqual({r["bbr3"]["rep"] for r in runs[:10]}, {1})

    def test_short_runs_and_options(self):
        runs = plan("--duration", "6", "--reps", "1", "--ecn-k", "5")
        self.assertEqual(len(runs), 10)
        jain = [r for r in runs if r["bbr3"]["case"] == "jain"][0]
        self.assertEqual([f["start_s"] for f in jain["flows"]], [0.0, 1.5])
        ecn = [r for r in runs if r["bbr3"]["case"] == "ecn"][0]
        self.assertEqual((ecn["link"]["ecn_k"], ecn["link"]["queue_pkts"]), (5, 50))
        self.assertFalse(any(r["ecn"] for r in runs if r["bbr3"]["case"] != "ecn"))

    def test_reps_accepted(self):
        # --reps sets every case's count, the ECN and two-flow cases' too.
        runs = plan("--reps", "2")
        self.assertEqual(len(runs), 20)
        self.assertEqual(len([r for r in runs if r["bbr3"]["case"] == "jain"]), 4)


class TestPerRun(unittest.TestCase):
    def test_retrans_rate_from_the_last_sample(self):
        s = [{"data_segs_out": 100, "retrans_total": 1}, {"data_segs_out": 1000, "retrans_total": 30}]
        self.assertAlmostEqual(b3.retrans_rate(s)["rate"], 0.03)
        # No retrans:... printed yet: none so far.
        self.assertEqual(b3.retrans_rate([{"data_segs_out": 50}])["rate"], 0.0)
        self.assertIsNone(b3.retrans_rate([{"cwnd": 10}]))

    def test_queue_stats_in_the_window(self):
        samples = [(t / 10.0, 100 if t < 20 else 20 + t % 3) for t in range(100)]
        q = b3.queue_stats(samples, 2.0, 9.9, 20)
        self.assertEqual(q["n"], 80)
        self.assertEqual(q["max"], 22)
        self.assertAlmostEqual(q["p50"], 21)
        self.assertAlmostEqual(q["above_k"], 53 / 80.0)
        self.assertIsNone(b3.queue_stats(samples, 20, 30, 20))

    def test_jain_window(self):
        self.assertEqual(b3.jain_window(10.0, (10.2, 50.0)), (30.0, 40.0))
        # Short run: clipped to the data, not before the joiner's first sample.
        self.assertEqual(b3.jain_window(1.5, (1.6, 5.9)), (1.6, 5.9))
        self.assertIsNone(b3.jain_window(10.0, (10.0, 10.0)))

    def test_run_part_jain_over_the_window(self):
        # Flow 1 at 3 units/s throughout, flow 2 from t = 10 at 1 unit/s
        # until 30, then 3: Jain over [30, 40] is 1, over [20, 30] 0.8.
        c1 = [(t / 10.0, 3 * t / 10.0) for t in range(0, 501)]
        c2 = [(10 + t / 10.0, (t / 10.0 if t <= 200 else 20 + 3 * (t - 200) / 10.0))
              for t in range(0, 401)]
        p = {"bbr3": {"case": "jain", "cc": BBR3, "rep": 1}, "duration_s": 50.0,
             "link": {"ecn_k": None},
             "flows": [{"id": 1, "start_s": 0.0}, {"id": 2, "start_s": 10.0}]}
        part = b3.run_part(p, 0.0, {1: [], 2: []}, {1: c1, 2: c2}, None)
        self.assertEqual(part["jain_window_s"], [20.0, 30.0])
        self.assertAlmostEqual(part["jain"], 1.0)
        # Planned join at 0: the window is [20, 30], where flow 2 ran at 1.
        p["flows"][1]["start_s"] = 0.0
        part = b3.run_part(p, 0.0, {1: [], 2: []}, {1: c1, 2: c2}, None)
        self.assertEqual(part["jain_window_s"], [20.0, 30.0])
        self.assertAlmostEqual(part["jain"], metrics.jain_index([3, 1]))

    def test_linkem_samples_placed_in_wall_time(self):
        raw = {"linkem_t0": 1000.0, "linkem": {"directions": {"up": {"samples": [
            {"t_s": 0.1, "queue_pkts": 3}, {"t_s": 0.2, "queue_pkts": 4}]}}}}
        self.assertEqual(summary.linkem_queue_samples(raw), [(1000.1, 3), (1000.2, 4)])
        raw["linkem_t0"] = None
        self.assertIsNone(summary.linkem_queue_samples(raw))


class TestClaims(unittest.TestCase):
    def test_shallow_met(self):
        c = b3.shallow_claim(shallow_runs([0.010, 0.012, 0.011], [0.030, 0.034, 0.029]))
        self.assertAlmostEqual(c["retrans_rate"][BBR3]["mean"], 0.011)
        self.assertAlmostEqual(c["difference"]["mean"], 0.020)
        self.assertTrue(c["within_limit"])
        self.assertTrue(c["below_bpf_bbr"])
        self.assertTrue(c["met"])

    def test_shallow_over_the_limit_or_not_below(self):
        c = b3.shallow_claim(shallow_runs([0.035, 0.045, 0.040], [0.06, 0.07, 0.065]))
        self.assertFalse(c["within_limit"])	# the mean is 4 %, the interval above it
        self.assertTrue(c["below_bpf_bbr"])
        self.assertFalse(c["met"])
        c = b3.shallow_claim(shallow_runs([0.010, 0.020, 0.015], [0.012, 0.011, 0.016]))
        self.assertTrue(c["within_limit"])
        self.assertFalse(c["below_bpf_bbr"])
        self.assertFalse(c["met"])

    def test_shallow_one_repetition_has_no_verdict(self):
        c = b3.shallow_claim(shallow_runs([0.01], [0.03]))
        self.assertIsNone(c["met"])

    def test_cubic_share_takes_cubics_flow(self):
        self.assertAlmostEqual(b3.cubic_share(run("cubic", BBR3, 1, "cubic-first", (30, 70))), 0.3)
        self.assertAlmostEqual(b3.cubic_share(run("cubic", BBR3, 1, "cubic-second", (30, 70))), 0.7)

    def cubic_runs(self, vs3, vs1):
        out = []
        for cc, shares in ((BBR3, vs3), (BBR1, vs1)):
            for i, (a, b) in enumerate(shares):
                out.append(run("cubic", cc, i + 1, "cubic-first", (a * 100, (1 - a) * 100)))
                out.append(run("cubic", cc, i + 1, "cubic-second", ((1 - b) * 100, b * 100)))
        return out

    def test_cubic_higher_against_bbr3(self):
        c = b3.cubic_claim(self.cubic_runs([(0.40, 0.45), (0.38, 0.42)], [(0.10, 0.12), (0.09, 0.14)]))
        self.assertEqual(c["cubic_share"][BBR3]["n"], 4)
        self.assertAlmostEqual(c["cubic_share"][BBR3]["mean"], 0.4125)
        self.assertAlmostEqual(c["cubic_share_by_order"][BBR1]["cubic-second"], 0.13)
        self.assertTrue(c["met"])
        c = b3.cubic_claim(self.cubic_runs([(0.10, 0.12), (0.09, 0.14)], [(0.11, 0.12), (0.10, 0.13)]))
        self.assertFalse(c["met"])

    def ecn_runs(self, p95s, utils, k=20):
        return [run("ecn", BBR3, i + 1, k=k, util=u, queue={"p50": p / 2.0, "p95": p, "above_k": 0.3})
                for i, (p, u) in enumerate(zip(p95s, utils))] + \
               [run("ecn", BBR1, i + 1, k=k, util=0.95, queue={"p50": 150, "p95": 190, "above_k": 1})
                for i in range(len(p95s))]

    def test_ecn(self):
        c = b3.ecn_claim(self.ecn_runs([30, 32, 31], [0.93, 0.94, 0.935]))
        self.assertEqual(c["k"], 20)
        self.assertTrue(c["queue_near_k"])
        self.assertTrue(c["utilisation_met"])
        self.assertTrue(c["met"])
        self.assertAlmostEqual(c["queue_p95"][BBR1]["mean"], 190)
        c = b3.ecn_claim(self.ecn_runs([38, 42, 40], [0.93, 0.94, 0.935]))
        self.assertFalse(c["queue_near_k"])
        self.assertFalse(c["met"])
        c = b3.ecn_claim(self.ecn_runs([30, 32, 31], [0.88, 0.91, 0.90]))
        self.assertTrue(c["queue_near_k"])
        self.assertFalse(c["utilisation_met"])
        self.assertFalse(c["met"])

    def test_jain(self):
        runs = [run("jain", BBR3, i + 1, jain=j) for i, j in enumerate([0.99, 0.97, 0.98])]
        runs += [run("jain", BBR1, i + 1, jain=j) for i, j in enumerate([0.7, 0.8, 0.9])]
        c = b3.jain_claim(runs)
        self.assertTrue(c["met"])
        self.assertAlmostEqual(c["jain"][BBR1]["mean"], 0.8)
        runs[1]["bbr3"]["jain"] = 0.80
        self.assertFalse(b3.jain_claim(runs)["met"])

    def test_all_claims_and_markdown(self):
        runs = shallow_runs([0.010, 0.012, 0.011], [0.030, 0.034, 0.029])
        runs += TestClaims.cubic_runs(self, [(0.40, 0.45), (0.38, 0.42)], [(0.10, 0.12), (0.09, 0.14)])
        runs += self.ecn_runs([30, 32, 31], [0.93, 0.94, 0.935])
        runs += [run("jain", cc, i + 1, jain=0.98 + i / 100.0) for cc in (BBR3, BBR1) for i in range(3)]
        c = b3.claims(runs)
        self.assertEqual(list(c)[:4], list(b3.CASES))
        self.assertTrue(c["all_met"])
        self.assertIn("All four claims hold: yes", b3.markdown(c))
        runs[0]["bbr3"]["retrans"]["1"]["rate"] = 0.2
        c = b3.claims(runs)
        self.assertFalse(c["all_met"])
        self.assertIn("All four claims hold: NO", b3.markdown(c))
        # Without every case there is no overall verdict.
        self.assertIsNone(b3.claims(runs[:6])["all_met"])
        self.assertIsNone(b3.claims([{"scenario": "single"}]))


if __name__ == "__main__":
    unittest.main()
