// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cc_delack: a program doing with libbpftcp what 'bpftcp cc register' and
 * 'bpftcp opt attach delack' do, without running bpftcp.
 *
 *   cc_delack [-c CC] [-g CGROUP] [-n BYTES] [-k]
 *
 * Registers CC (default cubic, i.e. bpf_cubic) unless it is registered
 * already, attaches the max-delayed-ACK option to CGROUP (if given) with a
 * 10 ms promise, moves BYTES (default 4 MiB) over a loopback connection in
 * the current network namespace with the algorithm chosen by
 * setsockopt(TCP_CONGESTION), checks every byte, then prints the
 * algorithm's callback counters and the attachment as the library reports
 * them.  At the end it undoes what it did (detach, unregister what it
 * registered), unless -k (keep).  Exit status 0 on success, 1 if a step
 * failed, 2 on bad arguments.  Needs root (CAP_BPF, CAP_NET_ADMIN).
 *
 * Build: cc cc_delack.c $(pkg-config --cflags --libs libbpftcp) -lpthread
 * (make builds it as build/examples/cc_delack; make test runs it, and
 * compiles it out of tree against an installed copy of the library).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpftcp/libbpftcp.h>

/* The library's messages, marked as such. */
static int print_lib(enum libbpftcp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPFTCP_DEBUG)
		return 0;
	fputs("libbpftcp: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

struct sink {
	int lfd;
	unsigned long long got;
	bool ok;
};

/* Receives until EOF, checking the byte pattern (i % 251). */
static void *sink_run(void *arg)
{
	struct sink *s = arg;
	unsigned char buf[65536];
	int fd = accept(s->lfd, NULL, NULL);
	ssize_t n;

	s->ok = fd >= 0;
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			s->ok &= buf[i] == (unsigned char)((s->got + i) % 251);
		s->got += n;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Sends @bytes over loopback with @kname; returns 0 if all arrived intact. */
static int transfer(const char *kname, unsigned long long bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct sink s = { .lfd = socket(AF_INET, SOCK_STREAM, 0) };
	unsigned char buf[65536];
	char used[16] = "";
	socklen_t ulen = sizeof(used);
	unsigned long long sent = 0;
	pthread_t t;
	int fd = -1, err = 1;

	if (s.lfd < 0 || bind(s.lfd, (void *)&a, sizeof(a)) || listen(s.lfd, 1) ||
	    getsockname(s.lfd, (void *)&a, &alen) || pthread_create(&t, NULL, sink_run, &s)) {
		perror("cc_delack: listener");
		return 1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, kname, strlen(kname)) ||
	    connect(fd, (void *)&a, sizeof(a))) {
		perror("cc_delack: connect with the algorithm");
		goto out;
	}
	getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, used, &ulen);
	while (sent < bytes) {
		size_t n = bytes - sent < sizeof(buf) ? bytes - sent : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = (sent + i) % 251;
		w = write(fd, buf, n);
		if (w <= 0) {
			perror("cc_delack: write");
			goto out;
		}
		sent += w;
	}
	err = 0;
out:
	if (fd >= 0) {
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	if (fd < 0 || err) {
		/* Unblock the sink if nothing connected. */
		shutdown(s.lfd, SHUT_RDWR);
	}
	pthread_join(t, NULL);
	close(s.lfd);
	if (err)
		return 1;
	printf("transfer: %llu bytes with %.16s, %llu received, %s\n", sent, used, s.got,
	       s.ok && s.got == sent ? "intact" : "CORRUPTED");
	return s.ok && s.got == sent && !strncmp(used, kname, sizeof(used)) ? 0 : 1;
}

static int show_attachment(const struct bpftcp_opt_attachment *at, void *ctx)
{
	if (strcmp(at->cgroup, ctx))
		return 0;
	printf("attachment: %s on %s (cgroup id %llu), %s\n", at->option, at->cgroup,
	       (unsigned long long)at->cgroup_id, at->attached ? "attached" : "NOT attached");
	return 1;
}

int main(int argc, char **argv)
{
	const char *cc = "cubic", *cgroup = NULL;
	unsigned long long bytes = 4 << 20;
	const struct bpftcp_cc_info *info;
	struct bpftcp_cc_stats st;
	bool keep = false, registered = false, attached = false;
	int opt, err, ret = 1;

	while ((opt = getopt(argc, argv, "c:g:n:k")) != -1) {
		switch (opt) {
		case 'c': cc = optarg; break;
		case 'g': cgroup = optarg; break;
		case 'n': bytes = strtoull(optarg, NULL, 0); break;
		case 'k': keep = true; break;
		default:
			fprintf(stderr, "usage: %s [-c CC] [-g CGROUP] [-n BYTES] [-k]\n", argv[0]);
			return 2;
		}
	}
	libbpftcp_set_print(print_lib);
	info = bpftcp_cc_find(cc);
	if (!info) {
		fprintf(stderr, "cc_delack: bpftcp ships no algorithm '%s'\n", cc);
		return 2;
	}

	err = bpftcp_cc_is_registered(info->name);
	if (err == 0) {
		BPFTCP_OPTS(bpftcp_cc_register_opts, ropts);

		err = bpftcp_cc_register(info->name, &ropts);
		if (err) {
			fprintf(stderr, "cc_delack: cannot register %s: %s\n", info->kname, strerror(-err));
			return 1;
		}
		registered = true;
		printf("registered %s\n", info->kname);
	} else if (err < 0) {
		fprintf(stderr, "cc_delack: %s: %s\n", info->kname, strerror(-err));
		return 1;
	}

	if (cgroup) {
		BPFTCP_OPTS(bpftcp_delack_opts, dopts, .max_delack_us = 10000);

		err = bpftcp_opt_delack_attach(cgroup, &dopts);
		if (err) {
			fprintf(stderr, "cc_delack: cannot attach delack to %s: %s\n", cgroup,
				strerror(-err));
			goto out;
		}
		attached = true;
		if (bpftcp_opt_foreach("delack", show_attachment, (void *)cgroup) != 1) {
			fprintf(stderr, "cc_delack: the library does not list the attachment\n");
			goto out;
		}
	}

	if (transfer(info->kname, bytes))
		goto out;
	err = bpftcp_cc_stats(info->name, &st);
	if (err) {
		fprintf(stderr, "cc_delack: cannot read the stats of %s: %s\n", info->kname,
			strerror(-err));
		goto out;
	}
	printf("stats: init %llu, cong_avoid %llu, errors %llu\n",
	       (unsigned long long)st.calls[BPFTCP_OP_INIT],
	       (unsigned long long)st.calls[BPFTCP_OP_CONG_AVOID], (unsigned long long)st.errors);
	ret = st.calls[BPFTCP_OP_INIT] > 0 && st.errors == 0 ? 0 : 1;
out:
	if (attached && !keep) {
		err = bpftcp_opt_detach("delack", cgroup);
		if (err) {
			fprintf(stderr, "cc_delack: cannot detach: %s\n", strerror(-err));
			ret = 1;
		} else {
			printf("detached delack from %s\n", cgroup);
		}
	}
	if (registered && !keep) {
		err = bpftcp_cc_unregister(info->name, NULL);
		if (err) {
			fprintf(stderr, "cc_delack: cannot unregister %s: %s\n", info->kname,
				strerror(-err));
			ret = 1;
		} else {
			printf("unregistered %s\n", info->kname);
		}
	}
	return ret;
}
