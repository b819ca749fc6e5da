# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""H-TCP (R. N. Shorten, D. J. Leith, "H-TCP: TCP for high-speed and
long-distance networks", PFLDnet 2004; D. Leith, R. Shorten, "H-TCP: TCP
congestion control for high bandwidth-delay product paths", IETF draft
2008), as Linux's tcp_htcp.c runs it with its defaults (RTT scaling and the
bandwidth switch on).

The draft: for Delta = time since the last congestion event,
alpha(Delta) = 1 for Delta <= Delta_L = 1 s, else
1 + 10 (Delta - Delta_L) + ((Delta - Delta_L) / 2)^2; the increase per RTT
is 2 (1 - beta) alpha, scaled by RTT / 100 ms (clamped to [0.5, 10]) so
that flows of different RTTs are fair; the backoff is
beta = RTT_min / RTT_max in [0.5, 0.8], but 0.5 whenever the throughput
achieved just before this congestion event differs by more than 20% from
the one before the previous event (the bandwidth switch), and 0.5 for the
first two events.

Linux computes all of this in jiffies (HZ = 250 here), with 7-bit fixed
point: Delta from the end of the last reduction (or from the start of the
connection, or of the reduction if it is undone), alpha recomputed at each
+1 of cwnd and at each congestion event; RTT samples rounded up to jiffies,
RTT_max raised only by samples within 20 ms above it, in Open state, and
aged to min + 95% (max - min) at each event; throughput measured once per
RTT (segments acked over jiffies elapsed) and averaged 3:1, restarted within
3 minimum RTTs of an event; snd_cwnd_cnt counts segments per ACK (the last
sample's count in Open, 1 otherwise) and cwnd + 1 when cnt * alpha / 128 >=
cwnd.  Time is the sender's jiffies at each event, from the CSV's jiffies
column (read with bpf_jiffies64() right after the ACK): nothing is fitted.
"""
from ccmodel import HZ, Model, drive
from common import CA_CWR, CA_DISORDER, CA_LOSS, CA_OPEN, CA_RECOVERY

BETA_MIN = 64
BETA_MAX = 102


def us_to_jiffies(us):
    return -(-us * HZ // 1000000)


def ms_to_jiffies(ms):
    return -(-ms * HZ // 1000)


class Htcp(Model):
    def __init__(self, params):
        super().__init__(params)
        self.alpha, self.beta, self.modeswitch = 128, BETA_MIN, 0
        self.acked = 1
        self.packetcount = 0
        self.min_rtt = self.max_rtt = 0
        self.last_cong = self.undo_last_cong = None
        self.undo_max_rtt = self.undo_old_maxb = 0
        self.minb = self.maxb = self.old_maxb = self.bi = 0
        self.lasttime = None
        self.prev_cwnd = 0

    def init(self, e):
        self.last_cong = self.jiffies(e)
        self.prev_cwnd = e.cwnd

    def ccount(self, now):
        return (now - self.last_cong) // self.min_rtt

    def pkts_acked(self, e, state):
        now = self.jiffies(e)
        cwnd = self.prev_cwnd      # snd_cwnd before this ACK's cong_avoid
        if state == CA_OPEN:
            self.acked = e.acked
        rtt = e.rtt_sample
        if rtt is not None and rtt > 0:
            j = us_to_jiffies(rtt)
            if self.min_rtt > j or not self.min_rtt:
                self.min_rtt = j
            if state == CA_OPEN:
                if self.max_rtt < self.min_rtt:
                    self.max_rtt = self.min_rtt
                if self.max_rtt < j <= self.max_rtt + ms_to_jiffies(20):
                    self.max_rtt = j
        if state not in (CA_OPEN, CA_DISORDER):
            self.packetcount = 0
            self.lasttime = now
            return
        self.packetcount += e.acked
        elapsed = now - self.lasttime if self.lasttime is not None else 1 << 40
        if (self.packetcount >= cwnd - ((self.alpha >> 7) or 1) and
                elapsed >= self.min_rtt and self.min_rtt > 0):
            cur = self.packetcount * HZ // elapsed
            if self.ccount(now) <= 3:
                self.minb = self.maxb = self.bi = cur
            else:
                self.bi = (3 * self.bi + cur) // 4
                self.maxb = max(self.maxb, self.bi)
                self.minb = min(self.minb, self.maxb)
            self.packetcount = 0
            self.lasttime = now

    def alpha_update(self, now):
        factor = 1
        diff = now - self.last_cong
        if diff > HZ:
            diff -= HZ
            factor = 1 + (10 * diff + ((diff // 2) * (diff // 2) // HZ)) // HZ
        if self.min_rtt:
            scale = (HZ << 3) // (10 * self.min_rtt)
            scale = min(max(scale, 1 << 2), 10 << 3)
            factor = ((factor << 3) // scale) or 1
        self.alpha = 2 * factor * (128 - self.beta) or 128

    def ssthresh(self, e, cwnd):
        now = self.jiffies(e)
        maxb, old = self.maxb, self.old_maxb
        self.old_maxb = maxb
        if not (4 * old <= 5 * maxb <= 6 * old):
            self.beta, self.modeswitch = BETA_MIN, 0
        elif self.modeswitch and self.min_rtt > ms_to_jiffies(10) and self.max_rtt:
            self.beta = min(max((self.min_rtt << 7) // self.max_rtt, BETA_MIN), BETA_MAX)
        else:
            self.beta, self.modeswitch = BETA_MIN, 1
        self.alpha_update(now)
        if self.min_rtt > 0 and self.max_rtt > self.min_rtt:
            self.max_rtt = self.min_rtt + (self.max_rtt - self.min_rtt) * 95 // 100
        return max((cwnd * self.beta) >> 7, 2)

    def set_state(self, e, new):
        now = self.jiffies(e)
        if new == CA_OPEN:
            if self.undo_last_cong is not None:
                self.last_cong = now
                self.undo_last_cong = None
        elif new in (CA_CWR, CA_RECOVERY, CA_LOSS):
            self.undo_last_cong = self.last_cong
            self.undo_max_rtt, self.undo_old_maxb = self.max_rtt, self.old_maxb
            self.last_cong = now

    def cong_avoid(self, e, cwnd, ssthresh, acked):
        if cwnd < ssthresh:
            cwnd = self.slow_start(cwnd, ssthresh, acked)[0]
        else:
            if (self.cnt * self.alpha) >> 7 >= cwnd:
                cwnd += 1
                self.cnt = 0
                self.alpha_update(self.jiffies(e))
            else:
                self.cnt += self.acked
            self.acked = 1
        return cwnd, ssthresh


def expect(rows, script):
    return drive(Htcp, rows, script)
