// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * delack_crr: the traffic of bench/bench-delack.sh.
 *
 *   delack_crr server PORT
 *       serves connections one after another, forever: the first byte says
 *       what the client wants: 'c' = answer one byte, then wait for the
 *       client to close; 'b' = read and discard until the client closes.
 *   delack_crr crr ADDR PORT SECONDS
 *       connect, 1-byte request, 1-byte response, close, in a loop for
 *       SECONDS; prints connections per second.
 *   delack_crr bulk ADDR PORT SECONDS
 *       one connection writing 64 KiB chunks for SECONDS; prints bits/s.
 *
 * Plain blocking sockets and one connection at a time, so the cost of
 * every handshake (where the header-option program runs) is in the rate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: delack_crr server PORT | crr ADDR PORT SECONDS | bulk ADDR PORT SECONDS\n");
	return 2;
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[1 << 16];
	int lfd, one = 1;

	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (void *)&a, sizeof(a)) || listen(lfd, 128)) {
		perror("delack_crr server");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		char c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		if (read(fd, &c, 1) == 1) {
			if (c == 'c' && write(fd, &c, 1) == 1)
				while (read(fd, buf, sizeof(buf)) > 0)
					;
			if (c == 'b')
				while (read(fd, buf, sizeof(buf)) > 0)
					;
		}
		close(fd);
	}
}

static int dial(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (void *)&a, sizeof(a))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int crr(const char *addr, int port, double secs)
{
	double t0 = now(), t;
	unsigned long n = 0;

	do {
		int fd = dial(addr, port);
		char c = 'c';

		if (fd < 0) {
			fprintf(stderr, "connect %s:%d: %s\n", addr, port, strerror(-fd));
			return 1;
		}
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
			fprintf(stderr, "request/response failed\n");
			return 1;
		}
		close(fd);
		n++;
		t = now() - t0;
	} while (t < secs);
	printf("%.1f\n", n / t);
	return 0;
}

static int bulk(const char *addr, int port, double secs)
{
	static char buf[1 << 16];
	double t0, t;
	unsigned long long bytes = 0;
	int fd = dial(addr, port);

	if (fd < 0) {
		fprintf(stderr, "connect %s:%d: %s\n", addr, port, strerror(-fd));
		return 1;
	}
	memset(buf, 'b', sizeof(buf));
	t0 = now();
	do {
		ssize_t w = write(fd, buf, sizeof(buf));

		if (w < 0) {
			perror("write");
			return 1;
		}
		bytes += w;
		t = now() - t0;
	} while (t < secs);
	close(fd);
	printf("%.0f\n", bytes * 8 / t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return serve(atoi(argv[2]));
	if (argc != 5)
		return usage();
	if (!strcmp(argv[1], "crr"))
		return crr(argv[2], atoi(argv[3]), atof(argv[4]));
	if (!strcmp(argv[1], "bulk"))
		return bulk(argv[2], atoi(argv[3]), atof(argv[4]));
	return usage();
}
