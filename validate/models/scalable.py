# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Scalable TCP (T. Kelly, "Scalable TCP: improving performance in highspeed
wide area networks", CCR 2003), as Linux's tcp_scalable.c runs it.

Kelly's rule is a = 0.01 per ACK and b = 1/8: cwnd grows by 1 segment per
100 acknowledged (so by 1% per RTT, whatever the window), and a loss takes
cwnd/8 away.  Linux applies a = 0.01 as "one segment each min(cwnd, 100)
segments acked" (Reno below cwnd 100), with byte counting (the segments an
ACK delivers all count), and slow start's left-over acked segments feed the
increase.  ssthresh = max(cwnd - cwnd/8, 2) (integer cwnd >> 3).
"""
from ccmodel import Model, drive

AI_CNT = 100     # segments acked per +1 (Kelly's a = 0.01)
MD_SHIFT = 3     # b = 1/8


class Scalable(Model):
    def cong_avoid(self, e, cwnd, ssthresh, acked):
        if cwnd < ssthresh:
            cwnd, acked = self.slow_start(cwnd, ssthresh, acked)
            if not acked:
                return cwnd, ssthresh
        return self.ai(cwnd, min(cwnd, AI_CNT), acked), ssthresh

    def ssthresh(self, e, cwnd):
        return max(cwnd - (cwnd >> MD_SHIFT), 2)


def expect(rows, script):
    return drive(Scalable, rows, script)
