# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""TCP-Illinois (S. Liu, T. Basar, R. Srikant, "TCP-Illinois: a loss- and
delay-based congestion control algorithm for high-speed networks",
Performance Evaluation 2008), as Linux's tcp_illinois.c runs it.

The paper: loss decides the direction, queueing delay the amount.  With
d_a the average queueing delay over the last RTT and d_m the largest seen
(RTT - base RTT), the increase alpha per RTT is alpha_max = 10 while
d_a <= d_1 = d_m / 100, else kappa1 / (kappa2 + d_a), the hyperbola through
(d_1, alpha_max) and (d_m, alpha_min = 0.3); and after a rise above d_1,
alpha returns to alpha_max only after theta = 5 consecutive RTTs below d_1.
The decrease beta is 1/8 while d_a <= d_2 = d_m / 10, 1/2 above
d_3 = 8 d_m / 10, linear in between; below a window of 15 segments, alpha = 1
and beta = 1/2 (Reno).

Linux: alpha in 1/128ths, beta in 1/64ths, integer arithmetic in
microseconds; the RTT samples of the current round (base = min of all
samples, max = max of all samples, sum and count of the round's) are turned
into alpha and beta on the first ACK beyond the snd_nxt recorded at the
previous update; the increase is cwnd += (snd_cwnd_cnt * alpha / 128) / cwnd
once that reaches one segment, snd_cwnd_cnt counting the segments the last
ACK acked; ssthresh = cwnd - cwnd * beta; after a timeout alpha = 1,
beta = 1/2 and the low-delay count restart.  snd_nxt is taken from the run
(ack + packets_out of the previous event); RTT samples are the ACKs'; an
ACK of retransmitted data has a timestamp RTT in whole milliseconds.
"""
from ccmodel import Model, drive
from common import CA_LOSS

ALPHA_SCALE = 128
ALPHA_MIN = 3 * ALPHA_SCALE // 10
ALPHA_MAX = 10 * ALPHA_SCALE
BETA_SHIFT = 6
BETA_MIN = (1 << BETA_SHIFT) // 8
BETA_MAX = (1 << BETA_SHIFT) // 2
WIN_THRESH = 15
THETA = 5
RTT_MAX = 0xFFFFFFFF // ALPHA_MAX


class Illinois(Model):
    def __init__(self, params):
        super().__init__(params)
        self.alpha, self.beta = ALPHA_MAX, BETA_MAX
        self.base, self.max = 0x7FFFFFFF, 0
        self.acked = 0
        self.rtt_low = 0
        self.rtt_above = False
        self.round_reset()

    def round_reset(self):
        self.end_seq = self.snd_nxt
        self.cnt_rtt = 0
        self.sum_rtt = 0

    def init(self, e):
        self.round_reset()

    def pkts_acked(self, e, state):
        self.acked = e.acked
        rtt = e.rtt_sample
        if rtt is None:
            return
        rtt = min(rtt, RTT_MAX)
        self.base = min(self.base, rtt)
        self.max = max(self.max, rtt)
        self.cnt_rtt += 1
        self.sum_rtt += rtt

    def new_alpha(self, da, dm):
        d1 = dm // 100
        if da <= d1:
            if not self.rtt_above:
                return ALPHA_MAX
            self.rtt_low += 1
            if self.rtt_low < THETA:
                return self.alpha
            self.rtt_low = 0
            self.rtt_above = False
            return ALPHA_MAX
        self.rtt_above = True
        dm -= d1
        da -= d1
        return (dm * ALPHA_MAX) // (dm + (da * (ALPHA_MAX - ALPHA_MIN)) // ALPHA_MIN)

    @staticmethod
    def new_beta(da, dm):
        d2 = dm // 10
        if da <= d2:
            return BETA_MIN
        d3 = 8 * dm // 10
        if da >= d3 or d3 <= d2:
            return BETA_MAX
        return (BETA_MIN * d3 - BETA_MAX * d2 + (BETA_MAX - BETA_MIN) * da) // (d3 - d2)

    def update(self, cwnd):
        if cwnd < WIN_THRESH:
            self.alpha, self.beta = ALPHA_SCALE, BETA_MAX
        elif self.cnt_rtt > 0:
            dm = self.max - self.base
            da = (self.sum_rtt // self.cnt_rtt) - self.base
            self.alpha = self.new_alpha(da, dm)
            self.beta = self.new_beta(da, dm)
        self.round_reset()

    def set_state(self, e, new):
        if new == CA_LOSS:
            self.alpha, self.beta = ALPHA_SCALE, BETA_MAX
            self.rtt_low = 0
            self.rtt_above = False
            self.round_reset()

    def cong_avoid(self, e, cwnd, ssthresh, acked):
        if e.ack - self.end_seq > 0:
            self.update(cwnd)
        if cwnd < ssthresh:
            return self.slow_start(cwnd, ssthresh, acked)[0], ssthresh
        self.cnt += self.acked
        self.acked = 1
        delta = (self.cnt * self.alpha) >> 7
        if delta >= cwnd:
            cwnd += delta // cwnd
            self.cnt = 0
        return cwnd, ssthresh

    def ssthresh(self, e, cwnd):
        return max(cwnd - ((cwnd * self.beta) >> BETA_SHIFT), 2)


def expect(rows, script):
    return drive(Illinois, rows, script)
