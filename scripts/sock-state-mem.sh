#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# scripts/sock-state-mem.sh [BUILD_DIR]: the memory one bpftcp record costs a
# socket, measured on this kernel (docs/sockstate.md quotes its output).
#
# In a private mount + network namespace (so the bpffs and every pin are its
# own) and a cgroup of its own, it attaches collection with 'bpftcp sockets
# attach', opens a loopback connection, and reads what the kernel charged to
# each socket for its sk_local_storage (the "o" = sk_omem_alloc of ss -m),
# against a connection opened before the attachment (no record).  It also
# prints the structure sizes from the kernel's BTF and the kmalloc size
# classes they land in.  Needs root.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)

if [ "${SOCK_STATE_MEM_INNER:-}" != 1 ]; then
	SOCK_STATE_MEM_INNER=1 exec unshare --mount --net bash "$0" "$build"
fi

mount --make-rprivate /
bpffs=$(mktemp -d /tmp/bpftcp-mem-XXXXXX)
mount -t bpf bpf "$bpffs"
export BPFTCP_BPFFS=$bpffs
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
home=$cg2$(sed -n 's/^0:://p' /proc/self/cgroup)
cg=$cg2/bpftcp-mem-$$
cleanup() {
	echo $$ > "$home/cgroup.procs" 2>/dev/null || true
	# Every process left in the cgroup (the connection holders and their
	# python3 children), then the cgroup itself.
	[ -d "$cg" ] && xargs -r kill < "$cg/cgroup.procs" 2>/dev/null || true
	wait 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
	umount "$bpffs" 2>/dev/null || true
	rmdir "$bpffs" 2>/dev/null || true
}
trap cleanup EXIT
ip link set lo up
mkdir "$cg"
echo $$ > "$cg/cgroup.procs"

# Holds one loopback connection on PORT open until killed.
hold() {
	python3 -c '
import socket, sys, time
port = int(sys.argv[1])
l = socket.socket(); l.bind(("127.0.0.1", port)); l.listen(1)
c = socket.create_connection(("127.0.0.1", port)); s, _ = l.accept()
c.sendall(b"x" * 65536); s.recv(65536)
print("ready", flush=True); time.sleep(60)' "$1" | head -n1 >/dev/null
}
# ss -m "o" (sk_omem_alloc) of the client socket to PORT.
omem() {
	ss -tmnH "dport = :$1" | sed -n 's/.*skmem:([^)]*,o\([0-9]*\),.*/\1/p' | head -n1
}

hold 5301 &
sleep 0.5
"$build/bpftcp" sockets attach --cgroup "$cg" >/dev/null
hold 5302 &
sleep 0.5
without=$(omem 5301)
with=$(omem 5302)

btf() { bpftool btf dump file /sys/kernel/btf/vmlinux format raw; }
size() { # size STRUCT: its size in the kernel's BTF
	btf | sed -n "s/^\[[0-9]*\] STRUCT '$1' size=\([0-9]*\) .*/\1/p" | head -n1
}
member_offset() { # member_offset STRUCT MEMBER: its byte offset
	btf | sed -n "/^\[[0-9]*\] STRUCT '$1' /,/^\[/p" |
		sed -n "s/^\t'$2' type_id=[0-9]* bits_offset=\([0-9]*\).*/\1/p" | head -n1 |
		awk '{ print $1 / 8 }'
}
kmalloc_class() { # the generic kmalloc size class of N bytes
	local n=$1 c
	for c in 8 16 32 64 96 128 192 256 512 1024 2048 4096; do
		[ "$n" -le "$c" ] && { echo "$c"; return; }
	done
	echo "$n"
}
record=$(sed -n 's/.*sizeof(struct bpftcp_sock_state) == \([0-9]*\).*/\1/p' "$here/include/bpftcp/sock_state.h")
# The kernel allocates offsetof(struct bpf_local_storage_elem, sdata.data)
# + the value for each record (smap->elem_size).
header=$(( $(member_offset bpf_local_storage_elem sdata) + $(member_offset bpf_local_storage_data data) ))
elem=$((header + record))
storage=$(size bpf_local_storage)
printf '%-58s %6s\n' "kernel $(uname -r)" bytes
printf '%-58s %6d\n' "struct bpftcp_sock_state (the record)" "$record"
printf '%-58s %6d\n' "element header (struct bpf_local_storage_elem up to data)" "$header"
printf '%-58s %6d\n' "element: header + record, one allocation per record" "$elem"
printf '%-58s %6d\n' "struct bpf_local_storage (per socket with any record)" "$storage"
printf '%-58s %6d\n' "charged to a socket without a record (ss -m omem)" "$without"
printf '%-58s %6d\n' "charged to a socket with its record (ss -m omem)" "$with"
printf '%-58s %6d\n' "allocated: kmalloc-$(kmalloc_class "$elem") + kmalloc-$(kmalloc_class "$storage")" \
	$(($(kmalloc_class "$elem") + $(kmalloc_class "$storage")))
printf '%-58s %6d\n' "record growth that stays in kmalloc-$(kmalloc_class "$elem")" \
	$(($(kmalloc_class "$elem") - elem))
