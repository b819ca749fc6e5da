# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The TCP core around a congestion-control model: which hook Linux calls on
each ACK, in which order, with what (docs/validation.md, "Algorithms with no
native twin").  Written from the kernel's documented flow in tcp_ack()
(net/ipv4/tcp_input.c), not from any bpftcp header.

Per ACK, Linux runs, in this order:
  1. pkts_acked(sample)            packets cumulatively acked, the ACK's RTT
                                   sample; the state is still the one before
  2. ssthresh()                    when this ACK starts a reduction (CWR on
                                   ECE, Recovery on loss), from the cwnd before
                                   the ACK; snd_cwnd_cnt = 0; then set_state()
  3. set_state(new)                on every change of ca_state
  4. cong_avoid(ack, delivered)    unless in CWR or Recovery, when the ACK
                                   advanced snd_una (FLAG_DATA_ACKED)
An RTO (the 'rto' event) called ssthresh() with the cwnd of the last ACK,
set_state(Loss) and zeroed snd_cwnd_cnt.

A model subclasses Model and overrides the hooks.  The driver predicts cwnd
and ssthresh for every ACK that leaves the connection Open or Disorder after
an Open or Disorder one (the algorithm's own increase), and ssthresh at each
reduction it starts; while TCP's loss recovery sets cwnd, it predicts
nothing, but keeps calling the hooks on the run's cwnd so that the model's
own state (epochs, RTT filters, rounds) stays in step, and resynchronises
cwnd/ssthresh from the run when the connection is Open again.

Every model sees the sender as cwnd-limited (the scenarios use 'app bulk').
"""
from common import (CA_CWR, CA_DISORDER, CA_LOSS, CA_OPEN, CA_RECOVERY, AdditiveIncrease,
                    events, script_params, slow_start)

HZ = 250                # the host's CONFIG_HZ (docs/validation.md)


class Model:
    ts_round = "floor"  # how a timestamp RTT (whole ms) relates to the sample

    def __init__(self, params):
        self.p = params
        self.mss = params["mss"]
        self.aic = AdditiveIncrease()   # tp->snd_cwnd_cnt is self.aic.count
        self.snd_nxt = 0                # tp->snd_nxt as far as the CSV shows it

    @property
    def cnt(self):
        """tp->snd_cwnd_cnt"""
        return self.aic.count

    @cnt.setter
    def cnt(self, v):
        self.aic.count = v

    # --- the TCP core's helpers, as Linux has them -------------------------
    @staticmethod
    def jiffies(e):
        """The sender's jiffies at event e: the CSV's jiffies column, read
        with bpf_jiffies64() right after the sender processed the ACK (only
        differences matter)."""
        if e.jiffies is None:
            raise SystemExit("this model needs the CSV's jiffies column (a newer tcpscript)")
        return e.jiffies

    slow_start = staticmethod(slow_start)   # tcp_slow_start(): (cwnd, acked left over)

    def ai(self, cwnd, w, acked):
        """tcp_cong_avoid_ai(): one segment per w acked, on snd_cwnd_cnt."""
        return self.aic.step(cwnd, w, acked)

    # --- hooks (tcp_congestion_ops) ----------------------------------------
    def init(self, e):
        pass

    def pkts_acked(self, e, state):
        pass

    def ssthresh(self, e, cwnd):
        return max(cwnd // 2, 2)

    def set_state(self, e, new):
        pass

    def cong_avoid(self, e, cwnd, ssthresh, acked):
        """Returns (cwnd, ssthresh) after the ACK e (acked: segments delivered)."""
        return cwnd, ssthresh


def _extras(rows, evs, mss):
    for row, e in zip(rows, evs):
        e.unacked = int(row["unacked"])
        e.srtt_us = int(row["rtt_us"])
        e.retrans = int(row["retrans"])
        # snd_nxt after this event, as far as the sampled packets_out shows
        e.nxt = e.ack + e.unacked * mss
    for prev, e in zip(evs, evs[1:]):
        # An ACK that cumulatively acknowledges retransmitted data gives no
        # RTT sample of its own (Karn); Linux then takes the RTT from the
        # echoed timestamp, in whole milliseconds (tcp_ack_update_rtt()).
        e.ts_rtt = e.acked > 0 and e.retrans < prev.retrans
    evs[0].ts_rtt = False


def drive(cls, rows, script, trace=None):
    p = script_params(script)
    return _run(cls(p), rows, p, trace)


def _run(m, rows, p, trace):
    ev = events(rows, p["mss"])
    _extras(rows, ev, p["mss"])
    out = [None] * len(ev)
    cwnd = ssthresh = None
    for i, e in enumerate(ev):
        prev = ev[i - 1] if i else None
        if prev is None or e.kind == "established":
            m.snd_nxt = e.nxt
            m.init(e)
            cwnd, ssthresh = e.cwnd, e.ssthresh
            continue
        # snd_nxt when this ACK arrived: what the previous event left
        # outstanding; after the handshake, the initial window (the
        # application writes once the connection is established)
        m.snd_nxt = max(m.snd_nxt, prev.nxt if prev.kind != "established"
                        else prev.ack + prev.cwnd * m.mss)
        if e.kind == "rto":
            # the rto row (recorded when the retransmission arrives) still
            # counts the whole flight in packets_out: its snd_nxt includes
            # what the sender sent after the last ACK (a loss probe)
            m.snd_nxt = max(m.snd_nxt, e.nxt)
            if prev.ca_state <= CA_DISORDER:
                out[i] = {"ssthresh": m.ssthresh(e, prev.cwnd)}
            m.cnt = 0
            m.set_state(e, CA_LOSS)
            cwnd, ssthresh = e.cwnd, e.ssthresh
            continue
        if e.kind not in ("ack", "sack"):
            cwnd, ssthresh = e.cwnd, e.ssthresh
            continue
        m.prev_cwnd = prev.cwnd
        if e.sample_rtt_us is None:
            e.rtt_sample = None
        elif e.ts_rtt:
            ms = e.sample_rtt_us // 1000 + (1 if m.ts_round == "ceil" else 0)
            e.rtt_sample = max(ms, 1) * 1000
        else:
            e.rtt_sample = e.sample_rtt_us
        m.pkts_acked(e, prev.ca_state)
        if prev.ca_state <= CA_DISORDER and e.ca_state >= CA_CWR:
            out[i] = {"ssthresh": m.ssthresh(e, prev.cwnd)}
            m.cnt = 0
        if e.ca_state != prev.ca_state:
            m.set_state(e, e.ca_state)
        ran = e.acked > 0 and e.ca_state not in (CA_CWR, CA_RECOVERY)
        if prev.ca_state <= CA_DISORDER and e.ca_state <= CA_DISORDER:
            if ran:
                cwnd, ssthresh = m.cong_avoid(e, cwnd, ssthresh, e.delivered)
            out[i] = {"cwnd": cwnd, "ssthresh": ssthresh}
        else:
            if ran:
                if prev.ca_state in (CA_CWR, CA_RECOVERY):
                    # tcp_end_cwnd_reduction(): cwnd = ssthresh, then cong_avoid
                    m.cong_avoid(e, e.ssthresh, e.ssthresh, e.delivered)
                else:
                    m.cong_avoid(e, prev.cwnd, prev.ssthresh, e.delivered)
            cwnd, ssthresh = e.cwnd, e.ssthresh
        if trace is not None:
            trace(i, e, m, out[i])
    return out
