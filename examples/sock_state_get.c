// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * sock_state_get: an application reading the bpftcp record of its own
 * socket with libbpftcp.
 *
 *   sock_state_get [-c CC] [-n BYTES]
 *
 * Opens a TCP connection over loopback (a server thread on an ephemeral
 * port), optionally selects congestion control CC on the client, sends BYTES
 * (default 1 MiB), then prints what bpftcp recorded about the client socket.
 * Records exist when 'bpftcp sockets attach' covers this process's cgroup, or
 * when CC is a bpftcp algorithm (e.g. bpf_cubic).
 *
 * Build: cc example.c -lbpftcp   (make builds it as build/examples/sock_state_get)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpftcp/libbpftcp.h>

static void *drain(void *arg)
{
	int lfd = *(int *)arg, fd;
	char buf[65536];

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return NULL;
}

static void print_record(const struct bpftcp_sock_state *st)
{
	const struct bpftcp_sock_stats *s = &st->stats;
	const struct bpftcp_cc_export *e = &st->cc;

	printf("record: version %u, %u bytes\n", st->version, st->size);
	printf("algorithm: %.*s\n", BPFTCP_CA_NAME_MAX, st->ca_name);
	if (s->established_ns)
		printf("statistics: rtt min/avg/max %.3f/%.3f/%.3f ms, %u samples, "
		       "%u segments retransmitted, %u timeouts, %llu bytes acked\n",
		       s->rtt_min_us / 1000.0, s->srtt_us / 1000.0, s->rtt_max_us / 1000.0,
		       s->rtt_samples, s->retrans_segs, s->rto_events,
		       (unsigned long long)s->bytes_acked);
	else
		printf("statistics: not collected ('bpftcp sockets attach' is not on this cgroup)\n");
	switch (e->kind) {
	case BPFTCP_CC_CUBIC:
		printf("cubic: W_max %u, K %.3f s, origin %u, %u loss events\n",
		       e->u.cubic.w_max, e->u.cubic.k / 1024.0, e->u.cubic.origin_point,
		       e->u.cubic.loss_events);
		break;
	case BPFTCP_CC_DCTCP:
		printf("dctcp: alpha %.3f\n", e->u.dctcp.alpha / 1024.0);
		break;
	case BPFTCP_CC_VEGAS:
		printf("vegas: base RTT %u us, diff %u packets\n", e->u.vegas.base_rtt_us,
		       e->u.vegas.diff);
		break;
	default:
		printf("%s: nothing exported\n", bpftcp_cc_kind_name(e->kind));
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	struct bpftcp_sock_state st;
	size_t bytes = 1 << 20, sent = 0;
	const char *cc = NULL;
	static char buf[65536];
	pthread_t th;
	int lfd, fd, opt, err;

	while ((opt = getopt(argc, argv, "c:n:h")) != -1) {
		switch (opt) {
		case 'c': cc = optarg; break;
		case 'n': bytes = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-c CC] [-n BYTES]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (void *)&addr, sizeof(addr)) || listen(lfd, 1) ||
	    getsockname(lfd, (void *)&addr, &alen)) {
		perror("listen on loopback");
		return 1;
	}
	if (pthread_create(&th, NULL, drain, &lfd)) {
		fprintf(stderr, "error: cannot start the server thread\n");
		return 1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (cc && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc))) {
		fprintf(stderr, "error: cannot select %s: %s\n", cc, strerror(errno));
		return 1;
	}
	if (connect(fd, (void *)&addr, sizeof(addr))) {
		perror("connect");
		return 1;
	}
	while (sent < bytes) {
		size_t chunk = bytes - sent < sizeof(buf) ? bytes - sent : sizeof(buf);
		ssize_t n = write(fd, buf, chunk);

		if (n < 0) {
			perror("write");
			return 1;
		}
		sent += n;
	}

	err = bpftcp_sock_state_get(fd, &st);
	if (err) {
		fprintf(stderr, "error: no bpftcp record for this socket: %s%s\n", strerror(-err),
			err == -ENOENT ? " (attach collection: bpftcp sockets attach --cgroup ...)" :
			err == -ENODEV ? " (nothing bpftcp-side has run: no pinned record map)" : "");
		return 1;
	}
	printf("socket 127.0.0.1 -> 127.0.0.1:%u, %zu bytes sent\n", ntohs(addr.sin_port), sent);
	print_record(&st);

	shutdown(fd, SHUT_WR);
	pthread_join(th, NULL);
	close(fd);
	close(lfd);
	return 0;
}
