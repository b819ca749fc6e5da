# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Tests of scenario ccneg-fleet's analysis (compare_lib/fleet.py) on
synthetic runs with known answers: the plan, the negotiation evidence
(every way it can fail), queueing delays, Jain's index and its interval
over the runs, and the summary's section.  Run by scripts/run-tests.sh."""

import copy
import json
import os
import shutil
import tempfile
import unittest

from compare_lib import cli, fleet, metrics, rawdata, summary, synth


def fleet_plan(order="capable-first", rep=1, stagger=0.0, case="noecn"):
    """The ccneg part of a plan as cli.plan_fleet writes it."""
    args = cli.build_parser().parse_args(["--scenario", "ccneg-fleet", "--duration", "10",
                                          "--stagger", str(stagger)])
    for run in cli.plan_runs(args):
        if run["ccneg"]["order"] == order and run["ccneg"]["rep"] == rep and \
                run["ccneg"]["case"] == case:
            return run
    raise AssertionError("no %s run %d of case %s" % (order, rep, case))


def write_fleet_run(rundir, order="capable-first", capable_mbps=30e6, classic_mbps=60e6,
                    capable_srtt=45.0, classic_srtt=50.0, ecn=True, ss_flags=True,
                    link_totals=None, case="noecn", **evidence):
    """A synthetic run of the plan's flows at constant rates and srtts,
    the ss lines of the flows that must have ECN with the ECN flags unless
    ecn=False, and evidence files that agree with the plan unless
    overridden."""
    plan = fleet_plan(order, case=case)
    flows = []
    for c in plan["ccneg"]["clients"]:
        cap = c["role"] == "capable"
        flows.append(dict(cc=c["expect"], start=0, ecn=c["ecn"] and ecn,
                          rate=synth.const(capable_mbps if cap else classic_mbps),
                          cwnd=synth.const(100), srtt=synth.const(capable_srtt if cap
                                                                 else classic_srtt)))
    written = synth.write_run(rundir, flows, duration=10, scenario="ccneg-fleet",
                              name=plan["name"], ping_rtts=[48.0] * 100,
                              plan_extra={"ccneg": plan["ccneg"], "link": plan["link"]},
                              ss_flags=ss_flags,
                              link_totals=link_totals or {"marked": 40, "not_ect": 60})
    synth.write_ccneg_evidence(rundir, written, **evidence)
    return written


class TestSsFlagsBeforeName(unittest.TestCase):
    def test_ecn_flags_then_the_algorithm(self):
        # ss prints "ts sack ecn ecnseen" before the algorithm's name.
        i = rawdata.parse_ss_info("\t ts sack ecn ecnseen bpf_dctcp wscale:7,7 rto:204 cwnd:10")
        self.assertEqual((i["cc"], i["ecn"], i["ecnseen"], i["cwnd"]), ("bpf_dctcp", True, True, 10))

    def test_no_name(self):
        i = rawdata.parse_ss_info("\t ecn wscale:7,7 rto:204 cwnd:10 send 10Mbps")
        self.assertNotIn("cc", i)
        self.assertTrue(i["ecn"])


class TestPlan(unittest.TestCase):
    def test_runs_orders_and_policies(self):
        args = cli.build_parser().parse_args(["--scenario", "ccneg-fleet", "--reps", "2"])
        runs = cli.plan_runs(args)
        self.assertEqual([r["name"] for r in runs], [
            "ccneg-fleet-alone-capable", "ccneg-fleet-alone-classic-ecn",
            "ccneg-fleet-alone-classic-noecn",
            "ccneg-fleet-ecn-cf-1", "ccneg-fleet-ecn-cs-1", "ccneg-fleet-noecn-cf-1",
            "ccneg-fleet-noecn-cs-1", "ccneg-fleet-ecn-cf-2", "ccneg-fleet-ecn-cs-2",
            "ccneg-fleet-noecn-cf-2", "ccneg-fleet-noecn-cs-2"])
        cf, cs = runs[3], runs[4]
        self.assertEqual([f["cc"] for f in cf["flows"]], ["bpf_dctcp", "cubic"])
        self.assertEqual([f["cc"] for f in cs["flows"]], ["cubic", "bpf_dctcp"])
        self.assertEqual([c["role"] for c in cs["ccneg"]["clients"]], ["classic", "capable"])
        for r in runs:
            # ECN marking at K on the link, no host-wide ECN switch.
            self.assertEqual((r["link"]["ecn_k"], r["ecn"], r["duration_s"]),
                             (cli.DEFAULT_ECN_K, False, cli.DEFAULT_DURATION))
            self.assertEqual(r["ccneg"]["server"]["prefer"][0], "bpf_dctcp")
            # Each client on a host of its own; only the classic client's
            # host in case ecn asks for ECN itself.
            for c in r["ccneg"]["clients"]:
                classic_ecn = c["role"] == "classic" and r["ccneg"]["case"] == "ecn"
                self.assertEqual(c["host"], "client" if c["role"] == "capable" else "client2")
                self.assertEqual(c["tcp_ecn"], 1 if classic_ecn else None, r["name"])
                self.assertEqual(c["ecn"], c["role"] == "capable" or classic_ecn, r["name"])

    def run_env(self, plan):
        tmp = tempfile.mkdtemp()
        try:
            cli.write_run_env(tmp, plan, "python3")
            with open(os.path.join(tmp, "run.env")) as f:
                return f.read()
        finally:
            shutil.rmtree(tmp)

    def test_run_env(self):
        env = self.run_env(fleet_plan("capable-second", stagger=2))
        self.assertIn("ECN=0\n", env)
        self.assertIn("--up-ecn-k 50", env)
        self.assertIn("CCNEG_SERVER='bpf_dctcp,cubic cubic'\n", env)
        self.assertIn("CCNEG_CLIENTS=('1 client2 - cubic cubic' "
                      "'2 client - bpf_dctcp,cubic cubic')\n", env)
        # Halfway through the 8 s in which both flows run.
        self.assertIn("CCNEG_SNAPSHOT_S=6\n", env)
        env = self.run_env(fleet_plan("capable-first", case="ecn"))
        self.assertIn("CCNEG_CLIENTS=('1 client - bpf_dctcp,cubic cubic' "
                      "'2 client2 1 cubic cubic')\n", env)

    def test_reps_accepted(self):
        with self.assertRaises(cli.UsageError):
            cli.plan_runs(cli.build_parser().parse_args(["--scenario", "single", "--reps", "2"]))
        self.assertEqual(len(cli.plan_runs(cli.build_parser().parse_args(
            ["--scenario", "ccneg-fleet", "--reps", "1"]))), 7)


CAPABLE = {"role": "capable", "expect": "bpf_dctcp", "ecn": True}
CLASSIC = {"role": "classic", "expect": "cubic", "ecn": False}
FLOW = {"id": 1, "port": 5201, "cport": 40001}


def samples(cc, ecn, n=10):
    return [{"t": float(k), "cc": cc, "ecn": ecn, "rtt_ms": 40.0 + k} for k in range(n)]


def record(cc, chosen, negotiated=True, export=None):
    if export is None and cc == "bpf_dctcp":
        export = {"algorithm": "dctcp", "alpha": 100, "alpha_updates": 9}
    return {"state": "ESTAB", "cc": cc, "export": export,
            "ccneg": {"negotiated": negotiated, "chosen": chosen, "fallback": not negotiated}}


class TestFlowEvidence(unittest.TestCase):
    def evidence(self, client=CAPABLE, cc="bpf_dctcp", ecn=True, csamples=None, ssamples=None,
                 crec=None, srec=None, iperf=None):
        return fleet.flow_evidence(
            client, FLOW, iperf or {"sender_cc": cc, "receiver_cc": cc},
            samples(cc, ecn) if csamples is None else csamples,
            samples(cc, ecn, 1) if ssamples is None else ssamples,
            crec if crec is not None else record(cc, fleet.registry_name(cc)),
            srec if srec is not None else record(cc, fleet.registry_name(cc)))

    def test_verified(self):
        e = self.evidence()
        self.assertTrue(e["verified"], e["problems"])
        self.assertEqual(e["client_ss"], {"samples": 10, "cc": "bpf_dctcp", "ecn_fraction": 1.0})
        e = self.evidence(client=CLASSIC, cc="cubic", ecn=False)
        self.assertTrue(e["verified"], e["problems"])
        self.assertEqual(e["client_ss"]["ecn_fraction"], 0.0)

    def test_only_the_clients_first_sample_may_differ(self):
        s = samples("bpf_dctcp", True)
        s[0]["cc"] = "cubic"	# before the switch
        self.assertTrue(self.evidence(csamples=s)["verified"])
        s[1]["cc"] = "cubic"
        e = self.evidence(csamples=s)
        self.assertFalse(e["verified"])
        self.assertIn("client ss: 1 of 9 ss samples not bpf_dctcp (bpf_dctcp x8, cubic x2)",
                      e["problems"][0])
        # The server's snapshot has no such allowance.
        e = self.evidence(ssamples=[dict(samples("cubic", True, 1)[0])])
        self.assertEqual(e["problems"], ["server ss: 1 of 1 ss samples not bpf_dctcp (cubic x1)"])

    def test_missing_ecn(self):
        e = self.evidence(csamples=samples("bpf_dctcp", False))
        self.assertEqual(e["problems"], ["client ss: 9 of 9 ss samples without ECN"])

    def test_classic_with_ecn(self):
        e = self.evidence(client=CLASSIC, cc="cubic", ecn=False, ssamples=samples("cubic", True, 3))
        self.assertEqual(e["problems"], ["server ss: 3 of 3 ss samples with ECN"])

    def test_no_server_sample_no_record(self):
        e = self.evidence(ssamples=[], srec={})
        self.assertIn("server ss: no ss samples", e["problems"])
        self.assertIn("server: the record's socket runs None, not bpf_dctcp", e["problems"])

    def test_fallback_record_and_iperf(self):
        e = self.evidence(crec=record("bpf_dctcp", "cubic", negotiated=False),
                          iperf={"sender_cc": "bpf_dctcp", "receiver_cc": "reno"})
        self.assertEqual(len(e["problems"]), 2)
        self.assertIn("negotiated=False chosen=cubic", e["problems"][0])
        self.assertIn("iperf3", e["problems"][1])


    def test_dctcp_export_required(self):
        e = self.evidence(crec=record("bpf_dctcp", "dctcp", export={}))
        self.assertEqual(len(e["problems"]), 1)
        self.assertIn("client: the record has no updated DCTCP export", e["problems"][0])
        e = self.evidence(crec=record("bpf_dctcp", "dctcp", export={"algorithm": "dctcp",
                                                                    "alpha": 1024,
                                                                    "alpha_updates": 0}))
        self.assertFalse(e["verified"])

    def test_ss_without_flags(self):
        # This ss prints no option flags: ECN is not judged from it.
        e = fleet.flow_evidence(CAPABLE, FLOW, {"sender_cc": "bpf_dctcp",
                                                "receiver_cc": "bpf_dctcp"},
                                samples("bpf_dctcp", False), samples("bpf_dctcp", False, 1),
                                record("bpf_dctcp", "dctcp"), record("bpf_dctcp", "dctcp"),
                                flags=False)
        self.assertTrue(e["verified"], e["problems"])
        self.assertIsNone(e["client_ss"]["ecn_fraction"])
        self.assertFalse(fleet.ss_shows_flags(samples("cubic", False)))
        self.assertTrue(fleet.ss_shows_flags([{"ts": True}]))

    def test_link_ecn(self):
        p = fleet.link_ecn_problems
        self.assertEqual(p([True, False], {"marked": 3, "not_ect": 4}), [])
        self.assertEqual(p([True, False], {"marked": 0, "not_ect": 4}),
                         ["link: no packet CE-marked, though a flow had to have ECN"])
        self.assertEqual(p([False], {"marked": 0, "not_ect": 0}),
                         ["link: no non-ECT packet reached K, though a flow had to run without ECN"])
        self.assertEqual(p([False], {"marked": 2, "not_ect": 9}),
                         ["link: 2 packets CE-marked, though no flow had to have ECN"])
        self.assertEqual(p([True], {"marked": 2, "not_ect": 0}), [])
        self.assertEqual(p([True], None), ["link: no emulator counters (marked, not_ect)"])


class TestLookups(unittest.TestCase):
    def test_registry_name(self):
        self.assertEqual([fleet.registry_name(c) for c in ("bpf_dctcp", "dctcp", "cubic")],
                         ["dctcp", "dctcp", "cubic"])

    def test_find_record_and_counters(self):
        doc = {"sockets": [dict(record("cubic", "cubic"), local_port=5201, peer_port=50000),
                           dict(record("bpf_dctcp", "dctcp"), local_port=5201, peer_port=40001),
                           dict(record("x", "x"), local_port=40001, state="TIME_WAIT")]}
        self.assertEqual(fleet.find_record(doc, 5201, 40001)["cc"], "bpf_dctcp")
        self.assertEqual(fleet.find_record(doc, 5201)["cc"], "cubic")
        self.assertIsNone(fleet.find_record(doc, 40001))
        self.assertIsNone(fleet.find_record(None, 1))
        show = {"attachments": [{"option": "ccneg", "cgroup": "/a", "counters": {"errors": 0}}]}
        self.assertEqual(fleet.find_counters(show, "/a"), {"errors": 0})
        self.assertIsNone(fleet.find_counters(show, "/b"))

    def test_counter_problems(self):
        good = {"errors": 0, "malformed": 0, "fallback": 0, "no_room": 0,
                "chosen": {"bpf_dctcp": 2, "cubic": 2}}
        self.assertEqual(fleet.counter_problems("server", good, ["bpf_dctcp", "cubic"]), [])
        bad = dict(good, fallback=1, malformed=3, chosen={"bpf_dctcp": 0, "cubic": 2})
        self.assertEqual(fleet.counter_problems("server", bad, ["bpf_dctcp", "cubic"]), [
            "server: malformed = 3", "server: fallback = 1", "server: bpf_dctcp never chosen"])
        self.assertEqual(fleet.counter_problems("client-1", None, ["cubic"]),
                         ["client-1: no counters"])

    def test_srtt_p50(self):
        s = samples("cubic", False)	# srtt 40 .. 49 at t = 0 .. 9
        self.assertAlmostEqual(fleet.srtt_p50_ms(s), 44.5)
        self.assertAlmostEqual(fleet.srtt_p50_ms(s, 6, 8), 47.0)
        self.assertIsNone(fleet.srtt_p50_ms([]))

    def test_host_problems(self):
        c = {"flow": 2, "host": "client2", "tcp_ecn": 1}
        self.assertEqual(fleet.host_problems(c, {"client-2": {"host": "client2", "tcp_ecn": 1}}),
                         [])
        self.assertEqual(fleet.host_problems(c, {"client-2": {"host": "client", "tcp_ecn": 2}}),
                         ["client-2: ran on client, not client2",
                          "client-2: its host's tcp_ecn is 2, not 1"])
        self.assertEqual(fleet.host_problems(dict(c, tcp_ecn=None),
                                             {"client-2": {"host": "client2", "tcp_ecn": 2}}), [])
        self.assertEqual(fleet.host_problems(c, {}),
                         ["client-2: no host record (ccneg-hosts.txt)"])


class TestRuns(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bpftcp-fleet-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_dir(self, name, **kw):
        d = os.path.join(self.tmp, name)
        write_fleet_run(d, **kw)
        return summary.summarize_run(rawdata.load_run(d))

    def test_verified_run(self):
        run = self.run_dir("cs", order="capable-second")
        cn = run["ccneg"]
        self.assertTrue(cn["verified"], cn["problems"])
        self.assertEqual([e["role"] for e in cn["flows"]], ["classic", "capable"])
        # srtt 45 ms (capable) and 50 ms (classic) over a 40 ms base RTT.
        self.assertAlmostEqual(cn["flows"][1]["queueing_delay_ms"], 5.0, places=6)
        self.assertAlmostEqual(cn["flows"][0]["queueing_delay_ms"], 10.0, places=6)
        self.assertAlmostEqual(cn["flows"][0]["srtt_p50_ms"], 50.0, places=6)
        self.assertEqual(cn["flows"][0]["host"], {"host": "client2", "tcp_ecn": 2})
        self.assertAlmostEqual(run["jain"], metrics.jain_index([30, 60]), places=4)

    def test_verified_run_classic_with_ecn(self):
        run = self.run_dir("ecn", case="ecn", link_totals={"marked": 40, "not_ect": 0})
        cn = run["ccneg"]
        self.assertTrue(cn["verified"], cn["problems"])
        self.assertEqual([(e["role"], e["expect_ecn"], e["client_ss"]["ecn_fraction"])
                          for e in cn["flows"]], [("capable", True, 1.0), ("classic", True, 1.0)])
        self.assertEqual(cn["flows"][1]["host"], {"host": "client2", "tcp_ecn": 1})

    def test_unverified_classic_with_ecn(self):
        # The classic client's host did not ask for ECN: its flow has none.
        run = self.run_dir("ecn-missing", case="ecn", ecn=False, tcp_ecn={2: 2},
                           server_cc={1: ("bpf_dctcp", True), 2: ("cubic", False)})
        self.assertEqual([p for p in run["ccneg"]["problems"] if p.startswith("flow 2")], [
            "flow 2 (classic): client ss: 100 of 100 ss samples without ECN",
            "flow 2 (classic): server ss: 1 of 1 ss samples without ECN",
            "flow 2 (classic): client-2: its host's tcp_ecn is 2, not 1"])

    def test_unverified_runs(self):
        run = self.run_dir("noecn", ecn=False)
        self.assertFalse(run["ccneg"]["verified"])
        self.assertIn("flow 1 (capable): client ss: 100 of 100 ss samples without ECN",
                      run["ccneg"]["problems"])
        run = self.run_dir("srv", server_cc={2: ("bpf_dctcp", True)},
                           counters={"server": {"errors": 1, "chosen": {"bpf_dctcp": 2, "cubic": 1}}})
        self.assertEqual(run["ccneg"]["problems"], [
            "flow 2 (classic): server ss: 1 of 1 ss samples not cubic (bpf_dctcp x1)",
            "flow 2 (classic): server ss: 1 of 1 ss samples with ECN",
            "server: errors = 1"])

    def test_missing_evidence_files(self):
        d = os.path.join(self.tmp, "gone")
        write_fleet_run(d)
        for f in ("ss-server.txt", "sockets-server.json", "ccneg-show.json"):
            os.unlink(os.path.join(d, f))
        run = summary.summarize_run(rawdata.load_run(d))
        self.assertFalse(run["ccneg"]["verified"])
        self.assertIn("server: no counters", run["ccneg"]["problems"])
        self.assertIn("flow 1 (capable): server: no per-socket record", run["ccneg"]["problems"])

    def test_fleet_summary(self):
        runs = []
        # Shares of the capable client in the shared runs: 1/3, 1/2, 1/4, 1/2.
        for i, (order, cap, cla) in enumerate((("capable-first", 30e6, 60e6),
                                               ("capable-second", 45e6, 45e6),
                                               ("capable-first", 20e6, 60e6),
                                               ("capable-second", 40e6, 40e6))):
            r = self.run_dir("r%d" % i, order=order, capable_mbps=cap, classic_mbps=cla,
                             capable_srtt=41.0 + i, classic_srtt=50.0)
            r["ccneg"]["rep"] = i // 2 + 1
            runs.append(r)
        # Case ecn, apart: the classic client starved in both orders.
        for order in ("capable-first", "capable-second"):
            runs.append(self.run_dir("e-" + order, order=order, case="ecn", capable_mbps=90e6,
                                     classic_mbps=10e6, capable_srtt=44.0, classic_srtt=44.0,
                                     link_totals={"marked": 40, "not_ect": 0}))
        fl = summary.build_summary(runs, {})["ccneg_fleet"]
        self.assertTrue(fl["verified"], fl["unverified"])
        self.assertEqual((fl["runs"], fl["verified_runs"]), (6, 6))
        self.assertEqual(list(fl["cases"]), ["noecn", "ecn"])
        c = fl["cases"]["noecn"]
        self.assertEqual((c["classic_ecn"], c["runs"]), (False, 4))
        jains = [metrics.jain_index(x) for x in ([30, 60], [1, 1], [20, 60], [1, 1])]
        want = metrics.mean_ci95(jains)
        self.assertAlmostEqual(c["jain"]["mean"], want["mean"], places=3)
        self.assertAlmostEqual(c["jain"]["half_width"], want["half_width"], places=3)
        self.assertAlmostEqual(c["jain_by_order"]["capable-second"]["mean"], 1.0, places=4)
        self.assertAlmostEqual(c["capable_share"]["mean"], (1 / 3 + 0.5 + 0.25 + 0.5) / 4,
                               places=3)
        self.assertAlmostEqual(c["capable_share_by_order"]["capable-first"]["mean"],
                               (1 / 3 + 0.25) / 2, places=3)
        self.assertAlmostEqual(c["queueing_delay_ms"]["capable"]["mean"], 2.5, places=6)
        self.assertAlmostEqual(c["srtt_p50_ms"]["capable"]["mean"], 42.5, places=6)
        self.assertAlmostEqual(c["queueing_delay_ms"]["classic"]["mean"], 10.0, places=6)
        self.assertAlmostEqual(c["ping_queueing_delay_ms"]["mean"], 8.0, places=6)
        self.assertEqual(c["ss"]["classic"]["client_ss"],
                         {"cc": ["cubic"], "ecn_fraction_min": 0.0, "ecn_fraction_max": 0.0})
        e = fl["cases"]["ecn"]
        self.assertEqual((e["classic_ecn"], e["runs"]), (True, 2))
        self.assertAlmostEqual(e["jain"]["mean"], metrics.jain_index([90, 10]), places=3)
        self.assertAlmostEqual(e["capable_share"]["mean"], 0.9, places=3)
        self.assertEqual(e["ss"]["classic"]["client_ss"]["ecn_fraction_min"], 1.0)
        self.assertEqual(e["ss"]["capable"]["record_chosen"], ["dctcp"])
        self.assertEqual(fl["alone"], {})
        md = summary.markdown(summary.build_summary(runs, {}))
        self.assertIn("Negotiation verified in all 6 runs", md)
        self.assertIn("| measure (both clients sharing the link), mean +- 95 % CI | "
                      "classic cubic without ECN (noecn) | classic cubic with ECN (ecn) |", md)
        self.assertIn("| capable client: queueing delay (srtt p50 - base RTT), ms | 2.5 +- ", md)
        self.assertIn("- classic cubic with ECN (ecn): capable client: ss shows bpf_dctcp "
                      "(client) / bpf_dctcp (server), ECN in 100 % of client samples, "
                      "100 % of server samples; records: chosen dctcp; classic client: "
                      "ss shows cubic (client) / cubic (server), ECN in 100 %", md)

    def test_fleet_summary_alone_and_unverified(self):
        alone = fleet_plan("capable-first")
        alone_runs = []
        for role in ("capable", "classic"):
            d = os.path.join(self.tmp, "alone-" + role)
            plan = copy.deepcopy(alone)
            client = next(c for c in plan["ccneg"]["clients"] if c["role"] == role)
            plan["ccneg"].update(order="alone", clients=[dict(client, flow=1)])
            w = synth.write_run(d, [dict(cc=client["expect"], start=0, ecn=client["ecn"],
                                         rate=synth.const(90e6), cwnd=synth.const(100),
                                         srtt=synth.const(46.0 if role == "capable" else 80.0))],
                                duration=10, scenario="ccneg-fleet", name="alone-" + role,
                                plan_extra={"ccneg": plan["ccneg"]}, ss_flags=True,
                                link_totals={"marked": 30 if client["ecn"] else 0,
                                             "not_ect": 0 if client["ecn"] else 20})
            synth.write_ccneg_evidence(d, w)
            alone_runs.append(summary.summarize_run(rawdata.load_run(d)))
        bad = self.run_dir("bad", ecn=False)
        fl = fleet.fleet_summary(alone_runs + [bad])
        self.assertEqual([u["run"] for u in fl["unverified"]], [bad["name"]], fl["unverified"])
        self.assertFalse(fl["verified"])
        self.assertEqual(fl["unverified"][0]["run"], bad["name"])
        self.assertAlmostEqual(fl["alone"]["capable"]["queueing_delay_ms"], 6.0, places=6)
        self.assertAlmostEqual(fl["alone"]["classic-noecn"]["queueing_delay_ms"], 40.0, places=6)
        self.assertIsNone(fl["cases"]["noecn"]["jain"]["half_width"])
        md = fleet.markdown(fl)
        self.assertIn("**Negotiation NOT verified** in 1 of 3 runs", md)
        self.assertIn("| capable client | bpf_dctcp | yes | 90.0 | 46.0 | 6.0 |", md)
        self.assertIn("| classic-noecn client | cubic | no | 90.0 | 80.0 | 40.0 |", md)
        # The whole document stays JSON.
        json.dumps(fl)

    def test_no_fleet_runs(self):
        self.assertIsNone(fleet.fleet_summary([{"scenario": "pairs"}]))


if __name__ == "__main__":
    unittest.main()
