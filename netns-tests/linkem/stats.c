// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Statistics output: totals and the queue-length time series of each
 * direction, as JSON (everything) or CSV (the time series; its last row per
 * direction is taken at exit, so it carries the final counters).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "linkem.h"

static void json_params(FILE *f, const struct link_params *p)
{
	fprintf(f, "\"params\": {\"delay_us\": %.3f, \"rate_bps\": %llu, \"queue_packets\": %u, "
		   "\"queue_bytes\": %llu, \"loss\": %.9g, \"ecn_k\": ",
		p->delay_ns / 1e3, (unsigned long long)p->rate_bps, p->queue_packets,
		(unsigned long long)p->queue_bytes, p->loss);
	if (p->ecn)
		fprintf(f, "%u}", p->ecn_k);
	else
		fprintf(f, "null}");
}

static void json_totals(FILE *f, const struct link_dir *d)
{
	const struct link_counters *c = &d->c;

	fprintf(f, "\"totals\": {\"pkts_in\": %llu, \"bytes_in\": %llu, \"pkts_out\": %llu, "
		   "\"bytes_out\": %llu, \"lost\": %llu, \"dropped\": %llu, \"overflow\": %llu, "
		   "\"marked\": %llu, \"not_ect\": %llu, \"write_errors\": %llu, "
		   "\"bad_packets\": %llu, \"in_flight\": %u, \"queue_max\": %u, "
		   "\"queue_bytes_max\": %llu, \"mark_queue_min\": ",
		(unsigned long long)c->pkts_in, (unsigned long long)c->bytes_in,
		(unsigned long long)c->pkts_out, (unsigned long long)c->bytes_out,
		(unsigned long long)c->lost, (unsigned long long)c->dropped,
		(unsigned long long)c->overflow, (unsigned long long)c->marked,
		(unsigned long long)c->not_ect, (unsigned long long)c->write_errors,
		(unsigned long long)c->bad_packets, d->tail - d->head, c->queue_max,
		(unsigned long long)c->queue_bytes_max);
	if (c->marked)
		fprintf(f, "%u}", c->mark_queue_min);
	else
		fprintf(f, "null}");
}

static void write_json(FILE *f, struct link_dir *dirs, int ndirs, uint64_t seed, double elapsed_s)
{
	fprintf(f, "{\"seed\": %llu, \"elapsed_s\": %.6f, \"directions\": {",
		(unsigned long long)seed, elapsed_s);
	for (int i = 0; i < ndirs; i++) {
		struct link_dir *d = &dirs[i];

		fprintf(f, "%s\n  \"%s\": {", i ? "," : "", d->name);
		json_params(f, &d->p);
		fprintf(f, ",\n    ");
		json_totals(f, d);
		fprintf(f, ",\n    \"samples\": [");
		for (size_t j = 0; j < d->nsamples; j++) {
			const struct link_sample *s = &d->samples[j];

			fprintf(f, "%s\n      {\"t_s\": %.6f, \"queue_pkts\": %u, \"queue_pkts_max\": %u, "
				   "\"queue_bytes\": %llu, \"pkts_in\": %llu, \"pkts_out\": %llu, "
				   "\"dropped\": %llu, \"lost\": %llu, \"marked\": %llu}",
				j ? "," : "", s->t_ns / 1e9, s->queue_pkts, s->queue_pkts_max,
				(unsigned long long)s->queue_bytes, (unsigned long long)s->pkts_in,
				(unsigned long long)s->pkts_out, (unsigned long long)s->dropped,
				(unsigned long long)s->lost, (unsigned long long)s->marked);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n}}\n");
}

static void write_csv(FILE *f, struct link_dir *dirs, int ndirs)
{
	fprintf(f, "dir,t_s,queue_pkts,queue_pkts_max,queue_bytes,pkts_in,pkts_out,dropped,lost,marked\n");
	for (int i = 0; i < ndirs; i++) {
		for (size_t j = 0; j < dirs[i].nsamples; j++) {
			const struct link_sample *s = &dirs[i].samples[j];

			fprintf(f, "%s,%.6f,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu\n", dirs[i].name,
				s->t_ns / 1e9, s->queue_pkts, s->queue_pkts_max,
				(unsigned long long)s->queue_bytes, (unsigned long long)s->pkts_in,
				(unsigned long long)s->pkts_out, (unsigned long long)s->dropped,
				(unsigned long long)s->lost, (unsigned long long)s->marked);
		}
	}
}

int stats_write(const char *path, enum stats_format fmt, struct link_dir *dirs, int ndirs,
		uint64_t seed, double elapsed_s)
{
	bool to_stdout = !strcmp(path, "-");
	FILE *f = to_stdout ? stdout : fopen(path, "w");
	int err = 0;

	if (!f) {
		err = errno;
		fprintf(stderr, "linkem: error: cannot write statistics to %s: %s\n", path, strerror(err));
		return -err;
	}
	if (fmt == STATS_CSV)
		write_csv(f, dirs, ndirs);
	else
		write_json(f, dirs, ndirs, seed, elapsed_s);
	if (ferror(f) || (to_stdout ? fflush(f) : fclose(f))) {
		err = errno ? errno : EIO;
		fprintf(stderr, "linkem: error: writing statistics to %s: %s\n", path, strerror(err));
		return -err;
	}
	return 0;
}

void stats_summary(FILE *f, struct link_dir *dirs, int ndirs, double elapsed_s)
{
	fprintf(f, "linkem: ran %.3f s\n", elapsed_s);
	fprintf(f, "  %-5s %12s %12s %8s %8s %8s %8s %9s %10s\n", "dir", "pkts_in", "pkts_out",
		"lost", "dropped", "overflow", "marked", "queue_max", "mbit/s_out");
	for (int i = 0; i < ndirs; i++) {
		const struct link_counters *c = &dirs[i].c;

		fprintf(f, "  %-5s %12llu %12llu %8llu %8llu %8llu %8llu %9u %10.1f\n", dirs[i].name,
			(unsigned long long)c->pkts_in, (unsigned long long)c->pkts_out,
			(unsigned long long)c->lost, (unsigned long long)c->dropped,
			(unsigned long long)c->overflow, (unsigned long long)c->marked, c->queue_max,
			elapsed_s > 0 ? c->bytes_out * 8 / elapsed_s / 1e6 : 0.0);
	}
}
