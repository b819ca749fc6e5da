/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * linkem: a link emulator between two TUN devices, in the spirit of
 * mahimahi's delay and link shells, for kernels without netem.
 *
 * Each direction is one emulated link, modelled as a FIFO droptail queue in
 * front of a constant-rate transmitter followed by a constant propagation
 * delay.  Because the queue is FIFO and the rate is constant, a packet's
 * whole future is known when it arrives: it starts transmission when the
 * transmitter becomes free, finishes tx_time later and is delivered `delay`
 * after that.  So each packet is stamped once on arrival and kept in a ring
 * in arrival order, which is also delivery order; nothing is ever re-sorted.
 */
#ifndef LINKEM_H
#define LINKEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LINKEM_USAGE_EXIT 2

/* Parameters of one direction of the link. */
struct link_params {
	uint64_t delay_ns;		/* one-way propagation delay */
	uint64_t rate_bps;		/* bit/s; 0 = no rate limit */
	uint32_t queue_packets;		/* droptail limit; 0 = none */
	uint64_t queue_bytes;		/* droptail limit; 0 = none */
	double loss;			/* random loss probability, [0, 1] */
	uint64_t loss_threshold;	/* loss as a fraction of 2^64 (derived) */
	bool ecn;			/* ECN marking enabled */
	uint32_t ecn_k;			/* mark ECT packets while queue >= ecn_k */
};

/* Counters of one direction; written only by that direction's thread. */
struct link_counters {
	uint64_t pkts_in, bytes_in;	/* read from the input TUN */
	uint64_t pkts_out, bytes_out;	/* written to the output TUN */
	uint64_t lost;			/* random loss */
	uint64_t dropped;		/* droptail (queue full) */
	uint64_t overflow;		/* no room in the delay line (ring at max) */
	uint64_t marked;		/* ECT packets set to CE */
	uint64_t not_ect;		/* would have been marked but not ECT */
	uint64_t write_errors;		/* output TUN refused a packet */
	uint64_t bad_packets;		/* neither IPv4 nor IPv6, or truncated */
	uint32_t queue_max;		/* largest queue seen, packets */
	uint64_t queue_bytes_max;	/* largest queue seen, bytes */
	uint32_t mark_queue_min;	/* smallest queue length at a mark */
};

/* One point of the queue-length time series. */
struct link_sample {
	uint64_t t_ns;			/* since the emulator started */
	uint32_t queue_pkts;		/* at the sample instant */
	uint32_t queue_pkts_max;	/* largest since the previous sample */
	uint64_t queue_bytes;
	uint64_t pkts_in, pkts_out, dropped, lost, marked;
};

/* Per-packet metadata, parallel to the packet data ring. */
struct pkt_meta {
	uint64_t dequeue_ns;		/* leaves the queue (starts transmission) */
	uint64_t deliver_ns;		/* written to the output TUN */
	uint32_t len;
};

struct link_dir {
	const char *name;		/* "up" (A->B) or "down" (B->A) */
	int in_fd, out_fd;
	int stop_fd;			/* eventfd: readable when it is time to stop */
	struct link_params p;
	uint64_t rng;			/* splitmix64 state */

	/*
	 * Ring of packets in arrival order.  [head, qhead) have left the
	 * queue and are on the wire or in the delay line; [qhead, tail) are
	 * waiting in the queue.  Indices are free-running; slots are
	 * index & (cap - 1).
	 */
	uint8_t *data;
	struct pkt_meta *meta;
	uint32_t cap, max_cap, slot_size, mtu;
	uint32_t head, qhead, tail;
	uint32_t queue_pkts;
	uint64_t queue_bytes;
	uint64_t link_free_ns;		/* when the transmitter is next idle */
	uint64_t tx_remainder;		/* sub-ns remainder of tx times (bits*1e9 mod rate) */

	struct link_counters c;
	uint32_t queue_max_interval;

	uint64_t start_ns, sample_interval_ns, next_sample_ns;
	struct link_sample *samples;
	size_t nsamples, samples_cap, samples_max;
	int error;			/* errno that stopped the thread, or 0 */
};

/* link.c */
uint64_t linkem_now_ns(void);
int link_dir_init(struct link_dir *d, uint32_t mtu, uint32_t max_packets);
void link_dir_free(struct link_dir *d);
void *link_dir_run(void *arg);
/* Marks an IPv4/IPv6 packet CE if it is ECT; returns 1 marked, 0 not ECT, -1 bad. */
int ecn_mark_ce(uint8_t *pkt, uint32_t len);
uint64_t splitmix64(uint64_t *state);
/* Decides a packet's fate on arrival; exposed for testing the model. */
enum arrival_verdict { ARRIVAL_QUEUED, ARRIVAL_LOST, ARRIVAL_DROPPED };
enum arrival_verdict link_arrive(struct link_dir *d, uint8_t *pkt, uint32_t len, uint64_t now);
void link_advance_queue(struct link_dir *d, uint64_t now);

/* parse.c: value parsers; return 0 or -1 (with *why set). */
int parse_time_ns(const char *s, uint64_t *ns, const char **why);
int parse_rate_bps(const char *s, uint64_t *bps, const char **why);
int parse_size_bytes(const char *s, uint64_t *bytes, const char **why);
int parse_count(const char *s, uint64_t max, uint64_t *v, const char **why);
int parse_probability(const char *s, double *p, const char **why);

/* tun.c */
int tun_attach(const char *name, uint32_t mtu, uint32_t txqueuelen);

/* stats.c */
enum stats_format { STATS_JSON, STATS_CSV };
int stats_write(const char *path, enum stats_format fmt, struct link_dir *dirs, int ndirs,
		uint64_t seed, double elapsed_s);
void stats_summary(FILE *f, struct link_dir *dirs, int ndirs, double elapsed_s);

#endif /* LINKEM_H */
