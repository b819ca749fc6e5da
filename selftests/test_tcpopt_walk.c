// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for the option-block walk (include/bpftcp/tcp_opt.h,
 * hdropt_delack_find() in delack_opt.h) and for the checks of the
 * option-block fuzzer (selftests/fuzz/tcpopt_block.h):
 *   - crafted blocks give the verdicts the kernel's bpf_load_hdr_opt()
 *     search gives (golden table), and pass tcpopt_check();
 *   - the real walker never reads past a block placed against an
 *     unmapped page, for the crafted blocks and 200000 generated ones;
 *   - walkers with planted bugs are caught: by tcpopt_check() on a crafted
 *     block, by tcpopt_check() on blocks from the fuzzer's own generator fed
 *     with pseudo-random input (so the fuzzer's check can fail), and, for
 *     one that reads a byte too far, by the guard page.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include "fuzz/tcpopt_block.h"

#define EXID_HI	(HDROPT_DELACK_EXID >> 8)
#define EXID_LO	(HDROPT_DELACK_EXID & 0xff)
#define OURS	253, 7, EXID_HI, EXID_LO	/* + flags and two value bytes */

struct crafted {
	const char *name;
	uint8_t b[BPFTCP_TCPOPT_SPACE];
	size_t len;
	int find;	/* bpftcp_tcpopt_find(253, our ExID) */
	int delack;	/* hdropt_delack_find() */
};

static const struct crafted crafted[] = {
	{ "empty", {}, 0, BPFTCP_TCPOPT_ABSENT, HDROPT_DELACK_ABSENT },
	{ "ours alone", { OURS, 0, 0, 200 }, 7, 0, HDROPT_DELACK_FOUND },
	{ "linux SYN then ours",
	  { 2, 4, 5, 180, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7, OURS, 1, 0x27, 0x10 },
	  27, 20, HDROPT_DELACK_FOUND },
	{ "NOPs then ours", { 1, 1, 1, OURS, 0, 0, 1 }, 10, 3, HDROPT_DELACK_FOUND },
	{ "ours after EOL", { 0, OURS, 0, 0, 200 }, 8, BPFTCP_TCPOPT_ABSENT, HDROPT_DELACK_ABSENT },
	{ "ours cut by the block", { 1, OURS, 0, 0 }, 7, BPFTCP_TCPOPT_BAD, HDROPT_DELACK_BADBLOCK },
	{ "kind byte is the last byte", { 1, 1, 1, 253 }, 4, BPFTCP_TCPOPT_BAD, HDROPT_DELACK_BADBLOCK },
	{ "length 1 before ours", { 30, 1, OURS, 0, 0, 200 }, 9, BPFTCP_TCPOPT_BAD, HDROPT_DELACK_BADBLOCK },
	{ "length 0 before ours", { 30, 0, OURS, 0, 0, 200 }, 9, BPFTCP_TCPOPT_BAD, HDROPT_DELACK_BADBLOCK },
	{ "ours, then a bad option", { OURS, 0, 0, 200, 30, 1 }, 9, 0, HDROPT_DELACK_FOUND },
	{ "another ExID, then ours", { 253, 4, 0xCC, 0x4E, OURS, 0, 0, 200 }, 11, 4, HDROPT_DELACK_FOUND },
	{ "kind 253 too short for an ExID ends the search", { 253, 3, 0, OURS, 0, 0, 200 }, 10,
	  BPFTCP_TCPOPT_ABSENT, HDROPT_DELACK_ABSENT },
	{ "our ExID under kind 254", { 254, 7, EXID_HI, EXID_LO, 0, 0, 200 }, 7,
	  BPFTCP_TCPOPT_ABSENT, HDROPT_DELACK_ABSENT },
	{ "ours, length 8", { 253, 8, EXID_HI, EXID_LO, 0, 0, 200, 1 }, 8, 0, HDROPT_DELACK_ELEN },
	{ "ours, length 4", { 253, 4, EXID_HI, EXID_LO }, 4, 0, HDROPT_DELACK_ELEN },
	{ "ours, reserved flag", { OURS, 0x80, 0, 200 }, 7, 0, HDROPT_DELACK_ERESERVED },
	{ "ours, zero", { OURS, 0, 0, 0 }, 7, 0, HDROPT_DELACK_EZERO },
	{ "ours, above 1 s", { OURS, 0, 0x27, 0x11 }, 7, 0, HDROPT_DELACK_ERANGE },
	{ "ours twice: the first counts", { OURS, 0, 0, 0, OURS, 0, 0, 200 }, 14, 0, HDROPT_DELACK_EZERO },
	{ "one option fills 40 bytes", { 99, 40 }, 40, BPFTCP_TCPOPT_ABSENT, HDROPT_DELACK_ABSENT },
	{ "41 bytes", {}, 41, BPFTCP_TCPOPT_TOOBIG, HDROPT_DELACK_BADBLOCK },
};

/* A block placed so that its last byte is followed by an unmapped page. */
struct guarded {
	uint8_t *map;
	size_t page;
};

static uint8_t *guard_place(struct guarded *g, const uint8_t *b, size_t n)
{
	uint8_t *end = g->map + g->page;

	memcpy(end - n, b, n);
	return end - n;
}

static void guard_init(struct guarded *g)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->map = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	assert_int_equal(mprotect(g->map + g->page, g->page, PROT_NONE), 0);
}

static void crafted_blocks_give_the_kernels_verdicts(void **state)
{
	struct guarded g;

	guard_init(&g);
	for (size_t i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++) {
		const struct crafted *c = &crafted[i];
		struct hdropt_delack_opt opt = {};
		const uint8_t *b;
		const char *why;

		if (c->len > BPFTCP_TCPOPT_SPACE) {	/* only the length matters */
			assert_int_equal(bpftcp_tcpopt_find(c->b, c->len, 253, HDROPT_DELACK_EXID), c->find);
			assert_int_equal(hdropt_delack_find(c->b, c->len, &opt), c->delack);
			continue;
		}
		b = guard_place(&g, c->b, c->len);
		print_message("%s\n", c->name);
		assert_int_equal(bpftcp_tcpopt_find(b, c->len, 253, HDROPT_DELACK_EXID), c->find);
		assert_int_equal(hdropt_delack_find(b, c->len, &opt), c->delack);
		why = tcpopt_check(b, c->len, bpftcp_tcpopt_find);
		if (why)
			fail_msg("%s: %s", c->name, why);
	}
	munmap(g.map, 2 * g.page);
}

/* xorshift64: the same pseudo-random inputs on every run. */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random structured input of 1..64 bytes, built into @k. */
static void random_block(uint64_t *seed, struct tcpopt_block *k)
{
	uint8_t in[64];
	size_t n = 1 + rnd_next(seed) % sizeof(in);
	struct tcpopt_src src = { in, n };

	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)rnd_next(seed);
	tcpopt_build(k, &src);
}

#define RANDOM_BLOCKS 200000

static void generated_blocks_pass_and_stay_inside(void **state)
{
	uint64_t seed = 0x5eed;
	struct tcpopt_block k;
	struct guarded g;

	guard_init(&g);
	for (int i = 0; i < RANDOM_BLOCKS; i++) {
		const char *why;

		random_block(&seed, &k);
		why = tcpopt_check(guard_place(&g, k.b, k.len), k.len, bpftcp_tcpopt_find);
		if (why)
			fail_msg("block %d: %s", i, why);
	}
	munmap(g.map, 2 * g.page);
}

/* ------------------------------------------------------------ planted bugs */

enum planted {
	BUG_OFF_BY_ONE_LENGTH,	/* an option one byte longer than the rest is taken */
	BUG_EOL_AS_NOP,		/* walks on past an EOL */
	BUG_NO_SHORT_STOP,	/* skips a kind-253 option too short for an ExID */
	BUG_LENGTH_BYTE_PAST_END, /* reads the length byte of a last-byte kind
				   * (the verdict is still right: only the
				   * guard page, or ASan, sees it) */
	BUG_FIRST_EXID_BYTE,	/* compares only the first ExID byte */
};
static enum planted planted;

/* bpftcp_tcpopt_find() with the bug named by 'planted'. */
static int buggy_find(const __u8 *opts, __u32 len, __u8 kind, __u16 exid)
{
	__u32 off = 0, olen;

	if (len > BPFTCP_TCPOPT_SPACE)
		return BPFTCP_TCPOPT_TOOBIG;
	while (off < len) {
		if (opts[off] == 0 && planted != BUG_EOL_AS_NOP)
			return BPFTCP_TCPOPT_ABSENT;
		if (opts[off] <= 1) {
			off++;
			continue;
		}
		if (off + 1 >= len && planted != BUG_LENGTH_BYTE_PAST_END)
			return BPFTCP_TCPOPT_BAD;
		olen = opts[off + 1];
		if (olen < 2 || olen > len - off + (planted == BUG_OFF_BY_ONE_LENGTH))
			return BPFTCP_TCPOPT_BAD;
		if (opts[off] == kind) {
			if (olen < 4 && planted != BUG_NO_SHORT_STOP)
				return BPFTCP_TCPOPT_ABSENT;
			if (olen >= 4 && opts[off + 2] == (exid >> 8) &&
			    (planted == BUG_FIRST_EXID_BYTE || opts[off + 3] == (exid & 0xff)))
				return (int)off;
		}
		off += olen;
	}
	return BPFTCP_TCPOPT_ABSENT;
}

static const struct {
	enum planted bug;
	const char *name;
	uint8_t b[16];	/* a block that shows it */
	size_t len;
} bugs[] = {	/* the bugs that change a verdict */
	{ BUG_OFF_BY_ONE_LENGTH, "off-by-one length check", { 1, 30, 3, 0 }, 3 },
	{ BUG_EOL_AS_NOP, "EOL taken for a NOP", { 0, OURS, 0, 0, 200 }, 8 },
	{ BUG_NO_SHORT_STOP, "short kind 253 skipped", { 253, 2, OURS, 0, 0, 200 }, 9 },
	{ BUG_FIRST_EXID_BYTE, "half the ExID compared", { 253, 4, EXID_HI, 0 }, 4 },
};

static void planted_bugs_are_caught_on_crafted_blocks(void **state)
{
	for (size_t i = 0; i < sizeof(bugs) / sizeof(bugs[0]); i++) {
		uint8_t b[32] = {};

		memcpy(b, bugs[i].b, sizeof(bugs[i].b));
		planted = bugs[i].bug;
		print_message("%s\n", bugs[i].name);
		/* The real walker passes the same block... */
		assert_null(tcpopt_check(b, bugs[i].len, bpftcp_tcpopt_find));
		/* ...the buggy one does not (the block sits in a larger
		 * buffer here, so an over-read returns a byte, not a fault). */
		assert_non_null(tcpopt_check(b, bugs[i].len, buggy_find));
	}
}

static void planted_bugs_are_caught_by_the_fuzzers_generator(void **state)
{
	for (size_t i = 0; i < sizeof(bugs) / sizeof(bugs[0]); i++) {
		uint64_t seed = 0x5eed;
		struct tcpopt_block k;
		uint8_t b[64];
		int n;

		planted = bugs[i].bug;
		for (n = 1; n <= RANDOM_BLOCKS; n++) {
			random_block(&seed, &k);
			memset(b, 0, sizeof(b));
			memcpy(b, k.b, k.len);
			if (tcpopt_check(b, k.len, buggy_find))
				break;
		}
		print_message("%s: caught after %d generated blocks\n", bugs[i].name, n);
		assert_true(n <= RANDOM_BLOCKS);
	}
}

/* The over-read itself, without a sanitizer: the guard page faults. */
static void an_over_read_faults_on_the_guard_page(void **state)
{
	struct guarded g;
	const uint8_t last_kind[] = { 1, 1, 1, 30 };	/* kind 30 in the last byte */
	int st;
	pid_t pid;

	guard_init(&g);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);	/* not cmocka's handler */
		planted = BUG_LENGTH_BYTE_PAST_END;
		buggy_find(guard_place(&g, last_kind, sizeof(last_kind)), sizeof(last_kind), 253,
			   HDROPT_DELACK_EXID);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSEGV);
	/* The real walker on the same bytes: no fault, a bad block. */
	assert_int_equal(bpftcp_tcpopt_find(guard_place(&g, last_kind, sizeof(last_kind)),
					    sizeof(last_kind), 253, HDROPT_DELACK_EXID),
			 BPFTCP_TCPOPT_BAD);
	munmap(g.map, 2 * g.page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crafted_blocks_give_the_kernels_verdicts),
		cmocka_unit_test(generated_blocks_pass_and_stay_inside),
		cmocka_unit_test(planted_bugs_are_caught_on_crafted_blocks),
		cmocka_unit_test(planted_bugs_are_caught_by_the_fuzzers_generator),
		cmocka_unit_test(an_over_read_faults_on_the_guard_page),
	};

	return cmocka_run_group_tests_name("tcpopt_walk", tests, NULL, NULL);
}
