# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Crash consistency (issue #17, item 3): bpftcp killed with SIGKILL at a
# random point of a job must leave a state that the next command can see
# as consistent, finish, or roll back.  Four commands, one test each:
#
#   bpftcp cc register all
#   bpftcp opt attach delack --cgroup <random cgroup> --max-delack 10
#   bpftcp sockets attach --cgroup <random cgroup>
#   bpftcp apply -f <config: two algorithms, a default, delack and
#                    collection on the cgroup>
#
# Each test first runs its command to the end twice (with the undo between)
# to measure how long it takes and to record the complete state it makes
# (the pin files of each object, the kernel's view), and once under strace
# to list its state-changing system calls (bpf, write, unlink, mkdir...).
# Then each trial kills the command, in turn, after a delay T (timeout -s
# KILL T, T drawn uniformly from [1 ms, measured duration]) or as it enters
# one of those system calls, drawn uniformly (strace injects SIGKILL: the
# points between two steps of a job, which a delay rarely hits), both
# drawn by a seeded RNG (CRASH_SEED, printed), and checks:
#
#   - no bpftcp process of this build survives (the killed one is gone, and
#     with it every fd it held);
#   - an object whose link is pinned is whole (a registration: link and
#     stats; an attachment: link and its maps), the kernel lists an
#     algorithm exactly when its link is pinned, and the cgroup runs a
#     program exactly when its link is pinned;
#   - no orphaned link or map: every struct_ops link and map of a shipped
#     algorithm and every link on the test's cgroup is one that is pinned
#     (after a settle time of SETTLE_MS for the kernel's deferred release);
#   - bpftcp's listings (cc list, opt show) show only whole objects;
#   - apply only: the default is the host's or one bpftcp registered, and
#     when it is not the host's, apply's saved default holds the host's.
#
# Pins without a link (maps pinned before a link that never was, the record
# map <pin root>/sock_state_v* with no object, an empty directory) are
# debris: nothing runs them, readers skip them, and the next mutating
# command repairs them (the recovery contract in docs/architecture.md).
# They are logged and counted, and must be gone after the next command.
#
# Then, in alternate trials, either the same command is run again (it must
# exit 0 and leave the complete state; a second apply must have nothing to
# change), or it is rolled back directly from what the kill left
# (cc unregister all / opt detach / sockets detach / reset); in both cases
# the rollback must leave the host exactly as before the test: no pins, no
# algorithm, nothing on the cgroup, the default and the allowed list as they
# were.
#
# Found on main before the locking work (lib/ of 2acb17a), by the system
# call kill points (the delays never hit them in 100 trials):
#   - cc register all, killed entering the BPF_OBJ_PIN of a registration's
#     "stats" (its link pinned just before): cc/bpf_cubic holds "link" only,
#     and bpf_cubic is missing from tcp_allowed_congestion_control; a
#     re-run of 'cc register all' exits 0 and leaves it so (it counts the
#     link pin as registered); 'cc unregister all' removes it.
#   - apply (sockets = yes), killed entering the BPF_OBJ_PIN of
#     sockets/cg-ID/counters: the collection link is pinned without its
#     counters; a re-run of apply exits 0 and leaves it so; reset removes
#     it.  (sockets attach pins in the same order: link, then counters.)
#
# Short form (make test): 3 trials per command.  STRESS=1: 25 per command
# (100 in all); CRASH_TRIALS overrides either.  With STRESS_OUT set, each
# test writes its trials to $STRESS_OUT/crash-<cmd>.tsv and rewrites
# $STRESS_OUT/summary.txt and results.json from all of them.
#
# Every test pins into a bpffs of its own (BPFTCP_BPFFS) and keeps apply's
# state in its own run directory (BPFTCP_RUNDIR); registrations and the
# default congestion control are host-wide, so it runs only when none of the
# algorithms it registers is registered already, and restores the default,
# the allowed list and everything it made in its cleanup, whatever happens.

ALL_TESTS="
	crash_cc_register_all
	crash_opt_attach_delack
	crash_sockets_attach
	crash_apply
"

SETTLE_MS=${SETTLE_MS:-3000}

# crash_setup: root, a private bpffs and run directory, a cgroup, the host's
# sysctls saved (restored at cleanup), the shipped algorithms ($SHIPPED).
crash_setup() {
	bpftcp_private
	require_cmds bpftool python3 timeout
	BPFTCP_REAL=$(readlink -f "$BPFTCP")
	log "before: $(retained_counts)"
	PIN_ROOT=$BPFTCP_BPFFS/bpftcp
	PY=python3
	[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
	SHIPPED=$("$BPFTCP" -j cc list | "$PY" -c '
import json, sys
print(" ".join(a["name"] for a in json.load(sys.stdin)["algorithms"] if a["shipped"]))')
	[ -n "$SHIPPED" ] || fail "bpftcp cc list shows no shipped algorithm"
	: > "$TEST_TMP/full-units"
	cgroup_new crash
	# The cgroup id (bpftool's cgroup_id, bpftcp's pin directory name)
	# is the kernfs id of the directory, its inode number.
	CGID=$(stat -c %i "$CGROUP")
	# Struct_ops maps and links of others (maps retained by their
	# connections, say) are not this test's to check.
	crash_state baseline > "$TEST_TMP/baseline"
	[ -n "${CRASH_SEED:-}" ] || CRASH_SEED=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	log "crash: seed $CRASH_SEED (CRASH_SEED=$CRASH_SEED repeats this run's delays)"
	if [ -n "${CRASH_TRIALS:-}" ]; then
		TRIALS=$CRASH_TRIALS
	elif [ "${STRESS:-0}" = 1 ]; then
		TRIALS=25
	else
		TRIALS=3
	fi
}

# any_registered KNAME...: true if the kernel lists one of them.
any_registered() {
	local k
	for k in "$@"; do cc_registered "$k" && return 0; done
	return 1
}

# ---------------------------------------------------------------- state

# The state is read by netns-tests/crash-state.py (see there), in one
# process per look; Debian's python3 starts several times faster than a
# pyenv shim.
crash_state() {
	PIN_ROOT=$PIN_ROOT CGROUP=$CGROUP CGID=$CGID SHIPPED=$SHIPPED \
		BPFTCP_REAL=$BPFTCP_REAL HOST_DEFAULT=$HOST_DEFAULT BASELINE=$TEST_TMP/baseline \
		"$PY" "$(dirname "${BASH_SOURCE[0]}")/crash-state.py" "$@"
}

pin_units() { crash_state units; }
snapshot() { crash_state snapshot; }
# state_problems: what makes the state inconsistent, one line each
# ($TEST_TMP/full-units: the pins of a complete run).
state_problems() { crash_state problems "$TEST_TMP/full-units"; }

# settled_problems: state_problems, polled for up to SETTLE_MS while it
# finds something (the kernel releases a dead process's links and maps a
# little later).  Sets SETTLE_WAITED (ms).
settled_problems() {
	local out waited=0
	while :; do
		out=$(state_problems)
		[ -z "$out" ] && break
		[ $waited -ge "$SETTLE_MS" ] && break
		sleep 0.1
		waited=$((waited + 100))
	done
	echo $waited > "$TEST_TMP/settled"
	[ -z "$out" ] || echo "$out"
}

# ------------------------------------------------------------- a trial

# The command under test is the array CMD, its undo UNDO; FULL is the
# complete state it makes, CLEAN the host's before.
#
# calibrate: runs CMD to the end twice (undone in between), checks that it
# makes the same state both times, and sets DURATION_MS (the longer run).
calibrate() {
	local i t0 t1 d
	CLEAN=$(snapshot)
	DURATION_MS=0
	for i in 1 2; do
		t0=$(date +%s%N)
		"${CMD[@]}" > "$TEST_TMP/cal.out" 2>&1 || fail "${CMD[*]} failed: $(cat "$TEST_TMP/cal.out")"
		t1=$(date +%s%N)
		d=$(((t1 - t0) / 1000000))
		[ $d -gt $DURATION_MS ] && DURATION_MS=$d
		if [ $i = 1 ]; then
			FULL=$(snapshot)
			pin_units > "$TEST_TMP/full-units"
		else
			[ "$(snapshot)" = "$FULL" ] || fail "two runs made different states: $(diff <(echo "$FULL") <(snapshot))"
		fi
		[ -z "$(settled_problems)" ] || fail "the complete state is inconsistent: $(state_problems)"
		"${UNDO[@]}" > "$TEST_TMP/cal.out" 2>&1 || fail "${UNDO[*]} failed: $(cat "$TEST_TMP/cal.out")"
		expect_clean "calibration undo"
	done
	log "crash: ${CMD[*]} takes $DURATION_MS ms; a complete run pins:"
	log "$(sed 's/^/    /' "$TEST_TMP/full-units")"
}

# expect_clean WHAT: the host is as before the test (no pin, nothing
# registered or attached, sysctls as they were); else records a problem.
expect_clean() {
	local now
	now=$(snapshot)
	[ "$now" = "$CLEAN" ] || problem "$1: not the host's original state: $(diff <(echo "$CLEAN") <(echo "$now") | grep '^[<>]' | tr '\n' ';')"
}

PROBLEMS=()
problem() {
	PROBLEMS+=("trial ${TRIAL:-0} ($CMD_NAME): $*")
	log "INCONSISTENT: $*"
	TRIAL_BAD=1
}

# rand_upto MAX: uniform in [0, MAX] from the seeded generator.
rand_upto() {
	echo $(( (RANDOM * 32768 + RANDOM) % ($1 + 1) ))
}

# The system calls by which bpftcp changes state (BPF objects, links,
# pins, sysctls, directories) or reports it: the kill points of the
# syscall trials.
KILL_SYSCALLS=bpf,write,unlink,unlinkat,rmdir,mkdir,mkdirat,rename,renameat,renameat2

# calibrate_syscalls: CMD once under strace, undone after; $TEST_TMP/events
# lists its state-changing system calls in order, one a line:
# "NAME ORDINAL CALL" (ORDINAL: which call of NAME it is).
calibrate_syscalls() {
	strace -qq -o "$TEST_TMP/strace.out" -e trace="$KILL_SYSCALLS" -e signal=none \
		"${CMD[@]}" > "$TEST_TMP/cal.out" 2>&1 || fail "${CMD[*]} under strace failed: $(cat "$TEST_TMP/cal.out")"
	awk '/^[a-z_0-9]+\(/ { n = $0; sub(/\(.*/, "", n); c[n]++
		print n, c[n], substr($0, 1, 110) }' "$TEST_TMP/strace.out" > "$TEST_TMP/events"
	"${UNDO[@]}" > "$TEST_TMP/cal.out" 2>&1 || fail "${UNDO[*]} failed: $(cat "$TEST_TMP/cal.out")"
	expect_clean "calibration undo"
	EVENTS=$(wc -l < "$TEST_TMP/events")
	[ "$EVENTS" -gt 0 ] || fail "strace saw no system call of ${CMD[*]}"
	log "crash: ${CMD[*]} makes $EVENTS state-changing system calls ($KILL_SYSCALLS)"
}

# kill_by_time: CMD killed after a delay drawn uniformly from [1 ms, its
# measured duration]; sets RC and KILL_AT.
kill_by_time() {
	local delay
	delay=$(rand_upto "$DURATION_MS")
	# timeout 0 would not time out: at least 1 ms.  In a subshell that
	# is not exec'ed away: bash would report the kill.
	[ "$delay" -ge 1 ] || delay=1
	(timeout -s KILL "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')" \
		"${CMD[@]}" > "$TEST_TMP/trial.out" 2>&1; exit $?) 2>/dev/null
	RC=$?
	KILL_AT="after $delay of $DURATION_MS ms"
}

# kill_by_syscall: CMD killed (SIGKILL injected by strace) as it enters
# one of its state-changing system calls, drawn uniformly from those of
# the calibration run: the points between two steps of the job, where a
# delay rarely lands.  Sets RC and KILL_AT.
kill_by_syscall() {
	local n name ord call
	n=$(( $(rand_upto $((EVENTS - 1))) + 1 ))
	read -r name ord call < <(sed -n "${n}p" "$TEST_TMP/events")
	(strace -qq -o /dev/null -e trace="$name" -e signal=none -e inject="$name:signal=KILL:when=$ord" \
		"${CMD[@]}" > "$TEST_TMP/trial.out" 2>&1; exit $?) 2>/dev/null
	RC=$?
	KILL_AT="entering system call $n of $EVENTS: $call"
}

# trials NAME: TRIALS kill trials of CMD, each checked, re-run or rolled
# back, and the host back to CLEAN after each.  The kill point is, in
# turn, a random delay (trials 1, 4, 5, 8...) or a random system call
# (2, 3, 6, 7...; by delay only without strace); odd trials re-run the
# command, even ones roll it back.
trials() {
	local i rc2 killed=0 bad=0 p out tsv="" left how kind debris done_before ndebris=0
	CMD_NAME=$1
	RANDOM=$((CRASH_SEED + $(printf '%s' "$CMD_NAME" | cksum | cut -d' ' -f1) % 10000))
	EVENTS=0
	if command -v strace >/dev/null 2>&1; then
		calibrate_syscalls
	else
		log "crash: no strace: every kill point is a delay"
	fi
	[ -n "${STRESS_OUT:-}" ] && tsv=$STRESS_OUT/crash-$CMD_NAME.tsv && : > "$tsv"
	for ((i = 1; i <= TRIALS; i++)); do
		TRIAL=$i TRIAL_BAD=0
		if [ "$EVENTS" -gt 0 ] && [ $((i % 4)) -ge 2 ]; then
			kind=syscall
			kill_by_syscall
		else
			kind="time"
			kill_by_time
		fi
		# 137: killed (128 + SIGKILL); 0: the job was done before.
		case $RC in
		137) killed=$((killed + 1)) ;;
		0) ;;
		*) problem "killed $KILL_AT it exited $RC: $(head -c 300 "$TEST_TMP/trial.out")" ;;
		esac
		out=$(settled_problems)
		if [ -n "$out" ]; then
			while read -r p; do problem "killed $KILL_AT: $p"; done <<<"$out"
		fi
		left=$(pin_units | paste -sd';')
		debris=$(crash_state debris | paste -sd';')
		[ -z "$debris" ] || log "debris after the kill (the next command must repair it): $debris"
		if [ $((i % 2)) = 1 ]; then
			# The same command again finishes the job.  An attach
			# whose job was done before the kill landed refuses, as
			# it should.
			done_before=0
			[ "$(snapshot)" = "$FULL" ] && done_before=1
			"${CMD[@]}" > "$TEST_TMP/again.out" 2>&1
			rc2=$?
			if [ $rc2 != 0 ] && ! { [ $done_before = 1 ] && grep -q "File exists" "$TEST_TMP/again.out"; }; then
				problem "re-run after the kill $KILL_AT exited $rc2: $(head -c 300 "$TEST_TMP/again.out")"
			else
				[ "$(snapshot)" = "$FULL" ] ||
					problem "re-run after the kill $KILL_AT: not the complete state: $(diff <(echo "$FULL") <(snapshot) | grep '^[<>]' | paste -sd';')"
				[ -z "${AGAIN_NOOP:-}" ] || "${CMD[@]}" 2>&1 | grep -q "$AGAIN_NOOP" ||
					problem "a second re-run still had something to do"
			fi
			"${UNDO[@]}" > "$TEST_TMP/undo.out" 2>&1 ||
				problem "${UNDO[*]} after the re-run exited $?: $(head -c 300 "$TEST_TMP/undo.out")"
			expect_clean "undo after the re-run"
			how=rerun
		else
			# Rolled back from what the kill left.  Undoing what is
			# not there may be an error (1), when no link was pinned.
			"${UNDO[@]}" > "$TEST_TMP/undo.out" 2>&1
			rc2=$?
			if [ $rc2 != 0 ] && [[ " $left " == *" link"* ]]; then
				problem "${UNDO[*]} after the kill $KILL_AT exited $rc2 with '$left' pinned: $(head -c 300 "$TEST_TMP/undo.out")"
			fi
			expect_clean "rollback after the kill $KILL_AT"
			how=rollback
		fi
		# Whatever a failed check left: back to clean for the next trial.
		if [ "$(snapshot)" != "$CLEAN" ]; then
			"$BPFTCP" reset >/dev/null 2>&1
			"${UNDO[@]}" >/dev/null 2>&1
			rm -rf "$PIN_ROOT" "$BPFTCP_RUNDIR/default" 2>/dev/null
			sysctl -q -w net.ipv4.tcp_congestion_control="$HOST_DEFAULT"
			sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$HOST_ALLOWED"
			[ "$(snapshot)" = "$CLEAN" ] || fail "cannot bring the host back after trial $i: $(diff <(echo "$CLEAN") <(snapshot))"
		fi
		bad=$((bad + TRIAL_BAD))
		[ -n "$debris" ] && ndebris=$((ndebris + 1))
		log "trial $i/$TRIALS $CMD_NAME: killed $KILL_AT, exit $RC$([ "$RC" = 137 ] && echo ' (killed mid-job)'), left: ${left:-nothing}; $how; settle $(cat "$TEST_TMP/settled") ms; $([ $TRIAL_BAD = 0 ] && echo consistent || echo INCONSISTENT)"
		[ -n "$tsv" ] && printf '%s\t%d\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n' "$CMD_NAME" "$i" "$kind" \
			"$KILL_AT" "$RC" "$how" "${left:-}" "$TRIAL_BAD" "$CRASH_SEED" "$debris" >> "$tsv"
	done
	log "crash: $CMD_NAME: $TRIALS trials, $killed killed mid-job, $ndebris left debris for the next command, $bad inconsistent (seed $CRASH_SEED)"
	[ -n "${STRESS_OUT:-}" ] && write_summary
	log "after: $(retained_counts)"
	[ ${#PROBLEMS[@]} -eq 0 ] || fail "$bad of $TRIALS trials inconsistent:$(printf '\n  %s' "${PROBLEMS[@]}")"
}

# write_summary: summary.txt and results.json from every crash-*.tsv.
write_summary() {
	"$PY" - "$STRESS_OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
per = {}
for f in sorted(glob.glob(os.path.join(out, "crash-*.tsv"))):
    for line in open(f):
        c = line.rstrip("\n").split("\t")
        if len(c) < 10:
            continue
        d = per.setdefault(c[0], {"trials": 0, "killed_mid_job": 0, "left_debris": 0,
                                  "inconsistent": 0, "seed": int(c[8]), "trial_list": []})
        d["left_debris"] += bool(c[9])
        d["trials"] += 1
        d["killed_mid_job"] += c[4] == "137"
        d["inconsistent"] += int(c[7]) > 0
        d["trial_list"].append({"trial": int(c[1]), "kill": c[2], "killed": c[3], "exit": int(c[4]),
                                "then": c[5], "left": c[6], "debris": c[9],
                                "inconsistent": int(c[7]) > 0})
t = sum(d["trials"] for d in per.values())
k = sum(d["killed_mid_job"] for d in per.values())
b = sum(d["inconsistent"] for d in per.values())
open(os.path.join(out, "summary.txt"), "w").write(
    "%d trials, %d killed mid-job, %d inconsistent\n" % (t, k, b))
json.dump({"trials": t, "killed_mid_job": k, "inconsistent": b, "commands": per},
          open(os.path.join(out, "results.json"), "w"), indent=1)
PY
}

# ------------------------------------------------------------- the tests

crash_cc_register_all() {
	crash_setup
	# shellcheck disable=SC2086
	any_registered $SHIPPED && skip "a shipped algorithm is registered already (by someone else): 'register all' would not register it"
	CMD=("$BPFTCP" cc register all)
	UNDO=("$BPFTCP" cc unregister all)
	calibrate
	trials cc-register-all
}

crash_opt_attach_delack() {
	crash_setup
	CMD=("$BPFTCP" opt attach delack --cgroup "$CGROUP" --max-delack 10)
	UNDO=("$BPFTCP" opt detach delack --cgroup "$CGROUP")
	calibrate
	trials opt-attach-delack
}

crash_sockets_attach() {
	crash_setup
	CMD=("$BPFTCP" sockets attach --cgroup "$CGROUP")
	UNDO=("$BPFTCP" sockets detach --cgroup "$CGROUP")
	calibrate
	trials sockets-attach
}

crash_apply() {
	local ccs a b
	crash_setup
	ccs=$(free_ccs 2) || exit $?
	a=$(echo "$ccs" | sed -n 1p) b=$(echo "$ccs" | sed -n 2p)
	printf '%s\n' "# crash test" "[cc]" "register = $a $b" "default = bpf_$a" \
		"[cgroup $CGROUP]" "sockets = yes" "delack = yes" "max-delack = 10" > "$TEST_TMP/bpftcp.conf"
	CMD=("$BPFTCP" apply -f "$TEST_TMP/bpftcp.conf")
	UNDO=("$BPFTCP" reset)
	AGAIN_NOOP="^nothing to change"
	calibrate
	trials apply
}
