// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests for the per-socket records (skstorage/, libbpftcp's
 * lib/sockets.c and lib/sock_diag.c, 'bpftcp sockets'): real BPF, real
 * connections over loopback.
 *
 * Isolation: the process gets a private mount namespace with its own bpffs
 * (BPFTCP_BPFFS, so the record map and every pin are private and vanish with
 * the process), a private network namespace, and its own cgroup, which is
 * where collection is attached.  The bpftcp CLI runs as a child and inherits
 * all three.  Only the bpf_cubic registration is host-wide; it is undone in
 * the teardown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"
#include "common.h"
#include "bpftcp/dctcp.h"
#include "bpftcp/libbpftcp.h"
#include "bpftcp/vegas.h"
#include "selftests/bpf/drop_once.skel.h"

#define MIB (1024ULL * 1024)

static char bpffs[64];
static char cgroup[PATH_MAX];
static bool in_cgroup;
static const struct bpftcp_cc_info *cubic, *dctcp, *vegas;

/* ------------------------------------------------------------ fixtures */

static int group_setup(void **state)
{
	cubic = bpftcp_cc_find("cubic");
	dctcp = bpftcp_cc_find("dctcp");
	vegas = bpftcp_cc_find("vegas");
	if (!cubic || !dctcp || !vegas)
		return -1;
	if (harness_bpf_unavailable())
		return 0;	/* each test reports the skip */
	if (harness_private_bpffs(bpffs, sizeof(bpffs)))
		return -1;
	libbpf_setup();
	if (harness_private_netns())
		return -1;
	if (harness_cgroup_enter("bpftcp-sockstate", cgroup, sizeof(cgroup)))
		return -1;
	in_cgroup = true;
	return 0;
}

static int group_teardown(void **state)
{
	if (harness_bpf_unavailable())
		return 0;
	const struct bpftcp_cc_info *algos[] = { cubic, dctcp, vegas };

	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (bpftcp_cc_is_registered(algos[i]->name) == 1)
			bpftcp_cc_unregister(algos[i]->name, NULL);
	harness_cgroup_leave();
	in_cgroup = false;
	/* Unmounting drops every pin: collection links, the record map. */
	harness_private_bpffs_release();
	return 0;
}

/* Each test starts without collection attached. */
static int teardown(void **state)
{
	if (!harness_bpf_unavailable() && in_cgroup)
		bpftcp_sockets_detach(cgroup);
	return 0;
}

static int bpftcp(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* For the test that also attaches the delack option program. */
static int teardown_delack(void **state)
{
	if (!harness_bpf_unavailable() && in_cgroup)
		bpftcp(NULL, 0, "opt detach delack --cgroup %s >/dev/null 2>&1", cgroup);
	return teardown(state);
}

static int bpftcp(char *out, size_t len, const char *fmt, ...)
{
	static char scratch[1 << 16];
	char args[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (!out) {
		out = scratch;
		len = sizeof(scratch);
	}
	return harness_sh_out(out, len, "%s %s", harness_bpftcp(), args);
}

static void attach_collection(void)
{
	char out[4096];

	assert_int_equal(bpftcp(out, sizeof(out), "sockets attach --cgroup %s 2>&1", cgroup), 0);
	assert_non_null(strstr(out, "attached"));
}

/* Registers @a, waiting out another user of the global name (the kernel's
 * list of algorithms is host-wide; our pins are in our private bpffs). */
static void register_cc(const struct bpftcp_cc_info *a)
{
	BPFTCP_OPTS(bpftcp_cc_register_opts, opts, .restricted = true);
	int err = -EEXIST;

	if (bpftcp_cc_is_registered(a->name) == 1)
		return;
	for (int i = 0; i < 120 && err == -EEXIST; i++) {
		err = bpftcp_cc_register(a->name, &opts);
		if (err == -EEXIST)
			usleep(500 * 1000);
	}
	assert_int_equal(err, 0);
}

static void register_cubic(void)
{
	register_cc(cubic);
}

/* --------------------------------------------------------- connections */

struct conn {
	int lfd, cfd, sfd;
	uint16_t port;		/* the server's */
	uint16_t cport;		/* the client's */
};

/* A loopback connection; @cc and @server_cc select the algorithms (or NULL). */
static void conn_open(struct conn *c, const char *cc, const char *server_cc)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->lfd >= 0);
	setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Accepted sockets inherit the listener's algorithm. */
	if (server_cc)
		assert_int_equal(setsockopt(c->lfd, IPPROTO_TCP, TCP_CONGESTION, server_cc,
					    strlen(server_cc)), 0);
	assert_int_equal(bind(c->lfd, (void *)&a, sizeof(a)), 0);
	assert_int_equal(listen(c->lfd, 128), 0);
	assert_int_equal(getsockname(c->lfd, (void *)&a, &alen), 0);
	c->port = ntohs(a.sin_port);
	c->cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->cfd >= 0);
	if (cc)
		assert_int_equal(setsockopt(c->cfd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc)), 0);
	assert_int_equal(connect(c->cfd, (void *)&a, sizeof(a)), 0);
	c->sfd = accept(c->lfd, NULL, NULL);
	assert_true(c->sfd >= 0);
	alen = sizeof(a);
	assert_int_equal(getsockname(c->cfd, (void *)&a, &alen), 0);
	c->cport = ntohs(a.sin_port);
}

static void conn_close(struct conn *c)
{
	close(c->cfd);
	close(c->sfd);
	close(c->lfd);
}

struct drain_ctx {
	int fd;
	uint64_t want, got;
};

static void *drain(void *arg)
{
	struct drain_ctx *d = arg;
	static __thread char buf[1 << 16];

	while (d->got < d->want) {
		ssize_t n = read(d->fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		d->got += n;
	}
	return NULL;
}

/*
 * TCP_INFO with the fields after tcpi_total_retrans, which glibc's struct
 * tcp_info (104 bytes) lacks; the kernel's layout continues with these.
 */
struct tcp_info_ext {
	struct tcp_info base;
	__u64 tcpi_pacing_rate;
	__u64 tcpi_max_pacing_rate;
	__u64 tcpi_bytes_acked;
};

static struct tcp_info_ext client_info(const struct conn *c)
{
	struct tcp_info_ext ti;
	socklen_t sl = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	assert_int_equal(getsockopt(c->cfd, IPPROTO_TCP, TCP_INFO, &ti, &sl), 0);
	assert_int_equal(sl, sizeof(ti));
	return ti;
}

/* Sends @bytes client -> server; returns when the server read them all and
 * the client saw every byte acknowledged.  The connection stays open. */
static void transfer(const struct conn *c, uint64_t bytes)
{
	struct drain_ctx d = { .fd = c->sfd, .want = bytes };
	static char buf[1 << 16];
	uint64_t sent = 0;
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, drain, &d), 0);
	while (sent < bytes) {
		size_t chunk = bytes - sent < sizeof(buf) ? bytes - sent : sizeof(buf);
		ssize_t n = write(c->cfd, buf, chunk);

		assert_true(n > 0);
		sent += n;
	}
	pthread_join(th, NULL);
	assert_int_equal(d.got, bytes);
	for (int i = 0; i < 200 && client_info(c).base.tcpi_unacked; i++)
		usleep(5000);
	assert_int_equal(client_info(c).base.tcpi_unacked, 0);
}

/* ------------------------------------------------------------ the dump */

struct find_ctx {
	uint32_t netns;
	uint16_t port;		/* a record matches if either end has it */
	int matches;
	struct bpftcp_sock_dump last;
	struct bpftcp_sock_dump by_local[2];	/* [0]: local_port != port, [1]: == port */
};

static uint32_t own_netns(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	return st.st_ino;
}

static int find_cb(const struct bpftcp_sock_dump *d, void *ctx)
{
	struct find_ctx *f = ctx;

	if (d->netns_ino != f->netns)
		return 0;
	if (f->port && d->local_port != f->port && d->peer_port != f->port)
		return 0;
	f->matches++;
	f->last = *d;
	f->by_local[d->local_port == f->port] = *d;
	return 0;
}

static int count_records(uint16_t port)
{
	struct find_ctx f = { .netns = own_netns(), .port = port };

	assert_true(bpftcp_sock_records_foreach(-1, find_cb, &f) >= 0);
	return f.matches;
}

/* Polls until no record of ours is left (sockets are destroyed after close
 * returns: FIN exchange, then __sk_destruct); returns what is left. */
static int wait_records_gone(uint16_t port, int timeout_ms)
{
	int n = count_records(port);

	for (int t = 0; n && t < timeout_ms; t += 20) {
		usleep(20 * 1000);
		n = count_records(port);
	}
	return n;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct counters_ctx {
	__u64 id;
	struct bpftcp_sock_collect_counters c;
};

static int counters_cb(const struct bpftcp_sockets_attachment *a, void *ctx)
{
	struct counters_ctx *x = ctx;

	if (a->cgroup_id != x->id)
		return 0;
	x->c = a->counters;
	return 1;
}

/* The pinned counters of the collection on our cgroup, summed over the
 * CPUs by libbpftcp. */
static struct bpftcp_sock_collect_counters collection_counters(void)
{
	struct counters_ctx x = {};
	char cg[PATH_MAX];

	assert_int_equal(bpftcp_cgroup_resolve(cgroup, cg, sizeof(cg), &x.id), 0);
	assert_int_equal(bpftcp_sockets_foreach(counters_cb, &x), 1);
	return x.c;
}

/* ---------------------------------------------------------------- tests */

static void record_filled_and_read_by_fd_and_sock_diag(void **state)
{
	struct bpftcp_sock_state cli, srv;
	struct find_ctx f;
	struct tcp_info_ext ti;
	char ca[HARNESS_CC_NAME_MAX] = "";
	socklen_t sl = sizeof(ca);
	struct conn c;
	__u64 t0;

	harness_require_bpf();
	attach_collection();
	t0 = mono_ns();
	conn_open(&c, NULL, NULL);
	transfer(&c, 4 * MIB);
	ti = client_info(&c);
	assert_int_equal(getsockopt(c.cfd, IPPROTO_TCP, TCP_CONGESTION, ca, &sl), 0);

	/* By fd, through libbpftcp. */
	assert_int_equal(bpftcp_sock_state_get(c.cfd, &cli), 0);
	assert_int_equal(bpftcp_sock_state_get(c.sfd, &srv), 0);
	assert_int_equal(cli.version, BPFTCP_SOCK_STATE_VERSION);
	assert_int_equal(cli.size, sizeof(cli));
	assert_string_equal(cli.ca_name, ca);
	assert_true(cli.stats.established_ns >= t0 && cli.stats.established_ns <= mono_ns());
	assert_int_equal(cli.stats.passive, 0);
	assert_int_equal(srv.stats.passive, 1);
	assert_int_equal(cli.stats.state, 1 /* TCP_ESTABLISHED */);
	assert_int_equal(cli.stats.state_changes, 0);
	/* 4 MiB over loopback: many ACKs, each with an RTT sample. */
	assert_true(cli.stats.rtt_samples > 10);
	assert_true(cli.stats.rtt_min_us <= cli.stats.rtt_max_us);
	assert_true(cli.stats.srtt_us <= cli.stats.rtt_max_us + 1);
	assert_true(cli.stats.bytes_acked >= 2 * MIB);
	assert_true(cli.stats.bytes_acked <= ti.tcpi_bytes_acked);
	assert_int_equal(cli.stats.retrans_segs, ti.base.tcpi_total_retrans);
	/* The server sent no data: its only RTT sample is the handshake's. */
	assert_int_equal(srv.stats.rtt_samples, 1);
	/* No bpftcp congestion control ran: nothing exported. */
	assert_int_equal(cli.cc.kind, BPFTCP_CC_NONE);

	/* Through sock_diag: both ends, the same values. */
	memset(&f, 0, sizeof(f));
	f.netns = own_netns();
	f.port = c.port;
	assert_true(bpftcp_sock_records_foreach(-1, find_cb, &f) >= 2);
	assert_int_equal(f.matches, 2);
	assert_int_equal(f.by_local[0].local_port, c.cport);
	assert_int_equal(f.by_local[0].peer_port, c.port);
	assert_int_equal(f.by_local[0].family, AF_INET);
	assert_int_equal(f.by_local[0].tcp_state, 1);
	assert_string_equal(f.by_local[0].ca_name, ca);
	assert_int_equal(f.by_local[0].snd_cwnd, ti.base.tcpi_snd_cwnd);
	assert_memory_equal(f.by_local[0].local_addr, "\x7f\0\0\x01", 4);
	/* The connection is idle (every byte acknowledged): the records read
	 * by fd and through sock_diag are the same, byte for byte. */
	assert_memory_equal(&f.by_local[0].state, &cli, sizeof(cli));
	assert_memory_equal(&f.by_local[1].state, &srv, sizeof(srv));
	assert_int_equal(f.by_local[0].snd_ssthresh, ti.base.tcpi_snd_ssthresh);
	assert_int_equal(f.by_local[0].netns_ino, own_netns());
	assert_int_equal(f.by_local[1].peer_port, c.cport);
	assert_int_equal(f.by_local[1].local_port, c.port);

	/* Freed with the socket. */
	conn_close(&c);
	assert_int_equal(wait_records_gone(c.port, 5000), 0);

	/* After detach, new sockets get no record; with nothing of bpftcp's
	 * left attached or registered, the record map is unpinned too. */
	assert_int_equal(bpftcp(NULL, 0, "sockets detach --cgroup %s", cgroup), 0);
	conn_open(&c, NULL, NULL);
	if (bpftcp_cc_is_registered(cubic->name) == 1) {
		assert_int_equal(bpftcp_sock_state_get(c.cfd, &cli), -ENOENT);
	} else {
		char pin[PATH_MAX];

		assert_int_equal(bpftcp_sock_state_get(c.cfd, &cli), -ENODEV);
		assert_int_equal(bpftcp_sock_state_map_path(pin, sizeof(pin)), 0);
		assert_int_equal(access(pin, F_OK), -1);
	}
	conn_close(&c);
}

static void churn_10000_connections_leaves_no_record(void **state)
{
	enum { CONNS = 10000, KEEP = 100 };
	struct bpftcp_sock_collect_counters before, after;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	static int kept[KEEP][2];
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int lfd, one = 1;
	uint16_t port;
	__u64 t0;

	harness_require_bpf();
	attach_collection();
	before = collection_counters();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(lfd, (void *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 1024), 0);
	assert_int_equal(getsockname(lfd, (void *)&a, &alen), 0);
	port = ntohs(a.sin_port);

	t0 = mono_ns();
	for (int i = 0; i < CONNS; i++) {
		int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), sfd;

		assert_true(cfd >= 0);
		assert_int_equal(connect(cfd, (void *)&a, sizeof(a)), 0);
		sfd = accept(lfd, NULL, NULL);
		assert_true(sfd >= 0);
		if (i < KEEP) {
			kept[i][0] = cfd;
			kept[i][1] = sfd;
			continue;
		}
		/* An abortive close: no TIME-WAIT, so no port runs out. */
		setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(cfd);
		close(sfd);
	}
	print_message("%d connections opened and closed in %.2f s\n", CONNS,
		      (mono_ns() - t0) / 1e9);
	/* sock_diag sees the open ones, both ends each. */
	assert_int_equal(count_records(port), 2 * KEEP);
	for (int i = 0; i < KEEP; i++) {
		close(kept[i][0]);
		close(kept[i][1]);
	}
	close(lfd);
	after = collection_counters();
	/* Every socket got its record, none failed... */
	assert_int_equal(after.records_created - before.records_created, 2 * CONNS);
	assert_int_equal(after.errors, 0);
	/* ...and every record went away with its socket. */
	assert_int_equal(wait_records_gone(0, 10000), 0);
}

static int attach_drop(struct selftests_bpf_drop_once **out, uint16_t port, __u32 nth)
{
	struct selftests_bpf_drop_once *drop = selftests_bpf_drop_once__open();
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex("lo"),
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int err;

	if (!drop)
		return -errno;
	drop->rodata->dport = port;
	drop->rodata->drop_nth = nth;
	err = selftests_bpf_drop_once__load(drop);
	if (!err) {
		err = bpf_tc_hook_create(&hook);
		if (err == -EEXIST)
			err = 0;
	}
	if (!err) {
		opts.prog_fd = bpf_program__fd(drop->progs.drop_once);
		err = bpf_tc_attach(&hook, &opts);
	}
	if (err) {
		selftests_bpf_drop_once__destroy(drop);
		return err;
	}
	*out = drop;
	return 0;
}

static void detach_drop(struct selftests_bpf_drop_once *drop)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex("lo"),
		    .attach_point = BPF_TC_INGRESS);

	/* Removing the clsact qdisc removes the filter with it. */
	bpf_tc_hook_destroy(&hook);
	selftests_bpf_drop_once__destroy(drop);
}

static void cubic_exports_w_max_after_forced_loss(void **state)
{
	struct selftests_bpf_drop_once *drop = NULL;
	struct bpftcp_sock_state st;
	const struct bpftcp_cubic_export *cu = &st.cc.u.cubic;
	struct find_ctx f;
	struct tcp_info_ext ti;
	struct conn c;
	__u32 expect_ssthresh;
	__u64 epoch_ns = 0;

	harness_require_bpf();
	register_cubic();
	/* Ethernet-sized packets: with loopback's 64 KiB MTU the window is a
	 * handful of packets and the flow is often not cwnd-limited. */
	assert_int_equal(harness_sh("ip link set dev lo mtu 1500"), 0);
	conn_open(&c, "bpf_cubic", NULL);
	/* Before any loss: cubic's init made the record, nothing lost yet. */
	assert_int_equal(bpftcp_sock_state_get(c.cfd, &st), 0);
	assert_int_equal(st.cc.kind, BPFTCP_CC_CUBIC);
	assert_string_equal(st.ca_name, "bpf_cubic");
	assert_int_equal(cu->w_max, 0);
	assert_int_equal(cu->loss_events, 0);
	/* Collection is not attached: the CC alone created the record. */
	assert_int_equal(st.stats.established_ns, 0);

	/* One data packet to the server is lost in the middle of 32 MiB:
	 * SACKs of what follows make it a fast recovery, not a timeout. */
	assert_int_equal(attach_drop(&drop, c.port, 30), 0);
	transfer(&c, 16 * MIB);
	assert_int_equal(drop->bss->dropped, 1);
	/* Congestion avoidance starts an epoch at its first cwnd-limited ACK
	 * after the recovery; on a busy machine that can take more data. */
	for (int i = 0; i < 16; i++) {
		assert_int_equal(bpftcp_sock_state_get(c.cfd, &st), 0);
		if (cu->epoch_start_ns)
			break;
		transfer(&c, 8 * MIB);
	}
	ti = client_info(&c);
	assert_true(ti.base.tcpi_total_retrans >= 1);
	assert_int_equal(bpftcp_sock_state_get(c.cfd, &st), 0);
	if (cu->epoch_start_ns)
		epoch_ns = mono_ns() - cu->epoch_start_ns;
	print_message("after the loss: W_max %u, K %u, origin %u, epoch %.3f s old, "
		      "%u loss event(s); tcp_info ssthresh %u cwnd %u\n", cu->w_max,
		      cu->k, cu->origin_point, epoch_ns / 1e9, cu->loss_events,
		      ti.base.tcpi_snd_ssthresh, ti.base.tcpi_snd_cwnd);
	assert_int_equal(st.cc.kind, BPFTCP_CC_CUBIC);
	assert_int_equal(cu->loss_events, 1);
	assert_true(cu->w_max > 0);
	/* First loss, no fast convergence yet: ssthresh = W_max * beta. */
	expect_ssthresh = cu->w_max * 717 / 1024 > 2 ? cu->w_max * 717 / 1024 : 2;
	assert_int_equal(ti.base.tcpi_snd_ssthresh, expect_ssthresh);
	/* Congestion avoidance then started an epoch on the curve to W_max. */
	assert_true(cu->epoch_start_ns != 0 && cu->epoch_start_ns <= mono_ns());
	assert_true(cu->k > 0);
	assert_int_equal(cu->origin_point, cu->w_max);

	/* sock_diag reports the same export for the client socket. */
	memset(&f, 0, sizeof(f));
	f.netns = own_netns();
	f.port = c.port;
	assert_true(bpftcp_sock_records_foreach(-1, find_cb, &f) >= 1);
	assert_int_equal(f.by_local[0].local_port, c.cport);
	assert_string_equal(f.by_local[0].ca_name, "bpf_cubic");
	assert_int_equal(f.by_local[0].state.cc.u.cubic.w_max, cu->w_max);

	detach_drop(drop);
	conn_close(&c);
	harness_sh("ip link set dev lo mtu 65536");
}

static void dctcp_and_vegas_export_their_state(void **state)
{
	struct bpftcp_sock_state st;
	const struct bpftcp_dctcp_export *dc = &st.cc.u.dctcp;
	const struct bpftcp_vegas_export *vg = &st.cc.u.vegas;
	struct find_ctx f;
	__u32 alpha;
	struct conn c;

	harness_require_bpf();
	register_cc(dctcp);
	register_cc(vegas);

	/* DCTCP at both ends (ECN is negotiated), nothing CE-marks on
	 * loopback: alpha decays from 1.0 once per window of data. */
	conn_open(&c, "bpf_dctcp", "bpf_dctcp");
	transfer(&c, 8 * MIB);
	assert_int_equal(bpftcp_sock_state_get(c.cfd, &st), 0);
	print_message("dctcp: alpha %u after %u windows, ce_state %u\n", dc->alpha,
		      dc->alpha_updates, dc->ce_state);
	assert_int_equal(st.cc.kind, BPFTCP_CC_DCTCP);
	assert_string_equal(st.ca_name, "bpf_dctcp");
	assert_true(dc->alpha_updates > 0);
	alpha = dctcp_initial_alpha(DCTCP_MAX_ALPHA);
	for (__u32 i = 0; i < dc->alpha_updates; i++)
		alpha = dctcp_alpha_update(alpha, 1, 0, 4);
	assert_int_equal(dc->alpha, alpha);
	assert_true(dc->alpha < DCTCP_MAX_ALPHA);
	assert_int_equal(dc->ce_state, 0);
	conn_close(&c);

	/* Vegas: the propagation delay and the last RTT's view.  A 200 Mbit/s
	 * token bucket with Ethernet-sized packets gives RTTs of many packets
	 * (Vegas decides only with 3 samples or more) and a queue to see. */
	assert_int_equal(harness_sh("ip link set dev lo mtu 1500 && tc qdisc replace dev lo root "
				    "tbf rate 200mbit burst 32kb latency 20ms"), 0);
	conn_open(&c, "bpf_vegas", NULL);
	transfer(&c, 4 * MIB);
	assert_int_equal(bpftcp_sock_state_get(c.cfd, &st), 0);
	print_message("vegas: base RTT %u us, min RTT %u us over %u samples, diff %u, "
		      "%u adjustments\n", vg->base_rtt_us, vg->min_rtt_us, vg->cnt_rtt, vg->diff,
		      vg->adjustments);
	assert_int_equal(st.cc.kind, BPFTCP_CC_VEGAS);
	assert_true(st.cc.updates > 1);
	assert_true(vg->base_rtt_us > 0 && vg->base_rtt_us != VEGAS_RTT_NONE);
	assert_true(vg->min_rtt_us >= vg->base_rtt_us);
	/* Vegas decided (more than two samples in an RTT) many times. */
	assert_true(vg->cnt_rtt >= 1);
	assert_true(vg->adjustments > 10);

	/* Switching the socket to another algorithm leaves a stale export,
	 * which the dump tells apart by the live name. */
	assert_int_equal(setsockopt(c.cfd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4), 0);
	memset(&f, 0, sizeof(f));
	f.netns = own_netns();
	f.port = c.port;
	assert_true(bpftcp_sock_records_foreach(-1, find_cb, &f) >= 1);
	assert_int_equal(f.by_local[0].local_port, c.cport);
	assert_string_equal(f.by_local[0].ca_name, "reno");
	assert_string_equal(f.by_local[0].state.ca_name, "bpf_vegas");
	assert_int_equal(f.by_local[0].state.cc.kind, BPFTCP_CC_VEGAS);
	conn_close(&c);
	harness_sh("tc qdisc del dev lo root; ip link set dev lo mtu 65536");
}

/* The Python check of 'bpftcp -j sockets': prints "ok N CC W_MAX" or fails. */
static const char json_check[] =
	"import json, sys\n"
	"doc = json.load(sys.stdin)\n"
	"assert doc['record_version'] == 3, doc\n"
	"socks = doc['sockets']\n"
	"port = int(sys.argv[1])\n"
	"assert all(port in (s['local_port'], s['peer_port']) for s in socks), socks\n"
	"cli = [s for s in socks if s['peer_port'] == port]\n"
	"srv = [s for s in socks if s['local_port'] == port]\n"
	"assert len(cli) == 1 and len(srv) == 1, socks\n"
	"c = cli[0]\n"
	"assert c['state'] == 'ESTAB' and c['family'] == 'inet' and c['local'] == '127.0.0.1', c\n"
	"assert c['stats']['rtt_samples'] > 0 and c['stats']['passive'] is False, c\n"
	"assert srv[0]['stats']['passive'] is True, srv\n"
	"e = c['export']\n"
	"assert e['algorithm'] == 'cubic' and e['current'] is True, e\n"
	"assert c['delack'] is None, c\n"
	"print('ok', len(socks), c['cc'], e['w_max'])\n";

static void sockets_json_parses_and_filters(void **state)
{
	char out[1 << 16], cmd[PATH_MAX * 2];
	char script[] = "/tmp/bpftcp-json-check-XXXXXX";
	int sfd;
	struct conn c;

	harness_require_bpf();
	register_cubic();
	attach_collection();
	conn_open(&c, "bpf_cubic", "reno");
	transfer(&c, 1 * MIB);

	sfd = mkstemp(script);
	assert_true(sfd >= 0);
	assert_int_equal(write(sfd, json_check, sizeof(json_check) - 1),
			 (ssize_t)sizeof(json_check) - 1);
	close(sfd);
	snprintf(cmd, sizeof(cmd), "%s -j sockets --port %u | python3 %s %u", harness_bpftcp(),
		 c.port, script, c.port);
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s", cmd), 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "ok 2 bpf_cubic "));

	/* The same with -j after the object, and with the --cc filter. */
	assert_int_equal(bpftcp(out, sizeof(out), "sockets -j --port %u --cc cubic | python3 -c "
				"'import json,sys; d=json.load(sys.stdin); print(len(d[\"sockets\"]))'",
				c.port), 0);
	/* Only the client runs bpf_cubic; the server runs reno. */
	assert_string_equal(out, "1\n");
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --port %u --cc reno | python3 -c "
				"'import json,sys; d=json.load(sys.stdin); print(d[\"sockets\"][0][\"local_port\"], "
				"len(d[\"sockets\"]))'", c.port), 0);
	snprintf(cmd, sizeof(cmd), "%u 1\n", c.port);
	assert_string_equal(out, cmd);
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --port %u --cc vegas | python3 -c "
				"'import json,sys; d=json.load(sys.stdin); print(len(d[\"sockets\"]))'",
				c.port), 0);
	assert_string_equal(out, "0\n");

	/* Errors are still one JSON document on stdout (and exit code 2). */
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --port 0 2>/dev/null"), 2);
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --port 0 2>/dev/null | python3 -c "
				"'import json,sys; print(json.load(sys.stdin)[\"error\"])'"), 0);
	assert_non_null(strstr(out, "bad port"));

	/* The text form: a header and one line per socket. */
	assert_int_equal(bpftcp(out, sizeof(out), "sockets --port %u", c.port), 0);
	assert_non_null(strstr(out, "State"));
	assert_non_null(strstr(out, "bpf_cubic"));
	assert_non_null(strstr(out, "cubic(wmax:"));
	assert_non_null(strstr(out, "rtt:"));

	unlink(script);
	conn_close(&c);
}

/*
 * The Python check of 'bpftcp -j sockets' over several namespaces.  Each
 * argument "LABEL=INO:PORT" expects exactly the two ends of the connection
 * to PORT in the namespace with inode INO, labelled LABEL; no namespace may
 * appear under two labels, and nothing else may be listed.  Prints "ok N".
 */
static const char json_netns_check[] =
	"import json, sys\n"
	"socks = json.load(sys.stdin)['sockets']\n"
	"want = {}\n"
	"for a in sys.argv[1:]:\n"
	"    label, rest = a.rsplit('=', 1)\n"
	"    ino, port = (int(x) for x in rest.split(':'))\n"
	"    want[label] = (ino, port)\n"
	"labels = {}\n"
	"for s in socks:\n"
	"    labels.setdefault(s['netns_ino'], set()).add(s['netns'])\n"
	"assert all(len(v) == 1 for v in labels.values()), labels\n"
	"for label, (ino, port) in want.items():\n"
	"    mine = [s for s in socks if s['netns'] == label]\n"
	"    assert len(mine) == 2, (label, mine)\n"
	"    assert all(s['netns_ino'] == ino for s in mine), (label, ino, mine)\n"
	"    assert sorted(s['local_port'] == port for s in mine) == [False, True], mine\n"
	"    assert all(port in (s['local_port'], s['peer_port']) for s in mine), mine\n"
	"assert len(socks) == 2 * len(want), socks\n"
	"print('ok', len(socks))\n";

static char netns_name[64];
static pid_t netns_holders[2];
static int test_netns_fd = -1;	/* the test's own netns, while it visits others */

static int teardown_netns(void **state)
{
	/* An assertion that failed in another namespace left us there. */
	if (test_netns_fd >= 0) {
		setns(test_netns_fd, CLONE_NEWNET);
		close(test_netns_fd);
		test_netns_fd = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (netns_holders[i] > 0) {
			kill(netns_holders[i], SIGKILL);
			waitpid(netns_holders[i], NULL, 0);
			netns_holders[i] = 0;
		}
	}
	if (netns_name[0])
		harness_sh("ip netns del %s 2>/dev/null", netns_name);
	netns_name[0] = '\0';
	return teardown(state);
}

/* A child that only sleeps in the calling thread's network namespace, so
 * that the namespace is /proc/PID/ns/net. */
static pid_t hold_netns(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static uint32_t netns_ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Writes the JSON check to a temporary file; the caller unlinks @path. */
static void write_script(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/*
 * Three namespaces with one collected connection each: ours (A), one made by
 * 'ip netns add' (N, also the namespace of a process, so that --all-netns
 * finds it twice), and an unnamed one that only a process holds (P).
 */
static void sockets_of_other_netns_by_name_path_and_all(void **state)
{
	char out[1 << 16], script[] = "/tmp/bpftcp-json-check-XXXXXX", path[PATH_MAX];
	struct conn ca, cn, cp;
	struct find_ctx f;
	uint32_t ino_a, ino_n, ino_p;
	int own, nfd, devnull;

	harness_require_bpf();
	attach_collection();
	own = test_netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(own >= 0);
	ino_a = own_netns();
	conn_open(&ca, NULL, NULL);

	snprintf(netns_name, sizeof(netns_name), "bpftcp-t-%d-%u", getpid(), (unsigned)rand());
	assert_int_equal(harness_sh("ip netns add %s && ip -n %s link set lo up", netns_name,
				    netns_name), 0);
	nfd = bpftcp_netns_open(netns_name);
	assert_true(nfd >= 0);
	ino_n = netns_ino_of(strcat(strcpy(path, "/run/netns/"), netns_name));
	assert_int_equal(setns(nfd, CLONE_NEWNET), 0);
	conn_open(&cn, NULL, NULL);
	netns_holders[0] = hold_netns();
	assert_int_equal(setns(own, CLONE_NEWNET), 0);

	assert_int_equal(harness_private_netns(), 0);
	ino_p = own_netns();
	conn_open(&cp, NULL, NULL);
	netns_holders[1] = hold_netns();
	assert_int_equal(setns(own, CLONE_NEWNET), 0);
	assert_int_equal(own_netns(), ino_a);
	assert_true(ino_a != ino_n && ino_n != ino_p && ino_a != ino_p);

	/* libbpftcp: only N's sockets through N's fd, the values as by fd. */
	memset(&f, 0, sizeof(f));
	f.netns = ino_n;
	f.port = cn.port;
	assert_int_equal(bpftcp_sock_records_foreach(nfd, find_cb, &f), 2);
	assert_int_equal(f.matches, 2);
	assert_int_equal(f.by_local[1].local_port, cn.port);
	assert_int_equal(f.by_local[0].local_port, cn.cport);
	{
		struct bpftcp_sock_state st;

		assert_int_equal(bpftcp_sock_state_get(cn.cfd, &st), 0);
		assert_int_equal(f.by_local[0].state.stats.established_ns, st.stats.established_ns);
	}
	/* Not a namespace: an error, even with records to read. */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(bpftcp_sock_records_foreach(devnull, NULL, NULL), -EINVAL);
	close(devnull);
	close(nfd);

	write_script(script, json_netns_check);
	/* -n NAME lists N alone, labelled with its name. */
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets -n %s | python3 %s %s=%u:%u",
				netns_name, script, netns_name, ino_n, cn.port), 0);
	assert_string_equal(out, "ok 2\n");
	/* --netns PATH lists P alone, labelled with the path. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", netns_holders[1]);
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --netns %s | python3 %s %s=%u:%u",
				path, script, path, ino_p, cp.port), 0);
	assert_string_equal(out, "ok 2\n");
	/* By default, ours alone. */
	assert_int_equal(bpftcp(out, sizeof(out), "sockets -j | python3 %s /proc/self/ns/net=%u:%u",
				script, ino_a, ca.port), 0);
	assert_string_equal(out, "ok 2\n");
	/* --all-netns: all three, each once, N by its name although a process
	 * is in it too. */
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --all-netns | python3 %s "
				"/proc/self/ns/net=%u:%u %s=%u:%u %s=%u:%u", script, ino_a, ca.port,
				netns_name, ino_n, cn.port, path, ino_p, cp.port), 0);
	assert_string_equal(out, "ok 6\n");
	/* The filters apply across namespaces. */
	{
		char cc[HARNESS_CC_NAME_MAX] = "";
		socklen_t sl = sizeof(cc);

		assert_int_equal(getsockopt(cp.cfd, IPPROTO_TCP, TCP_CONGESTION, cc, &sl), 0);
		assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --all-netns --port %u --cc %s"
					" | python3 %s %s=%u:%u", cp.port, cc, script, path, ino_p,
					cp.port), 0);
		assert_string_equal(out, "ok 2\n");
	}
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --all-netns --port %u --cc bpf_vegas"
				" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)"
				"[\"sockets\"]))'", cp.port), 0);
	assert_string_equal(out, "0\n");

	/* Text: the namespace is named when more than ours is listed. */
	assert_int_equal(bpftcp(out, sizeof(out), "sockets --all-netns"), 0);
	snprintf(path, sizeof(path), " netns:%s\n", netns_name);
	assert_non_null(strstr(out, path));
	snprintf(path, sizeof(path), " netns:/proc/%d/ns/net\n", netns_holders[1]);
	assert_non_null(strstr(out, path));
	assert_non_null(strstr(out, " netns:/proc/self/ns/net\n"));
	assert_int_equal(bpftcp(out, sizeof(out), "sockets"), 0);
	assert_null(strstr(out, "netns:"));

	/* Errors: no such name, not a namespace, usage. */
	assert_int_equal(bpftcp(out, sizeof(out), "sockets -n bpftcp-no-such-ns-%d 2>&1",
				getpid()), 1);
	snprintf(path, sizeof(path), "error: cannot open network namespace 'bpftcp-no-such-ns-%d': "
		 "No such file or directory", getpid());
	assert_non_null(strstr(out, path));
	assert_int_equal(bpftcp(out, sizeof(out), "sockets --netns /dev/null 2>&1"), 1);
	assert_non_null(strstr(out, "'/dev/null': Invalid argument (not a network namespace"));
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets -n %s --all-netns 2>/dev/null",
				netns_name), 2);
	assert_non_null(strstr(out, "\"error\""));

	unlink(script);
	conn_close(&ca);
	conn_close(&cn);
	conn_close(&cp);
}

static void attach_detach_errors_and_exit_codes(void **state)
{
	char out[4096];

	harness_require_bpf();
	assert_int_equal(bpftcp(out, sizeof(out), "sockets attach 2>&1"), 2);
	assert_non_null(strstr(out, "needs --cgroup PATH"));
	assert_int_equal(bpftcp(out, sizeof(out), "sockets attach --cgroup 2>&1"), 2);
	assert_int_equal(bpftcp(out, sizeof(out), "sockets attach --cgroup %s --bogus 2>&1",
				cgroup), 2);
	assert_int_equal(bpftcp(out, sizeof(out),
				"sockets attach --cgroup /bpftcp-no-such-cgroup-%d 2>&1", getpid()), 1);
	assert_non_null(strstr(out, "error: cannot attach collection to cgroup '/bpftcp-no-such-cgroup-"));
	assert_non_null(strstr(out, "No such file or directory"));
	assert_int_equal(bpftcp(out, sizeof(out), "sockets attach --cgroup %s 2>&1", bpffs), 1);
	assert_non_null(strstr(out, "not a cgroup v2 directory"));
	assert_int_equal(bpftcp(out, sizeof(out), "sockets detach --cgroup %s 2>&1", cgroup), 1);
	assert_non_null(strstr(out, "not attached"));

	/* A path relative to the cgroup2 mount names the same cgroup. */
	assert_int_equal(bpftcp(out, sizeof(out), "sockets attach --cgroup %s 2>&1",
				strrchr(cgroup, '/') + 1), 0);
	assert_int_equal(bpftcp(out, sizeof(out), "sockets attach --cgroup %s 2>&1", cgroup), 1);
	assert_non_null(strstr(out, "File exists (already attached"));
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets detach --cgroup %s", cgroup), 0);
	assert_non_null(strstr(out, "{\"detached\":"));
	assert_int_equal(bpftcp(out, sizeof(out), "sockets bogus 2>&1"), 2);
}

/*
 * hdropt/delack.bpf.c fills the delack section of the same record.  Attached
 * without --record, it allocates none itself: the collector, attached first
 * to the same cgroup, runs first at establishment and makes the record.
 */
static void delack_option_values_in_the_record(void **state)
{
	struct bpftcp_sock_state cli, srv;
	char out[1 << 16];
	struct conn c;

	harness_require_bpf();
	attach_collection();
	assert_int_equal(bpftcp(out, sizeof(out), "opt attach delack --cgroup %s --max-delack 10 2>&1",
				cgroup), 0);
	conn_open(&c, NULL, NULL);
	transfer(&c, 1 * MIB);
	assert_int_equal(bpftcp_sock_state_get(c.cfd, &cli), 0);
	assert_int_equal(bpftcp_sock_state_get(c.sfd, &srv), 0);
	print_message("client delack flags 0x%x local %u peer %u rto_min %u delack_max %u\n",
		      cli.delack.flags, cli.delack.local_max_delack_us, cli.delack.peer_max_delack_us,
		      cli.delack.rto_min_us, cli.delack.delack_max_us);
	for (int i = 0; i < 2; i++) {
		const struct bpftcp_sock_state *st = i ? &srv : &cli;

		assert_int_equal(st->delack.flags & (BPFTCP_DELACK_F_SENT | BPFTCP_DELACK_F_RECEIVED |
						     BPFTCP_DELACK_F_APPLIED | BPFTCP_DELACK_F_MALFORMED),
				 BPFTCP_DELACK_F_SENT | BPFTCP_DELACK_F_RECEIVED | BPFTCP_DELACK_F_APPLIED);
		/* Both ends advertised the same setting: 10 ms, in ticks. */
		assert_true(st->delack.local_max_delack_us >= 10000);
		assert_int_equal(st->delack.peer_max_delack_us, cli.delack.local_max_delack_us);
		assert_true(st->delack.rto_min_us > st->delack.peer_max_delack_us);
		assert_true(st->delack.rto_min_us < 200000);
		/* One record per socket: the sockops statistics are in it too. */
		assert_true(st->stats.established_ns != 0);
	}
	assert_int_equal(bpftcp(out, sizeof(out), "-j sockets --port %u | python3 -c "
				"'import json,sys; d=json.load(sys.stdin); "
				"print(sorted((s[\"delack\"][\"applied\"], s[\"delack\"][\"rto_min_us\"]) "
				"for s in d[\"sockets\"]))'", c.port), 0);
	snprintf(out + sizeof(out) / 2, sizeof(out) / 2, "[(True, %u), (True, %u)]\n",
		 cli.delack.rto_min_us, srv.delack.rto_min_us);
	assert_string_equal(out, out + sizeof(out) / 2);
	assert_int_equal(bpftcp(out, sizeof(out), "sockets --port %u", c.port), 0);
	assert_non_null(strstr(out, "delack(local:"));
	conn_close(&c);
}

static void example_program_reads_its_record(void **state)
{
	char out[4096], example[PATH_MAX];

	harness_require_bpf();
	/* build/examples/ beside build/bpftcp. */
	snprintf(example, sizeof(example), "%s", harness_bpftcp());
	snprintf(strrchr(example, '/') ? strrchr(example, '/') : example,
		 sizeof(example) - (strrchr(example, '/') ? strrchr(example, '/') - example : 0),
		 "/examples/sock_state_get");
	register_cubic();
	attach_collection();
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s -c bpf_cubic -n 2097152 2>&1",
					example), 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "record: version 3, 136 bytes\n"));
	assert_non_null(strstr(out, "algorithm: bpf_cubic\n"));
	assert_non_null(strstr(out, "statistics: rtt min/avg/max"));
	assert_non_null(strstr(out, "cubic: W_max "));

	/* Without collection and with a kernel algorithm there is no record. */
	assert_int_equal(bpftcp(NULL, 0, "sockets detach --cgroup %s", cgroup), 0);
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s -c reno 2>&1", example), 1);
	assert_non_null(strstr(out, "no bpftcp record for this socket"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(record_filled_and_read_by_fd_and_sock_diag, teardown),
		cmocka_unit_test_teardown(churn_10000_connections_leaves_no_record, teardown),
		cmocka_unit_test_teardown(cubic_exports_w_max_after_forced_loss, teardown),
		cmocka_unit_test_teardown(dctcp_and_vegas_export_their_state, teardown),
		cmocka_unit_test_teardown(sockets_json_parses_and_filters, teardown),
		cmocka_unit_test_teardown(sockets_of_other_netns_by_name_path_and_all, teardown_netns),
		cmocka_unit_test_teardown(attach_detach_errors_and_exit_codes, teardown),
		cmocka_unit_test_teardown(delack_option_values_in_the_record, teardown_delack),
		cmocka_unit_test_teardown(example_program_reads_its_record, teardown),
	};

	return cmocka_run_group_tests_name("bpf_sockstate", tests, group_setup, group_teardown);
}
