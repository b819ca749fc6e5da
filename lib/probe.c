// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: probe the kernel features bpftcp relies on, and say why a BPF
 * object failed to load (see include/bpftcp/libbpftcp.h).
 *
 * Every answer comes from trying the thing: hosts differ in ways a kernel
 * version does not tell (some refuse tracing programs through an LSM, HZ is
 * a build option, sock_diag may lack the storage dump).  The one rule used
 * to read a failed program load: only the verifier writes the log, so a
 * failure with an empty log happened before it ran.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpftcp/libbpftcp.h"
#include "libbpftcp_internal.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* The few instructions the probes need (the kernel's filter.h macros). */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						.off = (o), .imm = (i) })
#define MOV64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const char *bpftcp_feature_state_name(int state)
{
	switch (state) {
	case BPFTCP_FEATURE_PRESENT:	return "present";
	case BPFTCP_FEATURE_MISSING:	return "missing";
	case BPFTCP_FEATURE_REFUSED:	return "refused";
	default:			return "unknown";
	}
}

/* ------------------------------------------------------ program types */

/* Member @name of struct @type_id, as an index, or -ENOENT. */
static int btf_member_index(const struct btf *btf, int type_id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const struct btf_member *m;

	if (!t || !btf_is_struct(t))
		return -ENOENT;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return i;
	return -ENOENT;
}

/*
 * Loads "r0 = 0; exit" as @type with what that type needs to reach the
 * verifier: a tcp_congestion_ops callback for STRUCT_OPS, and for the
 * types that attach to a kernel function or iterator, @target (found in
 * the kernel's BTF as libbpf finds it for @attach_type).  Returns the fd
 * or -errno; -ESRCH/-ENOENT if the target is not in the kernel.
 */
static int load_minimal(enum bpf_prog_type type, enum bpf_attach_type attach_type,
			const char *target)
{
	const struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, 0), EXIT() };
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach_type);
	struct btf *vmlinux;
	int fd, id;

	switch (type) {
	case BPF_PROG_TYPE_STRUCT_OPS:
		/* A tcp_congestion_ops callback: ssthresh returns a u32. */
		vmlinux = btf__load_vmlinux_btf();
		if (!vmlinux)
			return -errno;
		id = btf__find_by_name_kind(vmlinux, "tcp_congestion_ops", BTF_KIND_STRUCT);
		fd = id > 0 ? btf_member_index(vmlinux, id, "ssthresh") : -ENOENT;
		btf__free(vmlinux);
		if (fd < 0)
			return fd;
		o.attach_btf_id = id;
		o.expected_attach_type = fd;
		break;
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
		if (!target)
			return -EINVAL;
		id = libbpf_find_vmlinux_btf_id(target, attach_type);
		if (id < 0)
			return id;
		o.attach_btf_id = id;
		break;
	default:
		break;
	}
	fd = bpf_prog_load(type, "bpftcp_probe", "GPL", insns, ARRAY_SIZE(insns), &o);
	return fd < 0 ? -errno : fd;
}

int bpftcp_probe_prog(enum bpf_prog_type type, enum bpf_attach_type attach_type,
		      const char *target)
{
	int fd = load_minimal(type, attach_type, target);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (fd == -EINVAL || fd == -EOPNOTSUPP || fd == -524 /* ENOTSUPP */ ||
	    fd == -ESRCH || fd == -ENOENT)
		return 0;
	return fd;
}

/* Maps a probe's answer (1, 0, -EPERM/-EACCES, other -errno) to a feature. */
static void feature_set(struct bpftcp_feature *f, int probe)
{
	if (probe > 0) {
		*f = (struct bpftcp_feature){ BPFTCP_FEATURE_PRESENT, 0 };
	} else if (probe == 0) {
		*f = (struct bpftcp_feature){ BPFTCP_FEATURE_MISSING, -EOPNOTSUPP };
	} else if (probe == -EPERM || probe == -EACCES) {
		*f = (struct bpftcp_feature){ BPFTCP_FEATURE_REFUSED, probe };
	} else {
		*f = (struct bpftcp_feature){ BPFTCP_FEATURE_UNKNOWN, probe };
	}
}

/* Keeps the worse of @f and @probe: one missing part makes the feature missing. */
static void feature_and(struct bpftcp_feature *f, int probe)
{
	struct bpftcp_feature g;

	feature_set(&g, probe);
	if (f->state == BPFTCP_FEATURE_PRESENT || (g.state != BPFTCP_FEATURE_PRESENT &&
						    g.state != BPFTCP_FEATURE_UNKNOWN &&
						    f->state == BPFTCP_FEATURE_UNKNOWN))
		*f = g;
}

/* libbpf's helper probe: 1 if @prog_type may call @helper, else 0 or -errno. */
static int probe_helper(enum bpf_prog_type prog_type, enum bpf_func_id helper)
{
	return libbpf_probe_bpf_helper(prog_type, helper, NULL);
}

/* ------------------------------------------------------------ struct_ops */

/*
 * BTF holding one "int", loaded into the kernel: maps that need BTF (sk
 * storage for key and value; struct_ops, whose creator must bring some)
 * get it from here.  Returns the type id of "int", or -errno.
 */
static int int_btf(struct btf **btf)
{
	int id;

	*btf = btf__new_empty();
	if (!*btf)
		return -errno;
	id = btf__add_int(*btf, "int", sizeof(int), BTF_INT_SIGNED);
	if (id < 0)
		return id;
	return btf__load_into_kernel(*btf) ? -errno : id;
}

/* Creates a tcp_congestion_ops struct_ops map with @flags; 1, 0 or -errno. */
static int probe_struct_ops_map(__u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	struct btf *vmlinux = btf__load_vmlinux_btf(), *btf = NULL;
	int id, fd;
	__s64 size;

	if (!vmlinux)
		return -errno;
	id = btf__find_by_name_kind(vmlinux, "bpf_struct_ops_tcp_congestion_ops", BTF_KIND_STRUCT);
	size = id > 0 ? btf__resolve_size(vmlinux, id) : 0;
	btf__free(vmlinux);
	if (id <= 0 || size <= 0)
		return 0;	/* no struct_ops for tcp_congestion_ops in this kernel */
	fd = int_btf(&btf);
	if (fd < 0)
		goto out;
	o.btf_fd = btf__fd(btf);
	o.btf_vmlinux_value_type_id = id;
	fd = bpf_map_create(BPF_MAP_TYPE_STRUCT_OPS, "bpftcp_probe", sizeof(int), size, 1, &o);
	if (fd >= 0) {
		close(fd);
		fd = 1;
	} else {
		fd = errno == EINVAL || errno == EOPNOTSUPP ? 0 : -errno;
	}
out:
	btf__free(btf);
	return fd;
}

/* ----------------------------------------------------- sock_diag storage */

/* A one-int-value sk_storage map; *@btf is to be freed after the map. */
static int sk_storage_map_create(struct btf **btf)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	int id = int_btf(btf), fd;

	if (id < 0)
		return id;
	o.btf_fd = btf__fd(*btf);
	o.btf_key_type_id = id;
	o.btf_value_type_id = id;
	fd = bpf_map_create(BPF_MAP_TYPE_SK_STORAGE, "bpftcp_probe", sizeof(int), sizeof(int), 0, &o);
	return fd < 0 ? -errno : fd;
}

/* Does the SOCK_DIAG_BY_FAMILY reply in @buf carry @map's element for @port? */
static int diag_reply_has_storage(const char *buf, int len, __u16 port, bool *done)
{
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, (unsigned int)len);
	     h = NLMSG_NEXT(h, len)) {
		const struct inet_diag_msg *m = NLMSG_DATA(h);
		const struct nlattr *a;
		int alen;

		if (h->nlmsg_type == NLMSG_DONE) {
			*done = true;
			return 0;
		}
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			*done = true;
			return e->error ? e->error : -EPROTO;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || ntohs(m->id.idiag_sport) != port)
			continue;
		a = (const void *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));
		alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
		for (; alen >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= alen;
		     alen -= NLA_ALIGN(a->nla_len), a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
			/* Nested: SK_DIAG_BPF_STORAGE { MAP_ID, MAP_VALUE }. */
			if ((a->nla_type & NLA_TYPE_MASK) == INET_DIAG_SK_BPF_STORAGES &&
			    a->nla_len > NLA_HDRLEN)
				return 1;
		}
	}
	return 0;
}

struct diag_probe {
	int map_fd;
	int result;
};

/* In its own thread: the private network namespace is this thread's only. */
static void *sock_diag_probe_thread(void *arg)
{
	struct diag_probe *p = arg;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	socklen_t slen = sizeof(sin);
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
		struct nlattr storages;
		struct nlattr map_fd;
		__u32 fd;
	} req = {
		.h.nlmsg_len = sizeof(req),
		.h.nlmsg_type = SOCK_DIAG_BY_FAMILY,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.r.sdiag_family = AF_INET,
		.r.sdiag_protocol = IPPROTO_TCP,
		.r.idiag_states = 1 << TCP_LISTEN,
		.storages.nla_len = NLA_HDRLEN * 2 + sizeof(__u32),
		.storages.nla_type = NLA_F_NESTED | INET_DIAG_REQ_SK_BPF_STORAGES,
		.map_fd.nla_len = NLA_HDRLEN + sizeof(__u32),
		.map_fd.nla_type = SK_DIAG_BPF_STORAGE_REQ_MAP_FD,
	};
	char buf[32768];
	int s = -1, ns = -1, one = 1, err = 0;
	bool done = false;

	/* A private namespace keeps the probe listener off every interface;
	 * without CAP_SYS_ADMIN, listen on 127.0.0.1 here instead. */
	sin.sin_addr.s_addr = htonl(unshare(CLONE_NEWNET) ? INADDR_LOOPBACK : INADDR_ANY);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (void *)&sin, sizeof(sin)) || listen(s, 1) ||
	    getsockname(s, (void *)&sin, &slen)) {
		err = -errno;
		goto out;
	}
	if (bpf_map_update_elem(p->map_fd, &s, &one, BPF_NOEXIST)) {
		err = -errno;
		goto out;
	}
	ns = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	req.fd = p->map_fd;
	if (ns < 0 || sendto(ns, &req, sizeof(req), 0, (void *)&nl, sizeof(nl)) < 0) {
		err = -errno;
		goto out;
	}
	while (!done && err == 0) {
		ssize_t n = recv(ns, buf, sizeof(buf), 0);

		if (n < 0) {
			err = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (n == 0)
			break;
		err = diag_reply_has_storage(buf, n, ntohs(sin.sin_port), &done);
		if (err > 0)
			break;
	}
out:
	p->result = err;
	if (ns >= 0)
		close(ns);
	if (s >= 0)
		close(s);
	return NULL;
}

/* 1 if a sock_diag dump returns an sk_storage element, 0 if not, or -errno. */
static int probe_sock_diag_storage(void)
{
	struct diag_probe p = { .result = -EINVAL };
	struct btf *btf = NULL;
	pthread_t t;
	int err;

	p.map_fd = sk_storage_map_create(&btf);
	if (p.map_fd < 0) {
		btf__free(btf);
		return p.map_fd;
	}
	err = pthread_create(&t, NULL, sock_diag_probe_thread, &p);
	if (!err)
		pthread_join(t, NULL);
	close(p.map_fd);
	btf__free(btf);
	return err ? -err : p.result;
}

/* ------------------------------------------------------------------- HZ */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs the jiffies program once: *@t is the time of the run (a midpoint). */
static int jiffies_sample(int prog_fd, __u32 *j, double *t)
{
	unsigned char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);
	double t0 = mono_s();

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	*t = (t0 + mono_s()) / 2;
	*j = o.retval;	/* the low 32 bits of jiffies: enough for a difference */
	return 0;
}

unsigned int bpftcp_hz_round(double measured)
{
	static const unsigned int known[] = { 100, 250, 300, 1000 };

	/* 8%: 250 and 300 stay apart (a jiffy in 200 ms is 2% at 250). */
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (measured > known[i] * 0.92 && measured < known[i] * 1.08)
			return known[i];
	return 0;
}

/* HZ from bpf_jiffies64() against CLOCK_MONOTONIC over ~200 ms; 0 or -errno. */
static int probe_hz_jiffies(unsigned int *hz)
{
	const struct bpf_insn insns[] = { CALL(BPF_FUNC_jiffies64), EXIT() };
	struct timespec pause = { 0, 200 * 1000 * 1000 };
	__u32 j0, j1;
	double t0, t1;
	int fd, err;

	*hz = 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "bpftcp_jiffies", "GPL", insns,
			   ARRAY_SIZE(insns), NULL);
	if (fd < 0)
		return -errno;
	err = jiffies_sample(fd, &j0, &t0);
	while (!err && nanosleep(&pause, &pause) && errno == EINTR)
		;
	if (!err)
		err = jiffies_sample(fd, &j1, &t1);
	close(fd);
	if (err)
		return err;
	*hz = bpftcp_hz_round((__u32)(j1 - j0) / (t1 - t0));
	return *hz ? 0 : -ERANGE;
}

/* CONFIG_HZ from /proc/config.gz; 0 if it cannot be read. */
static unsigned int config_hz(void)
{
	gzFile f = gzopen("/proc/config.gz", "rb");
	char line[256];
	unsigned int hz = 0;

	if (!f)
		return 0;
	while (!hz && gzgets(f, line, sizeof(line)))
		if (sscanf(line, "CONFIG_HZ=%u", &hz) != 1)
			hz = 0;
	gzclose(f);
	return hz;
}

/* -------------------------------------------------------------- features */

int bpftcp_check_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	bool bpf, net_admin;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0 ? 0 : -EPERM;
	bpf = data[CAP_BPF / 32].effective & (1u << (CAP_BPF % 32));
	/* Kernels before CAP_BPF (5.8) need CAP_SYS_ADMIN instead. */
	bpf |= data[0].effective & (1u << CAP_SYS_ADMIN);
	net_admin = data[0].effective & (1u << CAP_NET_ADMIN);
	return bpf && net_admin ? 0 : -EPERM;
}

int bpftcp_probe_features(struct bpftcp_features *out)
{
	struct bpftcp_features f = { .sz = sizeof(f) };
	size_t sz;

	if (!out || out->sz < offsetof(struct bpftcp_features, struct_ops_link))
		return -EINVAL;
	if (bpftcp_check_privileges())
		return -EPERM;

	feature_set(&f.struct_ops_cc, probe_struct_ops_map(0));
	feature_and(&f.struct_ops_cc, bpftcp_probe_prog(BPF_PROG_TYPE_STRUCT_OPS, 0, NULL));
	feature_set(&f.struct_ops_link, probe_struct_ops_map(BPF_F_LINK));

	feature_set(&f.hdr_opt, bpftcp_probe_prog(BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, NULL));
	feature_and(&f.hdr_opt, probe_helper(BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_reserve_hdr_opt));
	feature_and(&f.hdr_opt, probe_helper(BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_store_hdr_opt));
	feature_and(&f.hdr_opt, probe_helper(BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_load_hdr_opt));

	feature_set(&f.sk_storage, libbpf_probe_bpf_map_type(BPF_MAP_TYPE_SK_STORAGE, NULL));
	feature_and(&f.sk_storage, probe_helper(BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_sk_storage_get));
	feature_and(&f.sk_storage, probe_helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_sk_storage_get));

	feature_set(&f.sock_diag_storage, probe_sock_diag_storage());
	/* Hosts may refuse some tracing programs and not others (an LSM
	 * policy on the attach target): try the two kinds bpftcp has used. */
	feature_set(&f.tracing, bpftcp_probe_prog(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
						   "tcp_sendmsg"));
	feature_and(&f.tracing, bpftcp_probe_prog(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER,
						  "bpf_sk_storage_map"));

	f.hz_config = config_hz();
	probe_hz_jiffies(&f.hz_jiffies);	/* on failure hz_jiffies is 0 */
	if (f.hz_jiffies && (!f.hz_config || f.hz_config == f.hz_jiffies)) {
		f.hz = f.hz_jiffies;
		f.hz_source = BPFTCP_HZ_JIFFIES | (f.hz_config ? BPFTCP_HZ_CONFIG : 0);
	} else if (f.hz_config) {
		f.hz = f.hz_config;
		f.hz_source = BPFTCP_HZ_CONFIG;
	}

	sz = out->sz < sizeof(f) ? out->sz : sizeof(f);
	memcpy(out, &f, sz);
	out->sz = sz;
	return 0;
}

/* ---------------------------------------------------------- object load */

/* The attach target in a section name: "iter/bpf_sk_storage_map" -> "bpf_sk_storage_map". */
static const char *section_target(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = sec ? strchr(sec, '/') : NULL;

	return slash && slash[1] ? slash + 1 : NULL;
}

/* Does the kernel refuse any program like @prog, whatever its instructions? */
static bool prog_refused(const struct bpf_program *prog)
{
	int r = bpftcp_probe_prog(bpf_program__type(prog),
				  bpf_program__expected_attach_type(prog), section_target(prog));

	return r == -EPERM || r == -EACCES;
}

static void diag_prog(struct bpftcp_load_diag *d, int result, const struct bpf_program *prog)
{
	d->result = result;
	d->prog_type = bpf_program__type(prog);
	snprintf(d->prog_name, sizeof(d->prog_name), "%s", bpf_program__name(prog));
}

int bpftcp_object_load(struct bpf_object *obj, struct bpftcp_load_diag *out)
{
	enum { LOG_SIZE = 64 * 1024 };
	struct bpftcp_load_diag d = { .sz = sizeof(d), .prog_type = -1 };
	struct bpf_program *prog, *failed = NULL;
	const char *failed_log = NULL;
	char **logs;
	int n = 0, i, err;

	if (out && out->sz < offsetof(struct bpftcp_load_diag, prog_type))
		return -EINVAL;
	bpf_object__for_each_program(prog, obj)
		n++;
	logs = calloc(n ? n : 1, sizeof(*logs));
	if (!logs)
		return -ENOMEM;
	/* A buffer for each program: libbpf loads with no log and, if a load
	 * fails, loads that program again asking for one; so the program
	 * with a written buffer is the one that failed. */
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__autoload(prog) && (logs[i] = calloc(1, LOG_SIZE)))
			bpf_program__set_log_buf(prog, logs[i], LOG_SIZE);
		i++;
	}
	err = bpf_object__load(obj);
	d.err = err;
	if (err) {
		d.result = BPFTCP_LOAD_FAILED;
		i = 0;
		bpf_object__for_each_program(prog, obj) {
			const char *log = logs[i++];

			if (log && log[0] && !failed) {
				failed = prog;
				failed_log = log;
			}
		}
		/*
		 * EPERM/EACCES: the kernel refused the program before judging
		 * its code (lockdown, an LSM, a missing capability) if it also
		 * refuses a minimal program of the same kind.  The verifier
		 * writes a log even then ("processed 0 insns"), or none at
		 * all: the probe decides, not the log.
		 */
		if (err == -EPERM || err == -EACCES) {
			bpf_object__for_each_program(prog, obj) {
				if (!bpf_program__autoload(prog) || (failed && prog != failed))
					continue;
				if (prog_refused(prog)) {
					diag_prog(&d, BPFTCP_LOAD_REFUSED, prog);
					break;
				}
			}
		}
		if (d.result == BPFTCP_LOAD_FAILED && failed) {
			size_t len = strlen(failed_log);

			diag_prog(&d, BPFTCP_LOAD_REJECTED, failed);
			snprintf(d.log, sizeof(d.log), "%s",
				 len >= sizeof(d.log) ? failed_log + len - (sizeof(d.log) - 1) : failed_log);
		}
	}
	/* libbpf reads a program's log buffer only while loading it: after
	 * bpf_object__load() (which cannot be repeated) the buffers can go. */
	for (i = 0; i < n; i++)
		free(logs[i]);
	free(logs);
	libbpftcp__remember_load(&d);
	if (out) {
		size_t sz = out->sz < sizeof(d) ? out->sz : sizeof(d);

		memcpy(out, &d, sz);
		out->sz = sz;
	}
	return err;
}
