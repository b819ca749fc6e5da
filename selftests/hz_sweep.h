/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Host maths tests of algorithms whose arithmetic depends on the kernel's HZ
 * (jiffies clocks): each such test runs its whole cmocka group once per HZ
 * Linux can be configured with (CONFIG_HZ 100, 250, 300, 1000), with HZ_TEST
 * set to it.  Expected values that depend on HZ come from the model helpers
 * below (real arithmetic, rounded as the kernel documents), never from the
 * header under test.
 */
#ifndef BPFTCP_SELFTESTS_HZ_SWEEP_H
#define BPFTCP_SELFTESTS_HZ_SWEEP_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

static const uint32_t hz_sweep_values[] = { 100, 250, 300, 1000 };

/* The HZ the current group runs at. */
static uint32_t HZ_TEST = 250;

/* msecs_to_jiffies() / usecs_to_jiffies() as documented: rounded up. */
static inline uint32_t model_msecs_to_jiffies(double ms)
{
	return (uint32_t)ceil(ms * HZ_TEST / 1e3);
}

static inline uint32_t model_usecs_to_jiffies(double us)
{
	return (uint32_t)ceil(us * HZ_TEST / 1e6);
}

/* Runs the group @tests once per HZ, named "@name HZ=n"; non-zero if any
 * run failed. */
#define run_group_at_every_hz(name, tests)					\
	({									\
		int rc_ = 0;							\
		for (size_t i_ = 0; i_ < sizeof(hz_sweep_values) /		\
				      sizeof(hz_sweep_values[0]); i_++) {	\
			char n_[64];						\
										\
			HZ_TEST = hz_sweep_values[i_];				\
			snprintf(n_, sizeof(n_), "%s HZ=%u", (name), HZ_TEST);	\
			rc_ |= cmocka_run_group_tests_name(n_, (tests), NULL, NULL); \
		}								\
		rc_;								\
	})

#endif
