# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""CAIA Delay-Gradient (Hayes and Armitage, IFIP Networking 2011), as Linux
6.18's tcp_cdg.c runs it with its default parameters.

CDG keeps, per round (ended by the first ACK beyond the snd_nxt of the
previous end), the smallest and largest RTT sample, and at each round's end
the gradient of those (summed over the last 8 rounds).  A positive gradient
backs off with probability 1 - exp(-grad * 42e-6): the draw is random, so the
model predicts only what it does not decide:
 - a backoff happens only at a round's end, never on any other ACK; it
   enters CWR with ssthresh = cwnd * 724 / 1024 (backoff_beta = 0.7071), and
   the shadow window keeps max(shadow, cwnd);
 - growth is Reno's (slow start, +1 per cwnd ACKed); each increase also
   grows the shadow window;
 - a loss (Recovery, RTO) sets shadow = min(shadow / 2, cwnd) and ssthresh =
   max(2, shadow, cwnd / 2) -- or 0.7 cwnd while a backoff's CWR is still
   on (state BACKOFF);
 - HyStart (per round, in slow start): the delay exit, ssthresh = cwnd once
   the round's smallest RTT (after 8 samples) exceeds 9/8 of the smallest
   ever; the ACK-train exit (a round's ACKs spanning more than half the
   minimum RTT at < 3 ms apart) cannot happen on the unspaced paths used.
The end of a CWR or Recovery (CA_EVENT_COMPLETE_CWR) restarts the round.
RTT samples: the peer's (sample_rtt_us); the delay exits used are 10+ ms
from their thresholds.
"""
from common import CA_CWR, CA_LOSS, CA_OPEN, CA_RECOVERY, INFINITE_SSTHRESH
from m1base import Model, expect_with, snd_nxt_before

BETA = int(0.7071 * 1024)
BACKOFF, UNKNOWN = 3, 0
NOT_AT_ROUND_END = -1	# a backoff predicted impossible: fails against any ssthresh


class Cdg(Model):
    def __init__(self, params):
        super().__init__(params)
        self.rtt_seq = 1
        self.rtt_min = self.rtt_max = 0
        self.delay_min = 0
        self.sample_cnt = 0
        self.shadow = None
        self.state = UNKNOWN
        self.boundary = False
        self.cwr_high = None	# the port's emulated CWR: its high_seq
        self.in_cwr = False	# this ACK is inside it (cwnd: PRR, followed)
        self.backoff_now = None	# this ACK backed off: the predicted ssthresh
        self.ca_called = False
        self.cwr_ended_by_kernel = False
        self.unexplained_exit = False

    def run(self, rows):
        if rows:
            self.shadow = int(rows[0]["cwnd"])
            self.rtt_seq = 1
            # the SYN-ACK's RTT sample reached pkts_acked before init, which
            # does not clear the round's filter: it is in the first round
            # (srtt after the handshake is that one sample)
            self.rtt_min = self.rtt_max = int(rows[0]["rtt_us"]) or 0
            # the initial window leaves when the connection is established;
            # the peer's sample starts at its read, which can lag by ~20 ms
            # (then the sender's first-round RTTs exceed 9/8 of the SYN's and
            # HyStart's delay check exits at the round's 9th sample)
            self.t_est = int(rows[0]["t_us"])
            self.iw_end = 1 + int(rows[0]["cwnd"]) * self.mss
        return super().run(rows)

    def on_ack(self, ev, i):
        e, prev = ev[i], ev[i - 1]
        self.boundary = False
        self.in_cwr = False
        self.backoff_now = None
        self.ca_called = False
        if e.delivered and e.sample_rtt_us and e.sample_rtt_us > 0 and prev.ca_state != CA_LOSS:
            s = e.sample_rtt_us
            if e.ack <= self.iw_end:
                s = max(s, e.t_us - self.t_est)	# sent at 'established
            self.rtt_min = s if not self.rtt_min else min(self.rtt_min, s)
            self.rtt_max = max(self.rtt_max, s)
        if self.cwr_high is not None:
            if e.ca_state != CA_OPEN:
                self.cwr_high = None	# the kernel's own reduction takes over
                self.cwr_ended_by_kernel = True
            elif e.ack > self.cwr_high:
                # (strictly above high_seq: tcp_fastretrans_alert holds CWR
                # until something above it is acked)
                # the emulated CWR ends (tcp_end_cwnd_reduction: cwnd =
                # ssthresh) and CA_EVENT_COMPLETE_CWR, before cong_avoid
                self.cwr_high = None
                self.state = UNKNOWN
                self.rtt_seq = snd_nxt_before(ev, i, self.mss)
                self.rtt_min = self.rtt_max = 0
                if self.ssthresh is not None:
                    self.cwnd = self.ssthresh
                self.ai.count = 0
            else:
                self.in_cwr = True
                return
        # cong_avoid runs unless the ACK leaves a CWR or Recovery in force
        if e.ca_state in (CA_CWR, CA_RECOVERY):
            return
        hystart_ss = None
        cwnd = self.cwnd if self.cwnd is not None else prev.cwnd
        ssthresh = self.ssthresh if self.ssthresh is not None else prev.ssthresh
        if cwnd < ssthresh:
            # HyStart's delay exit (the train exit does not occur here)
            self.delay_min = self.rtt_min if not self.delay_min else \
                min(self.delay_min, self.rtt_min or self.delay_min)
            if self.delay_min:
                if self.sample_cnt < 8:
                    self.sample_cnt += 1
                elif self.rtt_min > max(self.delay_min + self.delay_min // 8, 125):
                    hystart_ss = cwnd
                    if self.ssthresh is not None:
                        self.ssthresh = cwnd
        if e.ack > self.rtt_seq and (self.rtt_min or self.rtt_max):
            self.boundary = True
            self.rtt_seq = snd_nxt_before(ev, i, self.mss)
            self.rtt_min = self.rtt_max = 0
            self.sample_cnt = 0
        # a backoff: the port keeps the socket Open and emulates CWR (its
        # deviation 2): ssthresh changes in Open with no HyStart exit
        if prev.ca_state == CA_OPEN and e.ca_state == CA_OPEN and e.ssthresh != prev.ssthresh \
                and hystart_ss is None:
            if not self.boundary:
                self.backoff_now = NOT_AT_ROUND_END
            else:
                self.backoff_now = max(2, (cwnd * BETA) >> 10)
            self.shadow = max(self.shadow, cwnd)
            self.state = BACKOFF
            self.cwr_high = snd_nxt_before(ev, i, self.mss)
            self.ai.count = 0

    def cong_avoid(self, e):
        if self.in_cwr or self.backoff_now is not None:
            return		# not called in CWR; a backoff returns before growth
        self.ca_called = True
        before = self.cwnd
        super().cong_avoid(e)
        self.shadow = max(self.shadow, self.shadow + self.cwnd - before)

    def predict_open(self, e):
        if e.ssthresh <= 2 and self.ssthresh is not None and self.ssthresh <= 2:
            # at ssthresh 2 a backoff leaves ssthresh at 2 (max(2, 0.7 cwnd)):
            # the model cannot see it, so cwnd there is not predicted
            self.cwnd = e.cwnd
            self.phase_unknown = True
            return None
        if self.unexplained_exit:
            self.unexplained_exit = False
            return None
        if self.backoff_now is not None:
            p = {"cwnd": self.cwnd, "ssthresh": self.backoff_now}
            self.ssthresh = e.ssthresh
            return p
        if self.in_cwr:
            # PRR sets cwnd: follow it; ssthresh holds
            p = {"ssthresh": self.ssthresh}
            self.cwnd = e.cwnd
            return p
        return super().predict_open(e)

    def after(self, ev, i):
        e, prev = ev[i], ev[i - 1]
        # growth the model did not predict (Disorder, Loss above ssthresh):
        # the shadow window grows with it
        if (e.ca_state in (1, CA_LOSS) and prev.ca_state == e.ca_state or
                e.ca_state == CA_OPEN and prev.ca_state == CA_OPEN and not self.ca_called
                and not self.in_cwr and self.backoff_now is None) and e.cwnd > prev.cwnd:
            self.shadow += e.cwnd - prev.cwnd
        if prev.ca_state in (CA_CWR, CA_RECOVERY) and e.ca_state == CA_OPEN:
            # CA_EVENT_COMPLETE_CWR
            self.state = UNKNOWN
            self.rtt_seq = snd_nxt_before(ev, i, self.mss)	# before this ACK's sends
            self.rtt_min = self.rtt_max = 0

    def loss_ssthresh(self, cwnd):
        if self.state == BACKOFF:
            return max(2, (cwnd * BETA) >> 10)
        self.shadow = min(self.shadow >> 1, cwnd)
        return max(2, self.shadow, cwnd >> 1)

    def ssthresh_on_reduction(self, prev, e):
        if self.cwr_ended_by_kernel:
            # a reduction during the emulated CWR: ssthresh is not recomputed
            return prev.ssthresh
        if e.ca_state == CA_CWR and not e.ece:
            # a backoff: only at a round's end
            if not self.boundary:
                return NOT_AT_ROUND_END
            self.shadow = max(self.shadow, prev.cwnd)
            self.state = BACKOFF
            return max(2, (prev.cwnd * BETA) >> 10)
        return self.loss_ssthresh(prev.cwnd)

    def ssthresh_on_rto(self, prev, e):
        if self.cwr_high is not None:
            # an RTO during the (emulated) CWR: tcp_enter_loss() keeps ssthresh
            self.cwr_high = None
            return prev.ssthresh
        return self.loss_ssthresh(prev.cwnd)


def expect(rows, script):
    return expect_with(Cdg, rows, script)
