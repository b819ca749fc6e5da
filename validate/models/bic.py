# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""BIC-TCP (L. Xu, K. Harfoush, I. Rhee, "Binary Increase Congestion Control
for Fast, Long Distance Networks", INFOCOM 2004), as Linux's tcp_bic.c runs
it with its default parameters.

The paper: after a loss at W_max, cwnd does a binary search towards W_max
(each RTT to the midpoint of cwnd and W_max, the step capped at S_max = 16
and at least S_min), then probes above W_max, slowly first ("max probing",
mirror image of the search) and linearly (S_max per RTT) far above it.  On a
loss, cwnd *= beta = 0.8 (819/1024), and W_max is cut further to
cwnd * (1 + beta) / 2 when the loss came below the previous W_max (fast
convergence).  Below low_window = 14 segments BIC is Reno (halving).

Linux turns the per-RTT target into "cwnd + 1 every cnt ACKs" (cnt =
cwnd / increment), with B = 4 for the search (increment (W_max - cwnd) / 4),
smooth_part = 20 RTTs within B of W_max, the 5%-per-RTT cap (cnt <= 20)
while no W_max is known, and cnt scaled by its estimate of segments per ACK
(delayed_ack, a moving average in 1/16ths updated on each ACK in Open state,
starting at 2, fed by every ACK processed in Open state: the duplicate ACK
that leaves Open adds a 0 to it).  cnt is recomputed only when cwnd changed
or more than HZ/32 jiffies passed since the last computation (so a cnt
computed before a duplicate ACK moved delayed_ack, or before a loss moved
W_max, is kept for up to 7 ticks); the time is the sender's jiffies, the
CSV's jiffies column.  A retransmission timeout (Loss) forgets W_max.
"""
from ccmodel import HZ, Model, drive
from common import CA_LOSS, CA_OPEN

BETA = 819           # /1024
B = 4
MAX_INCREMENT = 16
LOW_WINDOW = 14
SMOOTH_PART = 20
RATIO_SHIFT = 4      # delayed_ack in 1/16ths


class Bic(Model):
    def __init__(self, params):
        super().__init__(params)
        self.reset()

    def reset(self):
        self.w_max = 0
        self.delayed_ack = 2 << RATIO_SHIFT
        self.bic_cnt = 0
        self.last_cwnd = 0
        self.last_time = None

    def update(self, e, cwnd):
        """bictcp_update(): recompute cnt when cwnd changed or HZ/32 passed."""
        now = self.jiffies(e)
        if cwnd == self.last_cwnd and now - self.last_time <= HZ // 32:
            return
        self.last_cwnd, self.last_time = cwnd, now
        self.bic_cnt = self.target_cnt(cwnd)

    def pkts_acked(self, e, state):
        # every ACK in Open state, a pure duplicate (0 segments) too
        if state == CA_OPEN:
            self.delayed_ack += e.acked - (self.delayed_ack >> RATIO_SHIFT)

    def target_cnt(self, cwnd):
        if cwnd <= LOW_WINDOW:
            return cwnd
        if cwnd < self.w_max:
            dist = (self.w_max - cwnd) // B
            if dist > MAX_INCREMENT:
                cnt = cwnd // MAX_INCREMENT          # linear: S_max per RTT
            elif dist <= 1:
                cnt = cwnd * SMOOTH_PART // B        # within B of W_max
            else:
                cnt = cwnd // dist                   # binary search
        else:
            if cwnd < self.w_max + B:
                cnt = cwnd * SMOOTH_PART // B
            elif cwnd < self.w_max + MAX_INCREMENT * (B - 1):
                cnt = cwnd * (B - 1) // (cwnd - self.w_max)   # max probing
            else:
                cnt = cwnd // MAX_INCREMENT
        if self.w_max == 0 and cnt > 20:
            cnt = 20
        cnt = (cnt << RATIO_SHIFT) // self.delayed_ack
        return cnt or 1

    def cong_avoid(self, e, cwnd, ssthresh, acked):
        if cwnd < ssthresh:
            cwnd, acked = self.slow_start(cwnd, ssthresh, acked)
            if not acked:
                return cwnd, ssthresh
        self.update(e, cwnd)
        return self.ai(cwnd, self.bic_cnt, acked), ssthresh

    def ssthresh(self, e, cwnd):
        if cwnd < self.w_max:
            self.w_max = cwnd * (1024 + BETA) // 2048     # fast convergence
        else:
            self.w_max = cwnd
        if cwnd <= LOW_WINDOW:
            return max(cwnd >> 1, 2)
        return max(cwnd * BETA // 1024, 2)

    def set_state(self, e, new):
        if new == CA_LOSS:
            self.reset()


def expect(rows, script):
    return drive(Bic, rows, script)
