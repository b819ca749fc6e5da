// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * linkem command line: parse the link description, attach the two TUN
 * devices, run one thread per direction, and on SIGINT/SIGTERM (or after
 * --duration) stop them and write the statistics.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "linkem.h"

extern atomic_int linkem_stop;

#define DIR_UP   1u
#define DIR_DOWN 2u

struct config {
	struct link_params link[2];	/* [0] up = A->B, [1] down = B->A */
	const char *tun[2];
	uint64_t seed;
	const char *stats_path;
	int stats_format;		/* -1: from the file name */
	uint64_t stats_interval_ns;
	uint64_t duration_ns;
	uint64_t mtu, txqueuelen, max_packets;
	int rt_priority;		/* SCHED_FIFO priority of the link threads; 0 = normal */
	bool quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: linkem [OPTIONS] TUN_A TUN_B\n"
"Emulates a link between two TUN devices (created if missing, and brought up).\n"
"Packets the kernel routes into TUN_A cross the 'up' link and come out of\n"
"TUN_B; packets routed into TUN_B cross the 'down' link and come out of TUN_A.\n"
"Each direction is a droptail FIFO queue, a transmitter at RATE, then DELAY.\n"
"\n"
"Link options set both directions; prefix with up- or down- for one only\n"
"(e.g. --up-rate 10mbit --down-rate 1mbit).\n"
"  --delay TIME         one-way delay: 20ms, 150us, 1.5s, 500ns (bare: us) [0]\n"
"  --rate RATE          bit/s: 50mbit, 1.2gbit, 800kbit, 1000000 [no limit]\n"
"  --queue N            droptail limit in packets waiting [no limit]\n"
"  --queue-bytes SIZE   droptail limit in bytes waiting: 150000, 150k, 64KiB\n"
"  --loss P             random loss probability on arrival: 1%%, 0.01 [0]\n"
"  --ecn-k K            mark ECT packets CE while >= K packets wait [off]\n"
"Other options:\n"
"  --seed N             loss random seed; same seed, same losses [1]\n"
"  --stats FILE         write statistics at exit ('-' for stdout)\n"
"  --stats-format F     json or csv [from FILE's suffix, else json]\n"
"  --stats-interval T   queue-length sampling period [10ms; 0 = none]\n"
"  --duration TIME      stop after TIME [run until SIGINT/SIGTERM]\n"
"  --mtu N              MTU set on both TUN devices [1500]\n"
"  --txqueuelen N       TUN transmit ring length [4096]\n"
"  --max-packets N      packets held per direction, queue + in flight [262144]\n"
"  --rt-priority N      run the link threads SCHED_FIFO at priority N (1-99), so\n"
"                       that delays hold on a busy machine [0: normal]\n"
"  -q, --quiet          no summary on stderr at exit\n"
"  -h, --help           this text\n"
"Rates and queue limits need --rate: without one, nothing ever waits.\n"
"Exit status: 0 ok, 1 runtime error, 2 bad arguments.\n");
}

__attribute__((format(printf, 1, 2)))
static int usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "linkem: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'linkem --help'.\n");
	return LINKEM_USAGE_EXIT;
}

enum opt_id {
	OPT_DELAY, OPT_RATE, OPT_QUEUE, OPT_QUEUE_BYTES, OPT_LOSS, OPT_ECN_K,
	OPT_SEED, OPT_STATS, OPT_STATS_FORMAT, OPT_STATS_INTERVAL, OPT_DURATION,
	OPT_MTU, OPT_TXQUEUELEN, OPT_MAX_PACKETS, OPT_RT_PRIORITY,
};

static const struct {
	const char *name;
	enum opt_id id;
	bool per_dir;
} options[] = {
	{ "delay", OPT_DELAY, true },
	{ "rate", OPT_RATE, true },
	{ "queue", OPT_QUEUE, true },
	{ "queue-bytes", OPT_QUEUE_BYTES, true },
	{ "loss", OPT_LOSS, true },
	{ "ecn-k", OPT_ECN_K, true },
	{ "seed", OPT_SEED, false },
	{ "stats", OPT_STATS, false },
	{ "stats-format", OPT_STATS_FORMAT, false },
	{ "stats-interval", OPT_STATS_INTERVAL, false },
	{ "duration", OPT_DURATION, false },
	{ "mtu", OPT_MTU, false },
	{ "txqueuelen", OPT_TXQUEUELEN, false },
	{ "max-packets", OPT_MAX_PACKETS, false },
	{ "rt-priority", OPT_RT_PRIORITY, false },
};

/* Applies one option value; returns 0 or the usage exit code. */
static int apply_option(struct config *cfg, enum opt_id id, unsigned int dirs, const char *opt,
			const char *val)
{
	const char *why = NULL;
	uint64_t u = 0;
	double d = 0;
	int rc = 0;

	switch (id) {
	case OPT_DELAY:
	case OPT_STATS_INTERVAL:
	case OPT_DURATION:
		rc = parse_time_ns(val, &u, &why);
		break;
	case OPT_RATE:
		rc = parse_rate_bps(val, &u, &why);
		break;
	case OPT_QUEUE:
		rc = parse_count(val, 1u << 30, &u, &why);
		if (!rc && !u) {
			why = "must be at least 1 (omit the option for no limit)";
			rc = -1;
		}
		break;
	case OPT_QUEUE_BYTES:
		rc = parse_size_bytes(val, &u, &why);
		break;
	case OPT_LOSS:
		rc = parse_probability(val, &d, &why);
		break;
	case OPT_ECN_K:
		rc = parse_count(val, 1u << 30, &u, &why);
		break;
	case OPT_SEED:
		rc = parse_count(val, UINT64_MAX, &u, &why);
		break;
	case OPT_MTU:
		rc = parse_count(val, 65535, &u, &why);
		if (!rc && u < 1280) {
			why = "must be between 1280 (IPv6 minimum) and 65535";
			rc = -1;
		}
		break;
	case OPT_RT_PRIORITY:
		rc = parse_count(val, 99, &u, &why);
		break;
	case OPT_TXQUEUELEN:
	case OPT_MAX_PACKETS:
		rc = parse_count(val, 1u << 30, &u, &why);
		if (!rc && !u) {
			why = "must be at least 1";
			rc = -1;
		}
		break;
	case OPT_STATS:
		cfg->stats_path = val;
		return 0;
	case OPT_STATS_FORMAT:
		if (!strcmp(val, "json"))
			cfg->stats_format = STATS_JSON;
		else if (!strcmp(val, "csv"))
			cfg->stats_format = STATS_CSV;
		else
			return usage_err("invalid value '%s' for --stats-format: json or csv", val);
		return 0;
	}
	if (rc)
		return usage_err("invalid value '%s' for --%s: %s", val, opt, why);

	for (int i = 0; i < 2; i++) {
		struct link_params *p = &cfg->link[i];

		if (!(dirs & (1u << i)))
			continue;
		switch (id) {
		case OPT_DELAY: p->delay_ns = u; break;
		case OPT_RATE: p->rate_bps = u; break;
		case OPT_QUEUE: p->queue_packets = (uint32_t)u; break;
		case OPT_QUEUE_BYTES: p->queue_bytes = u; break;
		case OPT_LOSS: p->loss = d; break;
		case OPT_ECN_K: p->ecn = true; p->ecn_k = (uint32_t)u; break;
		default: break;
		}
	}
	switch (id) {
	case OPT_SEED: cfg->seed = u; break;
	case OPT_STATS_INTERVAL: cfg->stats_interval_ns = u; break;
	case OPT_DURATION: cfg->duration_ns = u; break;
	case OPT_MTU: cfg->mtu = u; break;
	case OPT_TXQUEUELEN: cfg->txqueuelen = u; break;
	case OPT_MAX_PACKETS: cfg->max_packets = u; break;
	case OPT_RT_PRIORITY: cfg->rt_priority = (int)u; break;
	default: break;
	}
	return 0;
}

/* Returns -1 to continue, or an exit code (0 after --help). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	int npos = 0;
	bool opts_done = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val, *eq, *name;
		char opt[64];
		unsigned int dirs = DIR_UP | DIR_DOWN;
		size_t len;
		int rc, found = -1;

		if (opts_done || a[0] != '-' || !strcmp(a, "-")) {
			if (npos == 2)
				return usage_err("unexpected argument '%s' (only TUN_A and TUN_B are positional)", a);
			cfg->tun[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			cfg->quiet = true;
			continue;
		}
		if (strncmp(a, "--", 2))
			return usage_err("unknown option '%s'", a);
		name = a + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (len >= sizeof(opt))
			return usage_err("unknown option '%s'", a);
		memcpy(opt, name, len);
		opt[len] = '\0';
		name = opt;
		if (!strncmp(name, "up-", 3)) {
			dirs = DIR_UP;
			name += 3;
		} else if (!strncmp(name, "down-", 5)) {
			dirs = DIR_DOWN;
			name += 5;
		}
		for (size_t j = 0; j < sizeof(options) / sizeof(options[0]); j++)
			if (!strcmp(name, options[j].name))
				found = (int)j;
		if (found < 0 || (dirs != (DIR_UP | DIR_DOWN) && !options[found].per_dir))
			return usage_err("unknown option '%s'%s", a,
					 found >= 0 ? " (applies to both directions; no up-/down- prefix)" : "");
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return usage_err("option '%s' needs a value", a);
			val = argv[++i];
		}
		rc = apply_option(cfg, options[found].id, dirs, opt, val);
		if (rc)
			return rc;
	}
	if (npos != 2)
		return usage_err("expected two TUN device names (TUN_A TUN_B), got %s",
				 npos ? "one" : "none");
	if (!strcmp(cfg->tun[0], cfg->tun[1]))
		return usage_err("TUN_A and TUN_B are the same device '%s'", cfg->tun[0]);
	for (int i = 0; i < 2; i++) {
		const struct link_params *p = &cfg->link[i];
		const char *dn = i ? "down" : "up";

		if (!p->rate_bps && (p->queue_packets || p->queue_bytes))
			return usage_err("the %s direction has a queue limit but no --rate "
					 "(without a rate nothing ever waits)", dn);
		if (!p->rate_bps && p->ecn && p->ecn_k)
			return usage_err("the %s direction has --ecn-k but no --rate "
					 "(without a rate the queue is always empty)", dn);
	}
	return -1;
}

static void *run_dir(void *arg)
{
	struct link_dir *d = arg;

	link_dir_run(d);
	if (d->error)	/* wake main: a thread that died stops the emulator */
		kill(getpid(), SIGUSR2);
	return NULL;
}

int main(int argc, char **argv)
{
	struct config cfg = {
		.seed = 1, .stats_format = -1, .stats_interval_ns = 10000000,
		.mtu = 1500, .txqueuelen = 4096, .max_packets = 262144,
	};
	struct link_dir dirs[2];
	pthread_t threads[2];
	sigset_t sigs;
	int fds[2] = { -1, -1 }, stop_fd, rc, status = 0, nstarted = 0;
	uint64_t start, elapsed_ns;
	struct timespec ts, *tsp = NULL;

	rc = parse_args(argc, argv, &cfg);
	if (rc >= 0)
		return rc;
	if (cfg.stats_format < 0) {
		size_t n = cfg.stats_path ? strlen(cfg.stats_path) : 0;

		cfg.stats_format = n > 4 && !strcmp(cfg.stats_path + n - 4, ".csv") ? STATS_CSV
									    : STATS_JSON;
	}
	for (int i = 0; i < 2; i++) {
		struct link_params *p = &cfg.link[i];

		p->loss_threshold = p->loss >= 1.0 ? UINT64_MAX : (uint64_t)ldexp(p->loss, 64);
	}

	/* Signals are taken synchronously by the main thread only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	for (int i = 0; i < 2; i++) {
		fds[i] = tun_attach(cfg.tun[i], (uint32_t)cfg.mtu, (uint32_t)cfg.txqueuelen);
		if (fds[i] < 0)
			return 1;
	}
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (stop_fd < 0) {
		perror("linkem: error: eventfd");
		return 1;
	}

	start = linkem_now_ns();
	memset(dirs, 0, sizeof(dirs));
	for (int i = 0; i < 2; i++) {
		struct link_dir *d = &dirs[i];

		d->name = i ? "down" : "up";
		d->in_fd = fds[i];
		d->out_fd = fds[!i];
		d->stop_fd = stop_fd;
		d->p = cfg.link[i];
		/* Independent streams per direction, both fixed by the one seed. */
		d->rng = cfg.seed + (i ? 0x5851f42d4c957f2dull : 0);
		d->start_ns = start;
		d->sample_interval_ns = cfg.stats_interval_ns;
		if (link_dir_init(d, (uint32_t)cfg.mtu, (uint32_t)cfg.max_packets)) {
			fprintf(stderr, "linkem: error: out of memory\n");
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		rc = pthread_create(&threads[i], NULL, run_dir, &dirs[i]);
		if (rc) {
			fprintf(stderr, "linkem: error: cannot start a thread: %s\n", strerror(rc));
			status = 1;
			break;
		}
		nstarted++;
		if (cfg.rt_priority) {
			struct sched_param sp = { .sched_priority = cfg.rt_priority };

			/*
			 * A delayed wakeup is a longer delay: on a shared machine a
			 * CPU hog can hold an ordinary thread off for milliseconds.
			 * The threads sleep between packets, so FIFO is safe (and
			 * the kernel's RT throttling caps a saturated one anyway).
			 */
			rc = pthread_setschedparam(threads[i], SCHED_FIFO, &sp);
			if (rc) {
				fprintf(stderr, "linkem: error: cannot set SCHED_FIFO priority %d: %s\n",
					cfg.rt_priority, strerror(rc));
				status = 1;
				break;
			}
		}
	}

	if (cfg.duration_ns) {
		ts.tv_sec = cfg.duration_ns / 1000000000ull;
		ts.tv_nsec = cfg.duration_ns % 1000000000ull;
		tsp = &ts;
	}
	while (!status) {
		int sig = tsp ? sigtimedwait(&sigs, NULL, tsp) : sigwaitinfo(&sigs, NULL);

		if (sig < 0 && errno == EINTR)
			continue;	/* (a stopped-and-continued process) */
		break;
	}

	atomic_store(&linkem_stop, 1);
	if (eventfd_write(stop_fd, 1) < 0)
		perror("linkem: eventfd_write");
	for (int i = 0; i < nstarted; i++)
		pthread_join(threads[i], NULL);
	elapsed_ns = linkem_now_ns() - start;
	for (int i = 0; i < 2; i++) {
		if (dirs[i].error) {
			fprintf(stderr, "linkem: error: %s direction stopped: %s\n", dirs[i].name,
				strerror(dirs[i].error));
			status = 1;
		}
	}
	if (cfg.stats_path && stats_write(cfg.stats_path, cfg.stats_format, dirs, 2, cfg.seed,
					  elapsed_ns / 1e9))
		status = 1;
	if (!cfg.quiet)
		stats_summary(stderr, dirs, 2, elapsed_ns / 1e9);
	for (int i = 0; i < 2; i++) {
		link_dir_free(&dirs[i]);
		close(fds[i]);
	}
	close(stop_fd);
	return status;
}
