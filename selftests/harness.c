// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <netinet/tcp.h>
#include "common.h"
#include "harness.h"
#include "bpftcp/libbpftcp.h"

const char *harness_bpf_unavailable(void)
{
	if (geteuid() != 0)
		return "privileged BPF tests need root";
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "no kernel BTF at /sys/kernel/btf/vmlinux";
	if (access("/proc/sys/net/ipv4/tcp_available_congestion_control", R_OK))
		return "no TCP congestion control sysctls";
	return NULL;
}

/* An fd of the netns we started in (inherited by children, for nsenter). */
static int host_netns_fd = -1;

int harness_private_netns(void)
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	if (host_netns_fd < 0)
		host_netns_fd = open("/proc/self/ns/net", O_RDONLY);
	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	return err;
}

static inline unsigned char pattern_byte(uint64_t off)
{
	/* Position dependent, so loss, duplication or reordering shows. */
	uint64_t x = off * 0x9E3779B97F4A7C15ULL;

	return (unsigned char)(x >> 56) ^ (unsigned char)off;
}

struct server_ctx {
	int lfd;
	uint64_t received;
	bool data_ok;
	char cc[HARNESS_CC_NAME_MAX];
	int err;
};

static void *server_main(void *arg)
{
	struct server_ctx *s = arg;
	static __thread unsigned char buf[1 << 16];
	socklen_t sl = sizeof(s->cc);
	ssize_t n;
	int fd;

	s->data_ok = true;
	fd = accept(s->lfd, NULL, NULL);
	if (fd < 0) {
		s->err = -errno;
		return NULL;
	}
	getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, s->cc, &sl);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern_byte(s->received + i))
				s->data_ok = false;
		s->received += n;
	}
	if (n < 0)
		s->err = -errno;
	close(fd);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int harness_transfer(const struct transfer_opts *o, struct transfer_result *r)
{
	struct sockaddr_storage ss = { 0 };
	struct server_ctx srv = { .lfd = -1 };
	int family = o->family ? o->family : AF_INET;
	socklen_t alen, sl;
	unsigned char *buf = NULL;
	pthread_t th;
	int cfd = -1, err = 0, one = 1;
	bool midway_done = false;
	double t0 = now_s();

	memset(r, 0, sizeof(*r));
	if (o->ecn && (err = harness_sh("sysctl -qw net.ipv4.tcp_ecn=1")))
		return -EIO;
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		alen = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		alen = sizeof(*a);
	}
	srv.lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.lfd < 0)
		return -errno;
	setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv.lfd, (void *)&ss, alen) || listen(srv.lfd, 1) ||
	    getsockname(srv.lfd, (void *)&ss, &alen)) {
		err = -errno;
		goto out;
	}
	if (pthread_create(&th, NULL, server_main, &srv)) {
		err = -EAGAIN;
		goto out;
	}
	cfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0) {
		err = -errno;
		goto join;
	}
	if (o->cc && setsockopt(cfd, IPPROTO_TCP, TCP_CONGESTION, o->cc, strlen(o->cc))) {
		err = -errno;
		goto join;
	}
	if (connect(cfd, (void *)&ss, alen)) {
		err = -errno;
		goto join;
	}
	buf = malloc(1 << 16);
	if (!buf) {
		err = -ENOMEM;
		goto join;
	}
	t0 = now_s();
	while (r->sent < o->bytes) {
		size_t chunk = o->bytes - r->sent < (1 << 16) ? o->bytes - r->sent : (1 << 16);
		ssize_t n;

		for (size_t i = 0; i < chunk; i++)
			buf[i] = pattern_byte(r->sent + i);
		n = write(cfd, buf, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		r->sent += n;
		if (o->midway && !midway_done && r->sent >= o->bytes / 2) {
			midway_done = true;
			o->midway(cfd, o->ctx);
		}
	}
	sl = sizeof(r->client_cc);
	getsockopt(cfd, IPPROTO_TCP, TCP_CONGESTION, r->client_cc, &sl);
	sl = sizeof(r->info);
	getsockopt(cfd, IPPROTO_TCP, TCP_INFO, &r->info, &sl);
	shutdown(cfd, SHUT_WR);
join:
	if (cfd >= 0 && err)
		shutdown(cfd, SHUT_RDWR);
	if (cfd < 0 || err) {
		/* Unblock accept() if the client never connected. */
		shutdown(srv.lfd, SHUT_RDWR);
	}
	pthread_join(th, NULL);
	if (!err) {
		r->seconds = now_s() - t0;
		if (srv.err)
			err = srv.err;
	}
	r->received = srv.received;
	r->data_ok = srv.data_ok && srv.received == r->sent;
	memcpy(r->server_cc, srv.cc, sizeof(r->server_cc));
out:
	free(buf);
	if (cfd >= 0)
		close(cfd);
	close(srv.lfd);
	return err;
}

static int vsh(char *buf, size_t len, const char *fmt, va_list ap)
{
	char cmd[4096];
	FILE *p;
	size_t n = 0;
	int st;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	if (getenv("V") && !strcmp(getenv("V"), "1"))
		fprintf(stderr, "+ %s\n", cmd);
	if (!buf)
		st = system(cmd);
	else {
		p = popen(cmd, "r");
		if (!p)
			return -1;
		while (n + 1 < len && !feof(p)) {
			size_t got = fread(buf + n, 1, len - 1 - n, p);

			if (!got)
				break;
			n += got;
		}
		buf[n] = '\0';
		/* Drain the rest so the child does not block on a full pipe. */
		while (fgetc(p) != EOF)
			;
		st = pclose(p);
	}
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int harness_host_sh_out(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[4096], prefix[128] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (host_netns_fd >= 0)
		snprintf(prefix, sizeof(prefix), "nsenter --net=/proc/%d/fd/%d ",
			 (int)getpid(), host_netns_fd);
	return harness_sh_out(buf, len, "%s%s", prefix, cmd);
}

int harness_sh(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsh(NULL, 0, fmt, ap);
	va_end(ap);
	return r;
}

int harness_sh_out(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsh(buf, len, fmt, ap);
	va_end(ap);
	return r;
}

bool harness_cc_available(const char *name)
{
	char buf[4096];
	size_t n = strlen(name);
	FILE *f;

	f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (char *p = buf; (p = strstr(p, name)); p += n)
		if ((p == buf || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

const char *harness_bpftcp(void)
{
	static char path[4096];
	const char *env = getenv("BPFTCP");

	if (env && *env)
		return env;
	if (!path[0] && !realpath("build/bpftcp", path))
		snprintf(path, sizeof(path), "build/bpftcp");
	return path;
}

int harness_bpftcp_run(char *out, size_t len, const char *args)
{
	char scratch[16384];

	if (!out) {
		out = scratch;
		len = sizeof(scratch);
	}
	return harness_host_sh_out(out, len, "%s %s 2>&1", harness_bpftcp(), args);
}

static char cgroup_home[PATH_MAX], cgroup_made[PATH_MAX];

static int cgroup_join(const char *dir)
{
	char path[PATH_MAX + 32], pid[32];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, pid, strlen(pid)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Removes <@mnt>/<@prefix>-<pid> cgroups left by runs that died (empty ones). */
static void cgroup_remove_stale(const char *mnt, const char *prefix)
{
	char path[PATH_MAX * 2];
	size_t n = strlen(prefix);
	struct dirent *e;
	DIR *d = opendir(mnt);

	if (!d)
		return;
	while ((e = readdir(d))) {
		int pid;

		if (strncmp(e->d_name, prefix, n) || e->d_name[n] != '-' ||
		    sscanf(e->d_name + n + 1, "%d", &pid) != 1)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", mnt, e->d_name);
		rmdir(path);
	}
	closedir(d);
}

int harness_cgroup_enter(const char *prefix, char *path, size_t len)
{
	char mnt[PATH_MAX], line[PATH_MAX];
	FILE *f;
	int err;

	if (bpftcp_find_mount("cgroup2", mnt, sizeof(mnt)))
		return -ENOENT;
	cgroup_remove_stale(mnt, prefix);
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return -errno;
	cgroup_home[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cgroup_home, sizeof(cgroup_home), "%s%s", mnt, line + 3);
		}
	fclose(f);
	if (!cgroup_home[0])
		return -ENOENT;
	snprintf(cgroup_made, sizeof(cgroup_made), "%s/%s-%d", mnt, prefix, (int)getpid());
	if (mkdir(cgroup_made, 0755))
		return -errno;
	err = cgroup_join(cgroup_made);
	if (err) {
		rmdir(cgroup_made);
		cgroup_made[0] = '\0';
		return err;
	}
	snprintf(path, len, "%s", cgroup_made);
	return 0;
}

void harness_cgroup_leave(void)
{
	if (!cgroup_made[0])
		return;
	cgroup_join(cgroup_home);
	rmdir(cgroup_made);
	cgroup_made[0] = '\0';
}

static char bpffs_path[64];
static bool bpffs_made;		/* bpffs_path is a directory we created */

int harness_private_bpffs(char *path, size_t len)
{
	/* Private mounts first, so the bpffs below is ours alone. */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	/* Over /sys/fs/bpf, in our mount namespace only: nothing to remove
	 * afterwards, even if the process dies.  Else a directory of ours. */
	snprintf(bpffs_path, sizeof(bpffs_path), "/sys/fs/bpf");
	if (mount("bpf", bpffs_path, "bpf", 0, "mode=0700")) {
		snprintf(bpffs_path, sizeof(bpffs_path), "/tmp/bpftcp-bpffs-XXXXXX");
		if (!mkdtemp(bpffs_path))
			return -errno;
		bpffs_made = true;
		if (mount("bpf", bpffs_path, "bpf", 0, "mode=0700")) {
			int err = -errno;

			rmdir(bpffs_path);
			bpffs_path[0] = '\0';
			return err;
		}
	}
	setenv("BPFTCP_BPFFS", bpffs_path, 1);
	snprintf(path, len, "%s", bpffs_path);
	return 0;
}

void harness_private_bpffs_release(void)
{
	/* Unmounting drops every pin. */
	if (bpffs_path[0])
		umount2(bpffs_path, MNT_DETACH);
	if (bpffs_made)
		rmdir(bpffs_path);
	bpffs_path[0] = '\0';
	bpffs_made = false;
}
