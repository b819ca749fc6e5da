# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""TCP Vegas (Brakmo and Peterson, IEEE JSAC 13(8), 1995), as Linux runs it.

Once per RTT (the first ACK beyond the snd_nxt recorded at the previous
decision) Vegas compares the window with what the path carries:
    diff = cwnd * (RTT - BaseRTT) / BaseRTT   (integer: the extra packets queued)
with RTT the smallest sample of the round and BaseRTT the smallest ever
(samples + 1 us).  With at most 2 samples in the round it behaves like Reno.
 - slow start: diff > gamma (1) ends it, cwnd = min(cwnd, cwnd*BaseRTT/RTT + 1)
   and ssthresh = cwnd; otherwise slow start goes on (the other ACKs of the
   round are slow start too);
 - congestion avoidance: diff > beta (4): cwnd - 1 (and ssthresh <= cwnd);
   diff < alpha (2): cwnd + 1; otherwise hold.  No growth between decisions.
 - after a decision cwnd >= 2 and ssthresh = max(ssthresh, 3/4 cwnd).
Vegas is off (Reno) outside the Open state and restarts, with a fresh round
and filter, when the connection is Open again.  Loss: Reno's ssthresh.

RTT samples are the peer's (sample_rtt_us); the scenarios keep diff well
inside its bands (see veno.py for the sample conventions).
"""
from common import CA_OPEN
from m1base import Model, expect_with, snd_nxt_before

INF = 0x7FFFFFFF
ALPHA, BETA, GAMMA = 2, 4, 1


class Vegas(Model):
    counts_acks = False	# one decision per RTT, no ACK counter

    def __init__(self, params):
        super().__init__(params)
        self.base = self.minrtt = INF
        self.cnt = 0
        self.doing = True
        self.beg = 1

    def on_ack(self, ev, i):
        e, prev = ev[i], ev[i - 1]
        self.i = i
        rtt = self.sample(e, prev)
        if rtt is not None:
            self.base = min(self.base, rtt + 1)
            self.minrtt = min(self.minrtt, rtt + 1)
            self.cnt += 1
        if e.ca_state != CA_OPEN:
            self.doing = False
        elif prev.ca_state != CA_OPEN:
            self.doing = True
            self.beg = snd_nxt_before(ev, i, self.mss)
            self.cnt = 0
            self.minrtt = INF

    def on_idle_restart(self, ev, i):
        # tcp_vegas_init: forget the base RTT, a fresh round from snd_nxt
        self.base = self.minrtt = INF
        self.cnt = 0
        self.doing = True
        self.beg = ev[i - 1].ack

    def reno(self, e):
        super().cong_avoid(e)

    def cong_avoid(self, e):
        if not self.doing:
            return self.reno(e)
        if not e.acked:
            return
        if e.ack > self.beg:
            self.beg = snd_nxt_before(self.ev, self.i, self.mss)
            if self.cnt <= 2:
                self.reno(e)
            else:
                c, rtt = self.cwnd, self.minrtt
                target = c * self.base // rtt
                diff = c * (rtt - self.base) // self.base
                if diff > GAMMA and c < self.ssthresh:
                    self.cwnd = min(c, target + 1)
                    self.ssthresh = min(self.ssthresh, self.cwnd)
                elif c < self.ssthresh:
                    self.cwnd = min(c + e.delivered, self.ssthresh)
                elif diff > BETA:
                    self.cwnd = c - 1
                    self.ssthresh = min(self.ssthresh, self.cwnd)
                elif diff < ALPHA:
                    self.cwnd = c + 1
                self.cwnd = max(self.cwnd, 2)
                self.ssthresh = max(self.ssthresh, (self.cwnd >> 1) + (self.cwnd >> 2))
            self.cnt = 0
            self.minrtt = INF
        elif self.cwnd < self.ssthresh:
            self.cwnd = min(self.cwnd + e.delivered, self.ssthresh)


def expect(rows, script):
    return expect_with(Vegas, rows, script)
