#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Traffic and capture analysis for netns-tests/test-hdropt.sh and test-ccneg.sh.

  server PORT MODE [--tfo] [--out FILE] [--hold S]
      one connection; MODE echo (echo until EOF), verify (check the byte
      pattern until EOF) or hold (read nothing for S seconds, then drain);
      writes a JSON result (bytes, ok, the server socket's RTO) to FILE.
  client ADDR PORT MODE [--tfo] [--rounds N] [--bytes N] [--interval MS]
      MODE rr (N one-byte request/responses; reports the slowest), bulk (N pattern bytes, then
      wait for the server to close) or stopwait (N one-byte segments, each
      sent MS after the previous one was ACKed: one segment in flight, so
      the receiver's delayed ACK is what decides the pace); prints a JSON
      result with the client's TCP_INFO, its congestion control (TCP_CONGESTION,
      and as `ss -ti` shows it) and the rto `ss -ti` shows.
  pcap FILE PORT
      decodes a capture: one JSON object per TCP packet, with the
      max-delayed-ACK option (kind 253, ExID 0xDA1C) and the congestion-control
      negotiation option (kind 253, ExID 0xCC4E) decoded by this file's own
      parsers -- independent of include/bpftcp/*_opt.h on purpose.
  ackdelay FILE PORT RECEIVER_IP --skip N
      from a capture at the receiver: for each ACK that advances, how long
      the oldest byte it newly covers had waited (ms), leaving out the
      first N (a new connection ACKs its first segments at once).
"""
import json
import socket
import struct
import subprocess
import sys
import time

TCP_INFO = 11
TCP_CONGESTION = 13
TCPI_OPT_ECN = 8
TCPI_OPT_SYN_DATA = 32
MSG_FASTOPEN = 0x20000000


def pattern(off, n):
    return bytes(((i * 131 + 7) >> 1) & 0xFF for i in range(off, off + n))


def tcp_info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 104)
    options = raw[5]
    rto, ato = struct.unpack_from("II", raw, 8)
    unacked = struct.unpack_from("I", raw, 24)[0]
    rtt, rttvar = struct.unpack_from("II", raw, 68)
    cc = s.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).split(b"\0")[0].decode()
    return {"rto_us": rto, "ato_us": ato, "rtt_us": rtt, "rttvar_us": rttvar,
            "unacked": unacked, "syn_data": bool(options & TCPI_OPT_SYN_DATA),
            "cc": cc, "ecn": bool(options & TCPI_OPT_ECN)}


def ss_cc(sock):
    """The congestion control `ss -ti` shows for this connection (the token
    before wscale:/rto:, after flags such as ts, sack, ecn)."""
    me, peer = sock.getsockname()[1], sock.getpeername()[1]
    out = subprocess.run(["ss", "-Htin", f"sport = :{me} and dport = :{peer}"],
                         capture_output=True, text=True).stdout.split()
    for i, tok in enumerate(out):
        if tok.startswith(("wscale:", "rto:")) and i and ":" not in out[i - 1]:
            return out[i - 1]
    return None


def ss_rto(sock):
    """The rto `ss -ti` shows for this connection, in ms."""
    port = sock.getsockname()[1]
    out = subprocess.run(["ss", "-Htin", "state", "established", f"sport = :{port}"],
                         capture_output=True, text=True).stdout
    for tok in out.split():
        if tok.startswith("rto:"):
            return float(tok[4:])
    return None


def opt(args, name, default=None, conv=str):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return conv(v)
    return default


def flag(args, name):
    if name in args:
        args.remove(name)
        return True
    return False


def server(args):
    tfo = flag(args, "--tfo")
    out = opt(args, "--out")
    hold = opt(args, "--hold", 0.0, float)
    port, mode = int(args[0]), args[1]
    lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    if tfo:
        lst.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
    lst.bind(("::", port))
    lst.listen(16)
    conn, _ = lst.accept()
    res = {"bytes": 0, "ok": True, "ss_cc": ss_cc(conn)}
    if mode == "hold":
        time.sleep(hold)
    while True:
        data = conn.recv(65536)
        if not data:
            break
        if mode == "echo":
            conn.sendall(data)
        elif mode == "verify" and data != pattern(res["bytes"], len(data)):
            res["ok"] = False
        res["bytes"] += len(data)
    res.update(tcp_info(conn))
    conn.close()
    if out:
        with open(out, "w") as f:
            json.dump(res, f)


def client(args):
    tfo = flag(args, "--tfo")
    rounds = opt(args, "--rounds", 40, int)
    nbytes = opt(args, "--bytes", 1 << 20, int)
    interval = opt(args, "--interval", 10.0, float) / 1000
    addr, port, mode = args[0], int(args[1]), args[2]
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    res = {"ok": True}
    first = b"q"
    if tfo:
        # Data in the SYN: sendto with MSG_FASTOPEN connects and sends.
        s.sendto(first, MSG_FASTOPEN, (addr, port))
    else:
        s.connect((addr, port))
        if mode != "bulk":
            s.sendall(first)
    if mode == "rr":
        worst = 0.0
        for i in range(rounds):
            t = time.monotonic()
            if i:
                s.sendall(first)
            if s.recv(1) != first:
                res["ok"] = False
                break
            worst = max(worst, time.monotonic() - t)
            time.sleep(0.005)
        res["ss_rto_ms"] = ss_rto(s)
        res["max_round_ms"] = round(worst * 1000, 3)
    elif mode == "bulk":
        sent = 0
        while sent < nbytes:
            n = min(65536, nbytes - sent)
            s.sendall(pattern(sent, n))
            sent += n
        res["ss_cc"] = ss_cc(s)  # while connected
        s.shutdown(socket.SHUT_WR)
        s.recv(1)  # EOF once the server has read everything
        res["bytes"] = sent
    elif mode == "stopwait":
        for i in range(rounds):
            if i:
                s.sendall(first)
            deadline = time.monotonic() + 2
            while tcp_info(s)["unacked"] and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(interval)
    if "ss_cc" not in res:
        res["ss_cc"] = ss_cc(s)
    res.update(tcp_info(s))
    s.close()
    print(json.dumps(res))


# ------------------------------------------------------------ captures

def parse_delack(b):
    """This file's own reading of the option: (flags, us) or an error word."""
    if len(b) < 2 or b[1] > len(b):
        return "truncated"
    if b[1] != 7:
        return "length"
    if b[2] != 0xDA or b[3] != 0x1C:
        return "exid"
    if b[4] & 0xFE:
        return "reserved"
    units = b[5] << 8 | b[6]
    if units == 0:
        return "zero"
    if units > 10000:
        return "range"
    return {"flags": b[4], "us": units * 100}


def parse_ccneg(b):
    """This file's own reading of the ccneg option: {"ctl", "ids"} or an error word."""
    if len(b) < 2 or b[1] > len(b):
        return "truncated"
    if b[1] < 6 or b[1] > 13:
        return "length"
    ctl, ids = b[4], list(b[5:b[1]])
    if ctl & 0xFC or (ctl & 1 and not ctl & 2):
        return "reserved"
    if ctl & 2 and len(ids) != 1:
        return "length"
    if 255 in ids or (not ctl & 2 and 0 in ids):
        return "id"
    if len(set(ids)) != len(ids):
        return "duplicate"
    return {"ctl": ctl, "ids": ids}


def tcp_options(opts):
    """Walks TCP options; returns the delack result (or None), the ccneg one
    (or None) and the kinds."""
    i, kinds, delack, ccneg = 0, [], None, None
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        ln = opts[i + 1]
        kinds.append(kind)
        body = opts[i:i + ln]
        if kind == 253 and len(body) >= 4 and body[2:4] == b"\xda\x1c":
            delack = parse_delack(body)
        elif kind == 253 and len(body) >= 4 and body[2:4] == b"\xcc\x4e":
            ccneg = parse_ccneg(body)
        elif kind == 253 and len(body) >= 4 and delack is None:
            delack = "exid"
        i += ln
    return delack, ccneg, kinds


def read_pcap(path, port):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack_from(endian + "I", data, 20)[0]
    off, pkts = 24, []
    while off + 16 <= len(data):
        ts, frac, incl, _ = struct.unpack_from(endian + "IIII", data, off)
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = ts + frac / (1e9 if nano else 1e6)
        p = 14 if linktype == 1 else 0
        if linktype == 1:
            etype = struct.unpack_from("!H", frame, 12)[0]
        else:
            etype = 0x0800 if frame[0] >> 4 == 4 else 0x86DD
        if etype == 0x0800:
            ihl = (frame[p] & 15) * 4
            if frame[p + 9] != 6:
                continue
            src, dst = socket.inet_ntop(socket.AF_INET, frame[p + 12:p + 16]), \
                socket.inet_ntop(socket.AF_INET, frame[p + 16:p + 20])
            iplen = struct.unpack_from("!H", frame, p + 2)[0]
            l4, l4end = p + ihl, p + iplen
        elif etype == 0x86DD:
            if frame[p + 6] != 6:
                continue
            src, dst = socket.inet_ntop(socket.AF_INET6, frame[p + 8:p + 24]), \
                socket.inet_ntop(socket.AF_INET6, frame[p + 24:p + 40])
            l4, l4end = p + 40, p + 40 + struct.unpack_from("!H", frame, p + 4)[0]
        else:
            continue
        sport, dport, seq, ack, offflags = struct.unpack_from("!HHIIH", frame, l4)
        if port not in (sport, dport):
            continue
        doff = (offflags >> 12) * 4
        flags = offflags & 0x3F
        delack, ccneg, kinds = tcp_options(frame[l4 + 20:l4 + doff])
        pkts.append({"t": t, "src": src, "dst": dst, "sport": sport, "dport": dport,
                     "seq": seq, "ack": ack, "len": l4end - l4 - doff,
                     "syn": bool(flags & 2), "ackf": bool(flags & 16), "fin": bool(flags & 1),
                     "kinds": kinds, "delack": delack, "ccneg": ccneg,
                     "optlen": doff - 20})
    return pkts


def cmd_pcap(args):
    for p in read_pcap(args[0], int(args[1])):
        print(json.dumps(p))


def cmd_ackdelay(args):
    skip = opt(args, "--skip", 0, int)
    path, port, receiver = args[0], int(args[1]), args[2]
    pkts = read_pcap(path, port)
    if not pkts:
        print(json.dumps({"delays_ms": []}))
        return
    pending = []      # (seq_end, arrival time) of data not yet acked
    delays = []
    for p in pkts:
        if p["dst"] == receiver and p["len"] > 0:
            pending.append(((p["seq"] + p["len"]) & 0xFFFFFFFF, p["t"]))
        elif p["src"] == receiver and p["ackf"]:
            covered = [a for (end, a) in pending if (p["ack"] - end) & 0x80000000 == 0]
            if covered:
                delays.append(round((p["t"] - min(covered)) * 1000, 3))
                pending = [(end, a) for (end, a) in pending if (p["ack"] - end) & 0x80000000]
    delays = delays[skip:]
    d = sorted(delays)
    res = {"delays_ms": delays, "count": len(d)}
    if d:
        res.update({"max": d[-1], "median": d[len(d) // 2], "p90": d[min(len(d) - 1, int(len(d) * 0.9))]})
    print(json.dumps(res))


if __name__ == "__main__":
    cmds = {"server": server, "client": client, "pcap": cmd_pcap, "ackdelay": cmd_ackdelay}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])
