#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A hostile TCP peer for the header-option programs (issue #17, part 1).

Crafted segments, built byte by byte here (Python's standard library only:
an IPPROTO_RAW socket sends, an AF_PACKET socket listens), are thrown at a
server and at a client whose cgroup has delack attached.  Each variant's
expected counter deltas are in the table built by variants(); the run
asserts them, the option the victim answers with, and the RTO `ss -ti`
shows on the victim's connection.

The generator speaks from addresses that no interface in its namespace holds
(the test points the router's neighbour entries for them at the attacker's
veth), so its namespace's kernel drops the victim's replies without answering
them with RSTs -- no firewall is needed -- while the AF_PACKET socket still
sees them.

  attack --role server|client ...   run the variants (see --help)
  table [--hz N] [--floor-ms MS] [--ceiling-ms MS] [--collapse]
                                    print the variant table as markdown
  report FILE...                    the totals of attack results (JSON)
  hold PORT                         victim server: accept, say hello, hold
  connector                         victim client: connects on command
  echo PORT --out FILE              the legitimate server: echo, sha256
  legit ADDR PORT --stop FILE --out FILE
                                    the legitimate client: send random data
                                    until FILE exists, check the echo
  kmsg-mark / kmsg-check SEQ        kernel log: last sequence number; new
                                    warnings since it (exit 1 if any)

Adding a second option (ccneg) is a data addition: a Codec entry in CODECS
with its wire form, its generic malformed family comes from the same
builders, and its own limit forms and expected deltas from its codec.
"""
import argparse
import ctypes
import hashlib
import json
import os
import random
import re
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time

# ------------------------------------------------------------------ codecs

NOP, EOL = 1, 0
FLOOD_PORT = 40000      # the flood's source ports start here
CLONE_NEWNET = 0x40000000
TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
# The victim applications send LINES lines, LINE_GAP s apart; the generator
# ACKs each segment, so the victim takes one RTT sample after another and
# its RTO converges on whatever minimum it set (the kernel lets the RTO
# variance fall towards a lowered minimum by a quarter per round trip).
HELLO = b"hello\n"
LINES = 12
LINE_GAP = 0.003


class Codec:
    """One header option as the attacker sees it (no shared code with the
    C codec on purpose: an independent reading of docs/hdropt-delack.md)."""

    def __init__(self, name, kind, exid, length, counters):
        self.name, self.kind, self.exid, self.length = name, kind, exid, length
        self.counters = counters

    def head(self, length=None, kind=None, exid=None):
        return bytes([self.kind if kind is None else kind,
                      self.length if length is None else length]) + \
            struct.pack("!H", self.exid if exid is None else exid)

    def find(self, opts):
        """Our option's bytes in an option block, or None (a parser of the
        block as the kernel's: stop at EOL or at a bad length)."""
        i = 0
        while i < len(opts):
            k = opts[i]
            if k == EOL:
                return None
            if k == NOP:
                i += 1
                continue
            if i + 1 >= len(opts) or opts[i + 1] < 2 or i + opts[i + 1] > len(opts):
                return None
            ln = opts[i + 1]
            if k == self.kind and ln >= 4 and struct.unpack_from("!H", opts, i + 2)[0] == self.exid:
                return opts[i:i + ln]
            i += ln
        return None


class Delack(Codec):
    UNIT_US = 100
    MAX_UNITS = 10000
    RESEND = 0x01

    def __init__(self):
        super().__init__("delack", 253, 0xDA1C, 7,
                         ("sent", "received", "malformed", "clamped", "applied", "errors"))

    def opt(self, units, flags=0, length=None, kind=None, exid=None):
        return self.head(length, kind, exid) + bytes([flags]) + struct.pack("!H", units & 0xFFFF)

    def decode(self, b):
        """(flags, us) of a valid option, or None."""
        if b is None or len(b) != 7 or b[1] != 7 or b[4] & 0xFE:
            return None
        units = struct.unpack_from("!H", b, 5)[0]
        if not 1 <= units <= self.MAX_UNITS:
            return None
        return b[4], units * self.UNIT_US


DELACK = Delack()
CODECS = {"delack": DELACK}


def pad(block):
    """An option block padded with NOPs to whole 32-bit words."""
    return block + bytes([NOP]) * (-len(block) % 4)


# ---------------------------------------------------------------- policy

class Policy:
    """An attachment's settings, from 'bpftcp -j opt show'; the RTO minimum
    it applies for a peer's promise (docs/hdropt-delack.md, "What is
    applied"), computed here from the document, not from the C code."""

    def __init__(self, settings):
        self.hz = settings["hz"]
        self.floor = settings["rto_floor_us"]
        self.ceiling = settings["rto_ceiling_us"]
        self.advertised = settings["advertised_us"]

    def margin(self):
        return 2 * 1000000 // self.hz

    def rto_min(self, peer_us):
        """(rto minimum in us, clamped?)"""
        lo = max(2 * 1000000 // self.hz, self.floor)
        hi = min(200000, self.ceiling)
        want = peer_us + self.margin()
        if want < lo:
            return lo, True
        if want > hi:
            return hi, True
        return want, False

    def units_for(self, rto_us):
        """The smallest promise (units) whose RTO minimum is at least rto_us."""
        return max(1, -(-(rto_us - self.margin()) // DELACK.UNIT_US))


# --------------------------------------------------------------- variants
#
# A variant is one connection attempt (or, for the flood, many).  Fields:
#   name     unique; target "server" or "client"; scope True when the
#            attacker's address is in the victim's --peers
#   first    the option block of the SYN (server) or SYN-ACK (client)
#   payload  bytes after the options in that segment
#   answer   (server) what the SYN-ACK must carry: None, or the flags of a
#            valid option with the server's advertised value
#   repeat   (client) whether the client's third ACK repeats its option
#   complete False: the attacker resets instead of completing the handshake
#   after    segments the attacker sends once established:
#            ("ack"|"data"|"fin"|"rst"|"syn"|"synack", option block)
#   cookies  the victim's net.ipv4.tcp_syncookies for this variant
#   expect   {program: {counter: delta}}: the counters' expected change
#   rto_us   the least RTO the victim's connection may show afterwards
#            (None: no connection is left to read)
#
# Where a delta comes from (delack):
#   server, valid SYN option: received + sent when the SYN-ACK answers it,
#       applied (and clamped if the floor or ceiling moved it) when the ACK
#       makes the connection.
#   server, malformed SYN option: malformed twice when the handshake
#       completes: once when the SYN-ACK is built, once more when the
#       connection is made and the saved SYN is read again.
#   server, truncated (length byte past the option space, or < 2), or an
#       option whose ExID does not fit in its length: the kernel's option
#       walk (bpf_load_hdr_opt) fails before the program sees bytes, so no
#       counter moves -- the connection is an ordinary one.
#   client: sent for its SYN when the server is in scope; then the
#       SYN-ACK's option, read once: received + applied (+ clamped), or
#       malformed.
#   a peer out of --peers scope: nothing, on either side.

class V:
    def __init__(self, name, target, first=b"", *, scope=True, payload=b"", answer="auto",
                 repeat=False, complete=True, after=(), cookies=None, expect=None,
                 rto_us=200000, family="", handling=""):
        self.name, self.target, self.first, self.scope = name, target, first, scope
        self.payload, self.answer, self.repeat, self.complete = payload, answer, repeat, complete
        self.after, self.cookies, self.expect, self.rto_us = list(after), cookies, expect, rto_us
        self.family, self.handling = family, handling

    def row(self):
        exp = ", ".join(f"{k} +{v}" for k, v in sorted(self.expect.get("delack", {}).items()) if v)
        segs = " ".join([("SYN" if self.target == "server" else "SYN-ACK") +
                         (f"[{self.first.hex()}]" if self.first else "")] +
                        [f"{k.upper()}" + (f"[{o.hex()}]" if o else "") for k, o in self.after])
        return (self.name, self.target, segs, self.handling, exp or "none",
                "-" if self.rto_us is None else f">= {self.rto_us / 1000:g} ms")


def outcome_expect(target, kind, pol, value_us=0, scope=True):
    """Expected delack deltas and least RTO for an option form whose
    outcome is kind: "valid", "malformed" or "ignored" (see above)."""
    d = {}
    rto = 200000
    if target == "client" and scope:
        d["sent"] = 1
    if scope and kind == "valid":
        rto, clamped = pol.rto_min(value_us)
        d.update(received=1, applied=1)
        if clamped:
            d["clamped"] = 1
        if target == "server":
            d["sent"] = 1
    elif scope and kind == "malformed":
        d["malformed"] = 2 if target == "server" else 1
    return {"delack": d}, rto


def option_forms(pol):
    """(family, name, option block, payload, outcome, value_us, handling)
    for every form of the option itself; valid ones carry a promise."""
    D = DELACK
    ok_units = 500                       # 50 ms: inside the floor..ceiling band
    forms = []

    def add(family, name, block, outcome, us=0, payload=b"", handling=""):
        forms.append((family, name, block, payload, outcome, us, handling))

    add("valid", "valid", pad(D.opt(ok_units)), "valid", ok_units * 100,
        handling="negotiated and applied")
    # Our kind and ExID, every length byte but 7 (the body cut or zero-filled).
    body = D.opt(ok_units) + bytes(40)
    for ln in range(0, 41):
        if ln == 7:
            continue
        if ln < 2:
            block, outc, h = bytes([D.kind, ln]) + body[2:7], "ignored", \
                "length < 2: the kernel's option walk stops; not seen"
        elif ln < 4:
            block, outc, h = bytes([D.kind, ln]) + body[2:ln], "ignored", \
                "no room for an ExID: not ours"
        else:
            block, outc, h = bytes([D.kind, ln]) + body[2:ln], "malformed", \
                "wrong length" if ln <= 16 else "longer than any of ours (-ENOSPC): malformed"
        add("length", f"len-{ln}", pad(block), outc, handling=h)
    # Truncated: the length byte claims more than the option space holds.
    add("truncated", "trunc-7-in-5", bytes([NOP] * 3) + D.opt(ok_units)[:5], "ignored",
        handling="7 claimed, 5 left: the kernel's walk fails")
    add("truncated", "trunc-40-in-8", bytes([D.kind, 40]) + D.opt(ok_units)[2:] + bytes([NOP]), "ignored",
        handling="40 claimed, 8 left")
    add("truncated", "trunc-rest-in-payload", D.opt(ok_units)[:4], "ignored",
        payload=D.opt(ok_units)[4:] + b"\0",
        handling="data offset ends the options mid-option; the rest is payload, never read")
    add("truncated", "kind-last-byte", bytes([NOP] * 3 + [D.kind]), "ignored",
        handling="kind is the last byte of the option space")
    add("truncated", "kind-last-byte-40", bytes([NOP] * 39 + [D.kind]), "ignored",
        handling="kind is byte 40 of 40")
    add("truncated", "kind-last-byte-then-payload", bytes([NOP] * 3 + [D.kind]), "ignored",
        payload=D.opt(ok_units)[1:] + b"\0",
        handling="kind last; a valid-looking rest in the payload is not read")
    add("truncated", "ends-at-byte-40", bytes([NOP] * 33) + D.opt(ok_units), "valid", ok_units * 100,
        handling="a valid option ending exactly at byte 40")
    # Repeated.
    add("repeated", "repeat-same", pad(D.opt(ok_units) + D.opt(ok_units)), "valid", ok_units * 100,
        handling="the first copy is taken")
    add("repeated", "repeat-different", pad(D.opt(1000) + D.opt(1)), "valid", 1000 * 100,
        handling="the first copy is taken: 100 ms, not 0.1 ms")
    add("repeated", "repeat-malformed-first", pad(D.opt(0) + D.opt(ok_units)), "malformed",
        handling="the first copy is taken, and it is malformed")
    add("repeated", "repeat-valid-first", pad(D.opt(ok_units) + D.opt(0)), "valid", ok_units * 100,
        handling="the first copy is taken")
    add("repeated", "repeat-x5", pad(D.opt(ok_units) * 5), "valid", ok_units * 100,
        handling="the first of five is taken")
    # Not ours.
    add("other", "other-exid", pad(D.opt(ok_units, exid=0xDA1D)), "ignored",
        handling="another experiment's option")
    add("other", "kind-254", pad(D.opt(ok_units, kind=254)), "ignored",
        handling="our ExID under kind 254")
    # Values at and past every limit.
    floor_at = pol.units_for(pol.floor)
    ceil_at = (pol.ceiling - pol.margin()) // D.UNIT_US
    for units, outc, h in [
            (0, "malformed", "zero"),
            (1, "valid", "0.1 ms: raised to the floor (clamped)"),
            (floor_at - 1, "valid", "one unit below the floor: clamped"),
            (floor_at, "valid", "exactly the floor: not clamped"),
            (ceil_at, "valid", "exactly the ceiling: not clamped"),
            (ceil_at + 1, "valid", "one unit above the ceiling: clamped"),
            (D.MAX_UNITS, "valid", "1 s, the largest: clamped to the ceiling"),
            (D.MAX_UNITS + 1, "malformed", "past 1 s"),
            (0xFFFF, "malformed", "65535 units")]:
        if units < 1 and outc == "valid":
            continue
        add("limit", f"value-{units}", pad(D.opt(units)), outc, units * 100, handling=h)
    for flags, outc, h in [(D.RESEND, "valid", "RESEND outside a cookie exchange: harmless"),
                           (0x02, "malformed", "reserved bit 1"),
                           (0x80, "malformed", "reserved bit 7"),
                           (0xFF, "malformed", "every flag bit")]:
        add("flags", f"flags-{flags:02x}", pad(D.opt(ok_units, flags)), outc, ok_units * 100, handling=h)
    return forms


def variants(pol_server, pol_client, flood=1000):
    """The whole table, for both targets."""
    D = DELACK
    out = []
    for target, pol in (("server", pol_server), ("client", pol_client)):
        for fam, name, block, payload, outc, us, h in option_forms(pol):
            if payload and target == "client":
                continue        # a SYN-ACK carries no data
            if target == "client" and name == "flags-01":
                continue        # RESEND to a client: client:resend-without-cookie
            exp, rto = outcome_expect(target, outc, pol, us)
            ans = None
            if target == "server" and outc == "valid":
                ans = 0
            out.append(V(f"{target}:{name}", target, block, payload=payload, answer=ans,
                         expect=exp, rto_us=rto, family=fam, handling=h))
        # Out of scope: a valid option from (or to) an address not in --peers.
        exp, _ = outcome_expect(target, "valid", pol, 100, scope=False)
        out.append(V(f"{target}:out-of-scope", target, pad(D.opt(1)), scope=False, answer=None,
                     expect=exp, family="scope",
                     handling="peer not in --peers: not answered, not read"))
        # Wrong segments: no option in the handshake, then ours elsewhere.
        base, _ = outcome_expect(target, "ignored", pol)
        for seg in ("ack", "data", "fin", "rst"):
            if target == "client" and seg == "ack":
                seg = "synack"          # the client's ACK is its own
            out.append(V(f"{target}:{seg}-carries-option", target, b"", answer=None,
                         after=[(seg, pad(D.opt(1)))], expect=base,
                         rto_us=None if seg == "rst" else 200000, family="segment",
                         handling="options are read only in the handshake"))
        # After a valid handshake, a later segment tries to lower the RTO.
        v1000, rto1000 = outcome_expect(target, "valid", pol, 100000)
        for seg in ("data", "syn" if target == "server" else "synack"):
            out.append(V(f"{target}:{seg}-lowers-after-valid", target, pad(D.opt(1000)),
                         answer=0 if target == "server" else None,
                         after=[(seg, pad(D.opt(1)))], expect=v1000, rto_us=rto1000,
                         family="segment",
                         handling="the handshake's 100 ms stays; the later 0.1 ms is not read"))
    # Server only.
    vs, rs = outcome_expect("server", "valid", pol_server, 20000)
    out.append(V("server:valid-then-reset", "server", pad(D.opt(200)), answer=0, complete=False,
                 expect={"delack": {"received": 1, "sent": 1}}, rto_us=None, family="valid",
                 handling="answered, then reset before the ACK: nothing applied"))
    # RESEND without syncookies: a SYN carrying it (above, flags-01) and an
    # ACK repeating the option although no cookie asked for it.
    out.append(V("server:resend-ack-without-cookie", "server", pad(D.opt(200)), answer=0,
                 after=[("ack", pad(D.opt(1)))], expect=vs, rto_us=rs, family="resend",
                 handling="the saved SYN is used; the repeat in the ACK is not read"))
    # SYN cookies (tcp_syncookies=2): the SYN-ACK asks for a resend.
    out.append(V("server:cookie-valid", "server", pad(D.opt(200)), answer=D.RESEND, cookies=2,
                 after=[("ack", pad(D.opt(200)))],
                 expect={"delack": dict(vs["delack"], received=2)}, rto_us=rs, family="cookie",
                 handling="SYN-ACK with RESEND; applied from the ACK's repeat"))
    out.append(V("server:cookie-ack-no-option", "server", pad(D.opt(200)), answer=D.RESEND, cookies=2,
                 expect={"delack": {"received": 1, "sent": 1}}, family="cookie",
                 handling="no repeat in the ACK: nothing applied"))
    out.append(V("server:cookie-ack-malformed", "server", pad(D.opt(200)), answer=D.RESEND, cookies=2,
                 after=[("ack", pad(D.opt(0)))],
                 expect={"delack": {"received": 1, "sent": 1, "malformed": 1}}, family="cookie",
                 handling="a malformed repeat: counted, nothing applied"))
    v1, r1 = outcome_expect("server", "valid", pol_server, 100)
    out.append(V("server:cookie-ack-only", "server", b"", answer=None, cookies=2,
                 after=[("ack", pad(D.opt(1)))],
                 expect={"delack": {k: n for k, n in v1["delack"].items() if k != "sent"}},
                 rto_us=r1, family="cookie",
                 handling="no SYN option, the ACK carries one: the cookie server cannot "
                          "tell and applies it -- bounded by the floor"))
    out.append(V("server:cookie-out-of-scope", "server", pad(D.opt(1)), scope=False, answer=None,
                 cookies=2, after=[("ack", pad(D.opt(1)))], expect={"delack": {}}, family="cookie",
                 handling="peer not in --peers"))
    out.append(V("server:syn-flood", "server", b"", answer=None, cookies=2, complete=False,
                 expect={"delack": {"received": (flood + 1) // 2, "sent": (flood + 1) // 2,
                                    "malformed": flood // 2}},
                 rto_us=None, family="flood",
                 handling=f"{flood} SYNs under cookies, alternately valid and zero; "
                          "every one answered with a cookie"))
    # Client only: a SYN-ACK with RESEND from a server that keeps state.
    vc, rc = outcome_expect("client", "valid", pol_client, 20000)
    # (The repeat ends with the first packet from the server that runs the
    # client's option-parsing callback, which the kernel calls on its slow
    # path only.  A SYN-ACK without window scaling turns header prediction
    # on at once: then neither a pure ACK nor plain data from the server
    # ended the repeat (the client's data after them still carried the
    # option), so here the server's data carries four NOPs, a header length
    # the prediction does not expect.)
    out.append(V("client:resend-without-cookie", "client", pad(D.opt(200, D.RESEND)), repeat=True,
                 after=[("data", bytes([NOP] * 4))], expect={"delack": dict(vc["delack"], sent=2)},
                 rto_us=rc, family="resend",
                 handling="the client repeats its option on its ACK, and stops at our next "
                          "slow-path packet"))
    return out


# --------------------------------------------------------------- packets

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, seq, ack, flags, opts=b"", payload=b"", win=65535):
    if len(opts) % 4 or len(opts) > 40:
        raise ValueError(f"option block of {len(opts)} bytes")
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (5 + len(opts) // 4) << 4, flags, win, 0, 0) + opts + payload
    c = csum(struct.pack("!4s4sBBH", s, d, 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s, d) + tcp


class Seg:
    __slots__ = ("src", "dst", "sport", "dport", "seq", "ack", "flags", "opts", "payload")

    def __str__(self):
        return (f"{self.src}:{self.sport} > {self.dst}:{self.dport} flags {self.flags:#x} "
                f"seq {self.seq} ack {self.ack} opts {self.opts.hex()} len {len(self.payload)}")


def parse_frame(frame):
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 6:
        return None
    tot = struct.unpack_from("!H", ip, 2)[0]
    tcp = ip[ihl:tot]
    if len(tcp) < 20:
        return None
    s = Seg()
    s.src, s.dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    s.sport, s.dport, s.seq, s.ack, off, s.flags = struct.unpack_from("!HHIIBB", tcp)
    doff = (off >> 4) * 4
    s.opts, s.payload = tcp[20:doff], tcp[doff:]
    return s


def in_netns(name, fn):
    """Runs fn() with this thread in network namespace /run/netns/NAME, and
    comes back.  Sockets made there stay there; the rest of the generator
    (bpftcp, which needs the host's bpffs and cgroup mounts that 'ip netns
    exec' would hide) runs where it was started."""
    libc = ctypes.CDLL(None, use_errno=True)
    here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(there, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), f"setns to {name}")
        try:
            return fn()
        finally:
            if libc.setns(here, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(here)
        os.close(there)


class Wire:
    """The attacker's two sockets, in its namespace: raw IPv4 out, AF_PACKET
    in (a thread keeps every TCP segment addressed to one of our addresses)."""

    def __init__(self, netns, iface, mine):
        def make():
            out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            inp = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
            inp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            inp.bind((iface, 0x0800))
            return out, inp
        self.out, self.inp = in_netns(netns, make)
        self.mine = set(mine)
        self.segs = []          # what answers our connections (ports < FLOOD_PORT)
        self.flood_answers = 0  # SYN-ACKs to the flood's ports, counted only
        self.mark = 0           # wait() looks at segments from here on
        self.cv = threading.Condition()
        self.sent = 0
        threading.Thread(target=self._rx, daemon=True).start()

    def _rx(self):
        while True:
            frame, addr = self.inp.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            s = parse_frame(frame)
            if s is None or s.dst not in self.mine:
                continue
            with self.cv:
                if s.dport >= FLOOD_PORT:
                    self.flood_answers += 1
                    continue
                self.segs.append(s)
                self.cv.notify_all()

    def new_round(self):
        """Later waits see only what arrives from now on."""
        with self.cv:
            self.mark = len(self.segs)

    def send(self, src, dst, sport, dport, seq, ack, flags, opts=b"", payload=b""):
        self.out.sendto(segment(src, dst, sport, dport, seq, ack, flags, opts, payload), (dst, 0))
        self.sent += 1

    def wait(self, pred, timeout=3.0):
        end = time.monotonic() + timeout
        with self.cv:
            i = self.mark
            while True:
                while i < len(self.segs):
                    if pred(self.segs[i]):
                        return self.segs[i]
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(left)


# ---------------------------------------------------------------- the run

class Failure(Exception):
    pass


class Attack:
    def __init__(self, a):
        self.a = a
        self.victim_ip, self.port = a.victim_ip, a.victim_port
        self.wire = Wire(a.netns, a.iface, [a.in_ip, a.out_ip])
        self.pols = {r: Policy(self.attachment(cg)["settings"])
                     for r, cg in (("server", a.server_cgroup), ("client", a.client_cgroup))}
        self.pol = self.pols[a.role]
        self.next_port = 20000
        self.connector = None
        self.results = []

    def sh(self, *cmd):
        return subprocess.run(["ip", "netns", "exec", self.a.victim_netns, *cmd],
                              capture_output=True, text=True, check=True).stdout

    def attachment(self, cgroup):
        out = subprocess.run([self.a.bpftcp, "-j", "opt", "show"], capture_output=True,
                             text=True, check=True).stdout
        for at in json.loads(out)["attachments"]:
            if at["cgroup"] == cgroup and at["option"] == "delack":
                return at
        raise Failure(f"no delack attachment on {cgroup}")

    def counters(self):
        return {"delack": self.attachment(self.a.victim_cgroup)["counters"]}

    def delta(self, before, expect, timeout=2.0):
        """Waits until the counters moved by expect (and stay there)."""
        end = time.monotonic() + timeout
        while True:
            now = self.counters()
            got = {p: {k: now[p][k] - before[p][k] for k in CODECS[p].counters}
                   for p in now}
            want = {p: {k: expect.get(p, {}).get(k, 0) for k in CODECS[p].counters}
                    for p in now}
            if got == want:
                time.sleep(0.03)
                again = self.counters()
                if again == now:
                    return now, got
            if time.monotonic() > end:
                return now, got
            time.sleep(0.02)

    def rto_ms(self, peer, pport, lport):
        out = self.sh("ss", "-Htin", "dst", f"{peer}:{pport}", "sport", "=", f":{lport}")
        m = re.search(r"\brto:([\d.]+)", out)
        return float(m.group(1)) if m else None

    def sysctl(self, key, value):
        self.sh("sysctl", "-qw", f"{key}={value}")

    # -- one connection against the server
    def server_conn(self, v, sport, src):
        w, D, dst = self.wire, DELACK, self.victim_ip
        isn = random.getrandbits(32)
        w.send(src, dst, sport, self.port, isn, 0, TH_SYN, v.first, v.payload)
        sa = w.wait(lambda s: s.sport == self.port and s.dport == sport and s.flags & TH_SYN)
        if sa is None:
            raise Failure("no SYN-ACK")
        got = D.decode(D.find(sa.opts))
        if D.find(sa.opts) is not None and got is None:
            raise Failure(f"the server sent a malformed option: {sa}")
        want = None if v.answer is None else (v.answer, self.pol.advertised)
        if got != want:
            raise Failure(f"SYN-ACK option {got}, expected {want}: {sa}")
        nxt, rcv = isn + 1, sa.seq + 1
        if not v.complete:
            w.send(src, dst, sport, self.port, nxt, 0, TH_RST)
            return None
        opts = dict(v.after).get("ack", b"")
        w.send(src, dst, sport, self.port, nxt, rcv, TH_ACK, opts)
        reset = False
        for kind, o in v.after:
            if kind == "data":
                w.send(src, dst, sport, self.port, nxt, rcv, TH_ACK | TH_PSH, o, b"hostile")
                nxt += 7
            elif kind == "fin":
                w.send(src, dst, sport, self.port, nxt, rcv, TH_ACK | TH_FIN, o)
                nxt += 1
            elif kind == "rst":
                w.send(src, dst, sport, self.port, nxt, rcv, TH_RST | TH_ACK, o)
                reset = True
            elif kind == "syn":
                w.send(src, dst, sport, self.port, nxt + 1000, 0, TH_SYN, o)
        if reset:
            return None
        # The server application's lines: ACK each, so the server takes RTT
        # samples and its RTO follows whatever minimum it set.
        self.ack_lines(lambda s: s.sport == self.port and s.dport == sport,
                       lambda ack: w.send(src, dst, sport, self.port, nxt, ack, TH_ACK),
                       "server")
        rto = self.rto_ms(src, sport, self.port)
        w.send(src, dst, sport, self.port, nxt, 0, TH_RST)
        return rto

    # -- one connection from the client
    def client_conn(self, v, sport, src):
        w, D, client = self.wire, DELACK, self.victim_ip
        self.connector_cmd(f"connect {src} {self.port} {sport}")
        syn = w.wait(lambda s: s.sport == sport and s.dport == self.port and s.flags & TH_SYN)
        if syn is None:
            raise Failure("the client sent no SYN")
        got = D.decode(D.find(syn.opts))
        want = (0, self.pol.advertised) if v.scope else None
        if got != want:
            raise Failure(f"client SYN option {got}, expected {want}: {syn}")
        isn = random.getrandbits(32)
        nxt, rcv = isn + 1, syn.seq + 1
        w.send(src, client, self.port, sport, isn, rcv, TH_SYN | TH_ACK, v.first)
        ack = w.wait(lambda s: s.sport == sport and s.flags == TH_ACK and s.ack == nxt % 2**32)
        if ack is None:
            raise Failure("the client did not complete the handshake")
        rep = D.decode(D.find(ack.opts))
        if (rep is not None) != v.repeat or (rep is not None and rep != (0, self.pol.advertised)):
            raise Failure(f"client ACK option {rep}, expected a repeat: {v.repeat}: {ack}")
        reset = False
        for kind, o in v.after:
            if kind == "ack":
                w.send(src, client, self.port, sport, nxt, rcv, TH_ACK, o)
            elif kind == "data":
                w.send(src, client, self.port, sport, nxt, rcv, TH_ACK | TH_PSH, o, b"hostile")
                nxt += 7
            elif kind == "fin":
                w.send(src, client, self.port, sport, nxt, rcv, TH_ACK | TH_FIN, o)
                nxt += 1
            elif kind == "rst":
                w.send(src, client, self.port, sport, nxt, rcv, TH_RST | TH_ACK, o)
                reset = True
            elif kind == "synack":
                w.send(src, client, self.port, sport, isn, rcv, TH_SYN | TH_ACK, o)
        if reset:
            self.connector_cmd(f"close {sport}")
            return None
        time.sleep(0.01)
        self.connector_cmd(f"send {sport}")
        self.ack_lines(lambda s: s.sport == sport and s.dport == self.port,
                       lambda ack: w.send(src, client, self.port, sport, nxt, ack, TH_ACK),
                       "client")
        rto = self.rto_ms(src, self.port, sport)
        w.send(src, client, self.port, sport, nxt, 0, TH_RST)
        self.connector_cmd(f"close {sport}")
        return rto

    def ack_lines(self, match, send_ack, who):
        """ACKs the victim application's lines as they come (no option may
        ride on them: the handshake is over)."""
        w, want = self.wire, LINES * len(HELLO)
        first = hi = None
        end = time.monotonic() + 5
        while first is None or (hi - first) % 2**32 < want:
            seg = w.wait(lambda s: match(s) and s.payload and
                         (hi is None or 0 < (s.seq + len(s.payload) - hi) % 2**32 < 2**31),
                         max(0.0, end - time.monotonic()))
            if seg is None:
                raise Failure(f"the {who} application's lines did not all come")
            if DELACK.find(seg.opts) is not None:
                raise Failure(f"the {who}'s data still carries the option: {seg}")
            if first is None:
                first = seg.seq
            hi = (seg.seq + len(seg.payload)) % 2**32
            send_ack(hi)
        time.sleep(0.02)

    def connector_cmd(self, line):
        self.connector.stdin.write(line + "\n")
        self.connector.stdin.flush()
        reply = self.connector.stdout.readline().strip()
        if reply != "ok":
            raise Failure(f"connector: {line}: {reply or 'exited'}")

    def flood(self, v, src):
        """A bounded SYN flood: a.flood SYNs at a.flood_rate per second."""
        w, D = self.wire, DELACK
        n, rate = self.a.flood, self.a.flood_rate
        before = int(self.nstat("TcpExtSyncookiesSent"))
        t0 = time.monotonic()
        for i in range(n):
            opt = pad(D.opt(200 if i % 2 == 0 else 0))
            w.send(src, self.victim_ip, FLOOD_PORT + i % 20000, self.port, random.getrandbits(32), 0,
                   TH_SYN, opt)
            lag = t0 + (i + 1) / rate - time.monotonic()
            if lag > 0:
                time.sleep(lag)
        secs = time.monotonic() - t0
        end = time.monotonic() + 5
        cookies = 0
        while time.monotonic() < end:
            cookies = int(self.nstat("TcpExtSyncookiesSent")) - before
            if cookies >= n:
                break
            time.sleep(0.1)
        if cookies != n:
            raise Failure(f"{n} SYNs sent, {cookies} cookies: the flood lost SYNs")
        return {"syns": n, "seconds": round(secs, 2), "cookies": cookies}


    def nstat(self, name):
        out = self.sh("nstat", "-asz", name)
        for line in out.splitlines():
            f = line.split()
            if f and f[0] == name:
                return f[1]
        return "0"

    def run_variant(self, v, rep):
        src = self.a.in_ip if v.scope else self.a.out_ip
        sport = self.next_port
        self.next_port += 1
        before = self.counters()
        self.wire.new_round()
        if v.cookies is not None:
            self.sysctl("net.ipv4.tcp_syncookies", v.cookies)
        extra = {}
        try:
            if v.family == "flood":
                extra = self.flood(v, src)
                rto = None
            elif v.target == "server":
                rto = self.server_conn(v, sport, src)
            else:
                rto = self.client_conn(v, sport, src)
        finally:
            if v.cookies is not None:
                self.sysctl("net.ipv4.tcp_syncookies", 1)
        now, got = self.delta(before, v.expect)
        res = {"name": v.name, "rep": rep, "delta": got, "rto_ms": rto, **extra}
        problems = []
        want = {p: {k: v.expect.get(p, {}).get(k, 0) for k in CODECS[p].counters} for p in got}
        if got != want:
            problems.append(f"counters moved {got}, expected {want}")
        if v.rto_us is not None:
            if rto is None:
                problems.append("no connection to read the RTO of")
            elif rto * 1000 < v.rto_us:
                problems.append(f"rto {rto} ms below the least allowed {v.rto_us / 1000} ms")
            elif rto * 1000 < self.pol.floor:
                problems.append(f"rto {rto} ms below the admin floor")
            # The check above could pass vacuously if the RTO never moved:
            # a promise that was applied must show (RTO well under 200 ms).
            elif v.rto_us <= 100000 and rto >= 200:
                problems.append(f"rto {rto} ms: the applied minimum {v.rto_us / 1000} ms is not in effect")
        res["ok"] = not problems
        if problems:
            res["problems"] = problems
        self.results.append(res)
        return res

    def run(self):
        pol_s, pol_c = self.pols["server"], self.pols["client"]
        table = [v for v in variants(pol_s, pol_c, self.a.flood) if v.target == self.a.role]
        if self.a.role == "client":
            self.connector = subprocess.Popen(self.a.connector, stdin=subprocess.PIPE,
                                              stdout=subprocess.PIPE, text=True)
        start = self.counters()
        for rep in range(self.a.reps):
            for v in table:
                try:
                    res = self.run_variant(v, rep)
                except (Failure, OSError, subprocess.SubprocessError) as e:
                    res = {"name": v.name, "rep": rep, "ok": False, "problems": [repr(e)]}
                    self.results.append(res)
                mark = "ok  " if res["ok"] else "FAIL"
                print(f"{mark} {v.name} rep {rep}: {res.get('delta', {}).get('delack', '')} "
                      f"rto {res.get('rto_ms')} {'; '.join(res.get('problems', []))}",
                      file=sys.stderr)
        end = self.counters()
        if self.connector:
            self.connector.stdin.close()
            self.connector.wait(timeout=10)
        return {
            "role": self.a.role,
            "variants": len(table),
            "reps": self.a.reps,
            "runs": len(self.results),
            "failed": [r["name"] + f"#{r['rep']}" for r in self.results if not r["ok"]],
            "segments_sent": self.wire.sent,
            "flood": [r for r in self.results if "syns" in r],
            "counters_before": start["delack"],
            "counters_after": end["delack"],
            "results": self.results,
        }


def cmd_attack(a):
    a.connector = a.connector or []
    if a.connector and a.connector[0] == "--":
        a.connector = a.connector[1:]
    at = Attack(a)
    out = at.run()
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"{a.role}: {out['variants']} variants x {out['reps']}, {out['segments_sent']} segments "
          f"sent, {len(out['failed'])} failed", file=sys.stderr)
    return 1 if out["failed"] else 0


def cmd_table(a):
    s = {"hz": a.hz, "rto_floor_us": int(a.floor_ms * 1000),
         "rto_ceiling_us": int(a.ceiling_ms * 1000), "advertised_us": 0}
    pol = Policy(s)
    rows = []
    for v in variants(pol, pol, a.flood):
        name, target, segs, handling, exp, rto = v.row()
        last = rows[-1] if rows else None
        # --collapse: consecutive variants of one family with the same
        # handling and expectations become one row (len-8 .. len-16).
        if a.collapse and last and last[5] == v.family == "length" and \
                last[2:5] == [handling, exp, rto]:
            last[0][1] = name
            if not last[1].endswith(" …"):
                last[1] += " …"
            continue
        rows.append([[name, name], segs, handling, exp, rto, v.family])
    print("| variant | segments (option bytes in hex) | handling | delack counters | victim RTO |")
    print("| --- | --- | --- | --- | --- |")
    for (first, last), segs, handling, exp, rto, _ in rows:
        name = f"`{first}`" if first == last else f"`{first}` … `{last.split(':')[1]}`"
        print(f"| {name} | {segs} | {handling} | {exp} | {rto} |")
    print(f"\n{sum(1 for v in variants(pol, pol, a.flood))} variants.")
    return 0


def cmd_report(a):
    """The numbers of one run, from the attack JSON files (docs/reliability.md)."""
    tot = {"variants": 0, "runs": 0, "failed": 0, "segments_sent": 0, "flood_syns": 0}
    print("| victim | variants | repetitions | connections tried | failed | segments sent "
          "| flood SYNs (cookies) | counters moved during the run |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in a.files:
        r = json.load(open(path))
        moved = {k: r["counters_after"][k] - r["counters_before"][k]
                 for k in DELACK.counters if r["counters_after"][k] != r["counters_before"][k]}
        syns = sum(f["syns"] for f in r["flood"])
        cookies = sum(f["cookies"] for f in r["flood"])
        print(f"| {r['role']} | {r['variants']} | {r['reps']} | {r['runs']} | {len(r['failed'])} "
              f"| {r['segments_sent']} | {syns} ({cookies}) "
              f"| {', '.join(f'{k} {v}' for k, v in moved.items()) or 'none'} |")
        tot["variants"] += r["variants"]
        tot["runs"] += r["runs"]
        tot["failed"] += len(r["failed"])
        tot["segments_sent"] += r["segments_sent"]
        tot["flood_syns"] += syns
    print()
    print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in tot.items()))
    return 0


# ------------------------------------------------------- the applications

def send_lines(s):
    try:
        for _ in range(LINES):
            s.sendall(HELLO)
            time.sleep(LINE_GAP)
    except OSError:
        pass


def cmd_hold(a):
    """Victim server: accepts everything, sends its lines, reads until the
    peer goes away."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", a.port))
    ls.listen(4096)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is ls:
                c, _ = ls.accept()
                threading.Thread(target=send_lines, args=(c,), daemon=True).start()
                sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                # The lines may still be going out (after a FIN from the
                # peer): close a little later.
                sel.unregister(s)
                threading.Timer(2.0, s.close).start()


def cmd_connector(a):
    """Victim client: 'connect ADDR PORT SPORT' (connects from SPORT in a
    thread), 'send SPORT' (after the connect, the lines), 'close
    SPORT'.  Replies 'ok' to each."""
    conns = {}

    def connect(addr, port, sport, ev):
        s = conns[sport][0]
        try:
            s.connect((addr, port))
        except OSError:
            pass
        ev.set()

    for line in sys.stdin:
        f = line.split()
        if f[0] == "connect":
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", int(f[3])))
            s.settimeout(5)
            ev = threading.Event()
            conns[int(f[3])] = (s, ev)
            threading.Thread(target=connect, args=(f[1], int(f[2]), int(f[3]), ev),
                             daemon=True).start()
        elif f[0] == "send":
            s, ev = conns[int(f[1])]
            ev.wait(5)
            threading.Thread(target=send_lines, args=(s,), daemon=True).start()
        elif f[0] == "close":
            s, ev = conns.pop(int(f[1]))
            s.close()
        print("ok", flush=True)
    return 0


def read_hashed(s, each=None):
    """Reads s to its end: (sha256, bytes); each(data) on every piece."""
    h, n = hashlib.sha256(), 0
    while True:
        data = s.recv(65536)
        if not data:
            return h, n
        h.update(data)
        n += len(data)
        if each:
            each(data)


def cmd_echo(a):
    """The legitimate server: one connection, echoed back, hashed."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", a.port))
    ls.listen(1)
    c, peer = ls.accept()
    h, n = read_hashed(c, c.sendall)
    c.shutdown(socket.SHUT_WR)
    with open(a.out, "w") as f:
        json.dump({"peer": peer[0], "bytes": n, "sha256": h.hexdigest()}, f)
    return 0


def cmd_legit(a):
    """The legitimate client: random data until the stop file appears,
    the echo checked."""
    s = socket.create_connection((a.addr, a.port), timeout=30)
    sent_h, sent = hashlib.sha256(), 0
    err = []

    def sender():
        nonlocal sent
        try:
            while not os.path.exists(a.stop):
                chunk = os.urandom(random.randint(1, 16384))
                s.sendall(chunk)
                sent_h.update(chunk)
                sent += len(chunk)
                time.sleep(0.005)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(str(e))

    t = threading.Thread(target=sender)
    t.start()
    recv_h, got = read_hashed(s)
    t.join()
    res = {"sent_bytes": sent, "sent_sha256": sent_h.hexdigest(), "echo_bytes": got,
           "echo_sha256": recv_h.hexdigest(), "errors": err}
    with open(a.out, "w") as f:
        json.dump(res, f)
    return 0 if not err else 1


# ------------------------------------------------------------ kernel log

KMSG_BAD = re.compile(r"WARNING|BUG|Call Trace|\b[bB][pP][fF]\b|\bbpf_")


def kmsg_records():
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    recs = []
    try:
        while True:
            try:
                r = os.read(fd, 8192).decode(errors="replace")
            except BlockingIOError:
                break
            except BrokenPipeError:         # overwritten while reading
                continue
            head, _, msg = r.partition(";")
            recs.append((int(head.split(",")[1]), msg.split("\n")[0]))
    finally:
        os.close(fd)
    return recs


def cmd_kmsg_mark(a):
    recs = kmsg_records()
    print(recs[-1][0] if recs else -1)
    return 0


def cmd_kmsg_check(a):
    bad = [f"{seq}: {m}" for seq, m in kmsg_records() if seq > a.seq and KMSG_BAD.search(m)]
    for b in bad:
        print(b)
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    at = sub.add_parser("attack")
    at.add_argument("--role", choices=("server", "client"), required=True,
                    help="the victim: a server (we connect) or a client (we answer)")
    at.add_argument("--netns", required=True, help="the attacker's network namespace")
    at.add_argument("--iface", default="eth0", help="the attacker's interface")
    at.add_argument("--victim-ip", required=True)
    at.add_argument("--victim-port", type=int, required=True,
                    help="server: the victim's port; client: the port we answer on")
    at.add_argument("--victim-netns", required=True)
    at.add_argument("--victim-cgroup", required=True)
    at.add_argument("--server-cgroup", required=True)
    at.add_argument("--client-cgroup", required=True)
    at.add_argument("--in-ip", required=True, help="our address inside the victim's --peers")
    at.add_argument("--out-ip", required=True, help="our address outside them")
    at.add_argument("--bpftcp", required=True)
    at.add_argument("--reps", type=int, default=1)
    at.add_argument("--flood", type=int, default=1000)
    at.add_argument("--flood-rate", type=int, default=2000)
    at.add_argument("--out", required=True)
    at.add_argument("connector", nargs=argparse.REMAINDER,
                    help="client role: -- the command that runs the victim client (connector)")
    tb = sub.add_parser("table")
    tb.add_argument("--hz", type=int, default=250)
    tb.add_argument("--floor-ms", type=float, default=30)
    tb.add_argument("--ceiling-ms", type=float, default=150)
    tb.add_argument("--flood", type=int, default=20000)
    tb.add_argument("--collapse", action="store_true",
                    help="one row for a run of wrong lengths handled alike")
    rp = sub.add_parser("report")
    rp.add_argument("files", nargs="+")
    h = sub.add_parser("hold")
    h.add_argument("port", type=int)
    sub.add_parser("connector")
    e = sub.add_parser("echo")
    e.add_argument("port", type=int)
    e.add_argument("--out", required=True)
    lg = sub.add_parser("legit")
    lg.add_argument("addr")
    lg.add_argument("port", type=int)
    lg.add_argument("--stop", required=True)
    lg.add_argument("--out", required=True)
    sub.add_parser("kmsg-mark")
    kc = sub.add_parser("kmsg-check")
    kc.add_argument("seq", type=int)
    a = p.parse_args()
    return {"attack": cmd_attack, "table": cmd_table, "report": cmd_report, "hold": cmd_hold,
            "connector": cmd_connector, "echo": cmd_echo, "legit": cmd_legit,
            "kmsg-mark": cmd_kmsg_mark, "kmsg-check": cmd_kmsg_check}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
