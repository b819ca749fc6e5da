# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""YeAH-TCP (A. Baiocchi, A. P. Castellani, F. Vacirca, "YeAH-TCP: Yet
Another Highspeed TCP", PFLDnet 2007), as Linux's tcp_yeah.c runs it.

The paper: once per RTT, from the minimum RTT of the last round (RTT_min)
and the smallest ever (RTT_base), estimate the backlog
Q = cwnd * (RTT_min - RTT_base) / RTT_min.  While Q < alpha = 80 packets
and the queueing delay is below RTT_base / phi (phi = 8) the flow is in
Fast mode and grows as Scalable TCP (+1 per 100 acked, Reno below 100);
otherwise in Slow mode, growing as Reno, and if Q > alpha it removes the
backlog at once (precautionary decongestion: cwnd -= min(Q / gamma,
cwnd / 2^epsilon) with gamma = 1, epsilon = 1, not below reno_count, and
ssthresh = cwnd).  reno_count estimates the Reno competitor's window (half
cwnd when first in Slow mode, +1 per Slow round, halved at each loss, back
to 2 after zeta = 50 Fast rounds).  On a loss, unless the flow has been in
Slow mode for rho = 16 rounds or more (then it halves like Reno), cwnd loses
only the last backlog estimate, at least cwnd / 8 (delta = 3) and at most
cwnd / 2.

Linux runs the round on Vegas' bookkeeping: an RTT sample is the ACK's RTT
+ 1 us, the round ends on the first ACK beyond the snd_nxt recorded when it
began, which also restarts on every change of ca_state into Open; the
decision needs more than 2 samples in the round; slow start's left-over
segments feed the increase.  snd_nxt is taken from the run (ack +
packets_out of the previous event).
"""
from ccmodel import Model, drive
from common import CA_OPEN

ALPHA = 80
GAMMA = 1
DELTA = 3
EPSILON = 1
PHY = 8
RHO = 16
ZETA = 50
SCALABLE_AI_CNT = 100


class Yeah(Model):
    def __init__(self, params):
        super().__init__(params)
        self.base = 0x7FFFFFFF
        self.last_q = 0
        self.reno_now = 0
        self.reno_count = 2
        self.fast_count = 0
        self.round_begin()

    def round_begin(self):
        self.beg_snd_nxt = self.snd_nxt
        self.cnt_rtt = 0
        self.min_rtt = 0x7FFFFFFF

    def init(self, e):
        self.round_begin()

    def pkts_acked(self, e, state):
        if e.rtt_sample is None:
            return
        v = e.rtt_sample + 1
        self.base = min(self.base, v)
        self.min_rtt = min(self.min_rtt, v)
        self.cnt_rtt += 1

    def set_state(self, e, new):
        if new == CA_OPEN:
            self.round_begin()

    def cong_avoid(self, e, cwnd, ssthresh, acked):
        grow = True
        if cwnd < ssthresh:
            cwnd, acked = self.slow_start(cwnd, ssthresh, acked)
            grow = acked > 0
        if grow:
            w = cwnd if self.reno_now else min(cwnd, SCALABLE_AI_CNT)
            cwnd = self.ai(cwnd, w, acked)
        if e.ack - self.beg_snd_nxt > 0:
            if self.cnt_rtt > 2:
                rtt = self.min_rtt
                queue = cwnd * (rtt - self.base) // rtt
                if queue > ALPHA or rtt - self.base > self.base // PHY:
                    if queue > ALPHA and cwnd > self.reno_count:
                        cwnd -= min(queue // GAMMA, cwnd >> EPSILON)
                        cwnd = max(cwnd, self.reno_count)
                        ssthresh = cwnd
                    if self.reno_count <= 2:
                        self.reno_count = max(cwnd >> 1, 2)
                    else:
                        self.reno_count += 1
                    self.reno_now = min(self.reno_now + 1, 0xFFFFFF)
                else:
                    self.fast_count += 1
                    if self.fast_count > ZETA:
                        self.reno_count = 2
                        self.fast_count = 0
                    self.reno_now = 0
                self.last_q = queue
            self.round_begin()
        return cwnd, ssthresh

    def ssthresh(self, e, cwnd):
        if self.reno_now < RHO:
            red = min(self.last_q, max(cwnd >> 1, 2))
            red = max(red, cwnd >> DELTA)
        else:
            red = max(cwnd >> 1, 2)
        self.fast_count = 0
        self.reno_count = max(self.reno_count >> 1, 2)
        return cwnd - red


def expect(rows, script):
    return drive(Yeah, rows, script)
