// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * skstorage: per-packet cost of a hash map keyed by the 4-tuple (10 000
 * entries) vs bpf_sk_storage_get(), both in one cgroup_skb/egress program
 * (bench/bpf/lookup.bpf.c) on the same packets.
 *
 *   skstorage [-r ROUNDS] [-t MS] [-c CONNS] [-o FILE.json]
 *
 * In a private network namespace and a cgroup of its own, CONNS loopback
 * connections send bulk data for MS milliseconds per round; the program
 * times both lookups on every packet (order alternating per packet, so the
 * two are interleaved A B A B ...).  Per round: ns per lookup for each, after
 * subtracting the empty loop's time.  Reports the medians over the rounds and
 * hash / sk_storage as the ratio of the medians, and writes them as a flat
 * JSON object.  Everything it sets up (netns, cgroup, attachment) goes away
 * when it exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "bpftcp/sock_state.h"
#include "bench/bpf/lookup.skel.h"

#define LOOKUPS		16	/* as in lookup.bpf.c */
#define HASH_ENTRIES	10000
#define MAX_CONNS	16
#define MAX_ROUNDS	101

struct flow_key {		/* as in lookup.bpf.c */
	__u32 family;
	__u32 local[4];
	__u32 remote[4];
	__u32 local_port;
	__u32 remote_port;
};

struct lookup_totals {		/* as in lookup.bpf.c */
	__u64 packets, hash_ns, sk_ns, empty_ns, hash_misses, sk_misses, skipped;
};

static volatile int stop_traffic;

/* Fills the hash with @n made-up flows (10.x.y.z:port -> 198.18.0.1:80). */
static int fill_hash(int map_fd, int n)
{
	static const struct bpftcp_sock_state zero;

	for (int i = 0; i < n; i++) {
		struct flow_key k = { .family = AF_INET };

		k.local[0] = htonl(0x0a000000u | (i + 1));
		k.remote[0] = htonl(0xc6120001u);
		k.local_port = 1024 + i % 60000;
		k.remote_port = htons(80);
		if (bpf_map_update_elem(map_fd, &k, &zero, BPF_NOEXIST))
			return -errno;
	}
	return 0;
}

static int count_entries(int map_fd)
{
	struct flow_key k, next;
	int n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

struct conn {
	int cfd, sfd;
	pthread_t rx, tx;
};

static void *sink(void *arg)
{
	static __thread char buf[1 << 16];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static void *source(void *arg)
{
	static __thread char buf[1 << 16];
	int fd = *(int *)arg;

	while (!stop_traffic)
		if (write(fd, buf, sizeof(buf)) < 0)
			break;
	return NULL;
}

static int open_conns(struct conn *c, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int lfd, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (void *)&a, sizeof(a)) || listen(lfd, 64) ||
	    getsockname(lfd, (void *)&a, &alen)) {
		close(lfd);
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		c[i].cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c[i].cfd < 0 || connect(c[i].cfd, (void *)&a, sizeof(a)))
			return -errno;
		c[i].sfd = accept(lfd, NULL, NULL);
		if (c[i].sfd < 0)
			return -errno;
	}
	close(lfd);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int read_totals(int fd, struct lookup_totals *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct lookup_totals *v;
	__u32 zero = 0;

	if (ncpu <= 0)
		return -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &zero, v)) {
		free(v);
		return -errno;
	}
	for (int i = 0; i < ncpu; i++) {
		sum->packets += v[i].packets;
		sum->hash_ns += v[i].hash_ns;
		sum->sk_ns += v[i].sk_ns;
		sum->empty_ns += v[i].empty_ns;
		sum->hash_misses += v[i].hash_misses;
		sum->sk_misses += v[i].sk_misses;
		sum->skipped += v[i].skipped;
	}
	/* Reset for the next round. */
	memset(v, 0, ncpu * sizeof(*v));
	bpf_map_update_elem(fd, &zero, v, BPF_ANY);
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = 15, ms = 200, nconns = 4, opt, err, ret = 1;
	double hash_ns[MAX_ROUNDS], sk_ns[MAX_ROUNDS], empty_ns[MAX_ROUNDS], ratio[MAX_ROUNDS];
	struct conn conns[MAX_CONNS];
	struct lookup_totals tot;
	struct bench_bpf_lookup *skel = NULL;
	char cgroup[PATH_MAX];
	struct bpf_link *link = NULL;
	const char *out = NULL;
	__u64 packets = 0;
	int cg_fd = -1, entries;
	double h, s, e, rmed, raw;
	FILE *f;

	while ((opt = getopt(argc, argv, "r:t:c:o:")) != -1) {
		switch (opt) {
		case 'r': rounds = atoi(optarg); break;
		case 't': ms = atoi(optarg); break;
		case 'c': nconns = atoi(optarg); break;
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-r ROUNDS] [-t MS] [-c CONNS] [-o FILE]\n", argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || ms < 10 || nconns < 1 || nconns > MAX_CONNS) {
		fprintf(stderr, "error: rounds 1-%d, -t >= 10 ms, conns 1-%d\n", MAX_ROUNDS, MAX_CONNS);
		return 2;
	}
	err = harness_private_netns();
	if (err) {
		fprintf(stderr, "error: cannot make a private network namespace: %s (root?)\n",
			strerror(-err));
		return 1;
	}
	err = harness_cgroup_enter("bpftcp-bench-skstorage", cgroup, sizeof(cgroup));
	if (err) {
		fprintf(stderr, "error: cannot make a cgroup: %s\n", strerror(-err));
		goto out;
	}
	skel = bench_bpf_lookup__open_and_load();
	if (!skel) {
		fprintf(stderr, "error: cannot load bench/bpf/lookup.bpf.c: %s\n", strerror(errno));
		goto out;
	}
	/* The table holds 10 000 flows once the real ones (two sockets each)
	 * have joined it on their first packet. */
	err = fill_hash(bpf_map__fd(skel->maps.flows), HASH_ENTRIES - 2 * nconns);
	if (err) {
		fprintf(stderr, "error: cannot fill the hash map: %s\n", strerror(-err));
		goto out;
	}
	cg_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	link = cg_fd < 0 ? NULL : bpf_program__attach_cgroup(skel->progs.bench_lookup, cg_fd);
	if (!link) {
		fprintf(stderr, "error: cannot attach to %s: %s\n", cgroup, strerror(errno));
		goto out;
	}
	err = open_conns(conns, nconns);
	if (err) {
		fprintf(stderr, "error: cannot open loopback connections: %s\n", strerror(-err));
		goto out;
	}
	for (int i = 0; i < nconns; i++) {
		pthread_create(&conns[i].rx, NULL, sink, &conns[i].sfd);
		pthread_create(&conns[i].tx, NULL, source, &conns[i].cfd);
	}
	/* Warm-up: every socket has sent, so all records and flows exist. */
	usleep(100 * 1000);
	read_totals(bpf_map__fd(skel->maps.totals), &tot);
	entries = count_entries(bpf_map__fd(skel->maps.flows));

	for (int r = 0; r < rounds; r++) {
		usleep(ms * 1000);
		err = read_totals(bpf_map__fd(skel->maps.totals), &tot);
		if (err || !tot.packets || tot.hash_misses || tot.sk_misses) {
			fprintf(stderr, "error: round %d: %llu packets, %llu/%llu misses: %s\n", r,
				(unsigned long long)tot.packets, (unsigned long long)tot.hash_misses,
				(unsigned long long)tot.sk_misses, strerror(-err));
			goto stop;
		}
		packets += tot.packets;
		e = (double)tot.empty_ns / tot.packets;
		hash_ns[r] = ((double)tot.hash_ns / tot.packets - e) / LOOKUPS;
		sk_ns[r] = ((double)tot.sk_ns / tot.packets - e) / LOOKUPS;
		empty_ns[r] = e;
		ratio[r] = hash_ns[r] / sk_ns[r];
	}
	h = median(hash_ns, rounds);
	s = median(sk_ns, rounds);
	e = median(empty_ns, rounds);
	rmed = median(ratio, rounds);	/* sorts: ratio[0] is the smallest */
	/* Without subtracting the overhead: a lower bound of the ratio. */
	raw = (e + LOOKUPS * h) / (e + LOOKUPS * s);
	printf("%-34s %10s\n", "per lookup (median of rounds)", "ns");
	printf("%-34s %10.1f\n", "hash map, 4-tuple key", h);
	printf("%-34s %10.1f\n", "bpf_sk_storage_get", s);
	printf("%-34s %10.1f\n", "timer+loop overhead per packet", e);
	printf("%-34s %10.2f  (per round: median %.2f, range %.2f..%.2f)\n",
	       "skstorage_vs_hash_ratio", h / s, rmed, ratio[0], ratio[rounds - 1]);
	printf("%-34s %10.2f  (overhead not subtracted)\n", "skstorage_vs_hash_ratio_raw", raw);
	printf("%d rounds x %d ms, %d connections, %llu packets, %d hash entries, %d lookups/packet\n",
	       rounds, ms, nconns, (unsigned long long)packets, entries, LOOKUPS);
	if (entries != HASH_ENTRIES)
		fprintf(stderr, "warning: the hash held %d entries, not %d\n", entries, HASH_ENTRIES);
	if (out) {
		f = fopen(out, "w");
		if (!f) {
			fprintf(stderr, "error: cannot write %s: %s\n", out, strerror(errno));
			goto stop;
		}
		fprintf(f, "{\"skstorage_vs_hash_ratio\": %.3f, \"skstorage_vs_hash_ratio_raw\": %.3f, "
			"\"skstorage_lookup_ns\": %.2f, \"skstorage_hash_lookup_ns\": %.2f, "
			"\"skstorage_overhead_ns\": %.2f, \"skstorage_hash_entries\": %d, "
			"\"skstorage_rounds\": %d, \"skstorage_packets\": %llu}\n", h / s, raw, s, h, e,
			entries, rounds, (unsigned long long)packets);
		fclose(f);
	}
	ret = entries == HASH_ENTRIES ? 0 : 1;
stop:
	stop_traffic = 1;
	for (int i = 0; i < nconns; i++) {
		shutdown(conns[i].cfd, SHUT_RDWR);
		shutdown(conns[i].sfd, SHUT_RDWR);
		pthread_join(conns[i].tx, NULL);
		pthread_join(conns[i].rx, NULL);
		close(conns[i].cfd);
		close(conns[i].sfd);
	}
out:
	bpf_link__destroy(link);
	if (cg_fd >= 0)
		close(cg_fd);
	bench_bpf_lookup__destroy(skel);
	harness_cgroup_leave();
	return ret;
}
