# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Readers for the raw files one comparison run leaves in its directory:

  run.json           the run's plan (written by compare before traffic)
  t0                 wall-clock time (s since the epoch) when traffic started
  ss.txt             'T <epoch>' lines, each followed by `ss -tinoH` output
  ping.txt           `ping -D -n` output: '[epoch] ... icmp_seq=N ... time=X ms'
  iperf3-<id>.json   each flow's `iperf3 -J` client output
  linkem.json        the emulator's statistics (see netns-tests/linkem)
  linkem_t0          wall-clock time just before the emulator started (its
                     queue samples' times count from its start)

and, in scenario ccneg-fleet (compare_lib/run-one.sh):

  ss-client2.txt     the sampler's file of the second client host, if any
                     (its sockets join ss.txt's)
  ss-server.txt      one `ss -tinoH` of the server, in ss.txt's format
  sockets-client.json, sockets-client2.json, sockets-server.json
                     `bpftcp -j sockets` of each host, taken with it (the
                     client hosts' are read as one document)
  ccneg-show.json    `bpftcp -j opt show ccneg` at the end of the run
  ccneg-cgroups.txt  '<role> <cgroup path>' of each ccneg attachment
  ccneg-hosts.txt    '<role> <host> <tcp_ecn>' of each client

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
# Bare words of an `ss -ti` line that are not the algorithm's name: the
# options' flags ss prints before it, and words that come later.
_SS_FLAGS = ("ts", "sack", "ecn", "ecnseen", "fastopen")
_SS_WORDS = ("send", "pacing_rate", "delivery_rate", "app_limited")


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
    # ss prints the options' flags first (ts sack ecn ecnseen fastopen),
    # then the congestion control's name bare, before wscale/rto... (no
    # name when TCP_INFO was unavailable).
    first = 0
    while first < len(toks) and toks[first] in _SS_FLAGS:
        first += 1
    if first < len(toks) and ":" not in toks[first] and not toks[first][0].isdigit() and \
            toks[first] not in _SS_WORDS:
        info["cc"] = toks[first]
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
        elif tok in _SS_FLAGS:
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
        "receiver_cc": end.get("receiver_tcp_congestion"),
        "local_port": doc["start"]["connected"][0]["local_port"],
        "timestamp": doc["start"]["timestamp"]["timesecs"],
    }


def load_run(rundir):
    """Everything in one run directory, parsed."""
    plan = read_json(os.path.join(rundir, "run.json"))
    with open(os.path.join(rundir, "t0")) as f:
        t0 = float(f.read().split()[0])
    ss = parse_ss(os.path.join(rundir, "ss.txt"))
    more = os.path.join(rundir, "ss-client2.txt")
    if os.path.exists(more):
        ss.update(parse_ss(more))
    ping, ping_sent = parse_ping(os.path.join(rundir, "ping.txt"))
    iperf = {}
    for flow in plan["flows"]:
        path = os.path.join(rundir, "iperf3-%d.json" % flow["id"])
        iperf[flow["id"]] = iperf3_totals(read_json(path))
    linkem_path = os.path.join(rundir, "linkem.json")
    linkem = read_json(linkem_path) if os.path.exists(linkem_path) else None
    raw = {"plan": plan, "t0": t0, "ss": ss, "ping": ping, "ping_sent": ping_sent,
           "iperf": iperf, "linkem": linkem, "linkem_t0": None}
    if os.path.exists(os.path.join(rundir, "linkem_t0")):
        with open(os.path.join(rundir, "linkem_t0")) as f:
            raw["linkem_t0"] = float(f.read().split()[0])
    if plan.get("ccneg"):
        raw["ccneg"] = load_ccneg(rundir)
    return raw


def load_ccneg(rundir):
    """Scenario ccneg-fleet's evidence files; a missing or unreadable one
    is None (the summary then says what evidence is missing)."""
    def maybe(name, reader):
        path = os.path.join(rundir, name)
        try:
            return reader(path)
        except (OSError, ValueError):
            return None

    def cgroups(path):
        with open(path) as f:
            return dict(line.split(None, 1) for line in f.read().splitlines() if line.strip())

    def hosts(path):
        with open(path) as f:
            return {role: {"host": host, "tcp_ecn": int(ecn)} for role, host, ecn in
                    (line.split() for line in f.read().splitlines() if line.strip())}

    clients = [d for d in (maybe("sockets-%s.json" % h, read_json) for h in ("client", "client2"))
               if d is not None]
    return {"server_ss": maybe("ss-server.txt", parse_ss) or {},
            "sockets_client": {"sockets": [s for d in clients for s in d.get("sockets", [])]}
            if clients else None,
            "sockets_server": maybe("sockets-server.json", read_json),
            "show": maybe("ccneg-show.json", read_json),
            "cgroups": maybe("ccneg-cgroups.txt", cgroups) or {},
            "hosts": maybe("ccneg-hosts.txt", hosts) or {}}
