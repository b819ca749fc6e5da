# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""DCTCP (RFC 8257; Alizadeh et al., SIGCOMM 2010), as Linux runs it.

The sender keeps alpha (in 1/1024) = (1 - g) alpha + g F with g = 1/16,
updated once per window of data: when snd_una reaches the snd_nxt recorded
at the window's start, F is the fraction of the packets delivered in that
window that were delivered by ACKs carrying ECE.  The decay is
alpha -= alpha >> 4 (all of alpha once that is zero), then F*64 is added,
capped at 1024; alpha starts at 1024.  An ECE starts CWR with
ssthresh = max(cwnd - cwnd*alpha/2048, 2), with the alpha this very ACK
updated; a loss (Recovery, RTO) sets ssthresh = max(cwnd/2, 2) like Reno.
Growth is Reno's.
"""
from common import CA_OPEN
from m1base import Model, expect_with, snd_nxt_before

MAX_ALPHA = 1024
SHIFT_G = 4


class Dctcp(Model):
    def __init__(self, params):
        super().__init__(params)
        self.alpha = MAX_ALPHA
        self.next_seq = 1          # snd_nxt at init: just past the SYN
        self.delivered = self.delivered_ce = 0
        self.old_delivered = self.old_delivered_ce = 0

    def on_ack(self, ev, i):
        e = ev[i]
        # what this ACK delivered (cumulatively or by SACK), counted as CE
        # when the ACK carries ECE (RFC 3168 feedback)
        self.delivered += e.delivered
        if e.ece:
            self.delivered_ce += e.delivered
        if e.ack >= self.next_seq:
            a = self.alpha
            a -= (a >> SHIFT_G) or a
            ce = self.delivered_ce - self.old_delivered_ce
            if ce:
                d = self.delivered - self.old_delivered
                a = min(a + (ce << (10 - SHIFT_G)) // max(1, d), MAX_ALPHA)
            self.alpha = a
            self.next_seq = snd_nxt_before(ev, i, self.mss)
            self.old_delivered, self.old_delivered_ce = self.delivered, self.delivered_ce

    def ssthresh_on_reduction(self, prev, e):
        if e.ece and e.ca_state != 3:	# CWR from ECN: alpha's cut
            return max(prev.cwnd - ((prev.cwnd * self.alpha) >> 11), 2)
        return max(prev.cwnd // 2, 2)	# Recovery: dctcp_react_to_loss


def expect(rows, script):
    return expect_with(Dctcp, rows, script)
