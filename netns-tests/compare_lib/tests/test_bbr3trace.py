# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Tests of compare_lib/bbr3trace.py (netns-tests/bbr3-trace.sh's summary)
on a synthetic run directory with known answers: the records file's samples
(bpftcp's JSON spread over two lines), Jain's index over the claim's window
and the trajectory's lines.  Run by scripts/run-tests.sh."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

from compare_lib import bbr3trace

T0 = 1000.0


def sockets_doc(hi1, hi2):
    """'bpftcp -j sockets' output with both flows, as the script records it."""
    socks = []
    for port, hi in ((40001, hi1), (40002, hi2)):
        socks.append({"local_port": port, "cwnd": 100, "export": {
            "mode": "PROBE_BW", "phase": "CRUISE", "bw": 1250000, "inflight_hi": hi,
            "inflight_lo": None}})
    return json.dumps({"record_version": 3, "sockets": socks}) + "\n"


class Bbr3TraceTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        with open(os.path.join(self.dir, "t0"), "w") as f:
            f.write("%f\n" % T0)
        # ss every second from 0 to 42 s: flow 1 at 3 MB/s throughout,
        # flow 2 (from 10 s) at 1 MB/s.
        with open(os.path.join(self.dir, "ss.txt"), "w") as f:
            for s in range(0, 43):
                f.write("T %f\n" % (T0 + s))
                f.write("0 0 198.18.1.2:40001 198.18.2.2:5201\n")
                f.write("\t bpf_bbr3 cwnd:100 bytes_acked:%d\n" % (3000000 * s))
                if s >= 10:
                    f.write("0 0 198.18.1.2:40002 198.18.2.2:5202\n")
                    f.write("\t bpf_bbr3 cwnd:50 bytes_acked:%d\n" % (1000000 * (s - 10)))
        with open(os.path.join(self.dir, "records.jsonl"), "w") as f:
            for t, hi1, hi2 in ((11.0, 600, 150), (11.2, 600, 150), (11.4, 550, 150),
                                (11.6, 550, 160)):
                f.write('{"t": %f, "sockets": %s}\n' % (T0 + t, sockets_doc(hi1, hi2)))
            f.write('{"t": %f, "sockets": {"record_v' % (T0 + 11.8))	# cut short

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_records_span_lines_and_a_cut_sample_is_dropped(self):
        recs = bbr3trace.load_records(os.path.join(self.dir, "records.jsonl"))
        self.assertEqual([len(recs[p]) for p in bbr3trace.PORTS], [4, 4])
        self.assertEqual(recs[40001][2][1]["export"]["inflight_hi"], 550)

    def test_jain_and_trajectory(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(bbr3trace.main(["bbr3trace.py", self.dir]), 0)
        # Rates 24 and 8 Mbit/s over 20-30 s after the join: (32^2) / (2 (24^2 + 8^2)) = 0.8.
        self.assertIn("Jain 0.800 over 20.0-30.0 s after the join", out.getvalue())
        self.assertIn("20-22:24/8", out.getvalue())
        with open(os.path.join(self.dir, "trajectory.txt")) as f:
            lines = f.read().split("\n")
        # One line per change: both flows at 11.0, flow 1 at 11.4, flow 2 at 11.6.
        self.assertEqual([ln.split()[:2] for ln in lines if ln],
                         [["11.00", "flow1"], ["11.00", "flow2"], ["11.40", "flow1"],
                          ["11.60", "flow2"]])
        self.assertIn("hi   160 lo     -", lines[3])


if __name__ == "__main__":
    unittest.main()
