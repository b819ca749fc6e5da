# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""BBRv3's state machine, an independent model of bpf_bbr3.

Written from the IETF draft draft-ietf-ccwg-bbr (sections "State Machine",
"ProbeBW", "ProbeRTT", "Startup", the loss and ECN responses) and the v3
branch of google/bbr's tcp_bbr.c, never from include/bpftcp/bbr3.h.

BBR's decisions hang on its bandwidth and min_rtt estimates, which the TCP
core measures from the sender's own timestamps; the model takes those
estimates from the run's record (rec_bw, rec_min_rtt_us, as the delay
models take the RTT samples) and predicts the state machine around them:
from each state the run enters, the next state and a window of events in
which the transition must come.  Each row outside a window is predicted
(rec_mode, and rec_cycle in PROBE_BW: 0 UP, 1 DOWN, 2 CRUISE, 3 REFILL), so
a transition too early, too late or to another state fails at a named
event, and the sequence of states is the model's exactly.

The rules (the draft's names in brackets):
- STARTUP ends, to DRAIN, when the bw plateaus (3 rounds without 25 %
  growth: the window spans a round either side, the model counts rounds on
  rec_bw, which is the max filter, not the sample), or at the end of the
  first loss round in Recovery with at least 6 loss-marking ACKs and a loss
  rate above 2 % [BBRCheckStartupHighLoss].  The loss round starts at the
  first ACK that marks a loss and ends at the first ACK that delivers data
  sent after it: the fast retransmission.  At DRAIN entry ssthresh is the
  BDP with the quantization budget [BBRInflight(max_bw, 1)], and after a
  loss exit inflight_hi is at least that and at most the flight when the
  losses began (max(BDP, inflight_latest)).
- DRAIN ends, to PROBE_BW, when inflight falls to that BDP; PROBE_BW starts
  in DOWN and goes on to CRUISE in the same ACK when inflight is also below
  inflight_hi's headroom (85 %).  DOWN goes to CRUISE on the same test.
- DOWN or CRUISE go to REFILL after min(63, target inflight) packet-timed
  rounds from DOWN's start, less the random 0 or 1 [BBRIsRenoCoexistenceProbeTime],
  or 2-3 s of wall clock [BBRHasElapsedInPhase(bw_probe_wait)], whichever
  is first; with ECN in the cycle and no loss, at the first ACK in the Open
  state (v3's ECN re-probe).
- REFILL lasts one round, then UP; UP ends, to DOWN, on a bw plateau (3
  rounds without 25 % growth from the sample at UP's start: the window
  allows the 3rd or the 4th round end).
- PROBE_RTT comes 5 s after the last new minimum RTT (probe_rtt_min_stamp;
  between the handshake and the last ACK whose sample is within 1 ms of
  the smallest), holds cwnd at max(4, 0.5 x BDP) (checked on every row, ±1:
  bw comes back from bytes/s), and ends, to PROBE_BW's CRUISE, once 200 ms
  and a round have passed after inflight first fell to that cwnd.
- The ECN cut: on each round with ECE outside bw probing, inflight_lo =
  (inflight_lo, or cwnd when none) x (1 - alpha/3) [BBRAdaptLowerBounds],
  checked exactly on the row where it changes, with that row's alpha;
  REFILL resets inflight_lo to none (checked on each REFILL row).  alpha
  = 15/16 alpha + 1/16 CE ratio once per round: on each change of alpha,
  exactly 15/16 of the old value (rounded down) when no ECE came since the
  previous change, otherwise that plus at most 1/16.

Round ends: a round started at row r ends at the first ACK that delivers a
segment sent after r.  The CSV has snd_una and packets_out after each ACK,
not when each segment left (the pacing timer sends between ACKs), so the
end lies between the first ACK beyond what was outstanding at r-1 and the
first beyond what was outstanding at r; chains of rounds carry both
bounds.  The inflight tests likewise use the flight before the ACK (after
it, for DRAIN's), between packets_out at the previous row and at this row
plus what it acked, less what the path delivers until the next departure
(up to two pacing intervals), plus the next TSO burst under a pacing gain
above 1.  Every window is widened by SLACK events either side.
"""
from common import script_params

STARTUP, DRAIN, PROBE_BW, PROBE_RTT = range(4)
UP, DOWN, CRUISE, REFILL = range(4)
NONE = 0xFFFFFFFF
UNIT = 256
MIN_CWND = 4
SLACK = 2	# events either side of a window: timer sends, one ACK's rounding


def ceil_div(a, b):
    return -(-a // b)


class Run:
    """The rows as numbers."""

    def __init__(self, rows, script):
        p = script_params(script)
        self.mss = p["mss"]
        self.ecn = p["ecn"]
        self.n = len(rows)
        num = lambda r, f, d=0: int(r[f]) if r.get(f, "") != "" else d
        self.kind = [r["kind"] for r in rows]
        self.ack = [(num(r, "ack") - 1) // self.mss if num(r, "ack") > 0 else 0 for r in rows]
        for f in ("unacked", "sacked", "lost", "retrans", "cwnd", "ssthresh", "ca_state",
                  "jiffies", "t_us", "pacing_rate", "sample_rtt_us"):
            setattr(self, f, [num(r, f) for r in rows])
        self.ece = [r.get("ece") == "1" for r in rows]
        self.mode = [num(r, "rec_mode", -1) for r in rows]
        self.phase = [num(r, "rec_cycle", -1) for r in rows]
        self.bw = [num(r, "rec_bw") for r in rows]
        self.min_rtt = [num(r, "rec_min_rtt_us") for r in rows]
        self.hi = [num(r, "rec_inflight_hi", NONE) for r in rows]
        self.lo = [num(r, "rec_inflight_lo", NONE) for r in rows]
        self.alpha = [num(r, "rec_ecn_alpha", UNIT) for r in rows]
        # the sender's ticks per second, from the jiffies column
        dt = (self.t_us[-1] - self.t_us[0]) / 1e6
        rate = (self.jiffies[-1] - self.jiffies[0]) / dt if dt > 0.5 else 250
        self.hz = min((100, 250, 300, 1000), key=lambda h: abs(h - rate))

    def state(self, i):
        return (self.mode[i], self.phase[i] if self.mode[i] == PROBE_BW else None)

    def snd_nxt(self, i):
        return self.ack[i] + self.unacked[i]

    def delivered_top(self, i):
        """The highest new segment delivered by row i (SACKed above the
        holes, which are lost_out)."""
        return self.ack[i] + (self.sacked[i] + self.lost[i] if self.sacked[i] else 0)

    def first(self, start, pred):
        for i in range(max(start, 1), self.n):
            if pred(i):
                return i
        return None

    def round_end(self, r, upper):
        """The first ACK after row r that delivers a segment sent after r:
        the lower bound counts what was outstanding at r-1, the upper what
        was outstanding at r."""
        if r is None:
            return None
        top = self.snd_nxt(r if upper else max(r - 1, 0))
        return self.first(r + 1, lambda i: self.delivered_top(i) > top or
                          self.ack[i] > self.ack[r] and self.retrans[r] > self.retrans[r - 1])

    def rounds(self, r, k):
        """(lower, upper) bounds of the k-th round end after row r."""
        lo = hi = r
        for _ in range(k):
            lo = self.round_end(lo, False) if lo is not None else None
            hi = self.round_end(hi, True) if hi is not None else None
        return lo, hi

    def bdp(self, i, gain=UNIT):
        """ceil(bw x min_rtt x gain) in packets, from row i's record."""
        if not self.min_rtt[i] or not self.bw[i]:
            return 0
        return ceil_div(self.bw[i] * self.min_rtt[i] * gain, self.mss * 1000000 * UNIT)

    def tso_goal(self, i):
        """Segments per TSO burst: pacing rate >> 10 plus 64 KB halved per
        512 us of min_rtt, at least 2; on the pacing rate the model update
        sees, the one set by the ACK before."""
        r = self.min_rtt[i] >> 9
        burst = (self.pacing_rate[max(i - 1, 0)] >> 10) + ((65536 >> r) if r < 32 else 0)
        return max(min(burst, 65536 - 1 - 320) // self.mss, 2)

    def inflight(self, i, gain=UNIT):
        """The BDP with the quantization budget: 3 TSO bursts, 4 packets."""
        return max(self.bdp(i, gain), 3 * self.tso_goal(i), MIN_CWND)

    def flight_bounds(self, i, after_ack=False):
        """Packets in flight when row i's ACK was processed, (low, high):
        before it (rs->prior_in_flight) or, @after_ack, less what it
        delivered (tcp_packets_in_flight() in DRAIN's test).  BBR counts
        what is in the network at the next departure time: in flight less
        bw x (EDT - now), and EDT is at most one packet's pacing interval
        ahead: bw / pacing rate packets."""
        acked = max(0, self.ack[i] - self.ack[i - 1]) + max(0, self.sacked[i] - self.sacked[i - 1])
        # measured: up to two intervals (the pacing timer's slack)
        edt = ceil_div(2 * self.bw[i], max(self.pacing_rate[i - 1], 1))
        # with a pacing gain above 1 (STARTUP, UP: the state the ACK
        # found) the next TSO burst counts as in flight already
        tso = self.tso_goal(i) if self.state(i - 1) in ((STARTUP, None), (PROBE_BW, UP)) else 0
        return self.pif(i - 1) - (acked if after_ack else 0) + tso - edt - 1, \
            self.pif(i) + acked + tso

    def pif(self, i):
        """tcp_packets_in_flight() after row i."""
        return self.unacked[i] - self.sacked[i] - self.lost[i] + self.retrans[i]

    def headroom(self, i):
        hi = self.hi[i]
        if hi == NONE:
            return NONE
        return max(hi - max(hi * 38 >> 8, 1), MIN_CWND)	# 15 % of inflight_hi


class Model:
    def __init__(self, run):
        self.r = run
        self.cycle_start = None		# the row at which DOWN began
        self.ecn_in_cycle = False
        self.probe_rtt_stamp = (0, self.last_min_sample())	# init: the handshake
        self.notes = []

    def last_min_sample(self):
        r = self.r
        samples = [(s, i) for i, s in enumerate(r.sample_rtt_us) if s and r.kind[i] == "ack"]
        if not samples:
            return 1
        m = min(s for s, _ in samples)
        return max(i for s, i in samples if s <= m + 1000)

    def window_from(self, lo_row, hi_row):
        if lo_row is None:
            return None
        return max(lo_row - SLACK, 1), (hi_row + SLACK if hi_row is not None else self.r.n)

    def jiffies_after(self, j):
        return self.r.first(1, lambda i: self.r.jiffies[i] > j)

    def probe_rtt_candidate(self, s):
        w = 5000 * self.r.hz // 1000
        a, b = self.probe_rtt_stamp
        lo = self.jiffies_after(self.r.jiffies[a] + w - 1)
        hi = self.jiffies_after(self.r.jiffies[b] + w)
        if lo is None:
            return []
        return [((PROBE_RTT, None),) + self.window_from(max(lo, s), hi)]

    def candidates(self, state, s):
        """The states that may follow @state entered at row @s, each with its
        window of rows (first, last)."""
        r = self.r
        mode, phase = state
        out = []
        if mode == STARTUP:
            loss = self.startup_loss_exit(s)
            if loss is not None:
                out.append(((DRAIN, None),) + self.window_from(*loss))
            plateau = self.plateau(s, 3)
            if plateau:
                out.append(((DRAIN, None),) + plateau)
        elif mode == DRAIN:
            w = self.inflight_window(s, lambda i: r.inflight(i), after_ack=True)
            if w:
                # DOWN, and CRUISE in the same ACK when the flight before it
                # passes DOWN's test too
                out.append(((PROBE_BW, DOWN),) + w)
                out.append(((PROBE_BW, CRUISE),) + w)
        elif mode == PROBE_BW and phase in (DOWN, CRUISE):
            out += self.refill_candidates(s)
            if phase == DOWN:
                w = self.inflight_window(s, lambda i: min(r.inflight(i), r.headroom(i)))
                if w:
                    out.append(((PROBE_BW, CRUISE),) + w)
        elif mode == PROBE_BW and phase == REFILL:
            lo, hi = r.rounds(s, 1)
            if lo is not None:
                out.append(((PROBE_BW, UP),) + self.window_from(lo, hi))
        elif mode == PROBE_BW and phase == UP:
            lo, _ = r.rounds(s, 3)
            _, hi = r.rounds(s, 4)
            if lo is not None:
                out.append(((PROBE_BW, DOWN),) + self.window_from(lo, hi))
        elif mode == PROBE_RTT:
            w = self.probe_rtt_exit(s)
            if w:
                out.append(((PROBE_BW, CRUISE),) + w)
        if mode != PROBE_RTT:
            out += self.probe_rtt_candidate(s)
        return out

    def startup_loss_exit(self, s):
        """The row at which STARTUP ends on loss, or None."""
        r = self.r
        start = r.first(s, lambda i: r.lost[i] > r.lost[i - 1])
        while start is not None:
            end = r.round_end(start, False)
            if end is None:
                return None
            events = sum(1 for i in range(start, end) if r.lost[i] > r.lost[i - 1])
            lost = max(r.lost[start:end]) + sum(1 for i in range(start, end)
                                               if r.retrans[i] < r.retrans[i - 1])
            if r.ca_state[end] == 3 and events >= 6 and lost * UNIT > r.unacked[start] * 5:
                self.notes.append(("loss-exit", start, end))
                return end, r.round_end(start, True) or end
            start = r.first(end, lambda i: r.lost[i] > r.lost[i - 1])
        return None

    def plateau(self, s, count):
        """STARTUP's full-bw window: rounds from @s, bw compared at each
        round end; the window spans a round either side."""
        r = self.r
        ends, i = [], s
        while i is not None and len(ends) < 64:
            i = r.round_end(i, False)
            if i is not None:
                ends.append(i)
        full, cnt = 0, 0
        for k, i in enumerate(ends):
            if r.bw[i] * 4 >= full * 5:
                full, cnt = r.bw[i], 0
                continue
            cnt += 1
            if cnt >= count:
                # the kernel resets on any sample 25 % above full_bw (a
                # sample, at most the max filter's bw), and counts at its own
                # round ends, which the model's may trail by a few ACKs
                lo = ends[k - 1] if k else s
                hi = ends[k + 1] if k + 1 < len(ends) else r.n
                return max(lo - SLACK, s), hi + SLACK
        return None

    def inflight_window(self, s, target, after_ack=False):
        r = self.r
        lo = r.first(s, lambda i: r.flight_bounds(i, after_ack)[0] <= target(i))
        hi = r.first(s, lambda i: r.flight_bounds(i, after_ack)[1] <= target(i))
        if lo is None:
            return None
        return lo, (hi + SLACK if hi is not None else r.n)

    def refill_candidates(self, s):
        r = self.r
        c0 = self.cycle_start if self.cycle_start is not None else s
        out = []
        if self.ecn_eligible(c0):
            e = r.first(c0, lambda i: r.ece[i])
            if e is not None:
                op = r.first(max(e + 1, s), lambda i: r.ca_state[i] == 0)
                if op is not None:
                    out.append(((PROBE_BW, REFILL), op, op))
        # Reno coexistence: k rounds from DOWN's start, k + rand >= R
        lo = hi = c0
        for k in range(1, 64):
            lo = r.round_end(lo, False) if lo is not None else None
            hi = r.round_end(hi, True) if hi is not None else None
            if lo is None:
                break
            goal = min(63, r.inflight(lo), r.cwnd[lo])
            if k + 1 >= goal:
                # the latest: k' >= goal, one more round at most
                h2 = hi
                for _ in range(max(0, goal - k)):
                    h2 = r.round_end(h2, True) if h2 is not None else None
                if h2 is not None:
                    h2 = r.round_end(h2, True) or h2	# goal may read one higher
                out.append(((PROBE_BW, REFILL),) + self.window_from(lo, h2))
                break
        t0 = r.t_us[c0]
        a = r.first(c0, lambda i: r.t_us[i] > t0 + 2000000)
        if a is not None:
            b = r.first(c0, lambda i: r.t_us[i] > t0 + 3000000)
            out.append(((PROBE_BW, REFILL),) + self.window_from(a, b))
        return out

    def ecn_eligible(self, i):
        return self.r.ecn and 0 < self.r.min_rtt[i] <= 5000

    def probe_rtt_cwnd(self, i):
        return max(MIN_CWND, self.r.bdp(i, UNIT // 2))

    def probe_rtt_exit(self, s):
        r = self.r
        lo_d = r.first(s, lambda i: r.flight_bounds(i)[0] <= self.probe_rtt_cwnd(i))
        hi_d = r.first(s, lambda i: r.flight_bounds(i)[1] <= self.probe_rtt_cwnd(i))
        if lo_d is None:
            return None
        w = 200 * r.hz // 1000
        lo_round, _ = r.rounds(lo_d, 1)
        lo = r.first(lo_round or r.n, lambda i: r.jiffies[i] > r.jiffies[lo_d] + w) if lo_round else None
        if lo is None:
            return None
        hi = None
        if hi_d is not None:
            _, hi_round = r.rounds(hi_d, 1)
            if hi_round is not None:
                hi = r.first(hi_round, lambda i: r.jiffies[i] > r.jiffies[hi_d] + w)
        return self.window_from(lo, hi)

    def values(self, state, i, prev_state):
        """Fields predicted on row i besides the state."""
        r = self.r
        v = {}
        if state[0] == DRAIN and prev_state[0] == STARTUP:
            v["ssthresh"] = r.inflight(i)
        if state[0] == PROBE_RTT:
            v["cwnd"] = self.probe_rtt_cwnd(i)
        if state == (PROBE_BW, REFILL):
            v["rec_inflight_lo"] = NONE
        if state[0] == PROBE_BW and state[1] in (DOWN, CRUISE) and r.lo[i] != r.lo[i - 1] \
                and r.lo[i] != NONE:
            base = r.lo[i - 1] if r.lo[i - 1] != NONE else r.cwnd[i - 1]
            v["rec_inflight_lo"] = base * (UNIT - (r.alpha[i] * (UNIT // 3) >> 8)) >> 8
        return v


def walk(rows, script):
    """The predictions, and the model's notes (transitions, checks)."""
    r = Run(rows, script)
    m = Model(r)
    out = [None] * r.n
    s = r.first(1, lambda i: r.kind[i] in ("ack", "sack"))
    state, prev_state = (STARTUP, None), (None, None)
    seq = [state]
    problems = []

    def predict(i, st, prev):
        d = {"rec_mode": st[0]}
        if st[1] is not None:
            d["rec_cycle"] = st[1]
        d.update(m.values(st, i, prev))
        return d

    while s is not None and s < r.n:
        cands = m.candidates(state, s)
        t = r.first(s + 1, lambda i: r.state(i) != state)
        first_lo = min((c[1] for c in cands), default=r.n)
        end = min(first_lo, t if t is not None else r.n)
        for i in range(s, end):
            out[i] = predict(i, state, prev_state if i == s else state)
        if t is None:
            last = max((c[2] for c in cands), default=r.n)
            if last < r.n - 1:
                want = min(cands, key=lambda c: c[1])[0]
                for i in range(last + 1, r.n):
                    out[i] = predict(i, want, state)
                problems.append(f"event {last + 2}: the model expects {name(want)} by event "
                                f"{last + 1}, the run stays in {name(state)}")
            break
        nxt = r.state(t)
        ok = [c for c in cands if c[0] == nxt and c[1] <= t <= c[2]]
        if not ok:
            # predicted as the model's state, which fails at t
            want = min(cands, key=lambda c: c[1])[0] if cands and t >= first_lo else state
            out[t] = predict(t, want, state)
            problems.append(f"event {t + 1}: {name(state)} -> {name(nxt)}; the model: " +
                            ("; ".join(f"{name(c[0])} in events {c[1] + 1}-{c[2] + 1}"
                                       for c in cands) or "no transition"))
            break
        for i in range(end, t):
            out[i] = None
        if nxt == (PROBE_BW, DOWN) or (state[0] != PROBE_BW and nxt[0] == PROBE_BW):
            m.cycle_start = t
        if state[0] == PROBE_RTT:
            m.probe_rtt_stamp = (t, t)
        elif nxt[0] == PROBE_RTT:
            m.probe_rtt_stamp = (t, t)
        prev_state, state, s = state, nxt, t
        seq.append(state)
    return r, m, out, seq, problems


def name(st):
    mode = ("STARTUP", "DRAIN", "PROBE_BW", "PROBE_RTT")[st[0]] if 0 <= st[0] < 4 else str(st[0])
    if st[1] is None:
        return mode
    return mode + "/" + (("UP", "DOWN", "CRUISE", "REFILL")[st[1]] if 0 <= st[1] < 4 else str(st[1]))


def expect(rows, script):
    return walk(rows, script)[2]


def check(rows, script):
    """What per-row predictions cannot say: the transitions the run made and
    the model accepted, bounds, and ecn_alpha's EWMA."""
    r, m, _, seq, problems = walk(rows, script)
    for note in m.notes:
        if note[0] == "loss-exit":
            start, end = note[1], note[2]
            d = r.first(start, lambda i: r.mode[i] == DRAIN)
            if d is not None and not (r.ssthresh[d] <= r.hi[d] <= r.unacked[start]):
                problems.append(f"event {d + 1}: inflight_hi {r.hi[d]} outside "
                                f"[BDP {r.ssthresh[d]}, flight {r.unacked[start]}]")
    # the ECN cut: ECE outside bw probing, ECN usable: inflight_lo must be
    # cut before the re-probe (REFILL resets it); its value is predicted
    e = r.first(1, lambda i: r.ece[i])
    if e is not None and r.state(e) in ((PROBE_BW, DOWN), (PROBE_BW, CRUISE)) and m.ecn_eligible(e):
        refill = r.first(e, lambda i: r.state(i) == (PROBE_BW, REFILL)) or r.n
        if not any(r.lo[i] != NONE and r.lo[i - 1] == NONE for i in range(e, refill)):
            problems.append(f"event {e + 1}: ECE in {name(r.state(e))}, no cut of inflight_lo "
                            f"before event {refill + 1}")
    last, saw_ece = 0, False
    for i in range(1, r.n):
        saw_ece |= r.ece[i]
        if r.alpha[i] != r.alpha[last]:
            decay = (UNIT - UNIT // 16) * r.alpha[last] >> 8
            if not decay <= r.alpha[i] <= decay + UNIT // 16 or (not saw_ece and r.alpha[i] != decay):
                problems.append(f"event {i + 1}: ecn_alpha {r.alpha[last]} -> {r.alpha[i]}, "
                                f"the EWMA gives {decay}" + (" + at most 16" if saw_ece else ""))
                break
            last, saw_ece = i, False	# this row's CE is in this update
    return problems, " -> ".join(name(s) for s in seq)
