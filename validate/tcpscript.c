// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * tcpscript: a scripted TCP peer, in the spirit of packetdrill.
 *
 *   tcpscript -c CC [-o CSV] [-q] SCRIPT
 *
 * Runs in a private, unnamed network namespace (unshare(CLONE_NEWNET): it
 * disappears with the process, whatever happens).  Inside it, a TUN device
 * "vtun0" holds 198.18.0.1/24; the remote end 198.18.0.2 exists only as this
 * program, which reads the sender's segments from the TUN fd and writes the
 * ACKs a receiver on a path with the script's delay would send.  The sender
 * is a real TCP socket of the same process with TCP_CONGESTION = CC.
 *
 * One thread, one clock (CLOCK_MONOTONIC), ppoll with microsecond timeouts:
 * an ACK written to the TUN fd is processed by the kernel (netif_rx, then the
 * softirq when write() re-enables bottom halves) before write() returns, so
 * the TCP_INFO read right after it is the sender's state after that ACK, and
 * whatever the ACK released is already queued for our next read.  Each ACK is
 * one event: one CSV row.  The script format is in docs/validation.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpftcp/libbpftcp.h"
#include "bpftcp/sock_state.h"
#include "script.h"

#define LOCAL_IP	"198.18.0.1"
#define PEER_IP		"198.18.0.2"
#define PEER_PORT	5001
#define PEER_ISN	1000000u
#define TUN_NAME	"vtun0"
#define MAX_OOO		64

/* TCP flags and option kinds (RFC 9293, 2018, 7323) */
#define TH_SYN		0x02
#define TH_ACK		0x10
#define TH_ECE		0x40
#define TH_CWR		0x80
#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MAXSEG	2
#define TCPOPT_WINDOW	3
#define TCPOPT_SACK_PERMITTED 4
#define TCPOPT_SACK	5
#define TCPOPT_TIMESTAMP 8

static bool quiet;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "tcpscript: error: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + ts.tv_nsec / 1000;
}

/* --- the jiffies clock -------------------------------------------------------
 *
 * Algorithms that keep time in jiffies (cubic's epoch and rate limit, and
 * others) decide by which tick an ACK is processed in.  Two runs whose ACKs
 * are microseconds apart can fall on either side of a tick and differ for
 * that reason alone.  So the peer reads jiffies (bpf_jiffies64() run by
 * BPF_PROG_TEST_RUN, a few microseconds) and records them with each event:
 * validate/compare.py finds the first event at which two runs' ACKs fell on
 * different sides of a tick, and holds the events from there on to the
 * script's 'tick-tolerance'.
 */
struct jclock {
	int fd;			/* the jiffies program */
	uint32_t j0;		/* jiffies at the start */
};

static uint32_t jiffies_read(const struct jclock *jc)
{
	unsigned char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);

	if (bpf_prog_test_run_opts(jc->fd, &o))
		die("reading jiffies: %s", strerror(errno));
	return o.retval;	/* the low 32 bits: enough for differences */
}

static void jclock_init(struct jclock *jc)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_jiffies64 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	jc->fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "tcpscript_jif", "GPL", insns, 2, NULL);
	if (jc->fd < 0)
		die("cannot load the jiffies reader: %s", strerror(errno));
	jc->j0 = jiffies_read(jc);
}

/* --- the peer's receiver state ------------------------------------------ */

struct range { uint32_t start, end; };

struct ack {
	uint64_t due;		/* when it is to be written (CLOCK_MONOTONIC us) */
	uint64_t rx;		/* when the segment that triggered it arrived */
	uint64_t late;		/* how late it was written */
	uint32_t ack, tsecr, win;
	uint32_t tsval;		/* the peer's TSval on it (0: none) */
	uint64_t wrote_ms;	/* CLOCK_MONOTONIC ms when written: the sender's TS clock */
	bool ece;
	int nsack;
	struct range sack[4];	/* DSACK first when present */
};

struct peer {
	/* negotiated in the handshake */
	uint16_t sport;		/* the sender's port */
	uint32_t snd_isn;	/* the sender's ISN */
	bool sack_ok, ts_ok;
	uint32_t ts_hz;		/* our timestamp clock (connect tshz=; default 1000) */
	uint32_t ts_base;	/* its value at the start (connect tsahead=; default 1) */
	uint8_t rcv_wscale;	/* the shift we advertised */
	/* receiver */
	uint32_t rcv_nxt, ts_recent, high;	/* high: highest end seen */
	struct range ooo[MAX_OOO];
	int nooo;
	uint32_t unacked;	/* in-order segments not yet acked (ackevery) */
	/* the ACK delay line */
	struct ack *q;
	size_t qlen, qcap;
	uint64_t last_due;
	/* counters */
	uint64_t data_segs, dropped, acks_sent, policed;
	uint64_t max_late_us;	/* worst lateness of an ACK write */
};

/* The script's current path and peer policy. */
struct policy {
	uint64_t delay_us, spacing_us;
	uint32_t ackevery, rwnd;
	uint32_t lose_skip, lose_count;	/* drop lose_count after skipping lose_skip */
	uint32_t ece_count;		/* the next N ACKs carry ECE */
	uint64_t blackhole_until;	/* drop every data segment until then */
	bool rto_wait;			/* drop until a retransmission arrives */
	uint64_t stall_until;		/* hold ACKs due before then */
	/* police: a token bucket on the data segments that reach the peer */
	uint64_t police_Bps, police_burst;
	double police_tokens;		/* bytes */
	uint64_t police_last;		/* when the bucket was last filled */
};

/* The application on the sender. */
struct app {
	enum { APP_NONE, APP_BULK, APP_CHUNK } mode;
	uint32_t chunk;
	uint64_t interval_us, next_write;
	uint64_t written;
};

struct run {
	const struct script *s;
	const char *cc;
	FILE *csv;
	int tun, sk;
	struct peer p;
	struct policy pol;
	struct app app;
	uint64_t t0;
	uint64_t events;
	bool bpf_record;
	int record_map;
	struct jclock jc;
};

/* --- packets ------------------------------------------------------------ */

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Writes one segment from the peer: flags, seq/ack, window field, options. */
static void peer_send(struct run *r, uint8_t flags, uint32_t seq, uint32_t ack,
		      uint16_t wnd, const uint8_t *opt, size_t optlen)
{
	uint8_t pkt[128] = { 0 };
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(pkt + sizeof(*ip));
	size_t tcplen = sizeof(*th) + optlen;
	uint32_t sum;
	uint8_t pseudo[12];

	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + tcplen);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	inet_pton(AF_INET, PEER_IP, &ip->saddr);
	inet_pton(AF_INET, LOCAL_IP, &ip->daddr);
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));

	th->source = htons(PEER_PORT);
	th->dest = htons(r->p.sport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = tcplen / 4;
	((uint8_t *)th)[13] = flags;
	th->window = htons(wnd);
	memcpy(th + 1, opt, optlen);

	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = tcplen >> 8;
	pseudo[11] = tcplen & 0xff;
	sum = csum_add(csum_add(0, pseudo, sizeof(pseudo)), th, tcplen);
	th->check = csum_fold(sum);

	if (write(r->tun, pkt, sizeof(*ip) + tcplen) < 0)
		die("write to the TUN device: %s", strerror(errno));
}

static size_t put_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_TIMESTAMP;
	o[3] = 10;
	tsval = htonl(tsval);
	tsecr = htonl(tsecr);
	memcpy(o + 4, &tsval, 4);
	memcpy(o + 8, &tsecr, 4);
	return 12;
}

/* The peer's own timestamp clock: ts_hz ticks per second (default 1000:
 * milliseconds) since the start. */
static uint32_t peer_tsval(const struct run *r)
{
	uint64_t hz = r->p.ts_hz ? r->p.ts_hz : 1000;

	return (uint32_t)((now_us() - r->t0) * hz / 1000000) + (r->p.ts_base ? r->p.ts_base : 1);
}

/* A parsed segment from the sender. */
struct seg {
	uint8_t flags;
	uint32_t seq, ack, len;
	bool has_ts;
	uint32_t tsval;
	/* SYN options */
	uint16_t mss;
	int wscale;
	bool sack_perm;
	uint16_t sport;
};

static bool parse_seg(const uint8_t *pkt, size_t n, struct seg *s)
{
	const struct iphdr *ip = (const void *)pkt;
	const struct tcphdr *th;
	const uint8_t *o, *end;
	size_t ihl, doff;

	if (n < sizeof(*ip) || ip->version != 4 || ip->protocol != IPPROTO_TCP)
		return false;
	ihl = ip->ihl * 4u;
	if (n < ihl + sizeof(*th) || ntohs(ip->tot_len) > n)
		return false;
	th = (const void *)(pkt + ihl);
	doff = th->doff * 4u;
	if (ihl + doff > n)
		return false;
	memset(s, 0, sizeof(*s));
	s->wscale = -1;
	s->flags = ((const uint8_t *)th)[13];
	s->seq = ntohl(th->seq);
	s->ack = ntohl(th->ack_seq);
	s->sport = ntohs(th->source);
	s->len = ntohs(ip->tot_len) - ihl - doff;
	o = (const uint8_t *)th + sizeof(*th);
	end = (const uint8_t *)th + doff;
	while (o < end) {
		if (*o == TCPOPT_EOL)
			break;
		if (*o == TCPOPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break;
		switch (*o) {
		case TCPOPT_MAXSEG:
			s->mss = o[2] << 8 | o[3];
			break;
		case TCPOPT_WINDOW:
			s->wscale = o[2];
			break;
		case TCPOPT_SACK_PERMITTED:
			s->sack_perm = true;
			break;
		case TCPOPT_TIMESTAMP:
			s->has_ts = true;
			memcpy(&s->tsval, o + 2, 4);
			s->tsval = ntohl(s->tsval);
			break;
		}
		o += o[1];
	}
	return true;
}

/* --- events --------------------------------------------------------------- */

static void csv_header(struct run *r)
{
	fprintf(r->csv, "event,t_us,kind,ack,cwnd,ssthresh,ca_state,pacing_rate,delivery_rate,"
		"unacked,retrans,lost,sacked,total_retrans,rtt_us,rto_us,app_limited,"
		"ece,sample_rtt_us,late_us,jiffies,rec_w_max,rec_k,rec_loss_events,"
		"rec_mode,rec_cycle,rec_bw,rec_min_rtt_us,rec_pacing_gain,rec_cwnd_gain,"
		"rec_full_bw,rec_lt_use_bw,rec_inflight_hi,rec_inflight_lo,rec_ecn_alpha,"
		"ts_val,ts_ecr,snd_clock_ms\n");
}

/*
 * BBR's state, in the same columns for both: for bpf_bbr its bpftcp record
 * (mode, cycle index, bw, min_rtt, gains, full_bw_reached, lt_use_bw); for
 * the kernel's bbr what TCP_CC_INFO gives (struct tcp_bbr_info: bw, min_rtt
 * and the two gains, what 'ss -ti' prints), with the mode told from the gains,
 * which are distinct in each mode (STARTUP 739/739, DRAIN 88/739, PROBE_BW
 * x/512, PROBE_RTT 256/256), and the cycle index where the pacing gain
 * names it (320: phase 0, 192: phase 1; the six cruising phases are alike).
 * full_bw_reached and lt_use_bw are not reported by the kernel: empty.
 * For bpf_bbr3 (no native twin: validate/models/bbr3.py) its record gives
 * the mode, the PROBE_BW phase (rec_cycle: 0 UP, 1 DOWN, 2 CRUISE,
 * 3 REFILL), bw and min_rtt; its gains are not exported (empty), and the
 * three columns after these, inflight_hi, inflight_lo (packets, 4294967295
 * = none) and ecn_alpha (<< 8), are its own; empty for the others.
 * The caller ends the row.
 * Before the first ACK (the 'established' row) both gains are still 1.0 and
 * the mode is left empty.
 */
static void record_bbr(struct run *r, const struct bpftcp_sock_state *st)
{
	union tcp_cc_info info;
	socklen_t len = sizeof(info);
	unsigned long long bw;
	unsigned int pg, cg;
	int mode = -1, cycle = -1;

	if (st->cc.kind == BPFTCP_CC_BBR) {
		const struct bpftcp_bbr_export *b = &st->cc.u.bbr;

		fprintf(r->csv, ",%u,%u,%llu,%u,%u,%u,%u,%u,,,", b->mode, b->cycle_idx,
			(unsigned long long)b->bw, b->min_rtt_us, b->pacing_gain, b->cwnd_gain,
			b->full_bw_reached, b->lt_use_bw);
		return;
	}
	if (st->cc.kind == BPFTCP_CC_BBR3) {
		const struct bpftcp_bbr3_export *b = &st->cc.u.bbr3;

		fprintf(r->csv, ",%u,%u,%llu,%u,,,,,%u,%u,%u", b->mode, b->phase,
			(unsigned long long)b->bw, b->min_rtt_us, b->inflight_hi,
			b->inflight_lo, b->ecn_alpha);
		return;
	}
	if (strcmp(r->cc, "bbr") ||
	    getsockopt(r->sk, IPPROTO_TCP, TCP_CC_INFO, &info, &len) < 0 || len < sizeof(info.bbr)) {
		fputs(",,,,,,,,,,,", r->csv);	/* the 11 columns */
		return;
	}
	bw = (unsigned long long)info.bbr.bbr_bw_hi << 32 | info.bbr.bbr_bw_lo;
	pg = info.bbr.bbr_pacing_gain;
	cg = info.bbr.bbr_cwnd_gain;
	if (cg > 512)
		mode = pg > 256 ? 0 : 1;	/* STARTUP, DRAIN */
	else if (cg == 512)
		mode = 2;			/* PROBE_BW */
	else if (cg == 256 && pg == 256 && r->events > 1)
		mode = 3;			/* PROBE_RTT (not yet set when established) */
	if (mode == 2)
		cycle = pg == 320 ? 0 : pg == 192 ? 1 : -1;
	fputs(",", r->csv);
	if (mode >= 0)
		fprintf(r->csv, "%d", mode);
	fputs(",", r->csv);
	if (cycle >= 0)
		fprintf(r->csv, "%d", cycle);
	fprintf(r->csv, ",%llu,%u,%u,%u,,,,,", bw, info.bbr.bbr_min_rtt, pg, cg);
}

/*
 * Samples the sender after a scripted event and writes one CSV row.  For an
 * ACK, @a is that ACK: the row also carries the inputs it gave the sender
 * (ECE, and the RTT sample it yields: from the arrival of the segment that
 * triggered it, which the sender had just sent, to its writing), which the
 * models of algorithms with no native twin replay (validate/models/).
 */
static void record(struct run *r, const char *kind, uint32_t ack, const struct ack *a)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct bpftcp_sock_state st;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(r->sk, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("TCP_INFO: %s", strerror(errno));
	r->events++;
	fprintf(r->csv, "%" PRIu64 ",%" PRIu64 ",%s,%u,%u,%u,%u,%llu,%llu,%u,%u,%u,%u,%u,%u,%u,%u",
		r->events, now_us() - r->t0, kind, ack - r->p.snd_isn, ti.tcpi_snd_cwnd,
		ti.tcpi_snd_ssthresh, ti.tcpi_ca_state, (unsigned long long)ti.tcpi_pacing_rate,
		(unsigned long long)ti.tcpi_delivery_rate, ti.tcpi_unacked, ti.tcpi_retrans,
		ti.tcpi_lost, ti.tcpi_sacked, ti.tcpi_total_retrans, ti.tcpi_rtt, ti.tcpi_rto,
		ti.tcpi_delivery_rate_app_limited);
	if (a)
		fprintf(r->csv, ",%d,%" PRIu64 ",%" PRIu64, a->ece, now_us() - a->rx, a->late);
	else
		fputs(",,,", r->csv);
	fprintf(r->csv, ",%u", jiffies_read(&r->jc) - r->jc.j0);
	/* The bpftcp record, when the algorithm keeps one. */
	if (r->record_map < 0 || bpftcp_sock_state_get_from(r->record_map, r->sk, &st))
		st.cc.kind = 0;
	if (st.cc.kind == BPFTCP_CC_CUBIC)
		fprintf(r->csv, ",%u,%u,%u", st.cc.u.cubic.w_max, st.cc.u.cubic.k,
			st.cc.u.cubic.loss_events);
	else
		fputs(",,,", r->csv);
	record_bbr(r, &st);
	/* The timestamps of the ACK and the sender's TS clock when it was
	 * written (CLOCK_MONOTONIC ms, tcp_time_stamp_ms() less the
	 * connection's random offset: none with net.ipv4.tcp_timestamps=2). */
	if (a && a->tsval)
		fprintf(r->csv, ",%u,%u,%" PRIu64 "\n", a->tsval, a->tsecr, a->wrote_ms);
	else
		fputs(",,,\n", r->csv);
}

/* --- the receiver --------------------------------------------------------- */

static void ooo_add(struct peer *p, uint32_t start, uint32_t end)
{
	int i;

	for (i = 0; i < p->nooo; i++) {
		struct range *g = &p->ooo[i];

		if ((int32_t)(start - g->end) <= 0 && (int32_t)(end - g->start) >= 0) {
			if ((int32_t)(start - g->start) < 0)
				g->start = start;
			if ((int32_t)(end - g->end) > 0)
				g->end = end;
			/* most recent first, as RFC 2018 asks */
			struct range t = *g;

			memmove(p->ooo + 1, p->ooo, i * sizeof(*g));
			p->ooo[0] = t;
			return;
		}
	}
	if (p->nooo == MAX_OOO)
		die("more than %d holes", MAX_OOO);
	memmove(p->ooo + 1, p->ooo, p->nooo * sizeof(*p->ooo));
	p->ooo[0] = (struct range){ start, end };
	p->nooo++;
}

/* Moves rcv_nxt over out-of-order data that is now in order. */
static void ooo_collapse(struct peer *p)
{
	bool moved = true;

	while (moved) {
		moved = false;
		for (int i = 0; i < p->nooo; i++) {
			if ((int32_t)(p->ooo[i].start - p->rcv_nxt) <= 0) {
				if ((int32_t)(p->ooo[i].end - p->rcv_nxt) > 0)
					p->rcv_nxt = p->ooo[i].end;
				memmove(p->ooo + i, p->ooo + i + 1, (p->nooo - i - 1) * sizeof(*p->ooo));
				p->nooo--;
				moved = true;
				break;
			}
		}
	}
}

static void queue_ack(struct run *r, uint64_t rx, const struct range *dsack)
{
	struct peer *p = &r->p;
	struct ack a = { 0 };
	int i;

	a.rx = rx;
	a.due = rx + r->pol.delay_us;
	if (p->qlen && a.due < p->last_due + r->pol.spacing_us)
		a.due = p->last_due + r->pol.spacing_us;
	p->last_due = a.due;
	a.ack = p->rcv_nxt;
	a.tsecr = p->ts_recent;
	a.win = r->pol.rwnd;
	if (r->pol.ece_count) {
		a.ece = true;
		r->pol.ece_count--;
	}
	if (p->sack_ok) {
		if (dsack)
			a.sack[a.nsack++] = *dsack;
		for (i = 0; i < p->nooo && a.nsack < (p->ts_ok ? 3 : 4); i++)
			a.sack[a.nsack++] = p->ooo[i];
	}
	if (p->qlen == p->qcap) {
		p->qcap = p->qcap ? 2 * p->qcap : 256;
		p->q = realloc(p->q, p->qcap * sizeof(*p->q));
		if (!p->q)
			die("out of memory");
	}
	p->q[p->qlen++] = a;
}

/*
 * The policer (script command 'police'): a token bucket of police_burst
 * bytes filled at police_Bps.  A data segment that finds at least its
 * length in the bucket takes it and passes; any other is lost, as a token
 * bucket policer in the network drops what exceeds its rate.
 */
static bool police_pass(struct policy *pol, uint64_t rx, uint32_t len)
{
	pol->police_tokens += (double)(rx - pol->police_last) * pol->police_Bps / 1e6;
	pol->police_last = rx;
	if (pol->police_tokens > pol->police_burst)
		pol->police_tokens = pol->police_burst;
	if (pol->police_tokens < len)
		return false;
	pol->police_tokens -= len;
	return true;
}

/* A data segment from the sender reached the peer (or was lost). */
static void on_data(struct run *r, const struct seg *s, uint64_t rx)
{
	struct peer *p = &r->p;
	struct policy *pol = &r->pol;
	uint32_t end = s->seq + s->len;
	struct range dsack;
	bool retrans = (int32_t)(s->seq - p->high) < 0;

	p->data_segs++;
	if (pol->rto_wait) {
		if (!retrans) {
			p->dropped++;
			p->high = end;	/* so that its retransmission is told apart */
			return;
		}
		pol->rto_wait = false;	/* the retransmission gets through */
		record(r, "rto", p->rcv_nxt, NULL);
	}
	if (rx < pol->blackhole_until) {
		p->dropped++;
		if ((int32_t)(end - p->high) > 0)
			p->high = end;
		return;
	}
	if (pol->lose_count) {
		if (pol->lose_skip) {
			pol->lose_skip--;
		} else {
			pol->lose_count--;
			p->dropped++;
			if ((int32_t)(end - p->high) > 0)
				p->high = end;
			return;
		}
	}
	if (pol->police_Bps && !police_pass(pol, rx, s->len)) {
		p->dropped++;
		p->policed++;
		if ((int32_t)(end - p->high) > 0)
			p->high = end;
		return;
	}
	if ((int32_t)(end - p->high) > 0)
		p->high = end;

	if ((int32_t)(end - p->rcv_nxt) <= 0) {
		/* All old: a spurious retransmission, reported by DSACK. */
		dsack = (struct range){ s->seq, end };
		queue_ack(r, rx, &dsack);
		return;
	}
	if ((int32_t)(s->seq - p->rcv_nxt) <= 0) {
		/* In order: RFC 7323 takes TS.Recent from it. */
		if (s->has_ts)
			p->ts_recent = s->tsval;
		p->rcv_nxt = end;
		ooo_collapse(p);
		if (p->nooo == 0 && ++p->unacked < pol->ackevery)
			return;
		p->unacked = 0;
		queue_ack(r, rx, NULL);
		return;
	}
	/* Above a hole: an immediate duplicate ACK with SACK. */
	ooo_add(p, s->seq, end);
	queue_ack(r, rx, NULL);
}

static void write_ack(struct run *r, struct ack *a)
{
	struct peer *p = &r->p;
	uint8_t opt[40];
	size_t n = 0;
	/* An ACK a 'stall' held is due when the stall ends. */
	uint64_t due = a->due < r->pol.stall_until ? r->pol.stall_until : a->due;
	uint64_t late = a->late = now_us() - due;
	uint8_t flags = TH_ACK | (a->ece ? TH_ECE : 0);

	if (late > p->max_late_us)
		p->max_late_us = late;
	a->tsval = 0;
	a->wrote_ms = now_us() / 1000;
	if (p->ts_ok)
		n += put_ts(opt, a->tsval = peer_tsval(r), a->tsecr);
	if (a->nsack) {
		opt[n++] = TCPOPT_NOP;
		opt[n++] = TCPOPT_NOP;
		opt[n++] = TCPOPT_SACK;
		opt[n++] = 2 + 8 * a->nsack;
		for (int i = 0; i < a->nsack; i++) {
			uint32_t v[2] = { htonl(a->sack[i].start), htonl(a->sack[i].end) };

			memcpy(opt + n, v, 8);
			n += 8;
		}
	}
	peer_send(r, flags, PEER_ISN + 1, a->ack, a->win >> p->rcv_wscale, opt, n);
	p->acks_sent++;
	record(r, a->nsack ? "sack" : "ack", a->ack, a);
}

/* --- the sender's application ---------------------------------------- */

static char appbuf[1 << 16];

static void app_write(struct run *r, uint64_t now)
{
	ssize_t n = 0;

	switch (r->app.mode) {
	case APP_NONE:
		return;
	case APP_BULK:
		while ((n = send(r->sk, appbuf, sizeof(appbuf), MSG_DONTWAIT)) > 0)
			r->app.written += n;
		break;
	case APP_CHUNK:
		if (now < r->app.next_write)
			return;
		n = send(r->sk, appbuf, r->app.chunk, MSG_DONTWAIT);
		if (n > 0)
			r->app.written += n;
		r->app.next_write = now + r->app.interval_us;
		break;
	}
	if (n < 0 && errno != EAGAIN)
		die("send: %s", strerror(errno));
}

/* --- the event loop ------------------------------------------------------ */

static void read_tun(struct run *r)
{
	uint8_t pkt[2048];
	struct seg s;
	ssize_t n;

	while ((n = read(r->tun, pkt, sizeof(pkt))) > 0) {
		uint64_t rx = now_us();

		if (!parse_seg(pkt, n, &s) || s.sport != r->p.sport)
			continue;
		if (s.len)
			on_data(r, &s, rx);
	}
	if (n < 0 && errno != EAGAIN)
		die("read from the TUN device: %s", strerror(errno));
}

/*
 * Reads what the sender transmits until it has been quiet for 1 ms.  The
 * segments an ACK releases are usually queued before write() returns, but
 * the kernel may defer some (TCP small queues, its tasklet), and a segment
 * that arrives just after a 'lose' or 'rto' command would be treated
 * differently from one that arrived just before: the scripted events must
 * not depend on that.  ACKs due meanwhile wait (at most 1 ms per command).
 */
static void settle(struct run *r)
{
	struct pollfd pfd = { .fd = r->tun, .events = POLLIN };
	struct timespec quiet_for = { .tv_nsec = 1000000 };

	for (;;) {
		int n = ppoll(&pfd, 1, &quiet_for, NULL);

		if (n < 0 && errno != EINTR)
			die("ppoll: %s", strerror(errno));
		if (n == 0)
			return;
		read_tun(r);
	}
}

/* Runs until @acks more ACKs were written, or @until_us passes. */
static void run_loop(struct run *r, uint64_t acks, uint64_t until_us)
{
	uint64_t target = r->p.acks_sent + acks;

	for (;;) {
		uint64_t now = now_us(), next = until_us;
		struct pollfd pfd[2] = { { .fd = r->tun, .events = POLLIN },
					 { .fd = r->sk, .events = r->app.mode == APP_BULK ? POLLOUT : 0 } };
		struct timespec ts;

		if (acks && r->p.acks_sent >= target)
			return;
		if (now >= until_us)
			return;
		/* Due ACKs, unless the path is stalled. */
		while (r->p.qlen && r->p.q[0].due <= now && now >= r->pol.stall_until) {
			struct ack a = r->p.q[0];

			memmove(r->p.q, r->p.q + 1, (--r->p.qlen) * sizeof(*r->p.q));
			write_ack(r, &a);
			read_tun(r);
			if (acks && r->p.acks_sent >= target)
				return;
			now = now_us();
		}
		app_write(r, now);
		if (r->p.qlen) {
			uint64_t due = r->p.q[0].due;

			if (due < r->pol.stall_until)
				due = r->pol.stall_until;
			if (due < next)
				next = due;
		}
		if (r->app.mode == APP_CHUNK && r->app.next_write < next)
			next = r->app.next_write;
		now = now_us();
		if (next > now) {
			ts.tv_sec = (next - now) / 1000000;
			ts.tv_nsec = (next - now) % 1000000 * 1000;
			if (ppoll(pfd, 2, &ts, NULL) < 0 && errno != EINTR)
				die("ppoll: %s", strerror(errno));
		}
		read_tun(r);
	}
}

/* --- setup ------------------------------------------------------------- */

static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		die("'%s' failed", cmd);
}

static void write_sysctl(const char *name, const char *value)
{
	char path[256], *c;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (c = path + 10; *c; c++)
		if (*c == '.')
			*c = '/';
	f = fopen(path, "w");
	if (!f || fputs(value, f) < 0 || fclose(f) != 0)
		die("sysctl %s=%s: %s", name, value, strerror(errno));
}

static int tun_open(void)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/net/tun: %s", strerror(errno));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, TUN_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF: %s", strerror(errno));
	return fd;
}

/* A private namespace with the TUN device, addressed and routed. */
static void netns_setup(struct run *r)
{
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET): %s (needs root)", strerror(errno));
	r->tun = tun_open();
	/* No GSO: the sender emits one MSS per skb, no TSO deferral. */
	sh("ip link set lo up && ip link set " TUN_NAME " up mtu 1500 && "
	   "ip addr add " LOCAL_IP "/24 dev " TUN_NAME " && "
	   "ethtool -K " TUN_NAME " gso off tso off >/dev/null 2>&1; "
	   "sysctl -q -w net.ipv6.conf.all.disable_ipv6=1");
	for (size_t i = 0; i < r->s->nsysctl; i++)
		write_sysctl(r->s->sysctl[i].name, r->s->sysctl[i].value);
}

static void connect_sender(struct run *r, const struct cmd *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	struct peer *p = &r->p;
	int one = 1, sndbuf = 4 << 20;
	uint8_t pkt[2048], opt[40];
	struct seg syn;
	ssize_t n;
	size_t o = 0;
	uint64_t deadline;
	struct pollfd pfd = { .fd = r->tun, .events = POLLIN };
	bool ecn;

	r->sk = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (r->sk < 0)
		die("socket: %s", strerror(errno));
	if (setsockopt(r->sk, IPPROTO_TCP, TCP_CONGESTION, r->cc, strlen(r->cc)) < 0)
		die("TCP_CONGESTION %s: %s (not registered?)", r->cc, strerror(errno));
	setsockopt(r->sk, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(r->sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	inet_pton(AF_INET, PEER_IP, &sa.sin_addr);
	if (connect(r->sk, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		die("connect: %s", strerror(errno));

	deadline = now_us() + 2000000;
	for (;;) {
		if (now_us() > deadline)
			die("no SYN from the sender");
		poll(&pfd, 1, 100);
		n = read(r->tun, pkt, sizeof(pkt));
		if (n > 0 && parse_seg(pkt, n, &syn) && (syn.flags & TH_SYN))
			break;
	}
	p->sport = syn.sport;
	p->snd_isn = syn.seq;
	p->rcv_nxt = p->high = syn.seq + 1;
	p->sack_ok = c->sack && syn.sack_perm;
	p->ts_ok = c->ts && syn.has_ts;
	p->ts_hz = c->tshz ? c->tshz : 1000;
	/* tsahead=MS: start MS ahead of the sender's TS clock (CLOCK_MONOTONIC
	 * ms, with no offset under net.ipv4.tcp_timestamps=2), so that TSval
	 * - TSecr is a small positive number (TCP-LP's one-way delay) */
	p->ts_base = c->tsahead ? (uint32_t)(r->t0 / 1000) + c->tsahead : 1;
	p->ts_recent = syn.tsval;
	p->rcv_wscale = c->wscale >= 0 && syn.wscale >= 0 ? c->wscale : 0;

	/* SYN-ACK after one path delay: the sender's first RTT sample. */
	usleep(r->pol.delay_us);
	opt[o++] = TCPOPT_MAXSEG;
	opt[o++] = 4;
	opt[o++] = c->mss >> 8;
	opt[o++] = c->mss & 0xff;
	if (p->sack_ok) {
		opt[o++] = TCPOPT_NOP;
		opt[o++] = TCPOPT_NOP;
		opt[o++] = TCPOPT_SACK_PERMITTED;
		opt[o++] = 2;
	}
	if (p->ts_ok)
		o += put_ts(opt + o, peer_tsval(r), syn.tsval);
	if (c->wscale >= 0 && syn.wscale >= 0) {
		opt[o++] = TCPOPT_NOP;
		opt[o++] = TCPOPT_WINDOW;
		opt[o++] = 3;
		opt[o++] = p->rcv_wscale;
	}
	/* An ECN-setup SYN (ECE and CWR) gets an ECN-setup SYN-ACK (ECE). */
	ecn = c->ecn && (syn.flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR);
	peer_send(r, TH_SYN | TH_ACK | (ecn ? TH_ECE : 0), PEER_ISN, p->rcv_nxt,
		  r->pol.rwnd > 65535 ? 65535 : r->pol.rwnd, opt, o);
	deadline = now_us() + 2000000;
	for (;;) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(r->sk, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    ti.tcpi_state == 1 /* TCP_ESTABLISHED */)
			break;
		if (now_us() > deadline)
			die("the sender did not complete the handshake");
		usleep(100);
	}
	read_tun(r);	/* the third ACK */
	record(r, "established", p->rcv_nxt, NULL);
}

static void run_script(struct run *r)
{
	const struct script *s = r->s;

	for (size_t i = 0; i < s->ncmd; i++) {
		const struct cmd *c = &s->cmd[i];
		uint64_t now;

		/* A loss, mark or stall applies to the segments that arrive from
		 * now on: first take in what the ACKs written so far released. */
		if (c->op == OP_LOSE || c->op == OP_ECE || c->op == OP_BLACKHOLE ||
		    c->op == OP_RTO || c->op == OP_STALL)
			settle(r);
		now = now_us();
		switch (c->op) {
		case OP_PATH:
			if (c->delay_us != UINT64_MAX)
				r->pol.delay_us = c->delay_us;
			if (c->spacing_us != UINT64_MAX)
				r->pol.spacing_us = c->spacing_us;
			if (c->ackevery)
				r->pol.ackevery = c->ackevery;
			if (c->rwnd)
				r->pol.rwnd = c->rwnd;
			break;
		case OP_CONNECT:
			connect_sender(r, c);
			break;
		case OP_APP:
			r->app.mode = c->app_mode == APP_MODE_BULK ? APP_BULK :
				      c->app_mode == APP_MODE_CHUNK ? APP_CHUNK : APP_NONE;
			r->app.chunk = c->chunk;
			r->app.interval_us = c->interval_us;
			r->app.next_write = now;
			app_write(r, now);
			break;
		case OP_LOSE:
			r->pol.lose_skip = c->skip;
			r->pol.lose_count = c->count;
			break;
		case OP_ECE:
			r->pol.ece_count = c->count;
			break;
		case OP_BLACKHOLE:
			r->pol.blackhole_until = now + c->time_us;
			break;
		case OP_RTO:
			r->pol.rto_wait = true;
			break;
		case OP_STALL:
			r->pol.stall_until = now + c->time_us;
			break;
		case OP_POLICE:
			/* a new policer starts with a full bucket */
			r->pol.police_Bps = c->rate_Bps;
			r->pol.police_burst = c->burst;
			r->pol.police_tokens = c->burst;
			r->pol.police_last = now;
			break;
		case OP_RUN:
			run_loop(r, c->acks, c->time_us ? now + c->time_us : UINT64_MAX);
			break;
		}
	}
}

/*
 * The ACK timing must not depend on what else the machine runs (other
 * tests, compilers): run at a real-time priority with memory locked, so the
 * peer is scheduled as soon as an ACK is due.  The kernel's RT throttling
 * (sched_rt_runtime_us) still leaves the rest of the machine 5% of each
 * second, and the loop sleeps in ppoll() between events.  Without the
 * privilege (or with TCPSCRIPT_NORT set) it runs as a normal process and
 * the lateness check says whether the run was good enough.
 */
static void realtime(void)
{
	struct sched_param sp = { .sched_priority = 10 };

	if (getenv("TCPSCRIPT_NORT"))
		return;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		fprintf(stderr, "tcpscript: warning: no real-time priority (%s); ACK timing "
			"may suffer on a loaded machine\n", strerror(errno));
	mlockall(MCL_CURRENT | MCL_FUTURE);
}

int main(int argc, char **argv)
{
	struct run r = { .tun = -1, .sk = -1, .record_map = -1 };
	const char *out = NULL;
	struct script script;
	char err[256];
	int opt;

	while ((opt = getopt(argc, argv, "c:o:q")) != -1) {
		switch (opt) {
		case 'c': r.cc = optarg; break;
		case 'o': out = optarg; break;
		case 'q': quiet = true; break;
		default: goto usage;
		}
	}
	if (!r.cc || optind != argc - 1)
		goto usage;
	if (script_load(argv[optind], &script, err, sizeof(err)) < 0)
		die("%s", err);
	r.s = &script;
	r.csv = out ? fopen(out, "w") : stdout;
	if (!r.csv)
		die("%s: %s", out, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_TIMERSLACK, 1UL);
	realtime();
	jclock_init(&r.jc);
	r.pol = (struct policy){ .delay_us = 10000, .ackevery = 1, .rwnd = 4 << 20 };
	r.t0 = now_us();
	netns_setup(&r);
	/* The bpftcp record map is pinned on the host's bpffs (the mount
	 * namespace is the host's); only bpftcp algorithms fill it. */
	if (!strncmp(r.cc, "bpf_", 4))
		r.record_map = bpftcp_sock_state_map_open(NULL);
	csv_header(&r);
	run_script(&r);
	fflush(r.csv);
	if (!quiet)
		fprintf(stderr, "tcpscript: %s %s: %" PRIu64 " events, %" PRIu64 " data segments "
			"(%" PRIu64 " dropped, %" PRIu64 " by the policer), %" PRIu64 " bytes written, worst ACK lateness %" PRIu64 " us\n",
			r.cc, script.name, r.events, r.p.data_segs, r.p.dropped, r.p.policed, r.app.written,
			r.p.max_late_us);
	/* Machine-readable summary line for the runner. */
	fprintf(stderr, "tcpscript-summary events=%" PRIu64 " late_us=%" PRIu64 "\n",
		r.events, r.p.max_late_us);
	if (out)
		fclose(r.csv);
	return 0;
usage:
	fprintf(stderr, "usage: tcpscript -c CC [-o CSV] [-q] SCRIPT\n");
	return 2;
}
