// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The running kernel is the reference: the ports whose algorithm this
 * kernel also has built in keep their state in icsk_ca_priv laid out as the
 * kernel's own (bpf_bbr's struct bbr_state is tcp_bbr.c's struct bbr,
 * bpf_cubic's struct cubic_state is tcp_cubic.c's struct bictcp).  That is
 * how the sources were ported, and what lets selftests/bpf/ca_priv_peek
 * read the native algorithm's state with the port's struct.
 *
 * This test reads the kernel's layout from /sys/kernel/btf/vmlinux and
 * compares it member by member (name, bit offset, bit-field width, size)
 * with the port's: bbr_state's from the BTF of the BPF object embedded in
 * bpftcp (its skeleton; the struct has bit-fields), cubic_state's from the
 * header itself, compiled here (clang keeps no BTF for it: bpf_cubic uses
 * it only in inlined functions).  A kernel whose tcp_bbr.c or
 * tcp_cubic.c changed its state (a field added, moved or widened) fails
 * here, and the port must be looked at again.  It needs no privilege; it
 * skips, with the reason, on a kernel without BTF or without the
 * algorithm built in (then there is nothing to compare with).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpftcp/cubic.h"
#include "cc/bbr.skel.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* A member of a port's struct as this compiler lays it out (no bit-fields). */
struct host_member {
	const char *name;
	size_t offset, size;
};

#define HOST_MEMBER(type, m) { #m, offsetof(type, m), sizeof(((type *)0)->m) }

static const struct host_member cubic_members[] = {
	HOST_MEMBER(struct cubic_state, cnt),
	HOST_MEMBER(struct cubic_state, last_max_cwnd),
	HOST_MEMBER(struct cubic_state, last_cwnd),
	HOST_MEMBER(struct cubic_state, last_time),
	HOST_MEMBER(struct cubic_state, bic_origin_point),
	HOST_MEMBER(struct cubic_state, bic_K),
	HOST_MEMBER(struct cubic_state, delay_min),
	HOST_MEMBER(struct cubic_state, epoch_start),
	HOST_MEMBER(struct cubic_state, ack_cnt),
	HOST_MEMBER(struct cubic_state, tcp_cwnd),
	HOST_MEMBER(struct cubic_state, unused),
	HOST_MEMBER(struct cubic_state, sample_cnt),
	HOST_MEMBER(struct cubic_state, found),
	HOST_MEMBER(struct cubic_state, round_start),
	HOST_MEMBER(struct cubic_state, end_seq),
	HOST_MEMBER(struct cubic_state, last_ack),
	HOST_MEMBER(struct cubic_state, curr_rtt),
};

static struct btf *vmlinux;

static int group_setup(void **state)
{
	(void)state;
	vmlinux = btf__parse(VMLINUX_BTF, NULL);
	return 0;	/* each test reports a missing BTF as a skip */
}

static int group_teardown(void **state)
{
	(void)state;
	btf__free(vmlinux);
	return 0;
}

/* The struct called @name in @btf, or NULL. */
static const struct btf_type *find_struct(const struct btf *btf, const char *name)
{
	__s32 id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	return id < 0 ? NULL : btf__type_by_id(btf, id);
}

/* Size in bytes of member @m's type (typedefs and qualifiers resolved). */
static long member_size(const struct btf *btf, const struct btf_member *m)
{
	__s32 id = btf__resolve_type(btf, m->type);

	return id < 0 ? -1 : btf__resolve_size(btf, id);
}

/*
 * Compares @port against @kern member by member.  Writes the first
 * difference to @why and returns false, or returns true.
 */
static bool same_layout(const struct btf *kbtf, const struct btf_type *kern,
			const struct btf *pbtf, const struct btf_type *port,
			char *why, size_t len)
{
	const struct btf_member *km = btf_members(kern), *pm = btf_members(port);
	int n = btf_vlen(kern), i;

	if (btf_vlen(port) != n) {
		snprintf(why, len, "%d members in the kernel, %d in the port", n, btf_vlen(port));
		return false;
	}
	if (kern->size != port->size) {
		snprintf(why, len, "size %u in the kernel, %u in the port", kern->size, port->size);
		return false;
	}
	for (i = 0; i < n; i++) {
		const char *kn = btf__name_by_offset(kbtf, km[i].name_off);
		const char *pn = btf__name_by_offset(pbtf, pm[i].name_off);
		__u32 kbits = btf_member_bitfield_size(kern, i);
		__u32 pbits = btf_member_bitfield_size(port, i);
		__u32 koff = btf_member_bit_offset(kern, i);
		__u32 poff = btf_member_bit_offset(port, i);

		if (strcmp(kn, pn) || koff != poff || kbits != pbits ||
		    member_size(kbtf, &km[i]) != member_size(pbtf, &pm[i])) {
			snprintf(why, len,
				 "member %d: kernel %s (bit %u, width %u, %ld bytes), port %s (bit %u, width %u, %ld bytes)",
				 i, kn, koff, kbits, member_size(kbtf, &km[i]), pn, poff, pbits,
				 member_size(pbtf, &pm[i]));
			return false;
		}
	}
	return true;
}

/* The kernel's struct @name, or skips the test saying why there is none. */
static const struct btf_type *kernel_struct_or_skip(const char *name)
{
	const struct btf_type *t;

	if (!vmlinux) {
		print_message("SKIP: no kernel BTF at %s: nothing to compare with\n", VMLINUX_BTF);
		skip();
	}
	t = find_struct(vmlinux, name);
	if (!t) {
		print_message("SKIP: this kernel has no struct %s (algorithm not built in)\n", name);
		skip();
	}
	return t;
}

static void bbr_state_is_the_running_kernels_struct_bbr(void **state)
{
	const struct btf_type *kern = kernel_struct_or_skip("bbr"), *port;
	struct bpf_object *obj;
	const void *elf;
	size_t sz = 0;
	char why[256];
	bool same;

	(void)state;
	elf = cc_bbr__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, NULL);
	assert_non_null(obj);
	port = find_struct(bpf_object__btf(obj), "bbr_state");
	assert_non_null(port);
	same = same_layout(vmlinux, kern, bpf_object__btf(obj), port, why, sizeof(why));
	if (!same)
		print_message("struct bbr vs the port's struct bbr_state: %s\n", why);
	bpf_object__close(obj);
	assert_true(same);
}

/*
 * Compares the kernel's struct @kname with a port's members @pm (@n of
 * them, @size bytes in all); the first difference goes to @why.
 */
static bool same_host_layout(const char *kname, const struct host_member *pm, int n,
			     size_t size, char *why, size_t len)
{
	const struct btf_type *kern = find_struct(vmlinux, kname);
	const struct btf_member *km = btf_members(kern);
	int i;

	if (btf_vlen(kern) != n || kern->size != size) {
		snprintf(why, len, "%d members, %u bytes in the kernel; %d, %zu in the port",
			 btf_vlen(kern), kern->size, n, size);
		return false;
	}
	for (i = 0; i < n; i++) {
		const char *kn = btf__name_by_offset(vmlinux, km[i].name_off);
		__u32 koff = btf_member_bit_offset(kern, i);
		long ksize = member_size(vmlinux, &km[i]);

		if (strcmp(kn, pm[i].name) || btf_member_bitfield_size(kern, i) ||
		    koff != pm[i].offset * 8 || ksize != (long)pm[i].size) {
			snprintf(why, len, "member %d: kernel %s (bit %u, %ld bytes), port %s (bit %zu, %zu bytes)",
				 i, kn, koff, ksize, pm[i].name, pm[i].offset * 8, pm[i].size);
			return false;
		}
	}
	return true;
}

static void cubic_state_is_the_running_kernels_struct_bictcp(void **state)
{
	int n = sizeof(cubic_members) / sizeof(cubic_members[0]);
	char why[256];
	bool same;

	(void)state;
	kernel_struct_or_skip("bictcp");
	same = same_host_layout("bictcp", cubic_members, n, sizeof(struct cubic_state), why,
				sizeof(why));
	if (!same)
		print_message("struct bictcp vs the port's struct cubic_state: %s\n", why);
	assert_true(same);
}

/* The comparison itself can fail: a struct against a different one. */
static void a_different_struct_is_reported(void **state)
{
	const struct btf_type *kern, *port;
	struct bpf_object *obj;
	size_t sz = 0;
	const void *elf;
	char why[256] = "";

	(void)state;
	kern = kernel_struct_or_skip("bictcp");
	elf = cc_bbr__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, NULL);
	assert_non_null(obj);
	port = find_struct(bpf_object__btf(obj), "bbr_state");
	assert_non_null(port);
	assert_false(same_layout(vmlinux, kern, bpf_object__btf(obj), port, why, sizeof(why)));
	assert_true(strlen(why) > 0);
	bpf_object__close(obj);

	/* And a member list that is one field short, or with a field moved. */
	why[0] = 0;
	assert_false(same_host_layout("bictcp", cubic_members, 16, sizeof(struct cubic_state),
				      why, sizeof(why)));
	assert_true(strlen(why) > 0);
	{
		struct host_member moved[sizeof(cubic_members) / sizeof(cubic_members[0])];

		memcpy(moved, cubic_members, sizeof(moved));
		moved[3].offset += 4;
		why[0] = 0;
		assert_false(same_host_layout("bictcp", moved, 17, sizeof(struct cubic_state),
					      why, sizeof(why)));
		assert_non_null(strstr(why, "last_time"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bbr_state_is_the_running_kernels_struct_bbr),
		cmocka_unit_test(cubic_state_is_the_running_kernels_struct_bictcp),
		cmocka_unit_test(a_different_struct_is_reported),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests_name("kernel_layout", tests, group_setup, group_teardown);
}
