/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* libbpftcp: helpers shared by the library's files, not exported. */
#ifndef BPFTCP_LIB_INTERNAL_H
#define BPFTCP_LIB_INTERNAL_H

#include <linux/bpf.h>

/* BPF_OBJ_GET_INFO_BY_FD on map @fd.  Returns 0 or -errno. */
int bpftcp__map_info(int fd, struct bpf_map_info *info);

#endif
