# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# libbpftcp used by a program of its own, not by bpftcp: examples/cc_delack.c
# registers bpf_cubic, attaches the delack option to a cgroup of the test's,
# moves data over loopback with bpf_cubic, reads the algorithm's counters,
# then detaches and unregisters.  Once as make builds it (static library),
# once compiled out of tree with pkg-config against a copy of bpftcp
# installed by 'make install PREFIX=<tmp>' (shared library), as a user
# would build their own program.

ALL_TESTS="
	lib_example_in_tree
	lib_program_out_of_tree
"

_LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# lib_run_example BINARY [ENV...]: runs it in the client namespace, from a
# process in a cgroup of the test's, and checks what it did.
lib_run_example() {
	local bin=$1 out
	shift
	cc_registered bpf_cubic && skip "bpf_cubic is registered already (by someone else): the example would not register it"
	cgroup_new lib
	# If the example dies half-way, leave nothing behind.
	cleanup_push "'$BPFTCP' opt detach delack --cgroup '$CGROUP' >/dev/null 2>&1 || true"
	cleanup_push "'$BPFTCP' cc unregister cubic >/dev/null 2>&1 || true"
	# nsenter, not 'ip netns exec': that one also mounts a sysfs of its own,
	# which hides the cgroup2 and bpffs mounts the library must find.
	out=$(env "$@" nsenter --net="/run/netns/$NS_CLIENT" "$bin" -c cubic -g "$CGROUP" -n 4194304 2>&1) ||
		fail "$bin failed: $out"
	log "$out"
	echo "$out" | grep -qx "registered bpf_cubic" || fail "it did not register bpf_cubic"
	echo "$out" | grep -q "mounted bpffs" && fail "the library mounted a bpffs of its own: it did not find the host's"
	echo "$out" | grep -q "^attachment: delack on $CGROUP (cgroup id [0-9]*), attached$" ||
		fail "the library did not list the delack attachment"
	echo "$out" | grep -qx "transfer: 4194304 bytes with bpf_cubic, 4194304 received, intact" ||
		fail "no intact transfer with bpf_cubic"
	echo "$out" | grep -Eq "^stats: init [1-9][0-9]*, cong_avoid [0-9]+, errors 0$" ||
		fail "no counters from bpf_cubic"
	echo "$out" | grep -qx "unregistered bpf_cubic" || fail "it did not unregister bpf_cubic"
	cc_registered bpf_cubic && fail "bpf_cubic still registered after the example"
	"$BPFTCP" opt show delack 2>/dev/null | grep -qF "$CGROUP" && fail "delack still attached to $CGROUP"
	return 0
}

lib_example_in_tree() {
	local bin=$BUILD/examples/cc_delack
	[ -x "$bin" ] || skip "no $bin (run make)"
	topo_setup --no-emulator
	lib_run_example "$bin"
}

lib_program_out_of_tree() {
	local prefix=$TEST_TMP/prefix src=$TEST_TMP/src flags
	require_cmds pkg-config nsenter readelf
	[ -x "$BPFTCP" ] || skip "no $BPFTCP (run make)"
	run make -s -C "$_LIB_ROOT" OUTPUT="$(cd "$BUILD" && pwd)" PREFIX="$prefix" install >/dev/null ||
		fail "make install PREFIX=$prefix failed"
	for f in lib/libbpftcp.so lib/libbpftcp.a lib/pkgconfig/libbpftcp.pc \
		 include/bpftcp/libbpftcp.h include/bpftcp/sock_state.h include/bpftcp/cc_stats.h; do
		[ -e "$prefix/$f" ] || fail "make install did not install $f"
	done
	# Out of tree: a copy of the source, the installed headers and library
	# only (no -I into the repository).
	mkdir -p "$src" && cp "$_LIB_ROOT/examples/cc_delack.c" "$src/" || fail "cannot copy the example"
	flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs libbpftcp) ||
		fail "pkg-config does not know libbpftcp"
	run cc -o "$src/cc_delack" "$src/cc_delack.c" $flags -lpthread || fail "cannot build against the installed libbpftcp"
	readelf -d "$src/cc_delack" | grep -q 'NEEDED.*libbpftcp\.so\.0' ||
		fail "the program is not linked against libbpftcp.so.0"
	topo_setup --no-emulator
	lib_run_example "$src/cc_delack" LD_LIBRARY_PATH="$prefix/lib"
}
