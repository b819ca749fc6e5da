// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * One direction of the emulated link: read packets from the input TUN, stamp
 * each with the time it leaves the queue and the time it is delivered, keep
 * them in a ring in arrival order, and write each to the output TUN when its
 * time comes.  One thread per direction; nothing here is shared between
 * threads except the stop flag and the eventfd, so no locks.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include "linkem.h"

/* Packets read per wakeup before the thread looks at its release times again. */
#define READ_BATCH 64
#define INITIAL_CAP 1024
#define NS_PER_S 1000000000ull

atomic_int linkem_stop;

uint64_t linkem_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* splitmix64: tiny, fast, and good enough for Bernoulli loss decisions. */
uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * RFC 1624 incremental update of the IPv4 header checksum when one 16-bit
 * word changes from old to new: HC' = ~(~HC + ~m + m').
 */
static void csum_replace16(uint8_t *csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~((csum[0] << 8) | csum[1]);

	sum += (uint16_t)~old;
	sum += new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	csum[0] = sum >> 8;
	csum[1] = sum & 0xff;
}

int ecn_mark_ce(uint8_t *pkt, uint32_t len)
{
	if (len >= 20 && pkt[0] >> 4 == 4) {
		uint16_t old = (pkt[0] << 8) | pkt[1];

		if ((pkt[1] & 3) == 0)
			return 0;		/* Not-ECT: never marked */
		if ((pkt[1] & 3) == 3)
			return 1;		/* already CE */
		pkt[1] |= 3;
		/* TCP/UDP checksums do not cover the TOS byte; only the IP header's does. */
		csum_replace16(&pkt[10], old, (pkt[0] << 8) | pkt[1]);
		return 1;
	}
	if (len >= 40 && pkt[0] >> 4 == 6) {
		/* Traffic class straddles bytes 0-1; its ECN field is bits 4-5 of byte 1. */
		if ((pkt[1] & 0x30) == 0)
			return 0;
		pkt[1] |= 0x30;		/* IPv6 has no header checksum */
		return 1;
	}
	return -1;
}

int link_dir_init(struct link_dir *d, uint32_t mtu, uint32_t max_packets)
{
	uint32_t max_cap = INITIAL_CAP;

	while (max_cap < max_packets && max_cap < (1u << 30))
		max_cap <<= 1;
	d->mtu = mtu;
	/* One spare byte so a read that fills the slot reveals an oversized packet. */
	d->slot_size = (mtu + 1 + 63) & ~63u;
	d->cap = INITIAL_CAP < max_cap ? INITIAL_CAP : max_cap;
	d->max_cap = max_cap;
	d->data = malloc((size_t)d->cap * d->slot_size);
	d->meta = calloc(d->cap, sizeof(*d->meta));
	d->samples_max = 1000000;
	d->c.mark_queue_min = UINT32_MAX;
	if (!d->data || !d->meta)
		return -ENOMEM;
	return 0;
}

void link_dir_free(struct link_dir *d)
{
	free(d->data);
	free(d->meta);
	free(d->samples);
	d->data = NULL;
	d->meta = NULL;
	d->samples = NULL;
}

/* Doubles the ring, keeping each packet at its free-running index. */
static int ring_grow(struct link_dir *d)
{
	uint32_t ncap = d->cap * 2, omask = d->cap - 1, nmask = ncap - 1;
	uint8_t *ndata;
	struct pkt_meta *nmeta;

	if (ncap > d->max_cap || ncap < d->cap)
		return -1;
	ndata = malloc((size_t)ncap * d->slot_size);
	nmeta = calloc(ncap, sizeof(*nmeta));
	if (!ndata || !nmeta) {
		free(ndata);
		free(nmeta);
		return -1;
	}
	for (uint32_t i = d->head; i != d->tail; i++) {
		memcpy(ndata + (size_t)(i & nmask) * d->slot_size,
		       d->data + (size_t)(i & omask) * d->slot_size, d->meta[i & omask].len);
		nmeta[i & nmask] = d->meta[i & omask];
	}
	free(d->data);
	free(d->meta);
	d->data = ndata;
	d->meta = nmeta;
	d->cap = ncap;
	return 0;
}

static inline uint8_t *slot(struct link_dir *d, uint32_t i)
{
	return d->data + (size_t)(i & (d->cap - 1)) * d->slot_size;
}

static inline struct pkt_meta *meta(struct link_dir *d, uint32_t i)
{
	return &d->meta[i & (d->cap - 1)];
}

/* Moves packets whose transmission has started out of the queue. */
void link_advance_queue(struct link_dir *d, uint64_t now)
{
	while (d->qhead != d->tail && meta(d, d->qhead)->dequeue_ns <= now) {
		d->queue_pkts--;
		d->queue_bytes -= meta(d, d->qhead)->len;
		d->qhead++;
	}
}

/*
 * The packet is already in the tail slot.  Decide loss, droptail and ECN
 * against the queue as it is at `now` (so K compares with the packets that
 * are waiting ahead of this one), then stamp it and append it.
 */
enum arrival_verdict link_arrive(struct link_dir *d, uint8_t *pkt, uint32_t len, uint64_t now)
{
	const struct link_params *p = &d->p;
	struct pkt_meta *m;
	uint64_t start, tx_ns = 0;

	link_advance_queue(d, now);
	d->c.pkts_in++;
	d->c.bytes_in += len;
	if (p->loss > 0 && (p->loss >= 1.0 || splitmix64(&d->rng) < p->loss_threshold)) {
		d->c.lost++;
		return ARRIVAL_LOST;
	}
	if ((p->queue_packets && d->queue_pkts >= p->queue_packets) ||
	    (p->queue_bytes && d->queue_bytes + len > p->queue_bytes)) {
		d->c.dropped++;
		return ARRIVAL_DROPPED;
	}
	if (p->ecn && d->queue_pkts >= p->ecn_k) {
		int r = ecn_mark_ce(pkt, len);

		if (r == 1) {
			d->c.marked++;
			if (d->queue_pkts < d->c.mark_queue_min)
				d->c.mark_queue_min = d->queue_pkts;
		} else if (r == 0) {
			d->c.not_ect++;
		}
	}
	if (p->rate_bps) {
		/* Carry the remainder so that rounding never drifts the rate. */
		uint64_t num = (uint64_t)len * 8 * NS_PER_S + d->tx_remainder;

		tx_ns = num / p->rate_bps;
		d->tx_remainder = num % p->rate_bps;
	}
	start = d->link_free_ns > now ? d->link_free_ns : now;
	d->link_free_ns = start + tx_ns;
	m = meta(d, d->tail);
	m->dequeue_ns = start;
	m->deliver_ns = start + tx_ns + p->delay_ns;
	m->len = len;
	d->tail++;
	if (start > now) {
		d->queue_pkts++;
		d->queue_bytes += len;
		if (d->queue_pkts > d->queue_max_interval)
			d->queue_max_interval = d->queue_pkts;
		if (d->queue_pkts > d->c.queue_max)
			d->c.queue_max = d->queue_pkts;
		if (d->queue_bytes > d->c.queue_bytes_max)
			d->c.queue_bytes_max = d->queue_bytes;
	} else {
		/* The transmitter was idle, so the queue was empty: straight to the wire. */
		d->qhead = d->tail;
	}
	return ARRIVAL_QUEUED;
}

static void release(struct link_dir *d, uint64_t now)
{
	/* Delivery is never before dequeue, so this keeps qhead at or after head. */
	link_advance_queue(d, now);
	while (d->head != d->tail && meta(d, d->head)->deliver_ns <= now) {
		struct pkt_meta *m = meta(d, d->head);
		ssize_t w;

		do
			w = write(d->out_fd, slot(d, d->head), m->len);
		while (w < 0 && errno == EINTR);
		if (w < 0) {
			d->c.write_errors++;
		} else {
			d->c.pkts_out++;
			d->c.bytes_out += m->len;
		}
		d->head++;
	}
}

static void take_sample(struct link_dir *d, uint64_t now)
{
	struct link_sample *s;

	if (d->nsamples == d->samples_cap) {
		size_t ncap = d->samples_cap ? d->samples_cap * 2 : 1024;
		void *n;

		if (d->nsamples >= d->samples_max)
			return;
		n = realloc(d->samples, ncap * sizeof(*d->samples));
		if (!n)
			return;
		d->samples = n;
		d->samples_cap = ncap;
	}
	s = &d->samples[d->nsamples++];
	s->t_ns = now - d->start_ns;
	s->queue_pkts = d->queue_pkts;
	s->queue_pkts_max = d->queue_max_interval > d->queue_pkts ? d->queue_max_interval
								   : d->queue_pkts;
	s->queue_bytes = d->queue_bytes;
	s->pkts_in = d->c.pkts_in;
	s->pkts_out = d->c.pkts_out;
	s->dropped = d->c.dropped;
	s->lost = d->c.lost;
	s->marked = d->c.marked;
	d->queue_max_interval = d->queue_pkts;
}

/* An IPv4 or IPv6 header fits: TUN without packet info carries nothing else. */
static bool ip_packet_ok(const uint8_t *pkt, uint32_t len)
{
	return (len >= 20 && pkt[0] >> 4 == 4) || (len >= 40 && pkt[0] >> 4 == 6);
}

/* Reads what is waiting, up to a batch; returns how many packets were read. */
static int read_batch(struct link_dir *d, uint8_t *scratch)
{
	int n;

	for (n = 0; n < READ_BATCH; n++) {
		bool room = d->tail - d->head < d->cap || ring_grow(d) == 0;
		uint8_t *buf = room ? slot(d, d->tail) : scratch;
		ssize_t r = read(d->in_fd, buf, d->slot_size);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				d->error = errno;
			break;
		}
		if (!room) {
			d->c.pkts_in++;
			d->c.bytes_in += r;
			d->c.overflow++;
			continue;
		}
		if ((uint32_t)r > d->mtu || !ip_packet_ok(buf, (uint32_t)r)) {
			d->c.pkts_in++;
			d->c.bad_packets++;
			continue;
		}
		link_arrive(d, buf, (uint32_t)r, linkem_now_ns());
	}
	return n;
}

void *link_dir_run(void *arg)
{
	struct link_dir *d = arg;
	uint8_t *scratch = malloc(d->slot_size);
	struct pollfd pfd[2] = {
		{ .fd = d->in_fd, .events = POLLIN },
		{ .fd = d->stop_fd, .events = POLLIN },
	};

	/* Wake-ups are the delay resolution: ask for no timer slack (default 50 us). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (!scratch) {
		d->error = ENOMEM;
		return NULL;
	}
	d->next_sample_ns = d->start_ns + d->sample_interval_ns;
	while (!atomic_load_explicit(&linkem_stop, memory_order_relaxed) && !d->error) {
		uint64_t now = linkem_now_ns(), next;
		struct timespec ts;
		int n;

		release(d, now);
		if (d->sample_interval_ns && now >= d->next_sample_ns) {
			take_sample(d, now);
			d->next_sample_ns += d->sample_interval_ns;
			if (d->next_sample_ns <= now)
				d->next_sample_ns = now + d->sample_interval_ns;
		}
		n = read_batch(d, scratch);
		if (n == READ_BATCH || d->error)
			continue;	/* more may be waiting: release and read again */

		next = UINT64_MAX;
		if (d->head != d->tail)
			next = meta(d, d->head)->deliver_ns;
		if (d->sample_interval_ns && d->next_sample_ns < next)
			next = d->next_sample_ns;
		now = linkem_now_ns();
		if (next <= now)
			continue;
		if (next != UINT64_MAX) {
			ts.tv_sec = (next - now) / NS_PER_S;
			ts.tv_nsec = (next - now) % NS_PER_S;
		}
		if (ppoll(pfd, 2, next == UINT64_MAX ? NULL : &ts, NULL) < 0 && errno != EINTR)
			d->error = errno;
		if (pfd[1].revents)
			break;
	}
	/* A last sample so the series ends at the stop time. */
	if (d->sample_interval_ns)
		take_sample(d, linkem_now_ns());
	free(scratch);
	return NULL;
}
