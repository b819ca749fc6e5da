# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""TCP Westwood+ (Mascolo et al., MobiCom 2001; Grieco and Mascolo, CCR
2004), as Linux runs it.

Growth is Reno's.  Westwood+ measures the bandwidth the ACKs report: it
sums the bytes acknowledged (bk) over windows of at least one RTT and at
least 50 ms (HZ/20 jiffies; a window ends at the first ACK more than
max(RTT, HZ/20) jiffies after it began), and filters each sample bk/delta
(bytes per jiffy) twice with a 7/8 low-pass filter (the first sample fills
both).  RTT is the last sample in jiffies (rounded up), RTTmin the smallest
(taken afresh from the next sample after an RTO).  After a loss its window
is the bandwidth-delay product, max(bw_est * RTTmin / mss, 2):
 - at the end of a cwnd reduction (Recovery or CWR ends): cwnd = ssthresh = BDP;
 - at an RTO: ssthresh = BDP;
 - on entering Recovery or CWR: Reno's cwnd/2 (then the above at its end).
Bytes acked: on the fast path snd_una's advance; on the slow path (ACKs
with SACK blocks, and the first ACK) a dupACK counts one mss, "accounted",
which a later slow-path cumulative ACK pays back.  The first ACK sets the
reference and, on the slow path, counts as a dupACK.

Timing: the windows are in jiffies, which the CSV records per event
('jiffies', read right after the ACK); the RTT samples in jiffies come from
sample_rtt_us (20-24 ms -> 6 jiffies at HZ=250: the scenarios' 20 ms paths
are far from either edge).  The scenarios run without timestamps, so the
ACK that ends recovery gives no (millisecond) timestamp RTT sample.
"""
from common import CA_CWR, CA_LOSS, CA_OPEN, CA_RECOVERY
from m1base import Model, expect_with

HZ = 250
RTT_MIN_WIN = HZ // 20


def usecs_to_jiffies(us):
    return -(-us * HZ // 1000000)


class Westwood(Model):
    def __init__(self, params):
        super().__init__(params)
        self.bk = self.bw_ns = self.bw = 0
        self.accounted = 0
        self.rtt = self.rtt_min = 20 * HZ
        self.reset_rtt_min = True
        self.first_ack = True
        self.win_sx = None
        self.snd_una = None

    def bdp(self):
        return max(self.bw * self.rtt_min // self.mss, 2)

    def on_ack(self, ev, i):
        e, prev = ev[i], ev[i - 1]
        now = int(e.row["jiffies"])
        if self.win_sx is None:
            self.win_sx = int(ev[0].row["jiffies"])
            self.snd_una = ev[0].ack
        if e.sample_rtt_us is not None and (e.delivered or e.acked):
            self.rtt = usecs_to_jiffies(e.sample_rtt_us)
        # westwood_update_window; the first ACK after the handshake takes the
        # slow path (with window scaling the handshake leaves header
        # prediction off until an ACK updates the send window), where it
        # counts as a dupACK: one mss into bk and into 'accounted'
        slow = e.kind == "sack" or e.ack == prev.ack or self.first_ack
        if self.first_ack:
            self.snd_una = e.ack
            self.first_ack = False
        delta = now - self.win_sx
        if self.rtt and delta > max(self.rtt, RTT_MIN_WIN):
            if self.bw_ns == 0 and self.bw == 0:
                self.bw_ns = self.bk // delta
                self.bw = self.bw_ns
            else:
                self.bw_ns = (7 * self.bw_ns + self.bk // delta) >> 3
                self.bw = (7 * self.bw + self.bw_ns) >> 3
            self.bk = 0
            self.win_sx = now
        if slow:
            cumul = e.ack - self.snd_una
            if not cumul:
                self.accounted += self.mss
                cumul = self.mss
            if cumul > self.mss:
                if self.accounted >= cumul:
                    self.accounted -= cumul
                    cumul = self.mss
                else:
                    cumul -= self.accounted
                    self.accounted = 0
            self.bk += cumul
        else:
            self.bk += e.ack - self.snd_una
        self.snd_una = e.ack
        if self.reset_rtt_min:
            self.rtt_min = self.rtt
            self.reset_rtt_min = False
        else:
            self.rtt_min = min(self.rtt, self.rtt_min)

    def ssthresh_on_rto(self, prev, e):
        return self.bdp()

    def on_rto(self, e):
        self.reset_rtt_min = True

    def run(self, rows):
        out = super().run(rows)
        # the ACK that ends a reduction (Recovery or CWR -> Open):
        # CA_EVENT_COMPLETE_CWR sets cwnd = ssthresh = BDP, as computed
        # with that ACK's update (recorded by after())
        for i, want in self.complete.items():
            if want is not None:
                out[i] = want
        return out

    complete = None

    def after(self, ev, i):
        if self.complete is None:
            self.complete = {}
        e, prev = ev[i], ev[i - 1]
        if prev.ca_state in (CA_CWR, CA_RECOVERY) and e.ca_state == CA_OPEN:
            b = self.bdp()
            if e.delivered < b:	# this ACK's own growth stays below one step
                self.complete[i] = {"cwnd": b, "ssthresh": b}


def expect(rows, script):
    return expect_with(Westwood, rows, script)
