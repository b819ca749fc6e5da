# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""TCP Veno (Fu and Liew, IEEE JSAC 21(2), 2003), as Linux runs it.

Veno estimates the backlog N = cwnd * (RTT - BaseRTT) / RTT (Vegas' Diff)
and uses it for two things:
 - congestion avoidance: N < beta (3 packets) is the "non-congestive" state,
   cwnd += 1 per RTT (Reno); otherwise cwnd += 1 every other RTT;
 - a loss: in the non-congestive state it is taken as random (wireless) loss,
   ssthresh = cwnd * 4/5; otherwise as congestion, ssthresh = cwnd / 2.
Linux keeps N in half packets: diff = 2 cwnd - 2 cwnd BaseRTT / RTT (integer
division), beta = 6.  BaseRTT is the smallest RTT sample ever (+1 us), RTT
the smallest sample since the previous Open-state cong_avoid call (every
ACK: Linux resets it per ACK, not per RTT).  Reno below 3 samples, and
while the connection is not Open (Veno is off in Disorder, CWR, Recovery
and Loss, and restarts, with a fresh RTT filter, when it is Open again).
A loss uses the diff of the last Open-state ACK.  Slow start is Reno's.

The RTT samples are the peer's (sample_rtt_us: from the segment's arrival to
its ACK), which differ from the sender's by the microseconds between
sending and the peer's reading; the scenarios keep N far from beta.  An ACK
whose newly acked data were all retransmitted (the ACK that ends recovery)
gives the sender only a timestamp sample, in whole milliseconds: the model
takes the sample rounded down.
"""
from common import CA_OPEN
from m1base import Model, expect_with

INF = 0x7FFFFFFF
BETA = 3 << 1


class Veno(Model):
    def __init__(self, params):
        super().__init__(params)
        self.base = self.minrtt = INF
        self.cnt = 0
        self.inc = 1
        self.diff = 0
        self.doing = True

    def on_ack(self, ev, i):
        e, prev = ev[i], ev[i - 1]
        rtt = self.sample(e, prev)
        if rtt is not None:
            v = rtt + 1
            self.base = min(self.base, v)
            self.minrtt = min(self.minrtt, v)
            self.cnt += 1
        # set_state after pkts_acked: off unless Open; Open again restarts
        if e.ca_state != CA_OPEN:
            self.doing = False
        elif prev.ca_state != CA_OPEN:
            self.doing = True
            self.minrtt = INF
            self.veno_avoid(e)	# this ACK's growth (the skeleton resyncs it)

    def veno_avoid(self, e):
        if not self.doing or self.cnt <= 2:
            return super().cong_avoid(e)
        c = self.cwnd if self.cwnd is not None else e.cwnd
        target = (c * self.base << 1) // self.minrtt
        self.diff = (c << 1) - target
        self.minrtt = INF
        if self.cwnd is None:
            return
        if not e.acked:
            return
        acked = e.delivered
        if self.cwnd < self.ssthresh:
            self.cwnd, acked = min(self.cwnd + acked, self.ssthresh), acked - (min(self.cwnd + acked, self.ssthresh) - self.cwnd)
            if not acked:
                self.cwnd = max(self.cwnd, 2)
                return
        if self.diff < BETA:
            self.cwnd = self.ai.step(self.cwnd, self.cwnd, acked)
        else:
            if self.ai.count >= self.cwnd:
                if self.inc:
                    self.cwnd += 1
                    self.inc = 0
                else:
                    self.inc = 1
                self.ai.count = 0
            else:
                self.ai.count += acked
        self.cwnd = max(self.cwnd, 2)

    def cong_avoid(self, e):
        self.veno_avoid(e)

    def ssthresh_on_reduction(self, prev, e):
        if self.diff < BETA:
            return max(prev.cwnd * 4 // 5, 2)
        return max(prev.cwnd >> 1, 2)

    def ssthresh_on_rto(self, prev, e):
        return self.ssthresh_on_reduction(prev, e)

    def on_idle_restart(self, ev, i):
        # tcp_veno_init: forget the base RTT, inc = 1, Veno on
        self.base = self.minrtt = INF
        self.inc = 1
        self.doing = True

    def on_rto(self, e):
        self.doing = False


def expect(rows, script):
    return expect_with(Veno, rows, script)
