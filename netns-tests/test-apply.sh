# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# bpftcp apply and bpftcp reset (lib/apply.c, bpftcp.conf(5)) on the real
# kernel: a config applied to a clean host, applied again (no change), drift
# repaired, edits converged (settings in place, an algorithm removed while a
# connection that uses it moves verified data to the end), an upgrade (a
# rebuilt bpftcp whose programs have other tags replaces the pinned ones
# while a connection moves verified data), a broken file
# refused with its lines and exit status 2 (host unchanged), two applies
# serialised by the lock, and reset leaving nothing behind; the [ccneg]
# section attached after delack whatever the file's order, edited in place,
# its algorithms registered before and unregistered after it, and removed;
# and the systemd unit checked by systemd-analyze verify.
#
# Registrations and the default congestion control are host-wide: each
# test pins into a bpffs of its own (BPFTCP_BPFFS), keeps apply's state in
# its own run directory (BPFTCP_RUNDIR), uses algorithms nobody has
# registered, a cgroup of its own, and sets back the host's default and
# allowed list at cleanup, whatever happens.

ALL_TESTS="
	apply_clean_host_then_no_change
	apply_repairs_drift
	apply_edit_converges_in_place
	apply_removed_algorithm_keeps_its_connection
	apply_upgrade_replaces_under_a_live_transfer
	apply_bad_file_changes_nothing
	apply_waits_for_the_lock
	apply_ccneg_attach_edit_remove
	reset_leaves_nothing
	systemd_unit_verifies
"

# apply_setup: a private bpffs and run directory, two free algorithms
# ($CC_A, $CC_B: short names), a cgroup ($CGROUP), the config path ($CONF).
apply_setup() {
	local ccs
	bpftcp_private
	ccs=$(free_ccs 2) || exit $?
	CC_A=$(echo "$ccs" | sed -n 1p) CC_B=$(echo "$ccs" | sed -n 2p)
	cgroup_new apply
	CONF=$TEST_TMP/bpftcp.conf
}

# write_conf BODY...: the config, one argument a line.
write_conf() {
	printf '%s\n' "$@" > "$CONF"
}

# The config of the first tests: both algorithms, A the default, collection
# and delack on the test's cgroup.
conf_full() {
	write_conf "# test config" "[cc]" "register = $CC_A $CC_B" "default = bpf_$CC_A" \
		"[cgroup $CGROUP]" "sockets = yes" "delack = yes" "max-delack = 10" "${@}"
}

# apply_ok_with BPFTCP [ARGS...]: that bpftcp applies $CONF, and succeeds.
apply_ok_with() {
	local bin=$1
	shift
	run "$bin" apply -f "$CONF" "$@" > "$TEST_TMP/apply.out" 2> "$TEST_TMP/apply.err" ||
		fail "$bin apply $* exited with $?: $(cat "$TEST_TMP/apply.err")"
	log "$(cat "$TEST_TMP/apply.out")"
}

apply_ok() {
	apply_ok_with "$BPFTCP" "$@"
}

default_cc() {
	cat /proc/sys/net/ipv4/tcp_congestion_control
}

# delack_setting KEY: a setting of the delack attachment on $CGROUP, or "none".
delack_setting() {
	"$BPFTCP" -j opt show delack | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1]:
        print(a["settings"][sys.argv[2]]); break
else:
    print("none")' "$CGROUP" "$1"
}

sockets_attached() {
	local id
	id=$(stat -c %i "$CGROUP")
	[ -e "$BPFTCP_BPFFS/bpftcp/sockets/cg-$id/link" ]
}

# expect_full_state: what conf_full asks for is there.
expect_full_state() {
	cc_registered "bpf_$CC_A" || fail "bpf_$CC_A is not registered"
	cc_registered "bpf_$CC_B" || fail "bpf_$CC_B is not registered"
	assert_eq "$(default_cc)" "bpf_$CC_A" "the default"
	assert_eq "$(delack_setting max_delack_us)" 10000 "delack's max_delack_us"
	sockets_attached || fail "collection is not attached to $CGROUP"
}

apply_clean_host_then_no_change() {
	apply_setup
	conf_full
	# The plan first: nothing changes.
	apply_ok --dry-run
	grep -qx "would register bpf_$CC_A" "$TEST_TMP/apply.out" || fail "the plan does not register bpf_$CC_A"
	grep -q "^would attach delack to $CGROUP" "$TEST_TMP/apply.out" || fail "the plan does not attach delack"
	cc_registered "bpf_$CC_A" && fail "--dry-run registered bpf_$CC_A"
	assert_eq "$(default_cc)" "$HOST_DEFAULT" "the default after --dry-run"
	apply_ok
	grep -q "^applied .*: 5 changes$" "$TEST_TMP/apply.out" || fail "apply did not report 5 changes"
	expect_full_state
	# Applied twice: nothing to do, and the JSON says so.
	apply_ok
	grep -q "^nothing to change" "$TEST_TMP/apply.out" || fail "the second apply changed something"
	run "$BPFTCP" -j apply -f "$CONF" > "$TEST_TMP/apply.json" || fail "apply -j failed"
	assert_eq "$(json_get changed "$TEST_TMP/apply.json")" False "JSON changed"
	assert_eq "$(json_get steps "$TEST_TMP/apply.json")" "[]" "JSON steps"
	expect_full_state
}

apply_repairs_drift() {
	apply_setup
	conf_full
	apply_ok
	# By hand: an algorithm unregistered (the default moves away with it)
	# and the delack attachment removed.
	run "$BPFTCP" cc unregister "$CC_A" >/dev/null 2>&1 || fail "cannot unregister $CC_A"
	run "$BPFTCP" opt detach delack --cgroup "$CGROUP" >/dev/null || fail "cannot detach delack"
	[ "$(default_cc)" != "bpf_$CC_A" ] || fail "the default did not move"
	apply_ok
	grep -qx "register bpf_$CC_A" "$TEST_TMP/apply.out" || fail "apply did not register bpf_$CC_A again"
	grep -q "^attach delack to $CGROUP" "$TEST_TMP/apply.out" || fail "apply did not attach delack again"
	expect_full_state
	apply_ok
	grep -q "^nothing to change" "$TEST_TMP/apply.out" || fail "not converged after the repair"
}

apply_edit_converges_in_place() {
	local link_before link_after
	apply_setup
	conf_full
	apply_ok
	link_before=$(stat -c %i "$BPFTCP_BPFFS/bpftcp/opt/delack/$(stat -c %i "$CGROUP")/link")
	# New delack settings, collection off, restricted, no default.
	write_conf "[cc]" "register = $CC_A $CC_B" "restricted = yes" \
		"[cgroup $CGROUP]" "delack = yes" "max-delack = 5" "record = yes" "peers = 198.18.0.0/15"
	apply_ok
	grep -q "^update delack on $CGROUP (max-delack 10.0 -> 5.0 ms, record no -> yes, peers)$" \
		"$TEST_TMP/apply.out" || fail "apply did not update delack in place"
	grep -qx "restrict bpf_$CC_A" "$TEST_TMP/apply.out" || fail "apply did not restrict bpf_$CC_A"
	assert_eq "$(delack_setting max_delack_us)" 5000 "delack's max_delack_us"
	assert_eq "$(delack_setting record)" True "delack's record"
	assert_eq "$(delack_setting peers)" "['198.18.0.0/15']" "delack's peers"
	# In place: the same pinned link, now running the new program.
	link_after=$(stat -c %i "$BPFTCP_BPFFS/bpftcp/opt/delack/$(stat -c %i "$CGROUP")/link")
	assert_eq "$link_after" "$link_before" "the delack link pin"
	sockets_attached && fail "collection is still attached"
	tr ' ' '\n' < /proc/sys/net/ipv4/tcp_allowed_congestion_control | grep -qx "bpf_$CC_A" &&
		fail "bpf_$CC_A is still allowed"
	# No default in the file any more: the host's is back.
	assert_eq "$(default_cc)" "$HOST_DEFAULT" "the default"
	apply_ok
	grep -q "^nothing to change" "$TEST_TMP/apply.out" || fail "not converged after the edit"
}

# transfer_start PORT CC [RATE]: 16 MiB from client to server on PORT, with
# the client's end on CC (~8 s at the default 16 Mbit/s); $XFER_SEND and
# $XFER_RECV are the two socat processes.
transfer_start() {
	local port=$1 cc=$2 rate=${3:-16mbit}
	route_cc client dport "$port" "$cc"
	linkem_start --rate "$rate" --delay 5ms --queue 100
	make_file "$TEST_TMP/in.bin" 16
	bg_on server timeout 60 socat -u "TCP4-LISTEN:$port,reuseaddr" "OPEN:$TEST_TMP/out.bin,creat,trunc"
	XFER_RECV=$BG_PID
	wait_listen server "$port"
	bg_on client timeout 60 socat -u "OPEN:$TEST_TMP/in.bin" "TCP4:$SERVER_IP4:$port"
	XFER_SEND=$BG_PID
	XFER_PORT=$port
	sleep 1
	transfer_runs "$cc" "the connection does not run $cc"
}

# transfer_runs CC WHY: the transfer is still going, on CC (else fail WHY).
transfer_runs() {
	kill -0 "$XFER_SEND" 2>/dev/null || fail "the transfer has ended (too fast to test)"
	on client ss -tinH state established "dport = :$XFER_PORT" | grep -qw "$1" || fail "$2"
}

# transfer_end: both ends exit 0 and the data arrived whole.
transfer_end() {
	wait "$XFER_SEND" || fail "the sender exited with status $?"
	wait "$XFER_RECV" || fail "the receiver exited with status $?"
	check_sha256 "$TEST_TMP/in.bin" "$TEST_TMP/out.bin" "$(stat -c %s "$TEST_TMP/in.bin")"
}

apply_removed_algorithm_keeps_its_connection() {
	require_cmds socat sha256sum
	apply_setup
	topo_setup
	write_conf "[cc]" "register = $CC_A $CC_B"
	apply_ok
	transfer_start 5002 "bpf_$CC_B"
	write_conf "[cc]" "register = $CC_A"
	apply_ok
	grep -qx "unregister bpf_$CC_B" "$TEST_TMP/apply.out" || fail "apply did not unregister bpf_$CC_B"
	cc_registered "bpf_$CC_B" && fail "the kernel still offers bpf_$CC_B"
	transfer_runs "bpf_$CC_B" "the connection no longer runs bpf_$CC_B"
	transfer_end
}

# pinned_tags NAME: the sorted tags of the programs that the pinned link of
# bpf_NAME runs (link -> struct_ops map -> its programs' ids -> tags).
pinned_tags() {
	local j=$TEST_TMP/tags.json map id
	# bpftool prints the link but exits 255 here (the link has no
	# program of its own, prog_id 0): the JSON is what counts.
	bpftool -j link show pinned "$BPFTCP_BPFFS/bpftcp/cc/bpf_$1/link" > "$j"
	map=$(json_get map_id "$j") || return 1
	for id in $(bpftool -j struct_ops dump id "$map" | grep -o 'prog_id:[0-9]*' | cut -d: -f2); do
		bpftool -j prog show id "$id" > "$j" && json_get tag "$j"
	done | sort | tr '\n' ' '
}

# BUILD/variant/bpftcp is the same bpftcp built with BPFTCP_BUILD_VARIANT
# (the Makefile): one more instruction per counted event, so other program
# tags, as a rebuilt bpftcp has.
apply_upgrade_replaces_under_a_live_transfer() {
	local variant=$BUILD/variant/bpftcp tags_a tags_b resets
	require_cmds socat sha256sum bpftool
	[ -x "$variant" ] || skip "no $variant (make builds it for make test)"
	apply_setup
	topo_setup
	write_conf "[cc]" "register = $CC_A"
	apply_ok
	tags_a=$(pinned_tags "$CC_A")
	[ -n "$tags_a" ] || fail "no programs found for bpf_$CC_A"
	resets=$(( $(nstat_get client TcpEstabResets) + $(nstat_get server TcpEstabResets) ))
	# ~32 s: the rebuilt bpftcp loads each program twice (compare, replace).
	transfer_start 5003 "bpf_$CC_A" 4mbit
	# The upgrade: the rebuilt bpftcp applies the same file.
	apply_ok_with "$variant"
	transfer_runs "bpf_$CC_A" "the connection no longer runs bpf_$CC_A"
	grep -q "^replace bpf_$CC_A" "$TEST_TMP/apply.out" || fail "apply did not replace bpf_$CC_A"
	grep -q "^applied .*: 1 change$" "$TEST_TMP/apply.out" || fail "apply did more than the replace"
	tags_b=$(pinned_tags "$CC_A")
	log "tags before: $tags_a; after: $tags_b"
	[ "$tags_b" != "$tags_a" ] || fail "the pinned programs' tags did not change"
	transfer_end
	assert_eq "$(( $(nstat_get client TcpEstabResets) + $(nstat_get server TcpEstabResets) ))" \
		"$resets" "connection resets"
	# The rebuilt bpftcp's programs are pinned: its next apply has nothing to do.
	apply_ok_with "$variant"
	grep -q "^nothing to change" "$TEST_TMP/apply.out" || fail "the second apply of the rebuilt bpftcp changed something"
	assert_eq "$(pinned_tags "$CC_A")" "$tags_b" "the tags after the second apply"
}

# snapshot: what the host has, to compare before and after.
snapshot() {
	{
		cat /proc/sys/net/ipv4/tcp_available_congestion_control
		cat /proc/sys/net/ipv4/tcp_allowed_congestion_control
		default_cc
		"$BPFTCP" -j opt show
		find "$BPFTCP_BPFFS" | sort
		ls "$BPFTCP_RUNDIR"
	} 2>&1
}

# expect_refused LINE WHAT: apply of $CONF exits 2 with WHAT at LINE, and
# the host is as it was.
expect_refused() {
	local before rc
	before=$(snapshot)
	"$BPFTCP" apply -f "$CONF" > "$TEST_TMP/apply.out" 2> "$TEST_TMP/apply.err"
	rc=$?
	log "$(cat "$TEST_TMP/apply.err")"
	assert_eq "$rc" 2 "exit status of apply with errors at line $1"
	grep -qF "$CONF:$1: error: $2" "$TEST_TMP/apply.err" || fail "no '$CONF:$1: error: $2'"
	[ "$(snapshot)" = "$before" ] || fail "the host changed: $(diff <(echo "$before") <(snapshot))"
}

apply_bad_file_changes_nothing() {
	apply_setup
	conf_full
	apply_ok
	# Each file would change something if its errors were let through.
	write_conf "[cc]" "register = $CC_A" "defualt = bpf_$CC_A"
	expect_refused 3 "unknown key 'defualt' in [cc]"
	write_conf "[cc]" "register = $CC_A nosuch"
	expect_refused 2 "unknown congestion control 'nosuch'"
	write_conf "[cc]" "register = $CC_A $CC_B" "[cgroup $CGROUP-gone]" "sockets = yes"
	expect_refused 3 "no such cgroup"
	write_conf "[cc]" "register = $CC_A $CC_B" "[cgroup $CGROUP]" "delack = yes" "max-delack = 0"
	expect_refused 5 "'max-delack' 0 is out of range"
	write_conf "[cc]" "register = $CC_A" "[sockets]" "x = 1" "[cc]"
	expect_refused 3 "unknown section [sockets]"
	expect_refused 5 "section [cc] given twice"
	# JSON: one document, the error and each error with its line.
	"$BPFTCP" -j apply -f "$CONF" > "$TEST_TMP/err.json" 2>/dev/null
	assert_eq "$(json_get result.errors.0.line "$TEST_TMP/err.json")" 3 "JSON error line"
	grep -q '"error":' "$TEST_TMP/err.json" || fail "no error in the JSON document"
	expect_full_state
}

apply_waits_for_the_lock() {
	local holder
	apply_setup
	conf_full
	# Another apply holds the lock for 2 s: this one waits, says so, then runs.
	flock "$BPFTCP_RUNDIR/lock" sleep 2 &
	holder=$!
	sleep 0.3
	SECONDS=0
	apply_ok
	wait $holder
	[ "$SECONDS" -ge 1 ] || fail "apply did not wait for the lock"
	grep -q "waiting for it" "$TEST_TMP/apply.err" || fail "apply did not say it waited"
	expect_full_state
}

# ccneg_setting KEY: a setting of the ccneg attachment on $CGROUP (a list
# as words), or "none".
ccneg_setting() {
	"$BPFTCP" -j opt show ccneg | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1]:
        v = a["settings"][sys.argv[2]]
        print(" ".join(map(str, v)) if isinstance(v, list) else v); break
else:
    print("none")' "$CGROUP" "$1"
}

# cgroup_progs: the sockops programs on $CGROUP, in the order they run.
cgroup_progs() {
	bpftool -j cgroup show "$CGROUP" | python3 -c '
import json, sys
# "sock_ops", or "cgroup_sock_ops" as libbpf names it (by bpftool version).
print(" ".join(p["name"] for p in json.load(sys.stdin) if str(p["attach_type"]).endswith("sock_ops")))'
}

# apply_steps: the steps apply printed, as "ACTION OBJECT ...".
apply_steps() {
	grep -oE '^(register|unregister|replace|allow|restrict|set-default|restore-default|attach|update|detach) [a-z_]+' \
		"$TEST_TMP/apply.out" | tr '\n' ' '
}

ccneg_link() {
	stat -c %i "$BPFTCP_BPFFS/bpftcp/opt/ccneg/$(stat -c %i "$CGROUP")/link"
}

apply_ccneg_attach_edit_remove() {
	local link_before
	require_cmds bpftool
	apply_setup
	# ccneg's section first in the file: delack is attached first anyway.
	write_conf "[cc]" "register = $CC_A" "[ccneg $CGROUP]" "prefer = $CC_A, reno" \
		"fallback = reno" "[cgroup $CGROUP]" "delack = yes" "max-delack = 10"
	apply_ok
	grep -q "^attach ccneg to $CGROUP (prefer $CC_A,reno, fallback reno)$" "$TEST_TMP/apply.out" ||
		fail "apply did not attach ccneg"
	assert_eq "$(apply_steps)" \
		"register bpf_$CC_A attach delack attach ccneg " "the steps, in order"
	assert_eq "$(cgroup_progs)" "bpftcp_delack bpftcp_ccneg" "the programs on the cgroup"
	assert_eq "$(ccneg_setting prefer)" "bpf_$CC_A reno" "ccneg's prefer (kernel names)"
	assert_eq "$(ccneg_setting fallback)" reno "ccneg's fallback"
	assert_eq "$(ccneg_setting record)" False "ccneg's record"
	apply_ok
	grep -q "^nothing to change" "$TEST_TMP/apply.out" || fail "the second apply changed something"
	# bpf_$CC_A by its kernel name is the same algorithm: nothing changes.
	write_conf "[cc]" "register = $CC_A" "[ccneg $CGROUP]" "prefer = bpf_$CC_A reno" \
		"fallback = reno" "[cgroup $CGROUP]" "delack = yes" "max-delack = 10"
	apply_ok
	grep -q "^nothing to change" "$TEST_TMP/apply.out" || fail "the same algorithms by other names changed something"

	# Edited: another algorithm, record on.  $CC_B is registered before
	# the update, $CC_A unregistered after it; the link is the same.
	link_before=$(ccneg_link)
	write_conf "[cc]" "register = $CC_B" "[ccneg $CGROUP]" "prefer = $CC_B, reno" \
		"fallback = reno" "record = yes" "[cgroup $CGROUP]" "delack = yes" "max-delack = 10"
	apply_ok
	assert_eq "$(apply_steps)" \
		"register bpf_$CC_B update ccneg unregister bpf_$CC_A " \
		"the steps, in order"
	grep -q "^update ccneg on $CGROUP (prefer bpf_$CC_A,reno -> $CC_B,reno, record no -> yes)$" \
		"$TEST_TMP/apply.out" || fail "apply did not update ccneg in place"
	assert_eq "$(ccneg_setting prefer)" "bpf_$CC_B reno" "ccneg's prefer after the edit"
	assert_eq "$(ccneg_setting record)" True "ccneg's record after the edit"
	assert_eq "$(ccneg_link)" "$link_before" "the ccneg link pin"
	cc_registered "bpf_$CC_A" && fail "bpf_$CC_A is still registered"

	# delack off, then on again: ccneg is attached again after it.
	write_conf "[cc]" "register = $CC_B" "[ccneg $CGROUP]" "prefer = $CC_B, reno" \
		"fallback = reno" "record = yes"
	apply_ok
	assert_eq "$(cgroup_progs)" "bpftcp_ccneg" "the programs without delack"
	write_conf "[cc]" "register = $CC_B" "[ccneg $CGROUP]" "prefer = $CC_B, reno" \
		"fallback = reno" "record = yes" "[cgroup $CGROUP]" "delack = yes" "max-delack = 10"
	apply_ok
	grep -q "^update ccneg on $CGROUP (detached and attached again, after delack)$" \
		"$TEST_TMP/apply.out" || fail "apply did not move ccneg after delack"
	assert_eq "$(cgroup_progs)" "bpftcp_delack bpftcp_ccneg" "the programs after delack came back"
	assert_eq "$(ccneg_setting prefer)" "bpf_$CC_B reno" "ccneg's prefer after the move"

	# A bad [ccneg] section is refused with its line, nothing changed.
	write_conf "[cc]" "register = $CC_B" "[ccneg $CGROUP]" "prefer = $CC_B, nosuch" "fallback = reno"
	expect_refused 4 "'prefer': unknown algorithm 'nosuch'"
	write_conf "[ccneg $CGROUP]" "prefer = $CC_B" "fallback = reno"
	expect_refused 2 "'prefer': bpf_$CC_B is not registered by this file"

	# Removed: detached before its algorithm is unregistered.
	write_conf "[cgroup $CGROUP]" "delack = yes" "max-delack = 10"
	apply_ok
	assert_eq "$(apply_steps)" \
		"detach ccneg unregister bpf_$CC_B " "the steps, in order"
	assert_eq "$(ccneg_setting prefer)" none "ccneg after its removal"
	assert_eq "$(cgroup_progs)" "bpftcp_delack" "the programs after the removal"
}

reset_leaves_nothing() {
	apply_setup
	conf_full "[ccneg $CGROUP]" "prefer = $CC_A" "fallback = reno"
	apply_ok
	assert_eq "$(ccneg_setting fallback)" reno "ccneg's fallback"
	expect_full_state
	run "$BPFTCP" reset > "$TEST_TMP/reset.out" || fail "reset failed"
	log "$(cat "$TEST_TMP/reset.out")"
	cc_registered "bpf_$CC_A" && fail "bpf_$CC_A still registered"
	cc_registered "bpf_$CC_B" && fail "bpf_$CC_B still registered"
	assert_eq "$(default_cc)" "$HOST_DEFAULT" "the default after reset"
	assert_eq "$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)" "$HOST_ALLOWED" "the allowed list"
	[ -e "$BPFTCP_BPFFS/bpftcp" ] && fail "pins left: $(find "$BPFTCP_BPFFS/bpftcp")"
	[ -e "$BPFTCP_RUNDIR/default" ] && fail "apply's saved default is still there"
	"$BPFTCP" -j opt show | grep -qF "$CGROUP" && fail "delack or ccneg still attached"
	run "$BPFTCP" reset > "$TEST_TMP/reset.out" || fail "a second reset failed"
	grep -qx "nothing to reset" "$TEST_TMP/reset.out" || fail "the second reset did something"
}

systemd_unit_verifies() {
	local unit=$TEST_TMP/bpftcp.service man=$TEST_TMP/man
	require_cmds systemd-analyze
	[ -f "$BUILD/bpftcp.service" ] || skip "no $BUILD/bpftcp.service (run make)"
	# The unit as installed, naming this build's bpftcp; its man pages found.
	sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/bpftcp|\1$BUILD/bpftcp|" "$BUILD/bpftcp.service" > "$unit"
	mkdir -p "$man/man8" "$man/man5" && cp "$BUILD/bpftcp.8" "$man/man8/" &&
		cp "$BUILD/bpftcp.conf.5" "$man/man5/" || fail "cannot lay out the man pages"
	MANPATH=$man run systemd-analyze verify "$unit" > "$TEST_TMP/verify.out" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$TEST_TMP/verify.out")"
	grep -qx "Type=oneshot" "$unit" && grep -qx "RemainAfterExit=yes" "$unit" ||
		fail "not a oneshot with RemainAfterExit"
	grep -q "^ExecStart=.*bpftcp apply$" "$unit" && grep -q "^ExecReload=.*bpftcp apply$" "$unit" ||
		fail "ExecStart/ExecReload are not 'bpftcp apply'"
}
