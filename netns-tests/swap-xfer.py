#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""
netns-tests/swap-xfer.py: many concurrent TCP transfers of random data, each
checked by sha256 and byte count at the receiver, for test-swaps.sh (the
live-swap suite of docs/reliability.md).  Python's standard library only.

  swap-xfer.py server --port P --count N --cc ALG --out FILE [--bind ADDR]
  swap-xfer.py client --addr A --port P --count N --cc ALG --out FILE
                      --stop FILE [--connected FILE] [--min-bytes B] [--timeout S]
                      [--sndbuf BYTES]

The client opens N connections at once, each with TCP_CONGESTION set to ALG
(and SO_SNDBUF to --sndbuf, 256 KiB by default) before connect (the server sets it on its listener, so the accepted sockets
inherit it), and sends random bytes in chunks until the file --stop exists
(and at least --min-bytes went), then a random tail of 0..64 KiB.  On the
wire, per connection:

  client -> server  "SWAP" id:u32, then chunks len:u32 data, then len 0,
                    then total:u64 sha256:32 (of all chunk data)
  server -> client  ok:u8 total:u64 sha256:32 (what the server counted); FIN
  client -> server  FIN (after reading the answer and the server's FIN)

No end ever closes with unread data, so a clean run has no RST at all.  The
server closes first, so it is the end in TIME_WAIT.  When it closed second
(in LAST_ACK), the first runs had as many RSTs from the server as server
retransmissions after the transfers' data: it has sent almost nothing, its
RTT estimate is the handshake's, so it sent its FIN again before the
client's ACK, queued behind the client's data in the loaded link, came back;
the client's second ACK then found the connection gone and drew an RST.  The
client, which closes second here, has an RTT estimate taken under the load.
A transfer is ok when the
server's count and hash equal the client's own, at both ends.  Any socket
error (ECONNRESET, EPIPE, a timeout) is recorded with its transfer.

Each side writes FILE (JSON): per transfer its id, local port, congestion
control (getsockopt TCP_CONGESTION), bytes, sha256, ok, error; and totals.
Exit status 0 when all N transfers are ok, 1 otherwise.
"""
import argparse
import hashlib
import json
import os
import random
import socket
import struct
import sys
import threading
import time

TCP_CONGESTION = getattr(socket, "TCP_CONGESTION", 13)
MAGIC = b"SWAP"
CHUNK_MAX = 64 * 1024
TAIL_MAX = 64 * 1024


def cc_of(s):
    return s.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).split(b"\0")[0].decode()


def recv_exact(s, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = s.recv_into(view[got:])
        if k == 0:
            raise EOFError("connection closed after %d of %d bytes" % (got, n))
        got += k
    return bytes(buf)


def error_name(e):
    if isinstance(e, OSError) and e.errno:
        import errno as _errno
        return "%s (%s)" % (_errno.errorcode.get(e.errno, str(e.errno)), e.strerror)
    return "%s: %s" % (type(e).__name__, e)


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.rename(tmp, path)


# ------------------------------------------------------------------ server

def serve_one(conn, peer, rec, timeout):
    conn.settimeout(timeout)
    rec["peer_port"] = peer[1]
    try:
        rec["cc"] = cc_of(conn)
        head = recv_exact(conn, 8)
        if head[:4] != MAGIC:
            raise ValueError("bad magic %r" % head[:4])
        rec["id"] = struct.unpack("!I", head[4:])[0]
        h = hashlib.sha256()
        total = 0
        buf = bytearray(CHUNK_MAX)
        while True:
            n = struct.unpack("!I", recv_exact(conn, 4))[0]
            if n == 0:
                break
            if n > CHUNK_MAX:
                raise ValueError("chunk of %d bytes" % n)
            view = memoryview(buf)[:n]
            got = 0
            while got < n:
                k = conn.recv_into(view[got:])
                if k == 0:
                    raise EOFError("closed inside a chunk")
                got += k
            h.update(view)
            total += n
        trailer = recv_exact(conn, 40)
        claimed, claimed_sha = struct.unpack("!Q", trailer[:8])[0], trailer[8:].hex()
        rec["bytes"] = total
        rec["sha256"] = h.hexdigest()
        rec["claimed_bytes"] = claimed
        rec["claimed_sha256"] = claimed_sha
        rec["ok"] = claimed == total and claimed_sha == rec["sha256"]
        conn.sendall(struct.pack("!BQ", 1 if rec["ok"] else 0, total) + h.digest())
        # The server closes first (see the top of the file); nothing may
        # follow the trailer but the client's FIN.
        conn.shutdown(socket.SHUT_WR)
        if conn.recv(1):
            raise ValueError("data after the trailer")
    except Exception as e:  # every failure is a result, not a crash
        rec["ok"] = False
        rec["error"] = error_name(e)
    finally:
        rec["end"] = time.time()
        conn.close()


def server(a):
    fam = socket.AF_INET6 if ":" in a.bind else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, a.cc.encode())
    ls.bind((a.bind, a.port))
    ls.listen(a.count + 64)
    ls.settimeout(a.timeout)
    recs, threads = [], []
    err = None
    try:
        while len(recs) < a.count:
            conn, peer = ls.accept()
            rec = {"start": time.time()}
            recs.append(rec)
            t = threading.Thread(target=serve_one, args=(conn, peer, rec, a.timeout), daemon=True)
            t.start()
            threads.append(t)
    except Exception as e:
        err = "accept: " + error_name(e)
    ls.close()
    # Each connection's thread ends at the latest --timeout after its
    # socket last moved data.
    for t in threads:
        t.join()
    for r, t in zip(recs, threads):
        if t.is_alive():
            r["ok"] = False
            r["error"] = r.get("error") or "unfinished"
    doc = summarise("server", a, [dict(r) for r in recs], err)
    write_json(a.out, doc)
    return 0 if doc["ok_count"] == a.count else 1


# ------------------------------------------------------------------ client

def send_one(i, a, rec, stop, rng):
    s = None
    try:
        fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, a.cc.encode())
        if a.sndbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, a.sndbuf)
        s.settimeout(a.timeout)
        s.connect((a.addr, a.port))
        rec["port"] = s.getsockname()[1]
        rec["cc"] = cc_of(s)
        rec["connected"] = time.time()
        s.sendall(MAGIC + struct.pack("!I", i))
        h = hashlib.sha256()
        total = 0
        tail = None
        while True:
            if tail is None and stop.is_set() and total >= a.min_bytes:
                tail = rng.randrange(TAIL_MAX + 1)
            if tail is not None:
                n = min(tail, rng.randrange(1, CHUNK_MAX + 1))
                if n == 0:
                    break
                tail -= n
            else:
                n = rng.randrange(1, CHUNK_MAX + 1)
            data = os.urandom(n)
            s.sendall(struct.pack("!I", n) + data)
            h.update(data)
            total += n
            rec["bytes"] = total
        digest = h.digest()
        s.sendall(struct.pack("!I", 0) + struct.pack("!Q", total) + digest)
        rec["sha256"] = digest.hex()
        rec["sent_all"] = time.time()
        ans = recv_exact(s, 41)
        if s.recv(1):
            raise ValueError("data after the server's answer")
        ok, got = struct.unpack("!BQ", ans[:9])
        rec["server_bytes"] = got
        rec["server_sha256"] = ans[9:].hex()
        rec["ok"] = bool(ok) and got == total and ans[9:] == digest
        if not rec["ok"]:
            rec["error"] = "the server counted %d bytes (sha256 %s), sent %d (%s)" % (
                got, ans[9:].hex(), total, digest.hex())
    except Exception as e:
        rec["ok"] = False
        rec["error"] = error_name(e)
    finally:
        rec["end"] = time.time()
        if s is not None:
            s.close()


def client(a):
    stop = threading.Event()
    recs = [{"id": i} for i in range(a.count)]
    seed = a.seed if a.seed is not None else int.from_bytes(os.urandom(8), "little")
    threads = []
    for i in range(a.count):
        t = threading.Thread(target=send_one, args=(i, a, recs[i], stop, random.Random(seed + i)),
                             daemon=True)
        t.start()
        threads.append(t)
    connected_written = False
    start = time.time()
    deadline = None
    while any(t.is_alive() for t in threads):
        if not connected_written and a.connected and \
                all("connected" in r or "error" in r for r in recs):
            with open(a.connected, "w") as f:
                f.write("%d\n" % sum("connected" in r for r in recs))
            connected_written = True
        if not stop.is_set() and os.path.exists(a.stop):
            stop.set()
            deadline = time.time() + a.timeout
        if deadline and time.time() > deadline:
            break
        if not stop.is_set() and time.time() - start > a.max_seconds:
            stop.set()
            deadline = time.time() + a.timeout
        time.sleep(0.05)
    for r, t in zip(recs, threads):
        if t.is_alive():
            r["ok"] = False
            r["error"] = r.get("error") or "unfinished"
    doc = summarise("client", a, [dict(r) for r in recs], None)
    doc["seed"] = seed
    write_json(a.out, doc)
    return 0 if doc["ok_count"] == a.count else 1


def summarise(role, a, recs, err):
    errs = [r["error"] for r in recs if r.get("error")]
    resets = sum(1 for e in errs if e.startswith(("ECONNRESET", "EPIPE")))
    return {
        "role": role,
        "count": a.count,
        "transfers": len(recs),
        "ok_count": sum(1 for r in recs if r.get("ok")),
        "errors": len(errs),
        "resets": resets,
        "bytes": sum(r.get("bytes", 0) for r in recs),
        "cc": sorted(set(r.get("cc", "?") for r in recs)),
        "error": err,
        "records": recs,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("server")
    s.add_argument("--bind", default="0.0.0.0")
    c = sub.add_parser("client")
    c.add_argument("--addr", required=True)
    c.add_argument("--stop", required=True, help="file whose creation starts the tails")
    c.add_argument("--connected", help="file written once every transfer has connected")
    c.add_argument("--min-bytes", type=int, default=65536)
    c.add_argument("--max-seconds", type=float, default=600,
                   help="stop by itself after this long, even without --stop")
    c.add_argument("--seed", type=int)
    c.add_argument("--sndbuf", type=int, default=256 * 1024,
                   help="SO_SNDBUF of each connection (0: autotuned); bounds what is "
                   "still queued when told to stop, so the transfers end soon after")
    for q in (s, c):
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--count", type=int, required=True)
        q.add_argument("--cc", required=True)
        q.add_argument("--out", required=True)
        q.add_argument("--timeout", type=float, default=120,
                       help="socket timeout, and how long to wait for the ends")
    a = p.parse_args()
    return server(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    sys.exit(main())
