# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""TCP Hybla (C. Caini, R. Firrincieli, "TCP Hybla: a TCP enhancement for
heterogeneous networks", Int. J. Satell. Commun. Netw. 2004), as Linux's
tcp_hybla.c runs it.

The paper normalises every connection to a reference RTT0 = 25 ms with
rho = RTT / RTT0 (at least 1): slow start grows cwnd by 2^rho - 1 per ACK,
congestion avoidance by rho^2 / cwnd per ACK, so a long path grows per unit
of time as a 25 ms one does.  Losses halve (Reno).

Linux: rho is kept in 1/8ths, rho_3ls = max(srtt / 25 ms * 8, 8) (integer
division of the smoothed RTT in 1/8 us by 25000), computed at init (when the
initial cwnd becomes rho: 1 on a path shorter than 50 ms) and again whenever
srtt falls below the smallest srtt seen.  Increments are in 1/128ths:
slow start adds 2^int(rho) * 2^frac(rho) - 1 (2^frac from an 8-entry table
of 128 * 2^(k/8), rounded), congestion avoidance adds rho^2 * 128 / cwnd;
the whole part goes to cwnd at once, the fraction into a 1/128 accumulator
that adds one segment each time it passes 128.  In congestion avoidance an
increment below one segment also counts the ACK in snd_cwnd_cnt (reset when
the accumulator carries), and when the increment is 0 (cwnd > 2 rho^2 * 64)
cwnd grows by one once snd_cwnd_cnt reaches cwnd.  Per ACK, not per segment
acked.  Slow start is clamped to ssthresh.  Outside the Open state Hybla
falls back to Reno's increase.  Here srtt is the run's tcpi_rtt (srtt >> 3):
the scenarios' delays keep srtt/3.125 ms at least 0.4 ms from an integer.
"""
from ccmodel import Model, drive
from common import CA_OPEN

RTT0_US = 25000


def _frac_table():
    # 128 * 2^(k/8), k = 0..7, truncated to 1/128 as the kernel's table is
    return [int(128 * 2 ** (k / 8)) for k in range(8)]


FRACTION = _frac_table()


class Hybla(Model):
    def __init__(self, params):
        super().__init__(params)
        self.en = True
        self.cents = 0
        self.rho_3ls = 8
        self.minrtt = None

    def recalc(self, srtt8):
        self.rho_3ls = max(srtt8 // RTT0_US, 8)

    def init(self, e):
        self.srtt8 = e.srtt_us * 8
        self.recalc(self.srtt8)
        self.minrtt = self.srtt8

    def set_state(self, e, new):
        self.en = new == CA_OPEN

    def cong_avoid(self, e, cwnd, ssthresh, acked):
        srtt8 = e.srtt_us * 8
        if srtt8 < self.minrtt:
            self.recalc(srtt8)
            self.minrtt = srtt8
        if not self.en:
            # tcp_reno_cong_avoid()
            if cwnd < ssthresh:
                cwnd, acked = self.slow_start(cwnd, ssthresh, acked)
                if not acked:
                    return cwnd, ssthresh
            return self.ai(cwnd, cwnd, acked), ssthresh
        rho = self.rho_3ls >> 3
        frac = self.rho_3ls - (rho << 3)
        slowstart = cwnd < ssthresh
        if slowstart:
            inc = (1 << min(rho, 16)) * FRACTION[frac] - 128
        else:
            inc = ((self.rho_3ls * self.rho_3ls) << 1) // cwnd
            if inc < 128:
                self.cnt += 1
        cwnd += inc >> 7
        self.cents += inc % 128
        while self.cents >= 128:
            cwnd += 1
            self.cents -= 128
            self.cnt = 0
        if inc == 0 and self.cnt >= cwnd:
            cwnd += 1
            self.cnt = 0
        if slowstart:
            cwnd = min(cwnd, ssthresh)
        return min(cwnd, 65535), ssthresh


def expect(rows, script):
    return drive(Hybla, rows, script)
