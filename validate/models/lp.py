# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""TCP-LP (Kuzmanovic and Knightly, INFOCOM 2003), as Linux 6.18's tcp_lp.c
runs it: Reno, plus an early congestion indication from a relative one-way
delay taken from the TCP timestamps.

Per ACK (pkts_acked), with TSval/TSecr the ACK's timestamps (the sender's
clock in ms, TCP_TS_HZ = 1000):
 - the remote clock rate: m = 1000 * dTSval / dTSecr against the previous
   ACK's pair (skipped when either is unchanged), rhz = 63/64 rhz + 1/64 m
   (<< 6 fixed point; the first m taken as is);
 - owd = TSval * (1000 / rhz) - TSecr, in u32 (integer division: 0 once rhz
   > 1000), valid when rhz and owd are non-zero; min, max (with the
   "reserved" max), sowd = 7/8 sowd + 1/8 owd (<< 3); only with an RTT sample;
 - inference = 3 * (now - TSecr) (ms); within inference when now - last drop
   < inference;
 - sowd >= min + 15 % (max - min): congestion: min = sowd, max = 2 sowd;
   cwnd = 1 within an inference, else cwnd / 2 (at least 1); last drop = now.
Reno's growth is suspended within an inference.  Losses: Reno.

Every input is logged per ACK by tcpscript (ts_val, ts_ecr: the sender's
clock, with no random offset under net.ipv4.tcp_timestamps=2) except the
sender's clock when it processes the ACK, taken as the ms at which the peer
wrote it (snd_clock_ms, the same CLOCK_MONOTONIC): the two differ only when
the write straddles a millisecond, which the model cannot see.
"""
from common import CA_OPEN
from m1base import Model, expect_with

M32 = 0xFFFFFFFF


def u32(x):
    return x & M32


class Lp(Model):
    def __init__(self, params):
        super().__init__(params)
        self.flag_rhz = self.flag_owd = self.within_inf = False
        self.sowd = 0
        self.owd_min = M32
        self.owd_max = self.owd_max_rsv = 0
        self.rhz = 0
        self.remote_ref = self.local_ref = 0
        self.last_drop = 0
        self.inference = 0
        self.usable = True

    def remote_hz(self, tsval, tsecr):
        rhz = self.rhz << 6
        if self.remote_ref and self.local_ref and tsval != self.remote_ref \
                and tsecr != self.local_ref:
            # u32 arithmetic throughout (the s64 m is never negative)
            m = u32(1000 * u32(tsval - self.remote_ref)) // u32(tsecr - self.local_ref)
            if rhz > 0:
                m -= rhz >> 6
                rhz += m
            else:
                rhz = m << 6
        self.flag_rhz = (rhz >> 6) > 0
        self.remote_ref, self.local_ref = tsval, tsecr
        return u32(rhz >> 6)

    def rtt_sample(self, tsval, tsecr):
        self.rhz = self.remote_hz(tsval, tsecr)
        owd = 0
        if self.flag_rhz:
            # u32 arithmetic: TSval * (1000 / rhz) - TSecr wraps (the s64
            # owd is never negative), so a longer delay is a larger owd
            owd = u32(u32(tsval * (1000 // self.rhz)) - tsecr)
        self.flag_owd = owd > 0
        if not (self.flag_rhz and self.flag_owd):
            return
        if owd < self.owd_min:
            self.owd_min = owd
        if owd > self.owd_max:
            if owd > self.owd_max_rsv:
                self.owd_max = owd if self.owd_max_rsv == 0 else self.owd_max_rsv
                self.owd_max_rsv = owd
            else:
                self.owd_max = owd
        if self.sowd:
            self.sowd = u32(self.sowd + owd - (self.sowd >> 3))
        else:
            self.sowd = u32(owd << 3)

    def on_ack(self, ev, i):
        e, prev = ev[i], ev[i - 1]
        r = e.row
        if not r.get("ts_val") or not r.get("snd_clock_ms"):
            self.usable = False
            return
        tsval, tsecr, now = int(r["ts_val"]), int(r["ts_ecr"]), u32(int(r["snd_clock_ms"]))
        if e.delivered and e.sample_rtt_us:
            self.rtt_sample(tsval, tsecr)
        delta = u32(now - tsecr)
        if delta and delta < 0x80000000:
            self.inference = u32(3 * delta)
        self.within_inf = bool(self.last_drop) and u32(now - self.last_drop) < self.inference
        thr = u32(self.owd_min + u32(15 * u32(self.owd_max - self.owd_min)) // 100)
        if (self.sowd >> 3) < thr:
            return
        self.owd_min = self.sowd >> 3
        self.owd_max = self.owd_max_rsv = self.sowd >> 2
        cwnd = self.cwnd if self.cwnd is not None else prev.cwnd
        cwnd = 1 if self.within_inf else max(cwnd >> 1, 1)
        if self.cwnd is not None:
            self.cwnd = cwnd
        self.last_drop = now

    def cong_avoid(self, e):
        if not self.within_inf:
            super().cong_avoid(e)

    def resync(self, e):
        super().resync(e)
        if self.within_inf:
            self.ai.count = 0	# cong_avoid did not run on this ACK

    def predict_open(self, e):
        if not self.usable:
            return None
        return super().predict_open(e)


def expect(rows, script):
    return expect_with(Lp, rows, script)
