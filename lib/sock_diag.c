// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: every bpftcp record of a network namespace, read through the
 * kernel's socket-diag interface (see include/bpftcp/libbpftcp.h).
 *
 * One NETLINK_SOCK_DIAG dump per address family: SOCK_DIAG_BY_FAMILY for
 * TCP, asking for INET_DIAG_INFO (struct tcp_info: cwnd, ssthresh) and
 * INET_DIAG_CONG (the live algorithm name), with the request attribute
 * INET_DIAG_REQ_SK_BPF_STORAGES naming the record map by fd.  The kernel
 * (net/core/bpf_sk_storage.c, bpf_sk_storage_diag_alloc() and _put()) then
 * adds INET_DIAG_SK_BPF_STORAGES { SK_DIAG_BPF_STORAGE { MAP_ID, MAP_VALUE } }
 * to each socket that has a record in that map, and nothing to the others,
 * which are passed over.  It checks CAP_BPF when the dump starts; no BPF
 * program is loaded.  This is what 'ss --bpf-maps' does in iproute2.
 *
 * A netlink socket dumps the sockets of the network namespace it was created
 * in, so another namespace is read through a socket opened inside it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include "bpftcp/libbpftcp.h"
#include "libbpftcp_internal.h"

#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

/* Every TCP state but TIME-WAIT: time-wait mini-sockets carry no
 * sk_local_storage, and there may be many of them.  (Asking for SYN-RECV
 * brings the request sockets too; they have no storage either, but a
 * passive TCP Fast Open child is a full socket in SYN-RECV.) */
#define DUMP_STATES	(0xfffu & ~(1u << 6 /* TCP_TIME_WAIT */))

/*
 * The receive buffer of one recvmsg().  The kernel sizes each dump message
 * from the largest read buffer seen so far, up to 32 KiB, and fills it with
 * as many sockets as fit (about 60 here): one system call per 32 KiB.
 */
#define RECV_BUF	(64 * 1024)
/* The socket's receive queue: room for a few dump messages in flight. */
#define RCVBUF_BYTES	(1024 * 1024)

static int diag_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int sz = RCVBUF_BYTES;

	if (fd < 0)
		return -errno;
	/* FORCE goes past net.core.rmem_max for CAP_NET_ADMIN; a smaller
	 * buffer only costs speed, so failures are ignored. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

struct netns_open {
	int netns_fd;
	int ret;	/* the socket, or -errno */
};

static void *open_in_netns(void *arg)
{
	struct netns_open *o = arg;

	if (setns(o->netns_fd, CLONE_NEWNET))
		o->ret = -errno;
	else
		o->ret = diag_socket();
	return NULL;
}

/*
 * A sock_diag socket in the network namespace @netns_fd (-1: ours).
 *
 * setns() moves only the calling thread, and a socket keeps the namespace it
 * was created in.  So a short-lived thread enters the namespace, opens the
 * socket and exits: the caller's threads never change namespace, there is no
 * "switch back" that could fail and leave the caller in the wrong one, and
 * concurrent callers (other threads opening their own sockets meanwhile) are
 * unaffected.  A thread costs tens of microseconds, nothing next to a dump.
 */
static int diag_socket_in(int netns_fd)
{
	struct netns_open o = { .netns_fd = netns_fd, .ret = -EINVAL };
	pthread_t th;
	int err;

	if (netns_fd < 0)
		return diag_socket();
	err = pthread_create(&th, NULL, open_in_netns, &o);
	if (err)
		return -err;
	pthread_join(th, NULL);
	return o.ret;
}

/* The inode of the namespace @netns_fd (-1: the calling thread's). */
static int netns_inode(int netns_fd, __u32 *ino)
{
	struct stat st;

	if (netns_fd < 0 ? stat("/proc/thread-self/ns/net", &st) : fstat(netns_fd, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/* The id of map @fd; -EPROTO unless its values are struct bpftcp_sock_state. */
static int record_map_id(int fd, __u32 *id)
{
	struct bpf_map_info info;
	int err = libbpftcp__map_info(fd, &info);

	if (err)
		return err;
	if (info.type != BPF_MAP_TYPE_SK_STORAGE ||
	    info.value_size != sizeof(struct bpftcp_sock_state))
		return -EPROTO;
	*id = info.id;
	return 0;
}

/* Attribute helpers over a [start, start + len) run of struct nlattr. */
#define for_each_nla(nla, start, len)						\
	for (struct nlattr *nla = (struct nlattr *)(start);			\
	     (char *)nla + NLA_HDRLEN <= (char *)(start) + (len) &&		\
	     nla->nla_len >= NLA_HDRLEN &&					\
	     (char *)nla + nla->nla_len <= (char *)(start) + (len);		\
	     nla = (struct nlattr *)((char *)nla + NLA_ALIGN(nla->nla_len)))

static inline int nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

static inline void *nla_data(const struct nlattr *nla)
{
	return (char *)nla + NLA_HDRLEN;
}

static inline int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

/* Copies our map's value out of INET_DIAG_SK_BPF_STORAGES; false if absent. */
static bool find_record(const struct nlattr *stgs, __u32 map_id, struct bpftcp_sock_state *out)
{
	for_each_nla(stg, nla_data(stgs), nla_len(stgs)) {
		const struct nlattr *value = NULL;
		bool ours = false;

		if (nla_type(stg) != SK_DIAG_BPF_STORAGE)
			continue;
		for_each_nla(a, nla_data(stg), nla_len(stg)) {
			if (nla_type(a) == SK_DIAG_BPF_STORAGE_MAP_ID && nla_len(a) >= 4)
				ours = *(__u32 *)nla_data(a) == map_id;
			else if (nla_type(a) == SK_DIAG_BPF_STORAGE_MAP_VALUE)
				value = a;
		}
		if (ours && value && nla_len(value) == sizeof(*out)) {
			memcpy(out, nla_data(value), sizeof(*out));
			return true;
		}
	}
	return false;
}

/*
 * Fills @d from one SOCK_DIAG_BY_FAMILY message.  Returns true if the socket
 * has a record.  The fields that come from attributes are written only if
 * present, so @d must start zeroed where it matters (cwnd, ca_name).
 */
static bool parse_socket(const struct nlmsghdr *nh, __u32 map_id, struct bpftcp_sock_dump *d)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nh);
	const char *attrs = (const char *)m + NLMSG_ALIGN(sizeof(*m));
	int alen = (int)nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m)));
	bool have = false;

	if (alen < 0)
		return false;
	/* The record first: most sockets of a busy host have none. */
	for_each_nla(a, attrs, alen) {
		if (nla_type(a) == INET_DIAG_SK_BPF_STORAGES) {
			have = find_record(a, map_id, &d->state);
			break;
		}
	}
	if (!have)
		return false;
	d->family = m->idiag_family;
	d->tcp_state = m->idiag_state;
	memcpy(d->local_addr, m->id.idiag_src, sizeof(d->local_addr));
	memcpy(d->peer_addr, m->id.idiag_dst, sizeof(d->peer_addr));
	d->local_port = ntohs(m->id.idiag_sport);
	d->peer_port = ntohs(m->id.idiag_dport);
	d->snd_cwnd = d->snd_ssthresh = 0;
	d->ca_name[0] = '\0';
	for_each_nla(a, attrs, alen) {
		if (nla_type(a) == INET_DIAG_INFO) {
			struct tcp_info ti;
			size_t n = (size_t)nla_len(a) < sizeof(ti) ? (size_t)nla_len(a) : sizeof(ti);

			/* Older kernels send a shorter struct: the rest stays 0. */
			memset(&ti, 0, sizeof(ti));
			memcpy(&ti, nla_data(a), n);
			d->snd_cwnd = ti.tcpi_snd_cwnd;
			d->snd_ssthresh = ti.tcpi_snd_ssthresh;
		} else if (nla_type(a) == INET_DIAG_CONG) {
			size_t n = strnlen(nla_data(a), nla_len(a));

			if (n >= sizeof(d->ca_name))
				n = sizeof(d->ca_name) - 1;
			memcpy(d->ca_name, nla_data(a), n);
			d->ca_name[n] = '\0';
		}
	}
	return true;
}

static int send_request(int sk, int family, int map_fd)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
		struct nlattr stgs;	/* INET_DIAG_REQ_SK_BPF_STORAGES { */
		struct nlattr map;	/*   SK_DIAG_BPF_STORAGE_REQ_MAP_FD */
		__u32 map_fd;		/* } */
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	/* Header, request and attributes are all 4-byte multiples: no gaps. */
	_Static_assert(sizeof(req) == NLMSG_LENGTH(sizeof(struct inet_diag_req_v2)) + 12,
		       "request layout");
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = family;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_ext = (1 << (INET_DIAG_INFO - 1)) | (1 << (INET_DIAG_CONG - 1));
	req.r.idiag_states = DUMP_STATES;
	req.stgs.nla_type = INET_DIAG_REQ_SK_BPF_STORAGES | NLA_F_NESTED;
	req.stgs.nla_len = NLA_HDRLEN + NLA_HDRLEN + sizeof(__u32);
	req.map.nla_type = SK_DIAG_BPF_STORAGE_REQ_MAP_FD;
	req.map.nla_len = NLA_HDRLEN + sizeof(__u32);
	req.map_fd = map_fd;
	for (;;) {
		if (sendto(sk, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
			   sizeof(kernel)) == sizeof(req))
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

struct dump {
	int sk, map_fd;
	__u32 map_id;
	char *buf;		/* RECV_BUF bytes */
	struct bpftcp_sock_dump d;	/* filled in turn for each socket */
	bpftcp_sock_record_fn fn;
	void *ctx;
	int count;		/* sockets passed to fn */
	int stop;		/* fn's non-zero return */
};

/*
 * Reads the dump of @family to its NLMSG_DONE, or until fn stops it.
 * Returns 0 or -errno.
 */
static int dump_family(struct dump *dp, int family)
{
	int err = send_request(dp->sk, family, dp->map_fd);

	if (err)
		return err;
	for (;;) {
		ssize_t got = recv(dp->sk, dp->buf, RECV_BUF, 0);
		int len = got;

		if (got < 0) {
			/* ENOBUFS: the receive queue overflowed and part of
			 * the dump is lost; the caller may retry. */
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -EPROTO;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)dp->buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			/* Only replies to this request (the sequence number is
			 * the family). */
			if (nh->nlmsg_seq != (__u32)family)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				/* A dump may end with an error code. */
				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) &&
				    *(int *)NLMSG_DATA(nh) < 0)
					return *(int *)NLMSG_DATA(nh);
				return 0;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				/* An ACK (error 0) is not expected for a dump. */
				return e->error ? e->error : -EPROTO;
			}
			if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)) ||
			    !parse_socket(nh, dp->map_id, &dp->d))
				continue;
			dp->count++;
			if (dp->fn && (dp->stop = dp->fn(&dp->d, dp->ctx)))
				return 0;
		}
		if (len > 0)	/* a truncated message */
			return -EPROTO;
	}
}

int bpftcp_sock_records_foreach(int netns_fd, bpftcp_sock_record_fn fn, void *ctx)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct dump dp = { .map_fd = -1, .fn = fn, .ctx = ctx };
	int err;

	/* The namespace first, so that a bad one is an error even when there
	 * is no map to read. */
	dp.sk = diag_socket_in(netns_fd);
	if (dp.sk < 0)
		return dp.sk;
	err = netns_inode(netns_fd, &dp.d.netns_ino);
	if (err)
		goto out;
	dp.map_fd = bpftcp_sock_state_map_open(NULL);
	if (dp.map_fd < 0) {
		/* Nothing pinned: no records anywhere. */
		err = dp.map_fd == -ENODEV ? 0 : dp.map_fd;
		goto out;
	}
	err = record_map_id(dp.map_fd, &dp.map_id);
	if (err)
		goto out;
	dp.buf = malloc(RECV_BUF);
	if (!dp.buf) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]) && !err && !dp.stop; i++)
		err = dump_family(&dp, families[i]);
out:
	free(dp.buf);
	if (dp.map_fd >= 0)
		close(dp.map_fd);
	close(dp.sk);
	if (err)
		return err;
	return dp.stop ? dp.stop : dp.count;
}
