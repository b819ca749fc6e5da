# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Reno (RFC 5681 with RFC 3465 byte counting, as Linux runs it): the worked
example of a model (docs/validation.md, "Adding an algorithm with no twin").

In the Open state every ACK grows cwnd: by the segments acked below
ssthresh (slow start), by one segment per cwnd acknowledged above it.  On
entering recovery (or CWR) ssthresh = max(cwnd / 2, 2).  While TCP's loss recovery
(PRR, undo) sets cwnd, the model predicts nothing; when the connection is
Open again it takes cwnd from the run and carries on.
"""
from common import CA_CWR, CA_DISORDER, CA_OPEN, AdditiveIncrease, events, script_params, slow_start


def expect(rows, script):
    ev = events(rows, script_params(script)["mss"])
    out = [None] * len(ev)
    cwnd = ssthresh = None
    ai = AdditiveIncrease()
    for i, e in enumerate(ev):
        prev = ev[i - 1] if i else None
        if prev is None or e.kind not in ("ack", "sack"):
            cwnd, ssthresh = e.cwnd, e.ssthresh
            continue
        if prev.ca_state in (CA_OPEN, CA_DISORDER) and e.ca_state >= CA_CWR:
            # this ACK started a reduction: ssthresh from the cwnd before it
            out[i] = {"ssthresh": max(prev.cwnd // 2, 2)}
        elif prev.ca_state == CA_OPEN and e.ca_state == CA_OPEN and cwnd is not None:
            if e.acked:
                if cwnd < ssthresh:
                    cwnd, left = slow_start(cwnd, ssthresh, e.acked)
                    if left:
                        cwnd = ai.step(cwnd, cwnd, left)
                else:
                    cwnd = ai.step(cwnd, cwnd, e.acked)
            out[i] = {"cwnd": cwnd, "ssthresh": ssthresh}
        if e.ca_state != CA_OPEN or prev.ca_state != CA_OPEN:
            # recovery sets cwnd; resynchronise from the run, with the
            # additive-increase counter reset as a reduction resets it (the
            # ACK that ends recovery already counts what it delivered)
            cwnd, ssthresh = e.cwnd, e.ssthresh
            ai = AdditiveIncrease()
            if e.ca_state == CA_OPEN and cwnd >= ssthresh:
                ai.count = e.delivered
    return out
