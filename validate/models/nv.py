# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""TCP-NV (L. Brakmo, "TCP-NV: An Update to TCP-Vegas", 2016), as Linux
6.18's tcp_nv.c runs it with its default parameters.

Per ACK (pkts_acked, Open or Disorder only, when the ACK has an RTT sample):
 - avg = (sample + last_avg) / 2 (the first sample after a reset is taken as
   is, and restarts the minimum: min_rtt = avg);
 - rate = bytes delivered over the acked segment's flight (delivered now
   minus delivered when the most recently sent segment it acks was sent)
   * 8e6 / (avg * 100), in 100 bit/s; the round keeps its largest;
 - min_rtt / min_rtt_new: smallest avg; 2 s after init (jiffies), and then
   every 3.75-6.25 s (random: the scenarios end before), min_rtt = min_rtt_new.
Once per round (the first ACK beyond the snd_nxt of the last round's end):
 cwnd_by_slope = max_rate * min_rtt / (80000 * mss) (packets the best rate
 needs at the minimum RTT), max_win = cwnd_by_slope + 10 (nv_pad);
 - cwnd > max_win: after 2 rounds and 30 samples (slow start) or 60 samples,
   ssthresh = max_win, cwnd -= max(2, 30% of cwnd - max_win) (or = max_win
   when the excess is <= 2), growth stops; with fewer than 60 samples but
   more than 10 rounds, growth stops;
 - cwnd <= max_win - 2 and 20+ samples: growth allowed (and the growth
   factor climbs back towards Reno after 8 such rounds);
 - otherwise nothing.  A decision restarts the sample and round counts.
Growth (cong_avoid) is Reno's while allowed: slow start, then +1 every cwnd
(<< -factor after an RTO: half speed per Loss) ACKed segments.  A reduction
(CWR, Recovery, Loss) stops growth and resets the round state when Open
again; ssthresh on loss = cwnd * 819 / 1024 (80 %).

The sample is the peer's (sample_rtt_us); the sender's is larger by up to
~1 ms (docs/validation.md), which moves cwnd_by_slope by up to 1 ms/min_rtt
of itself.  A decision that a shift within that range would change is not
predicted: the model follows the run there (takes its cwnd and ssthresh,
and whether it cut), and predicts again from the next decision that no
shift changes.
"""
from common import CA_DISORDER, CA_LOSS, CA_OPEN, AdditiveIncrease, INFINITE_SSTHRESH, \
    slow_start
from m1base import Model, expect_with, snd_nxt_before

PAD, PAD_BUFFER, MIN_CWND = 10, 2, 2
DEC_MULT, LOSS_DEC = 30 * 128 // 100, 819
DEC_MIN_CALLS, INC_MIN_CALLS, SS_MIN_CALLS = 60, 20, 30
STOP_RTT_CNT, RTT_MIN_CNT, GROWTH_NEG = 10, 2, 8
HZ = 250
JITTER_US = 1000


class Nv(Model):
    counts_acks = True

    def __init__(self, params):
        super().__init__(params)
        self.allow = True
        self.reset_pending = False
        self.factor = 0
        self.min_rtt = self.min_rtt_new = 0xFFFFFFFF
        self.min_cwnd = 4
        self.init_j = None
        self.reset_j = None
        self.lost = False		# a decision the jitter decides: follow the run
        self.delivered = 0		# tp->delivered (from 'established')
        self.sent_at = []		# (snd_nxt after event j, delivered then)
        self.reset_counters(1)

    def reset_counters(self, snd_una):
        self.no_cong = 0
        self.rtt_cnt = 0
        self.last_rtt = 0
        self.max_rate = 0
        self.start_seq = snd_una
        self.eval_cnt = 0
        self.last_una = snd_una

    def prior_delivered(self, end_seq):
        """tp->delivered when the segment ending at end_seq was sent."""
        for nxt, d in self.sent_at:
            if nxt >= end_seq:
                return d
        return self.sent_at[-1][1]

    def run(self, rows):
        # the first event ('established') starts the algorithm
        self.init_j = int(rows[0]["jiffies"]) if rows and rows[0].get("jiffies") else None
        if self.init_j is not None:
            self.reset_j = self.init_j + 2 * HZ
        if rows:
            self.sent_at.append((1 + int(rows[0]["cwnd"]) * self.mss, 0))
        return super().run(rows)

    def decide(self, cwnd, ssthresh, max_win):
        """The round's decision for a given max_win: ('cut', cwnd, ssthresh),
        ('grow',), ('stop',) or ('none',)."""
        if cwnd > max_win:
            if self.rtt_cnt < RTT_MIN_CNT:
                return ("none",)
            if ssthresh == INFINITE_SSTHRESH:
                if self.eval_cnt < SS_MIN_CALLS:
                    return ("none",)
            elif self.eval_cnt < DEC_MIN_CALLS:
                if self.allow and self.rtt_cnt > STOP_RTT_CNT:
                    return ("stop",)
                return ("none",)
            ss = max_win
            if cwnd - max_win > 2:
                cwnd -= max(2, ((cwnd - max_win) * DEC_MULT) >> 7)
            else:
                cwnd = max_win
            return ("cut", max(cwnd, MIN_CWND), ss)
        if cwnd <= max_win - PAD_BUFFER:
            if self.eval_cnt < INC_MIN_CALLS:
                return ("none",)
            return ("grow",)
        return ("none",)

    def on_ack(self, ev, i):
        e, prev = ev[i], ev[i - 1]
        # what this ACK delivered, and what its segments' flight was
        self.delivered += e.delivered
        # pkts_acked runs before the state machine of this ACK: with the
        # state the previous ACK left
        state_ok = prev.ca_state in (CA_OPEN, CA_DISORDER)
        if e.delivered and state_ok:
            self.acked(ev, i, e, prev)
        # set_state of this ACK (after pkts_acked)
        if e.ca_state >= 2 and prev.ca_state < 2:
            self.reset_pending = True
            self.allow = False
            if e.ca_state == CA_LOSS:
                self.enter_loss()
        if e.ca_state == CA_OPEN and prev.ca_state != CA_OPEN and self.reset_pending:
            self.reset_pending = False
            self.reset_counters(e.ack)
        # segments this ACK released were sent with tp->delivered as now
        self.sent_at.append((e.ack + e.unacked * self.mss, self.delivered))

    def enter_loss(self):
        if self.factor > 0:
            self.factor = 0
        if self.factor > -8:
            self.factor -= 1

    def acked(self, ev, i, e, prev):
        j = int(e.row["jiffies"]) if e.row.get("jiffies") else None
        bytes_acked = e.ack - self.last_una
        self.last_una = e.ack
        # the most recently sent segment this ACK delivered: the highest
        # SACKed one (when it SACKs) or the highest acked
        end = e.ack
        if e.sacked > prev.sacked or (e.sacked and e.acked == 0):
            end = e.ack + (e.sacked + 1) * self.mss
        pkts = self.delivered - self.prior_delivered(end)
        if pkts <= 0:
            return
        s = e.sample_rtt_us
        if self.last_rtt > 0:
            avg = (s * 128 + self.last_rtt * 128) >> 8
        else:
            avg = s
            self.min_rtt = avg << 1
        self.last_rtt = avg
        rate = (pkts * self.mss * 8000000) // (avg * 100)
        self.max_rate = max(self.max_rate, rate)
        self.eval_cnt = min(self.eval_cnt + 1, 255)
        self.min_rtt = min(self.min_rtt, avg)
        self.min_rtt_new = min(self.min_rtt_new, avg)
        if j is not None and self.reset_j is not None and j >= self.reset_j:
            self.min_rtt, self.min_rtt_new = self.min_rtt_new, 0xFFFFFFFF
            self.reset_j = None		# the next one is random: scenarios end before
            self.min_cwnd = max(self.min_cwnd // 2, 4)
        if e.ack <= self.start_seq:
            return
        self.start_seq = snd_nxt_before(ev, i, self.mss)
        self.rtt_cnt = min(self.rtt_cnt + 1, 255)
        if self.eval_cnt == 1 and bytes_acked >= (self.min_cwnd - 1) * self.mss \
                and self.min_cwnd < 81:
            self.min_cwnd = min(self.min_cwnd + 2, 81)
            self.start_seq += self.min_cwnd * self.mss
            self.eval_cnt = 0
            self.allow = True
            return
        cwnd = self.cwnd if (self.cwnd is not None and not self.lost) else prev.cwnd
        ssthresh = self.ssthresh if (self.ssthresh is not None and not self.lost) else prev.ssthresh
        slope = self.max_rate * self.min_rtt / (80000 * self.mss)
        eps = JITTER_US / self.min_rtt
        lo, hi = int(slope * (1 - eps)), int(slope * (1 + eps))
        outcomes = {w: self.decide(cwnd, ssthresh, w + PAD) for w in range(lo, hi + 1)}
        kinds = {o[0] for o in outcomes.values()}
        exact = len(set(outcomes.values())) == 1
        if exact:
            d = outcomes[lo]
            self.lost = False
        else:
            # the jitter decides which max_win: if the run's cwnd and ssthresh
            # are one allowed cut, predict it (and go on exactly); if it did
            # not cut and a shift allows that, follow the run; otherwise the
            # run did what no shift allows: predict the first cut (a mismatch)
            cut = [o for o in outcomes.values() if o[0] == "cut" and o[1] == e.cwnd
                   and o[2] == e.ssthresh]
            run_cut = e.ca_state == CA_OPEN and (e.cwnd < prev.cwnd or e.ssthresh != prev.ssthresh)
            rest = [o for o in outcomes.values() if o[0] != "cut"]
            if cut:
                d = cut[0]
                self.lost = False
            elif rest and not run_cut:
                d = rest[0]
                self.lost = True
            else:
                d = outcomes[lo]
                self.lost = False
        self.apply(d, cwnd)

    def apply(self, d, cwnd):
        if d[0] == "none":
            return
        if d[0] == "stop":
            self.allow = False
            return
        if d[0] == "cut":
            self.allow = False
            self.cwnd, self.ssthresh = d[1], d[2]
            if self.factor > 0:
                self.factor = 0
            self.no_cong = 0
        else:
            self.allow = True
            self.no_cong += 1
            if self.factor < 0 and self.no_cong > GROWTH_NEG:
                self.factor += 1
                self.no_cong = 0
        self.eval_cnt = 0
        self.rtt_cnt = 0
        self.max_rate = 0
        if self.cwnd is not None and self.cwnd < MIN_CWND:
            self.cwnd = MIN_CWND

    def cong_avoid(self, e):
        if not self.allow or not e.acked and not e.delivered:
            return
        acked = e.delivered
        if self.cwnd < self.ssthresh:
            self.cwnd, acked = slow_start(self.cwnd, self.ssthresh, acked)
            if not acked:
                return
        if self.factor < 0:
            w = self.cwnd << -self.factor
        else:
            w = max(4, self.cwnd >> self.factor)
        self.cwnd = self.ai.step(self.cwnd, w, acked)

    def resync(self, e):
        super().resync(e)
        if not self.allow:
            # the reduction zeroed snd_cwnd_cnt and NV's cong_avoid has not
            # run since (growth stopped)
            self.ai.count = 0

    def predict_open(self, e):
        if self.lost:
            self.cwnd, self.ssthresh = e.cwnd, e.ssthresh
            return None
        return {"cwnd": self.cwnd, "ssthresh": self.ssthresh}

    def ssthresh_on_reduction(self, prev, e):
        return max((prev.cwnd * LOSS_DEC) >> 10, 2)

    def ssthresh_on_rto(self, prev, e):
        return max((prev.cwnd * LOSS_DEC) >> 10, 2)

    def on_rto(self, e):
        self.reset_pending = True
        self.allow = False
        self.enter_loss()


def expect(rows, script):
    return expect_with(Nv, rows, script)
