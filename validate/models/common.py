# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Shared pieces of the independent models (validate/models/ALG.py).

A model is written from the algorithm's paper or RFC and the kernel's
documented behaviour, never from the header the BPF code uses
(include/bpftcp/*.h): it is a second implementation, so that a shared
mistake cannot hide.  Each model module has

    expect(rows, script) -> list

with one entry per CSV row of a bpf_ALG run (rows: csv.DictReader dicts,
values are strings; script: the scenario file's path): None where the model
does not predict that event (e.g. while TCP's loss recovery, not the
algorithm, sets cwnd), or a dict of the fields it predicts ("cwnd",
"ssthresh") after that event.  validate/compare.py gates each predicted
field with the scenario's 'tolerance' line, and fails a model that
predicts fewer than half of the events.
"""

CA_OPEN, CA_DISORDER, CA_CWR, CA_RECOVERY, CA_LOSS = range(5)
INFINITE_SSTHRESH = 0x7FFFFFFF


def duration_us(text):
    for unit, mult in (("us", 1), ("ms", 1000), ("s", 1000000)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * mult
    raise ValueError(f"bad duration {text!r}")


def script_params(path):
    """What a model needs from the script: mss (payload bytes per segment), the initial path (delay_us,
    ackevery, spacing_us), ecn, and the command lines in order."""
    p = {"mss": 1000, "delay_us": 0.0, "ackevery": 1, "spacing_us": 0.0, "ecn": False,
         "commands": []}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            p["commands"].append(words)
            kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            if words[0] == "connect":
                # the segment size: the MSS less the 12 bytes of timestamps
                p["mss"] = int(kv.get("mss", p["mss"])) - (12 if "ts" in words[1:] else 0)
                p["ecn"] = "ecn" in words[1:]
            elif words[0] == "path" and "connect" not in (c[0] for c in p["commands"][:-1]):
                if "delay" in kv:
                    p["delay_us"] = duration_us(kv["delay"])
                if "spacing" in kv:
                    p["spacing_us"] = duration_us(kv["spacing"])
                if "ackevery" in kv:
                    p["ackevery"] = int(kv["ackevery"])
    return p


class Event:
    """One CSV row as numbers, with the inputs the ACK gave the sender."""

    def __init__(self, row, prev_ack, mss):
        self.n = int(row["event"])
        self.t_us = int(row["t_us"])
        self.kind = row["kind"]
        self.ack = int(row["ack"])
        self.cwnd = int(row["cwnd"])
        self.ssthresh = int(row["ssthresh"])
        self.ca_state = int(row["ca_state"])
        self.sacked = int(row["sacked"])	# SACKed segments outstanding after it
        self.ece = row.get("ece") == "1"
        sample = row.get("sample_rtt_us", "")
        self.sample_rtt_us = int(sample) if sample else None
        # the sender's jiffies at this event (bpf_jiffies64() read right
        # after the ACK was processed, relative to the run's start)
        j = row.get("jiffies", "")
        self.jiffies = int(j) if j else None
        # segments newly acknowledged cumulatively by this ACK
        self.acked = max(0, (self.ack - prev_ack) // mss) if prev_ack is not None else 0


def events(rows, mss):
    out, prev = [], None
    for row in rows:
        e = Event(row, prev.ack if prev else None, mss)
        # delivered: segments this ACK newly delivered (cumulatively acked
        # and not SACKed before, or newly SACKed), what Linux hands cong_avoid
        e.delivered = max(0, e.acked - prev.sacked + e.sacked) if prev else 0
        out.append(e)
        prev = e
    return out


def slow_start(cwnd, ssthresh, acked):
    """RFC 5681 slow start as Linux applies it (RFC 3465 ABC with L = acked):
    grow by the segments acked, up to ssthresh; returns (cwnd, acked left)."""
    new = min(cwnd + acked, ssthresh)
    return new, acked - (new - cwnd)


class AdditiveIncrease:
    """Linux's per-ACK additive increase, tcp_cong_avoid_ai(): one segment
    each time w segments have been acknowledged (w = cwnd for Reno's +1 per
    RTT); count is tp->snd_cwnd_cnt."""

    def __init__(self):
        self.count = 0

    def step(self, cwnd, w, acked):
        if self.count >= w:
            self.count = 0
            cwnd += 1
        self.count += acked
        if self.count >= w:
            delta = self.count // w
            self.count -= delta * w
            cwnd += delta
        return cwnd
