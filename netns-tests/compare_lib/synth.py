# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Synthetic run directories with known answers, in exactly the raw formats
that a real run leaves (ss, ping, iperf3 -J, linkem statistics), for the
tests of the analysis.  Rates are piecewise constant, so every summary
number has a closed form."""

import json
import os

T0 = 1700000000.0


def write_run(rundir, flows, duration=10.0, sample=0.1, ping_rtts=None,
              rate_bps=100e6, rtt_ms=40.0, queue=333, name="synthetic",
              scenario="pairs", retransmits=None, linkem=True, plan_extra=None,
              ss_flags=False, link_totals=None):
    """flows: [{"cc": name, "start": s, "rate": fn(t_rel) -> bit/s,
    "cwnd": fn(t_rel), "srtt": fn(t_rel) ms}]; ping_rtts: list of RTTs (ms)
    sent every 0.1 s from t0; ss_flags: ss prints 'ts sack' (and 'ecn
    ecnseen' for flows with "ecn") before the algorithm, as some ss
    versions do; link_totals: the emulator's data-direction counters to
    change.  Returns the plan."""
    os.makedirs(rundir, exist_ok=True)
    plan = {
        "name": name, "scenario": scenario, "title": "synthetic " + name,
        "link": {"rate_bps": rate_bps, "rtt_ms": rtt_ms, "queue_pkts": queue,
                 "loss": 0.0, "ecn_k": None},
        "ecn": False, "duration_s": duration, "server": "198.18.2.2",
        "flows": [], "convergence": {"window_s": 1.0, "threshold": 0.9,
                                     "hold_s": 2.0, "step_s": 0.1},
    }
    plan.update(plan_extra or {})
    n = int(round(duration / sample))
    ss_lines = []
    acked = [0.0] * len(flows)
    for i, fl in enumerate(flows):
        plan["flows"].append({"id": i + 1, "cc": fl["cc"], "start_s": fl["start"],
                              "duration_s": duration - fl["start"], "port": 5201 + i,
                              "cport": 40001 + i})
    for k in range(n + 1):
        t = k * sample
        ss_lines.append("T %.6f" % (T0 + t))
        for i, fl in enumerate(flows):
            if t < fl["start"] - 1e-9:
                continue
            if k > 0 and t - sample >= fl["start"] - 1e-9:
                # Integrate the (piecewise constant) rate over the interval
                # in 1 ms steps: exact for rates that change on 1 ms edges.
                steps = int(round(sample * 1000))
                for j in range(steps):
                    acked[i] += fl["rate"](t - sample + (j + 0.5) / 1000.0) / 8.0 / 1000.0
            ss_lines.append("0      0      198.18.1.2:%d 198.18.2.2:%d" % (40001 + i, 5201 + i))
            ss_lines.append(
                "\t %s%s wscale:7,7 rto:240 rtt:%.3f/1.5 ato:40 mss:1448 pmtu:1500 cwnd:%d "
                "bytes_sent:%d bytes_acked:%d segs_out:10 send 10.0Mbps pacing_rate 20.5Mbps "
                "delivery_rate %.1fMbps retrans:0/%d" % (
                    # ss prints the ECN flags before the algorithm's name.
                    ("ts sack " if ss_flags else "") +
                    ("ecn ecnseen " if fl.get("ecn") and ss_flags else ""),
                    fl["cc"], fl["srtt"](t), fl["cwnd"](t), int(acked[i]) + 1000,
                    int(round(acked[i])), fl["rate"](t) / 1e6, (retransmits or [0] * 99)[i]))
            # The control connection: same peer port, few bytes; must be
            # told apart by the client port.
            ss_lines.append("0      0      198.18.1.2:%d 198.18.2.2:%d" % (50001 + i, 5201 + i))
            ss_lines.append("\t %s wscale:7,7 rto:240 rtt:1.0/0.5 cwnd:10 bytes_acked:200" % fl["cc"])
    with open(os.path.join(rundir, "ss.txt"), "w") as f:
        f.write("\n".join(ss_lines) + "\n")
    with open(os.path.join(rundir, "t0"), "w") as f:
        f.write("%.6f\n" % T0)
    with open(os.path.join(rundir, "run.json"), "w") as f:
        json.dump(plan, f)
    for i, fl in enumerate(flows):
        secs = duration - fl["start"]
        doc = {"start": {"connected": [{"local_port": 40001 + i}],
                         "timestamp": {"timesecs": int(T0 + fl["start"])}},
               "end": {"sum_sent": {"bytes": int(round(acked[i])) + 1000,
                                    "retransmits": (retransmits or [0] * 99)[i]},
                       "sum_received": {"bytes": int(round(acked[i])), "seconds": secs,
                                        "bits_per_second": acked[i] * 8 / secs},
                       "sender_tcp_congestion": fl["cc"],
                       "receiver_tcp_congestion": fl["cc"]}}
        with open(os.path.join(rundir, "iperf3-%d.json" % (i + 1)), "w") as f:
            json.dump(doc, f)
    rtts = ping_rtts if ping_rtts is not None else [rtt_ms] * int(duration * 10)
    with open(os.path.join(rundir, "ping.txt"), "w") as f:
        f.write("PING 198.18.2.2 (198.18.2.2) 56(84) bytes of data.\n")
        for k, r in enumerate(rtts):
            f.write("[%.6f] 64 bytes from 198.18.2.2: icmp_seq=%d ttl=62 time=%.3f ms\n"
                    % (T0 + 0.1 * k + r / 1000, k + 1, r))
        f.write("\n--- 198.18.2.2 ping statistics ---\n")
        f.write("%d packets transmitted, %d received, 0%% packet loss, time 9999ms\n"
                % (len(rtts) + 2, len(rtts)))
    if linkem:
        tot = {"pkts_in": 1000, "bytes_in": 1500000, "pkts_out": 990, "bytes_out": 1485000,
               "lost": 3, "dropped": 7, "overflow": 0, "marked": 5, "not_ect": 0,
               "write_errors": 0, "bad_packets": 0, "in_flight": 0, "queue_max": 333,
               "mark_queue_min": None}
        tot.update(link_totals or {})
        down = dict(tot, dropped=0, lost=0, marked=0)
        doc = {"seed": 1, "elapsed_s": duration,
               "directions": {"up": {"params": {}, "totals": tot, "samples": []},
                              "down": {"params": {}, "totals": down, "samples": []}}}
        with open(os.path.join(rundir, "linkem.json"), "w") as f:
            json.dump(doc, f)
    return plan


def const(v):
    return lambda t: v


def steps(*edges):
    """steps((t0, v0), (t1, v1), ...): v_i from t_i on."""
    def fn(t):
        v = edges[0][1]
        for te, ve in edges:
            if t >= te - 1e-9:
                v = ve
        return v
    return fn


def pair_runs(kernel, port, pair_shares, control_shares, link=None, total_mbps=100.0,
              duration=20):
    """Run summaries of scenario pairs (as summary.summarize_run returns
    them, the fields the equivalence needs) with known shares: the port's
    share in the i-th pair run is pair_shares[i], the first-named kernel
    flow's in the i-th control control_shares[i]; runs alternate the
    orders (kernel first, port first, ...) as compare plans them."""
    link = link or {"rate_bps": 100e6, "rtt_ms": 40.0, "queue_pkts": 333, "loss": 0.0,
                    "ecn_k": None, "seed": 1}
    runs = []
    for i, (ps, cs) in enumerate(zip(pair_shares, control_shares)):
        kf = i % 2 == 0
        order, tag, rep = ("kernel-first" if kf else "port-first"), ("kf" if kf else "pf"), i // 2 + 1
        for role, ccs, share_flow, s in (
                ("pair", [kernel, port] if kf else [port, kernel], 2 if kf else 1, ps),
                ("control", [kernel, kernel], 1 if kf else 2, cs)):
            rates = [total_mbps * (s if fid == share_flow else 1 - s) for fid in (1, 2)]
            runs.append({
                "name": "pairs-%s%s-%s-%d" % (kernel, "" if role == "pair" else "-control", tag, rep),
                "scenario": "pairs", "duration_s": duration, "link": link, "disturbed": False,
                "flows": [{"id": fid, "cc": cc, "mean_mbps": r}
                          for fid, (cc, r) in enumerate(zip(ccs, rates), start=1)],
                "pair": {"kernel": kernel, "port": port, "role": role, "order": order,
                         "rep": rep, "share_flow": share_flow}})
    return runs


def write_ccneg_evidence(rundir, plan, server_cc=None, records=None, counters=None,
                        exports=None, tcp_ecn=None):
    """Scenario ccneg-fleet's evidence files for a run written by
    write_run() with plan_extra={"ccneg": ...}, all agreeing with the
    plan's expectations unless overridden: server_cc {flow id: (cc, ecn)}
    for the server's ss line, records {flow id: ccneg record} for both
    ends, counters {role: counters} ('server', 'client-N'), exports
    {flow id: the client record's export} (default: DCTCP's, updated, for
    a bpf_dctcp flow), tcp_ecn {flow id: its host's tcp_ecn} (default: the
    plan's, or the kernel's 2).  Each client host's records go to a file
    of its own (sockets-client.json, sockets-client2.json)."""
    cn = plan["ccneg"]
    server_cc = server_cc or {}
    records = records or {}
    counters = counters or {}
    tcp_ecn = tcp_ecn or {}
    roles = [("server", "/sys/fs/cgroup/t-server")] + [
        ("client-%d" % c["flow"], "/sys/fs/cgroup/t-client-%d" % c["flow"]) for c in cn["clients"]]
    with open(os.path.join(rundir, "ccneg-cgroups.txt"), "w") as f:
        f.write("".join("%s %s\n" % r for r in roles))
    with open(os.path.join(rundir, "ccneg-hosts.txt"), "w") as f:
        f.write("".join("client-%d %s %d\n" % (c["flow"], c["host"], tcp_ecn.get(
            c["flow"], 2 if c["tcp_ecn"] is None else c["tcp_ecn"])) for c in cn["clients"]))
    ss = ["T %.6f" % (T0 + plan["duration_s"] / 2)]
    socks = {"client": [], "client2": [], "server": []}
    for c in cn["clients"]:
        fl = plan["flows"][c["flow"] - 1]
        cc, ecn = server_cc.get(fl["id"], (c["expect"], c["ecn"]))
        ss.append("0      0      198.18.2.2:%d 198.18.1.2:%d" % (fl["port"], fl["cport"]))
        ss.append("\t %s%s wscale:7,7 rto:240 rtt:1.0/0.5 cwnd:10 bytes_received:999"
                  % ("ecn " if ecn else "", cc))
        name = c["expect"][4:] if c["expect"].startswith("bpf_") else c["expect"]
        rec = records.get(fl["id"], {"negotiated": True, "fallback": False, "chosen": name,
                                      "pref_index": 0})
        export = (exports or {}).get(fl["id"], {"algorithm": "dctcp", "alpha": 300,
                                                 "alpha_updates": 50}
                                     if c["expect"] == "bpf_dctcp" else None)
        socks[c["host"]].append({"state": "ESTAB", "local_port": fl["cport"],
                                "peer_port": fl["port"], "cc": c["expect"], "ccneg": rec,
                                "export": export})
        socks["server"].append({"state": "ESTAB", "local_port": fl["port"],
                                "peer_port": fl["cport"], "cc": c["expect"], "ccneg": rec})
        # iperf3's control connection, which negotiates too.
        socks["server"].append({"state": "ESTAB", "local_port": fl["port"],
                                "peer_port": 50001, "cc": "reno", "ccneg": None})
    with open(os.path.join(rundir, "ss-server.txt"), "w") as f:
        f.write("\n".join(ss) + "\n")
    for end in socks:
        if socks[end] or end != "client2":
            with open(os.path.join(rundir, "sockets-%s.json" % end), "w") as f:
                json.dump({"sockets": socks[end]}, f)
    attachments = []
    for role, path in roles:
        if role == "server":
            chosen = {c["expect"]: 2 for c in cn["clients"]}
        else:
            c = next(c for c in cn["clients"] if "client-%d" % c["flow"] == role)
            chosen = {c["expect"]: 2}
        attachments.append({"option": "ccneg", "cgroup": path, "counters": counters.get(role, {
            "offered": 2, "answered": 2, "chosen": chosen, "fallback": 0, "no_common": 0,
            "malformed": 0, "no_room": 0, "errors": 0})})
    with open(os.path.join(rundir, "ccneg-show.json"), "w") as f:
        json.dump({"attachments": attachments}, f)
