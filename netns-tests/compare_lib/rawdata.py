# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Readers for the raw files one comparison run leaves in its directory:

  run.json           the run's plan (written by compare before traffic)
  t0                 wall-clock time (s since the epoch) when traffic started
  ss.txt             'T <epoch>' lines, each followed by `ss -tinH` output
  ping.txt           `ping -D -n` output: '[epoch] ... icmp_seq=N ... time=X ms'
  iperf3-<id>.json   each flow's `iperf3 -J` client output
  linkem.json        the emulator's statistics (see netns-tests/linkem)

Everything is returned as plain dicts and lists; times stay absolute
(seconds since the epoch) so that they line up across sources.
"""

import json
import os
import re

_PING_RE = re.compile(r"^\[(?P<t>\d+\.\d+)\].*icmp_seq=(?P<seq>\d+).*time=(?P<rtt>[\d.]+) ms")
_ADDR_PORT_RE = re.compile(r"^(?P<addr>.*):(?P<port>\d+)$")
_RATE_RE = re.compile(r"^(?P<v>[\d.]+)(?P<unit>[KMG]?)bps$")
_RATE_SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9}


def read_json(path):
    with open(path) as f:
        return json.load(f)


def _rate_bps(token):
    m = _RATE_RE.match(token)
    if not m:
        return None
    return float(m.group("v")) * _RATE_SCALE[m.group("unit")]


def parse_ss_info(text):
    """The fields bpftcp uses from one `ss -ti` info line."""
    toks = text.split()
    info = {}
    if toks and ":" not in toks[0] and not toks[0][0].isdigit():
        # The first token is the congestion control's name (ss prints it
        # bare, before wscale/rto...), unless TCP_INFO was unavailable.
        info["cc"] = toks[0]
    for i, tok in enumerate(toks):
        key, sep, val = tok.partition(":")
        if sep:
            if key in ("cwnd", "ssthresh", "bytes_acked", "bytes_sent",
                       "bytes_retrans", "unacked", "lost", "data_segs_out",
                       "mss", "segs_out"):
                try:
                    info[key] = int(val)
                except ValueError:
                    pass
            elif key == "rtt":
                srtt, _, rttvar = val.partition("/")
                info["rtt_ms"] = float(srtt)
                info["rttvar_ms"] = float(rttvar) if rttvar else None
            elif key == "retrans":
                # retrans:<now outstanding>/<total>
                _, _, total = val.partition("/")
                info["retrans_total"] = int(total) if total else int(val)
        elif tok in ("delivery_rate", "pacing_rate", "send") and i + 1 < len(toks):
            rate = _rate_bps(toks[i + 1])
            if rate is not None:
                info[tok + "_bps"] = rate
        elif tok in ("ecn", "ecnseen"):
            info[tok] = True
    return info


def parse_ss(path):
    """{local_port: [sample, ...]} from the sampler's file; each sample is
    parse_ss_info()'s dict plus 't' (epoch s) and 'dport'."""
    flows = {}
    t = None
    pending = None
    with open(path) as f:
        for line in f:
            if line.startswith("T "):
                t = float(line.split()[1])
                pending = None
                continue
            if not line.strip() or t is None:
                continue
            if line[0].isspace() and pending is not None:
                sample = parse_ss_info(line)
                sample.update(pending)
                flows.setdefault(pending["sport"], []).append(sample)
                pending = None
                continue
            toks = line.split()
            # State Recv-Q Send-Q Local Peer (state is omitted when ss
            # filters on one state).
            addrs = [m for m in (_ADDR_PORT_RE.match(x) for x in toks) if m]
            if len(addrs) >= 2:
                pending = {"t": t, "sport": int(addrs[0].group("port")),
                           "dport": int(addrs[1].group("port"))}
    for samples in flows.values():
        samples.sort(key=lambda s: s["t"])
    return flows


def parse_ping(path):
    """[{'t': epoch s, 'seq': n, 'rtt_ms': x}] for every reply, and the
    number of echo requests sent (from ping's closing statistics)."""
    replies = []
    sent = None
    with open(path) as f:
        for line in f:
            m = _PING_RE.match(line)
            if m:
                replies.append({"t": float(m.group("t")), "seq": int(m.group("seq")),
                                "rtt_ms": float(m.group("rtt"))})
            elif "packets transmitted" in line:
                sent = int(line.split()[0])
    return replies, sent


def cumulative_acked(samples):
    """The (t, bytes_acked) cumulative series of one flow's ss samples, with
    repeated timestamps and counter decreases (never expected) dropped."""
    out = []
    for s in samples:
        if "bytes_acked" not in s:
            continue
        if out and (s["t"] <= out[-1][0] or s["bytes_acked"] < out[-1][1]):
            continue
        out.append((s["t"], s["bytes_acked"]))
    return out


def iperf3_totals(doc):
    """The numbers bpftcp uses from one `iperf3 -J` client document."""
    if "error" in doc:
        raise ValueError("iperf3 failed: %s" % doc["error"])
    end = doc["end"]
    sent, received = end["sum_sent"], end["sum_received"]
    return {
        "bytes_sent": sent["bytes"],
        "bytes_received": received["bytes"],
        "seconds": received["seconds"],
        "receiver_bps": received["bits_per_second"],
        "retransmits": sent.get("retransmits"),
        "sender_cc": end.get("sender_tcp_congestion"),
        "local_port": doc["start"]["connected"][0]["local_port"],
        "timestamp": doc["start"]["timestamp"]["timesecs"],
    }


def load_run(rundir):
    """Everything in one run directory, parsed."""
    plan = read_json(os.path.join(rundir, "run.json"))
    with open(os.path.join(rundir, "t0")) as f:
        t0 = float(f.read().split()[0])
    ss = parse_ss(os.path.join(rundir, "ss.txt"))
    ping, ping_sent = parse_ping(os.path.join(rundir, "ping.txt"))
    iperf = {}
    for flow in plan["flows"]:
        path = os.path.join(rundir, "iperf3-%d.json" % flow["id"])
        iperf[flow["id"]] = iperf3_totals(read_json(path))
    linkem_path = os.path.join(rundir, "linkem.json")
    linkem = read_json(linkem_path) if os.path.exists(linkem_path) else None
    return {"plan": plan, "t0": t0, "ss": ss, "ping": ping, "ping_sent": ping_sent,
            "iperf": iperf, "linkem": linkem}
