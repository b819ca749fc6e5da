/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one counter mechanism of bpftcp's BPF programs (congestion controls,
 * header options, per-socket records).
 *
 * A program's counters are a struct of __u64 members, declared in a header
 * that user space shares (cc_stats.h, delack_opt.h), with the error record
 * among them:
 *
 *	__u64 errors;		failure branches taken
 *	__u32 last_err_line;	__LINE__ of the last one (the RET_CG_ERR idea)
 *	__u32 __pad;
 *
 * The program defines its map once with BPFTCP_COUNTERS(map, struct type): a
 * one-entry BPF_MAP_TYPE_PERCPU_ARRAY holding that struct.  Then
 *
 *	BPFTCP_COUNT(member);	counts one event (member of the struct, e.g.
 *				sent, or calls[BPFTCP_OP_INIT])
 *	BPFTCP_ERR();		counts a failure branch and records its line
 *
 * Per-CPU, so plain increments, no atomics; user space sums the CPUs
 * (libbpftcp__percpu_read_pinned() in lib/pin.c).  Include after vmlinux.h and
 * <bpf/bpf_helpers.h>.
 */
#ifndef BPFTCP_BPF_COUNTERS_H
#define BPFTCP_BPF_COUNTERS_H

#include <bpf/bpf_helpers.h>

/*
 * BPFTCP_BUILD_VARIANT is defined only for the test copy of bpftcp that the
 * Makefile builds as build/variant/bpftcp: each counted event then has one
 * more instruction, the counter pointer moved to itself, which changes
 * nothing but every program's tag, as a rebuilt bpftcp would (the upgrade
 * test of netns-tests/test-apply.sh).  Empty in every other build.
 */
#ifdef BPFTCP_BUILD_VARIANT
#define BPFTCP__VARIANT_INSN(p)	asm volatile("%0 = %0" : "+r"(p))
#else
#define BPFTCP__VARIANT_INSN(p)	do { } while (0)
#endif

#define BPFTCP_COUNTERS(_map, _value_type)					\
	struct {								\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);			\
		__uint(max_entries, 1);						\
		__type(key, __u32);						\
		__type(value, _value_type);					\
	} _map SEC(".maps");							\
										\
	static __always_inline _value_type *bpftcp_counters(void)		\
	{									\
		__u32 zero = 0;							\
										\
		return bpf_map_lookup_elem(&_map, &zero);			\
	}

#define BPFTCP_COUNT(member)							\
	do {									\
		__typeof__(bpftcp_counters()) __c = bpftcp_counters();		\
		if (__c) {							\
			BPFTCP__VARIANT_INSN(__c);				\
			__c->member++;						\
		}								\
	} while (0)

#define BPFTCP_ERR()								\
	do {									\
		__typeof__(bpftcp_counters()) __c = bpftcp_counters();		\
		if (__c) {							\
			__c->errors++;						\
			__c->last_err_line = __LINE__;				\
		}								\
	} while (0)

#endif /* BPFTCP_BPF_COUNTERS_H */
