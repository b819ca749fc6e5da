# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A Reno-shaped skeleton shared by the models of dctcp, vegas, westwood,
veno, nv, cdg and lp (validate/models/ALG.py): the loop over a run's events
that predicts cwnd in the Open state and ssthresh when a reduction starts,
and resynchronises from the run while TCP's loss recovery owns cwnd.  Each
model plugs in its own algorithm through the hooks of class Model; nothing
here comes from include/bpftcp/ (see common.py).
"""
from common import CA_CWR, CA_DISORDER, CA_LOSS, CA_OPEN, AdditiveIncrease, events, \
    script_params, slow_start


def snd_nxt_before(ev, i, mss):
    """The sender's snd_nxt (relative to its ISN) when ACK i arrived: what
    the previous event left outstanding.  The peer's first ACK finds the
    initial window sent since 'established' (the application writes after
    the handshake)."""
    p = ev[i - 1]
    if p.kind == "established":
        return p.ack + p.cwnd * mss
    return p.ack + p.unacked * mss


class Model:
    """Reno by default; an algorithm overrides what differs."""

    # whether congestion avoidance counts ACKs (snd_cwnd_cnt) between
    # increases: after Loss that count is unknown until the next increase
    counts_acks = True

    def sample(self, e, prev):
        """The RTT sample the sender took from ACK @e (None without one): the
        peer's measure, or, for the ACK of a retransmission (only its
        timestamp echo gives a sample), that measure in whole milliseconds."""
        if e.sample_rtt_us is None or not e.delivered:
            return None
        if e.retrans == 0 and prev.retrans > 0 and e.acked and e.sacked < prev.sacked:
            return e.sample_rtt_us // 1000 * 1000
        return e.sample_rtt_us

    def __init__(self, params):
        self.p = params
        self.mss = params["mss"]
        self.cwnd = self.ssthresh = None
        self.ai = AdditiveIncrease()
        self.phase_unknown = False

    # --- hooks -------------------------------------------------------------
    def on_ack(self, ev, i):
        """Every ACK, before cong_avoid (pkts_acked / in_ack_event)."""

    def cong_avoid(self, e):
        """The Open state's growth for ACK e (Reno: slow start, then +1/RTT)."""
        if not e.acked:
            return
        if self.cwnd < self.ssthresh:
            self.cwnd, left = slow_start(self.cwnd, self.ssthresh, e.delivered)
            if left:
                self.cwnd = self.ai.step(self.cwnd, self.cwnd, left)
        else:
            self.cwnd = self.ai.step(self.cwnd, self.cwnd, e.delivered)

    def ssthresh_on_reduction(self, prev, e):
        """ssthresh when ACK e starts a reduction (CWR or Recovery) from a
        cwnd of prev.cwnd; None: not predicted."""
        return max(prev.cwnd // 2, 2)

    def ssthresh_on_rto(self, prev, e):
        return max(prev.cwnd // 2, 2)

    def resync(self, e):
        """Recovery set cwnd: take it (and ssthresh) from the run."""
        self.cwnd, self.ssthresh = e.cwnd, e.ssthresh
        self.ai = AdditiveIncrease()
        if e.ca_state == CA_OPEN and self.cwnd >= self.ssthresh:
            self.ai.count = e.delivered

    def predict_open(self, e):
        return {"cwnd": self.cwnd, "ssthresh": self.ssthresh}

    # --- the loop ------------------------------------------------------------
    def run(self, rows):
        ev = events(rows, self.mss)
        for e, row in zip(ev, rows):
            e.row = row
            e.unacked = int(row["unacked"])
            e.lost = int(row["lost"])
            e.retrans = int(row["retrans"])
        self.ev = ev
        out = [None] * len(ev)
        for i, e in enumerate(ev):
            prev = ev[i - 1] if i else None
            if prev is None or e.kind not in ("ack", "sack"):
                if e.kind == "rto" and prev is not None and prev.ca_state != CA_LOSS:
                    s = self.ssthresh_on_rto(prev, e)
                    if s is not None:
                        out[i] = {"ssthresh": s}
                    self.on_rto(e)
                self.cwnd, self.ssthresh = e.cwnd, e.ssthresh
                self.phase_unknown = False
                continue
            if prev.kind in ("ack", "sack") and prev.unacked == 0 and prev.ca_state == CA_OPEN \
                    and e.t_us - prev.t_us > int(prev.row["rto_us"]):
                # the first ACK after an idle period longer than the RTO:
                # the send that ended it restarted the algorithm
                # (CA_EVENT_TX_START, CA_EVENT_CWND_RESTART) and shrank cwnd
                # (tcp_cwnd_restart): take cwnd and ssthresh from the run
                self.on_idle_restart(ev, i)
                self.on_ack(ev, i)
                self.cong_avoid(e)
                self.resync(e)
                self.phase_unknown = self.counts_acks
                continue
            self.on_ack(ev, i)
            if prev.ca_state in (CA_OPEN, CA_DISORDER) and e.ca_state >= CA_CWR:
                s = self.ssthresh_on_reduction(prev, e)
                if s is not None:
                    out[i] = {"ssthresh": s}
            elif self.phase_unknown:
                # additive increase with an unknown counter: wait for the
                # run's next increase on a one-segment ACK (the counter
                # then restarts from 0)
                if e.ca_state == CA_OPEN and prev.ca_state == CA_OPEN and e.cwnd > prev.cwnd \
                        and e.delivered == 1:
                    self.phase_unknown = False
                    self.cwnd, self.ssthresh = e.cwnd, e.ssthresh
                    self.ai = AdditiveIncrease()
            elif (prev.ca_state == CA_OPEN and e.ca_state == CA_OPEN or
                  prev.ca_state == CA_LOSS and e.ca_state == CA_LOSS
                  and self.cwnd is not None and self.cwnd < self.ssthresh) \
                    and self.cwnd is not None:
                # Open, and slow start in Loss after an RTO (no reduction
                # runs: cong_avoid grows cwnd on every ACK that advances
                # snd_una, by what it delivered; above ssthresh, growth in
                # Loss depends on whether the sender was cwnd-limited, which
                # depends on timing: not predicted)
                self.cong_avoid(e)
                out[i] = self.predict_open(e)
            elif e.ca_state == CA_LOSS and self.counts_acks:
                self.phase_unknown = True
            if e.ca_state != CA_OPEN or prev.ca_state != CA_OPEN:
                if not (e.ca_state == CA_LOSS and out[i]):
                    self.resync(e)
                if prev.ca_state == CA_LOSS and e.ca_state == CA_OPEN and self.phase_unknown:
                    self.cwnd = None
            self.after(ev, i)
        return out

    def on_rto(self, e):
        pass

    def on_idle_restart(self, ev, i):
        """The first send after idle (CA_EVENT_TX_START / CWND_RESTART)."""

    def after(self, ev, i):
        """After ACK i's prediction (e.g. state kept per window)."""


def expect_with(cls, rows, script):
    return cls(script_params(script)).run(rows)
