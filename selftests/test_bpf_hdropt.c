// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests of hdropt/delack.bpf.c through 'bpftcp opt': a loopback
 * connection in a private netns, from a process moved into a fresh cgroup
 * with the program attached, so both ends negotiate.  Checks what the kernel
 * really set (TCP_INFO's RTO), the per-socket record in the pinned
 * sk_local_storage map, the counters, and that detaching stops it.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
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
#include "bpftcp/delack_opt.h"
#include "bpftcp/libbpftcp.h"

#define MAX_DELACK_MS	20

static char cg_path[PATH_MAX];		/* our test cgroup */
static char cg_orig[PATH_MAX];		/* where this process was */
static char pin_dir[PATH_MAX];		/* <bpffs>/bpftcp/opt/delack/<id> */
static bool attached;

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Moves this whole process into the cgroup directory @dir. */
static int join_cgroup(const char *dir)
{
	char path[PATH_MAX + 32], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return write_file(path, pid);
}

static int bpftcp(char *out, size_t len, const char *args)
{
	char buf[8192];

	return harness_host_sh_out(out ? out : buf, out ? len : sizeof(buf), "%s %s 2>&1",
				   harness_bpftcp(), args);
}

#define CG_PREFIX "bpftcp-test-hdropt-"

/*
 * A run that was killed leaves its cgroup <prefix><pid> behind, maybe with
 * the attachment still pinned: detach it by the path it had, and remove it.
 */
static void remove_stale_cgroups(const char *mnt)
{
	char path[PATH_MAX + 300], cmd[PATH_MAX + 400];
	struct dirent *de;
	DIR *d = opendir(mnt);

	while (d && (de = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, CG_PREFIX, strlen(CG_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(CG_PREFIX), &end, 10);
		if (*end || pid <= 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", mnt, de->d_name);
		snprintf(cmd, sizeof(cmd), "opt detach delack --cgroup %s", path);
		bpftcp(NULL, 0, cmd);
		rmdir(path);
	}
	if (d)
		closedir(d);
}

static int setup(void **state)
{
	char mnt[PATH_MAX], line[PATH_MAX + 8], out[4096], cmd[PATH_MAX + 64], root[PATH_MAX];
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id;
	FILE *f;

	if (harness_bpf_unavailable() || bpftcp_find_mount("cgroup2", mnt, sizeof(mnt)))
		return 0;	/* each test skips with the reason */
	/* Our current cgroup v2, to come back to: "0::/path". */
	f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cg_orig, sizeof(cg_orig), "%s%s", mnt, line + 3);
		}
	if (f)
		fclose(f);
	remove_stale_cgroups(mnt);
	snprintf(cg_path, sizeof(cg_path), "%s/" CG_PREFIX "%d", mnt, (int)getpid());
	if (mkdir(cg_path, 0755))
		return -1;
	snprintf(cmd, sizeof(cmd), "opt attach delack --cgroup %s --max-delack %d --record",
		 cg_path, MAX_DELACK_MS);
	if (bpftcp(out, sizeof(out), cmd)) {
		fprintf(stderr, "bpftcp %s: %s\n", cmd, out);
		return -1;
	}
	attached = true;
	if (name_to_handle_at(AT_FDCWD, cg_path, &h.fh, &mount_id, 0) || bpftcp_pin_root(root, sizeof(root), 0))
		return -1;
	snprintf(pin_dir, sizeof(pin_dir), "%s/opt/delack/%llu", root,
		 (unsigned long long)*(__u64 *)h.fh.f_handle);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 64];

	if (cg_orig[0])
		join_cgroup(cg_orig);
	if (attached) {
		snprintf(cmd, sizeof(cmd), "opt detach delack --cgroup %s", cg_path);
		bpftcp(NULL, 0, cmd);
	}
	if (cg_path[0])
		rmdir(cg_path);
	return 0;
}

static void require_setup(void)
{
	harness_require_bpf();
	if (!attached) {
		print_message("SKIP: no cgroup2 mount to attach to\n");
		skip();
	}
}

/* A connected pair over loopback; the listener is made now, after attach. */
struct pair {
	int lfd, cfd, sfd;
};

static void pair_open(struct pair *p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->lfd >= 0);
	assert_int_equal(bind(p->lfd, (void *)&a, sizeof(a)), 0);
	assert_int_equal(listen(p->lfd, 4), 0);
	assert_int_equal(getsockname(p->lfd, (void *)&a, &al), 0);
	p->cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(p->cfd, (void *)&a, sizeof(a)), 0);
	p->sfd = accept(p->lfd, NULL, NULL);
	assert_true(p->sfd >= 0);
	/* Request/response rounds so the RTT estimator settles. */
	for (int i = 0; i < 20; i++) {
		char c = 'q';

		assert_int_equal(write(p->cfd, &c, 1), 1);
		assert_int_equal(read(p->sfd, &c, 1), 1);
		assert_int_equal(write(p->sfd, &c, 1), 1);
		assert_int_equal(read(p->cfd, &c, 1), 1);
	}
}

static void pair_close(struct pair *p)
{
	close(p->cfd);
	close(p->sfd);
	close(p->lfd);
}

static __u32 rto_us(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l), 0);
	return ti.tcpi_rto;
}

/* Our attachment as libbpftcp reports it. */
static int find_ours(const struct bpftcp_opt_attachment *a, void *ctx)
{
	if (strcmp(a->pin, pin_dir))
		return 0;
	*(struct bpftcp_opt_attachment *)ctx = *a;
	return 1;
}

static struct bpftcp_opt_attachment our_attachment(void)
{
	struct bpftcp_opt_attachment a;

	assert_int_equal(bpftcp_opt_foreach("delack", find_ours, &a), 1);
	assert_int_equal(a.sz, sizeof(a));
	return a;
}

static unsigned int pinned_hz(void)
{
	return our_attachment().delack.hz;
}

/* The delack section of the socket's bpftcp record, read with libbpftcp. */
static void read_record(int sock, struct bpftcp_delack_state *rec)
{
	struct bpftcp_sock_state st;

	assert_int_equal(bpftcp_sock_state_get(sock, &st), 0);
	*rec = st.delack;
}

static __u64 counter_applied(void)
{
	return our_attachment().counters.applied;
}

static void both_ends_negotiate_and_record(void **state)
{
	struct hdropt_delack_local local;
	struct bpftcp_delack_state rec;
	__u64 applied_before;
	unsigned int hz;
	struct pair p;
	__u32 want_rto;
	int clamped;

	require_setup();
	hz = pinned_hz();
	assert_true(hz >= 100 && hz <= 1000);
	hdropt_delack_local(MAX_DELACK_MS * 1000, hz, &local);
	want_rto = hdropt_rto_min_us(local.advertise_us, 5000, 200000, hz, &clamped);
	applied_before = counter_applied();
	assert_int_equal(join_cgroup(cg_path), 0);
	assert_int_equal(harness_private_netns(), 0);
	pair_open(&p);

	for (int i = 0; i < 2; i++) {
		int fd = i ? p.sfd : p.cfd;
		__u32 rto = rto_us(fd);

		read_record(fd, &rec);
		print_message("%s: rto %u us, record flags 0x%x local %u peer %u delack %u rto_min %u\n",
			      i ? "server" : "client", rto, rec.flags, rec.local_max_delack_us,
			      rec.peer_max_delack_us, rec.delack_max_us, rec.rto_min_us);
		assert_true(rec.flags & BPFTCP_DELACK_F_APPLIED);
		assert_true(rec.flags & BPFTCP_DELACK_F_SENT);
		assert_true(rec.flags & BPFTCP_DELACK_F_RECEIVED);
		assert_false(rec.flags & (BPFTCP_DELACK_F_MALFORMED | BPFTCP_DELACK_F_RESEND));
		assert_int_equal(rec.local_max_delack_us, local.advertise_us);
		assert_int_equal(rec.peer_max_delack_us, local.advertise_us);
		assert_int_equal(rec.delack_max_us, local.setsockopt_us);
		assert_int_equal(rec.rto_min_us, want_rto);
		/* The kernel's RTO: the new minimum rounded up to ticks, plus
		 * the (tiny) smoothed RTT: at most two ticks above it, and far
		 * below the 200 ms it would otherwise be. */
		assert_true(rto >= want_rto);
		assert_true(rto <= want_rto + 2 * 1000000 / hz);
	}
	assert_int_equal(counter_applied() - applied_before, 2);
	pair_close(&p);
}

static void outside_the_cgroup_nothing_changes(void **state)
{
	struct pair p;

	require_setup();
	assert_int_equal(join_cgroup(cg_orig), 0);
	assert_int_equal(harness_private_netns(), 0);
	pair_open(&p);
	assert_true(rto_us(p.cfd) >= 200000);
	assert_true(rto_us(p.sfd) >= 200000);
	pair_close(&p);
}

/*
 * Without --record (the default) the same negotiation happens, and no
 * per-socket record is allocated: the counters are the only trace.
 */
static void without_record_negotiates_and_allocates_nothing(void **state)
{
	char cmd[PATH_MAX + 64], out[4096];
	struct bpftcp_sock_state st;
	__u64 applied_before;
	struct pair p;

	require_setup();
	assert_int_equal(join_cgroup(cg_orig), 0);
	if (attached) {
		snprintf(cmd, sizeof(cmd), "opt detach delack --cgroup %s", cg_path);
		assert_int_equal(bpftcp(out, sizeof(out), cmd), 0);
		attached = false;
	}
	snprintf(cmd, sizeof(cmd), "-j opt attach delack --cgroup %s --max-delack %d", cg_path, MAX_DELACK_MS);
	assert_int_equal(bpftcp(out, sizeof(out), cmd), 0);
	attached = true;
	assert_non_null(strstr(out, "\"record\":false"));
	assert_int_equal(bpftcp(out, sizeof(out), "-j opt show"), 0);
	assert_non_null(strstr(out, "\"record\":false"));
	applied_before = counter_applied();
	assert_int_equal(join_cgroup(cg_path), 0);
	assert_int_equal(harness_private_netns(), 0);
	pair_open(&p);
	assert_true(rto_us(p.cfd) < 200000);
	assert_true(rto_us(p.sfd) < 200000);
	assert_int_equal(counter_applied() - applied_before, 2);
	assert_int_equal(bpftcp_sock_state_get(p.cfd, &st), -ENOENT);
	assert_int_equal(bpftcp_sock_state_get(p.sfd, &st), -ENOENT);
	pair_close(&p);
	assert_int_equal(join_cgroup(cg_orig), 0);
}

static void detach_stops_negotiation(void **state)
{
	char cmd[PATH_MAX + 64], out[4096];
	struct pair p;

	require_setup();
	snprintf(cmd, sizeof(cmd), "opt detach delack --cgroup %s", cg_path);
	assert_int_equal(bpftcp(out, sizeof(out), cmd), 0);
	attached = false;
	assert_int_equal(access(pin_dir, F_OK), -1);
	assert_int_equal(join_cgroup(cg_path), 0);
	assert_int_equal(harness_private_netns(), 0);
	pair_open(&p);
	assert_true(rto_us(p.cfd) >= 200000);
	assert_true(rto_us(p.sfd) >= 200000);
	pair_close(&p);
	/* Detaching twice is an error: exit status 1 and a message. */
	assert_int_equal(bpftcp(out, sizeof(out), cmd), 1);
	assert_non_null(strstr(out, "not attached"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_ends_negotiate_and_record),
		cmocka_unit_test(outside_the_cgroup_nothing_changes),
		cmocka_unit_test(without_record_negotiates_and_allocates_nothing),
		cmocka_unit_test(detach_stops_negotiation),
	};

	return cmocka_run_group_tests_name("bpf_hdropt", tests, setup, teardown);
}
