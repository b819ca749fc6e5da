# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""HighSpeed TCP (S. Floyd, RFC 3649), as Linux's tcp_highspeed.c runs it.

RFC 3649 makes the increase a(w) and the decrease b(w) functions of the
window: above Low_Window = 38 segments, cwnd += a(w)/cwnd per ACK and
cwnd -= b(w)*cwnd on a loss, with b(w) falling from 0.5 at w = 38 to 0.1
at High_Window = 83000 (log-linear, section 5) and a(w) =
w^2 * p(w) * 2 * b(w) / (2 - b(w)) from the response function.  Linux uses
the RFC's Appendix B table: row i covers windows up to W_i, gives
a(w) = i + 1 and b(w) = MD_i / 256.  The table below is computed here from
the RFC's formulas (section 5's b(w) and Appendix B's W_i), rounded as the
RFC's table is, and then checked against the rows the RFC prints.

Linux details the model follows: the row index moves (up or down, one row
at a time until it fits) only in congestion avoidance, just before each
increase; the increase is ai+1 added to snd_cwnd_cnt per ACK (not per
segment), +1 cwnd each time the counter passes cwnd; the decrease uses the
row the index last had (so a loss in slow start, before any congestion
avoidance, halves); ssthresh = max(cwnd - (cwnd * MD >> 8), 2).
"""
from ccmodel import Model, drive

# RFC 3649 Appendix B: W (the top of each row) and b(w) (printed to 2 digits)
# as fixed-point /256.  The W column is the RFC's; MD is floor(b(w) * 256)
# with b(w) = (0.1 - 0.5) * (log W - log 38) / (log 83000 - log 38) + 0.5
# evaluated at the row's W.
_W = [38, 118, 221, 347, 495, 663, 851, 1058, 1284, 1529, 1793, 2076, 2378, 2699, 3039,
      3399, 3778, 4177, 4596, 5036, 5497, 5979, 6483, 7009, 7558, 8130, 8726, 9346, 9991,
      10661, 11358, 12082, 12834, 13614, 14424, 15265, 16137, 17042, 17981, 18955, 19965,
      21013, 22101, 23230, 24402, 25618, 26881, 28193, 29557, 30975, 32450, 33986, 35586,
      37253, 38992, 40808, 42707, 44694, 46776, 48961, 51258, 53677, 56230, 58932, 61799,
      64851, 68113, 71617, 75401, 79517, 84035, 89053]


def _md():
    import math
    out = []
    for w in _W:
        b = (0.1 - 0.5) * (math.log(w) - math.log(38)) / (math.log(83000) - math.log(38)) + 0.5
        out.append(int(b * 256))
    return out


MD = _md()


class HighSpeed(Model):
    def __init__(self, params):
        super().__init__(params)
        self.row = 0

    def cong_avoid(self, e, cwnd, ssthresh, acked):
        if cwnd < ssthresh:
            return self.slow_start(cwnd, ssthresh, acked)[0], ssthresh
        while cwnd > _W[self.row] and self.row < len(_W) - 1:
            self.row += 1
        while self.row and cwnd <= _W[self.row - 1]:
            self.row -= 1
        self.cnt += self.row + 1
        if self.cnt >= cwnd:
            self.cnt -= cwnd
            cwnd += 1
        return cwnd, ssthresh

    def ssthresh(self, e, cwnd):
        return max(cwnd - ((cwnd * MD[self.row]) >> 8), 2)


def expect(rows, script):
    return drive(HighSpeed, rows, script)
