// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for 'bpftcp opt' argument parsing (loader/opt.c), the
 * prefix parser of libbpftcp (bpftcp_cidr_parse()), and the delack policy
 * arithmetic the BPF program uses (include/bpftcp/
 * delack_opt.h): what is advertised and what RTO minimum results.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <cmocka.h>
#include "common.h"
#include "opt.h"
#include "bpftcp/delack_opt.h"

static struct opt_attach_args args;

/* Runs opt_parse_attach_args on a NULL-terminated word list. */
static int parse(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *w = first; w && argc < 32; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	return opt_parse_attach_args(argc, argv, &args);
}

static void ms_accepts_integers_suffix_and_one_decimal(void **state)
{
	__u32 us;

	assert_int_equal(opt_parse_ms("20", 200, &us), 0);
	assert_int_equal(us, 20000);
	assert_int_equal(opt_parse_ms("20ms", 200, &us), 0);
	assert_int_equal(us, 20000);
	assert_int_equal(opt_parse_ms("2.5", 200, &us), 0);
	assert_int_equal(us, 2500);
	assert_int_equal(opt_parse_ms("0.1", 200, &us), 0);
	assert_int_equal(us, 100);
	assert_int_equal(opt_parse_ms("200", 200, &us), 0);
	assert_int_equal(us, 200000);
}

static void ms_rejects_garbage_and_out_of_range(void **state)
{
	const char *bad[] = { "", "ms", "-1", "+5", " 5", "5 ", "1e3", "20s", "2.", ".5", "0x10", "5.5.5" };
	__u32 us = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(opt_parse_ms(bad[i], 200, &us), -EINVAL);
	assert_int_equal(opt_parse_ms(NULL, 200, &us), -EINVAL);
	assert_int_equal(opt_parse_ms("0", 200, &us), -ERANGE);
	assert_int_equal(opt_parse_ms("0.0", 200, &us), -ERANGE);
	assert_int_equal(opt_parse_ms("200.1", 200, &us), -ERANGE);
	assert_int_equal(opt_parse_ms("201", 200, &us), -ERANGE);
	assert_int_equal(opt_parse_ms("2.55", 200, &us), -ERANGE);	/* finer than 100 us */
	assert_int_equal(opt_parse_ms("99999999999999999999", 200, &us), -ERANGE);
	assert_int_equal(us, 7);
}

static void cidr_ipv4(void **state)
{
	struct bpftcp_cidr c;
	const __u8 want[16] = { 198, 18, 0, 0 };
	char buf[64];

	assert_int_equal(bpftcp_cidr_parse("198.18.0.0/15", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 15);
	assert_memory_equal(c.addr, want, 16);
	assert_int_equal(bpftcp_cidr_format(&c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "198.18.0.0/15");
	/* A bare address is a host route. */
	assert_int_equal(bpftcp_cidr_parse("198.18.0.1", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(bpftcp_cidr_format(&c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "198.18.0.1/32");
	assert_int_equal(bpftcp_cidr_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(bpftcp_cidr_format(&c, buf, 8), -ENAMETOOLONG);
	c.family = 0;
	assert_int_equal(bpftcp_cidr_format(&c, buf, sizeof(buf)), -EINVAL);
}

static void cidr_ipv6(void **state)
{
	struct bpftcp_cidr c;
	char buf[64];

	assert_int_equal(bpftcp_cidr_parse("2001:2::/48", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix, 48);
	assert_int_equal(c.addr[0], 0x20);
	assert_int_equal(c.addr[1], 0x01);
	assert_int_equal(c.addr[3], 0x02);
	assert_int_equal(bpftcp_cidr_format(&c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:2::/48");
	assert_int_equal(bpftcp_cidr_parse("::1", &c), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(bpftcp_cidr_parse("::/0", &c), 0);
	assert_int_equal(c.prefix, 0);
}

static void cidr_rejects_bad_forms(void **state)
{
	struct bpftcp_cidr c;

	assert_int_equal(bpftcp_cidr_parse("", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse(NULL, &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("/24", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("198.18.0.0/", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("198.18.0.0/x", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("198.18.0.0/-1", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("198.18.0/24", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("198.18.0.256/32", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("host.example/32", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("2001:2::/1280", &c), -EINVAL);
	assert_int_equal(bpftcp_cidr_parse("198.18.0.0/33", &c), -ERANGE);
	assert_int_equal(bpftcp_cidr_parse("2001:2::/129", &c), -ERANGE);
	/* Host bits set: an error, with the parsed value left for a hint. */
	assert_int_equal(bpftcp_cidr_parse("198.18.0.1/15", &c), -ENOTUNIQ);
	assert_int_equal(c.prefix, 15);
	assert_int_equal(bpftcp_cidr_parse("2001:2::1/48", &c), -ENOTUNIQ);
}

static void attach_minimal_uses_defaults(void **state)
{
	assert_int_equal(parse("--cgroup", "/sys/fs/cgroup/x", "--max-delack", "20", NULL), 0);
	assert_string_equal(args.cgroup, "/sys/fs/cgroup/x");
	assert_int_equal(args.max_delack_us, 20000);
	assert_int_equal(args.rto_floor_us, OPT_DEFAULT_RTO_FLOOR_US);
	assert_int_equal(args.rto_ceiling_us, OPT_DEFAULT_RTO_CEILING_US);
	assert_int_equal(args.peers.n, 0);
}

static void attach_all_options_and_equals_form(void **state)
{
	assert_int_equal(parse("--cgroup=x", "--max-delack=5", "--rto-floor", "10", "--rto-ceiling=50ms",
			       "--peers", "198.18.0.0/15, 2001:2::/48,198.19.1.1", NULL), 0);
	assert_string_equal(args.cgroup, "x");
	assert_int_equal(args.max_delack_us, 5000);
	assert_int_equal(args.rto_floor_us, 10000);
	assert_int_equal(args.rto_ceiling_us, 50000);
	assert_int_equal(args.peers.n, 3);
	assert_int_equal(args.peers.v[1].prefix, 48);
	assert_int_equal(args.peers.v[2].family, AF_INET);
	assert_int_equal(args.peers.v[2].prefix, 32);
	assert_false(args.record);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--record", NULL), 0);
	assert_true(args.record);
	/* --no-record says the default; the last of the two wins. */
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--record", "--no-record", NULL), 0);
	assert_false(args.record);
}

static void attach_usage_errors(void **state)
{
	/* Each returns EXIT_USAGE (2), the exit code of a usage error. */
	assert_int_equal(parse("--max-delack", "20", NULL), EXIT_USAGE);		/* no cgroup */
	assert_int_equal(parse("--cgroup", "x", NULL), EXIT_USAGE);			/* no max-delack */
	assert_int_equal(parse("--cgroup", NULL), EXIT_USAGE);				/* no value */
	assert_int_equal(parse("--cgroup", "", "--max-delack", "20", NULL), EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "0", NULL), EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "201", NULL), EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "abc", NULL), EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--bogus", NULL), EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "stray", NULL), EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--peers", "10.0.0.0/33", NULL),
			 EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--peers", "nonsense", NULL),
			 EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--peers", ",", NULL), EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--peers", "198.18.0.0/15",
			       "--peers", "198.18.0.0/15", NULL), EXIT_USAGE);
	/* A prefix of a known option is not that option. */
	assert_int_equal(parse("--cgroupx", "x", "--max-delack", "20", NULL), EXIT_USAGE);
}

static void attach_floor_above_ceiling(void **state)
{
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--rto-floor", "50",
			       "--rto-ceiling", "20", NULL), EXIT_USAGE);
	/* Against the default ceiling (200 ms) a floor of 200 is fine... */
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--rto-floor", "200", NULL), 0);
	/* ...and a ceiling below the default floor (5 ms) is not. */
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--rto-ceiling", "4", NULL),
			 EXIT_USAGE);
	assert_int_equal(parse("--cgroup", "x", "--max-delack", "20", "--rto-floor", "30",
			       "--rto-ceiling", "30", NULL), 0);
}

/* --- policy arithmetic ---------------------------------------------------- */

static void local_promise_is_whole_ticks(void **state)
{
	struct hdropt_delack_local l;

	/* HZ=250: 4 ms ticks.  A 20 ms promise: a 3-tick timer, whose ACK
	 * the kernel sends within 3 + 2 ticks. */
	hdropt_delack_local(20000, 250, &l);
	assert_int_equal(l.advertise_us, 20000);
	assert_int_equal(l.setsockopt_us, 12000);
	/* 10 ms holds 2 whole ticks: the kernel's minimum timer is 2 ticks,
	 * so the promise rises to 4 ticks, never below what the kernel does. */
	hdropt_delack_local(10000, 250, &l);
	assert_int_equal(l.advertise_us, 16000);
	assert_int_equal(l.setsockopt_us, 8000);
	hdropt_delack_local(1000, 250, &l);
	assert_int_equal(l.advertise_us, 16000);
	/* Not a whole tick: rounded down to one (22 ms -> 5 ticks -> 20 ms). */
	hdropt_delack_local(22000, 250, &l);
	assert_int_equal(l.advertise_us, 20000);
	/* The kernel's ceiling: a 200 ms promise is a 48-tick timer. */
	hdropt_delack_local(200000, 250, &l);
	assert_int_equal(l.advertise_us, 200000);
	assert_int_equal(l.setsockopt_us, 192000);
	/* HZ=1000: 1 ms ticks. */
	hdropt_delack_local(1000, 1000, &l);
	assert_int_equal(l.advertise_us, 4000);
	assert_int_equal(l.setsockopt_us, 2000);
	/* HZ=300: 3.33 ms ticks; 20 ms is 6 ticks, so a 4-tick timer. */
	hdropt_delack_local(20000, 300, &l);
	assert_int_equal(l.setsockopt_us, 13333);
	assert_int_equal(hdropt_ticks(l.setsockopt_us, 300), 4);
	assert_int_equal(l.advertise_us, 20000);
	/* HZ=100: 20 ms is 2 ticks; the minimum timer is 2: promise 40 ms. */
	hdropt_delack_local(20000, 100, &l);
	assert_int_equal(l.advertise_us, 40000);
}

static void local_promise_covers_the_timer_at_every_hz(void **state)
{
	const __u32 hzs[] = { 100, 250, 300, 1000 };
	const __u32 slack = HDROPT_DELACK_SLACK_TICKS;

	for (size_t i = 0; i < sizeof(hzs) / sizeof(hzs[0]); i++) {
		for (__u32 ms = 1; ms <= 200; ms++) {
			struct hdropt_delack_local l;
			__u32 t;

			hdropt_delack_local(ms * 1000, hzs[i], &l);
			t = hdropt_ticks(l.setsockopt_us, hzs[i]);
			/* The kernel stores usecs_to_jiffies(setsockopt_us) and
			 * accepts 2 .. HZ/5 ticks; the ACK leaves within t + slack
			 * ticks, which the promise must cover... */
			assert_true(t >= HDROPT_KERNEL_MIN_TICKS && t <= hzs[i] / 5);
			assert_true((__u64)(t + slack) * 1000000 <= (__u64)l.advertise_us * hzs[i]);
			/* ...by less than a wire unit more than needed... */
			assert_true((__u64)(t + slack) * 1000000 + (__u64)HDROPT_DELACK_UNIT_US * hzs[i] >
				    (__u64)l.advertise_us * hzs[i]);
			/* ...and never exceed what the admin asked for, unless
			 * the kernel's minimum timer forces it. */
			assert_true(l.advertise_us <= ms * 1000 || t == HDROPT_KERNEL_MIN_TICKS);
			assert_int_equal(hdropt_delack_check_us(l.advertise_us), 0);
		}
	}
}

static void rto_min_is_peer_plus_margin_within_clamps(void **state)
{
	int clamped;

	/* 20 ms + 2 ticks of 4 ms. */
	assert_int_equal(hdropt_rto_min_us(20000, 5000, 200000, 250, &clamped), 28000);
	assert_false(clamped);
	/* A hostile peer claiming 0.1 ms meets the floor. */
	assert_int_equal(hdropt_rto_min_us(100, 10000, 200000, 250, &clamped), 10000);
	assert_true(clamped);
	/* Claiming 1 s meets the ceiling. */
	assert_int_equal(hdropt_rto_min_us(1000000, 5000, 100000, 250, &clamped), 100000);
	assert_true(clamped);
	/* No floor: the margin alone keeps it at or above the kernel's minimum. */
	assert_int_equal(hdropt_rto_min_us(100, 0, 200000, 250, &clamped), 8100);
	assert_false(clamped);
	/* The kernel's own limits apply whatever the admin said. */
	assert_int_equal(hdropt_rto_min_us(500000, 0, 900000, 250, &clamped), 200000);
	assert_true(clamped);
}

/* Runs opt_parse_ccneg_args on a NULL-terminated word list. */
static struct opt_ccneg_args cn;
static int parse_ccneg(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *w = first; w; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	return opt_parse_ccneg_args(argc, argv, &cn);
}

static void ccneg_attach_parses_prefer_fallback_peers(void **state)
{
	assert_int_equal(parse_ccneg("--cgroup", "web", "--prefer", "dctcp,cubic", "--fallback", "cubic",
				     "--peers", "198.18.0.0/15", "--record", NULL), 0);
	assert_string_equal(cn.cgroup, "web");
	assert_int_equal(cn.prefer_cnt, 2);
	assert_string_equal(cn.prefer[0], "dctcp");
	assert_string_equal(cn.prefer[1], "cubic");
	assert_string_equal(cn.fallback, "cubic");
	assert_int_equal(cn.peers.n, 1);
	assert_true(cn.record);
	assert_int_equal(parse_ccneg("--cgroup=web", "--prefer=bpf_dctcp", "--fallback=reno", NULL), 0);
	assert_int_equal(cn.prefer_cnt, 1);
	assert_string_equal(cn.prefer[0], "bpf_dctcp");
	assert_false(cn.record);
}

static void ccneg_attach_usage_errors(void **state)
{
	assert_int_equal(parse_ccneg("--prefer", "cubic", "--fallback", "reno", NULL), EXIT_USAGE);
	assert_int_equal(parse_ccneg("--cgroup", "web", "--fallback", "reno", NULL), EXIT_USAGE);
	assert_int_equal(parse_ccneg("--cgroup", "web", "--prefer", "cubic", NULL), EXIT_USAGE);
	assert_int_equal(parse_ccneg("--cgroup", "web", "--prefer", ",", "--fallback", "reno", NULL),
			 EXIT_USAGE);
	assert_int_equal(parse_ccneg("--cgroup", "web", "--prefer", "cubic,cubic", "--fallback", "reno",
				     NULL), EXIT_USAGE);
	assert_int_equal(parse_ccneg("--cgroup", "web", "--prefer", "a,b,c,d,e,f,g,h,i", "--fallback",
				     "reno", NULL), EXIT_USAGE);
	assert_int_equal(parse_ccneg("--cgroup", "web", "--prefer", "cubic", "--prefer", "reno",
				     "--fallback", "reno", NULL), EXIT_USAGE);
	assert_int_equal(parse_ccneg("--cgroup", "web", "--prefer", "cubic", "--fallback", "reno",
				     "--max-delack", "20", NULL), EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ms_accepts_integers_suffix_and_one_decimal),
		cmocka_unit_test(ms_rejects_garbage_and_out_of_range),
		cmocka_unit_test(cidr_ipv4),
		cmocka_unit_test(cidr_ipv6),
		cmocka_unit_test(cidr_rejects_bad_forms),
		cmocka_unit_test(attach_minimal_uses_defaults),
		cmocka_unit_test(attach_all_options_and_equals_form),
		cmocka_unit_test(attach_usage_errors),
		cmocka_unit_test(attach_floor_above_ceiling),
		cmocka_unit_test(local_promise_is_whole_ticks),
		cmocka_unit_test(local_promise_covers_the_timer_at_every_hz),
		cmocka_unit_test(rto_min_is_peer_plus_margin_within_clamps),
		cmocka_unit_test(ccneg_attach_parses_prefer_fallback_peers),
		cmocka_unit_test(ccneg_attach_usage_errors),
	};

	return cmocka_run_group_tests_name("opt_cli", tests, NULL, NULL);
}
