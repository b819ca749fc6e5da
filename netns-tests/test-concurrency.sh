# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Concurrency (issue #17, item 4; docs/reliability.md, "Concurrency"): eight
# bpftcp processes at once register, unregister, replace and read
# congestion controls, attach and detach the delack option and the
# collection on two cgroups of the test's, and list and show, in random
# order, for CONC_SECONDS (15 s; 60 s with STRESS=1).  Every command's
# start, end, exit code and stderr are logged; then:
#   - every command exited 0, or 1 with a clear error ("error: ..." naming
#     the object, not "Unknown error"), which is one the race explains
#     (already registered / attached, not registered / attached); no
#     signal, no other exit code; readers (cc list -j, opt show -j,
#     cc stats) never fail but for a name not registered, and print valid
#     JSON in which no attachment is half-built;
#   - per object, the successful state changes alternate (register,
#     unregister, register, ...), and the end state is the one the last
#     successful operation left: bpftcp cc list -j, the kernel's list,
#     bpftcp opt show -j (with the settings of the last successful attach),
#     bpftool cgroup show and the pin directories all agree with it;
#   - no orphaned pin (a directory without a link, a *_new map), and no
#     bpftcp process is left;
#   - after the test undoes the end state, nothing of the test's is
#     registered, attached or pinned, and the host's available and allowed
#     congestion controls and its default are what they were before.
# With STRESS_OUT set it writes summary.txt and results.json there.

ALL_TESTS="
	concurrency_eight_processes
"

CONC_WORKERS=8

# conc_worker W DEADLINE LOG: one process's random operations until
# DEADLINE ($EPOCHREALTIME), one line each into LOG:
# worker seq start end rc verb object value stderr
conc_worker() {
	local w=$1 deadline=$2 log=$3 seq=0 r verb obj val cmd t0 t1 rc err out
	RANDOM=$((w * 7919 + $$))
	while [[ ${EPOCHREALTIME/./} -lt ${deadline/./} ]]; do
		seq=$((seq + 1))
		r=$((RANDOM % 100))
		obj=${CONC_CC[RANDOM % ${#CONC_CC[@]}]}
		val=-
		out=/dev/null
		if ((r < 14)); then
			verb=register cmd=("$BPFTCP" cc register "$obj")
		elif ((r < 26)); then
			verb=unregister cmd=("$BPFTCP" cc unregister "$obj")
		elif ((r < 34)); then
			verb=replace cmd=("$BPFTCP" cc replace "$obj")
		elif ((r < 40)); then
			verb=stats cmd=("$BPFTCP" -j cc stats "$obj") out=$TEST_TMP/out/$w.$seq
		elif ((r < 46)); then
			verb=list obj=- cmd=("$BPFTCP" -j cc list) out=$TEST_TMP/out/$w.$seq
		else
			obj=${CONC_CG[RANDOM % ${#CONC_CG[@]}]}
			if ((r < 60)); then
				# A value per attach, so the end state names the attach it came from.
				val=$((RANDOM % 400 + 10))
				verb=delack-attach
				cmd=("$BPFTCP" opt attach delack --cgroup "$obj" --max-delack "$((val / 10)).$((val % 10))")
			elif ((r < 72)); then
				verb=delack-detach cmd=("$BPFTCP" opt detach delack --cgroup "$obj")
			elif ((r < 78)); then
				verb=show obj=- cmd=("$BPFTCP" -j opt show) out=$TEST_TMP/out/$w.$seq
			elif ((r < 89)); then
				verb=sockets-attach cmd=("$BPFTCP" sockets attach --cgroup "$obj")
			else
				verb=sockets-detach cmd=("$BPFTCP" sockets detach --cgroup "$obj")
			fi
		fi
		t0=$EPOCHREALTIME
		err=$("${cmd[@]}" 2>&1 >"$out")
		rc=$?
		t1=$EPOCHREALTIME
		err=${err//$'\t'/ }
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$seq" "$t0" "$t1" "$rc" "$verb" "$obj" \
			"$val" "${err//$'\n'/ | }" >> "$log"
	done
}

# conc_json CMD...: CMD's JSON output, [] when it prints nothing (bpftool
# with nothing to list), null when it fails.
conc_json() {
	local out
	out=$("$@" 2>/dev/null) || { echo null; return; }
	echo "${out:-[]}"
}

# conc_state: what is there now, as one JSON document on stdout (the
# checker compares it with what the log says).
conc_state() {
	local root cg name
	root=$(awk '$3 == "bpf" { print $2; exit }' /proc/mounts)/bpftcp
	{
		echo "{\"available\": \"$(cat /proc/sys/net/ipv4/tcp_available_congestion_control)\","
		echo " \"allowed\": \"$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)\","
		echo " \"default\": \"$(cat /proc/sys/net/ipv4/tcp_congestion_control)\","
		echo " \"cc_list\": $("$BPFTCP" -j cc list || echo null),"
		echo " \"opt_show\": $("$BPFTCP" -j opt show || echo null),"
		echo " \"struct_ops\": $(conc_json bpftool -j struct_ops dump),"
		echo " \"links\": $(conc_json bpftool -j link list),"
		echo " \"cgroups\": {"
		for cg in "${CONC_CG[@]}"; do
			echo "  \"$cg\": {\"id\": $(stat -c %i "$cg"), \"progs\": $(conc_json bpftool -j cgroup show "$cg")},"
		done
		echo "  \"\": null},"
		echo " \"pins\": ["
		if [ -d "$root" ]; then
			find "$root" -mindepth 1 -printf '  "%P",\n'
		fi
		echo '  ""]}'
	}
}

concurrency_eight_processes() {
	local secs=${CONC_SECONDS:-15} name pids=() w deadline before after t0 t1 rc
	[ "${STRESS:-0}" = 1 ] && secs=${CONC_SECONDS:-60}
	[ -x "$BPFTCP" ] || skip "no $BPFTCP (run make)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux): no BPF congestion control"
	require_cmds bpftool python3 stat find
	# Registrations are host-wide: only names nobody holds, and they are
	# unregistered at cleanup whatever the run left.
	CONC_CC=()
	for name in reno cubic highspeed; do
		cc_registered "bpf_$name" && continue
		CONC_CC+=("$name")
		cleanup_push "'$BPFTCP' cc unregister $name >/dev/null 2>&1 || true"
	done
	[ ${#CONC_CC[@]} -ge 2 ] || skip "bpf_reno, bpf_cubic and bpf_highspeed are registered by someone else"
	CONC_CG=()
	for name in a b; do
		cgroup_new "conc-$name"
		CONC_CG+=("$CGROUP")
		cleanup_push "'$BPFTCP' opt detach delack --cgroup '$CGROUP' >/dev/null 2>&1 || true"
		cleanup_push "'$BPFTCP' sockets detach --cgroup '$CGROUP' >/dev/null 2>&1 || true"
	done
	mkdir -p "$TEST_TMP/out"
	conc_state > "$TEST_TMP/before.json" || fail "cannot read the state before the run"

	log "$CONC_WORKERS processes for $secs s on ${CONC_CC[*]} and ${CONC_CG[*]}"
	t0=$EPOCHREALTIME
	deadline=$(awk -v t="$t0" -v s="$secs" 'BEGIN { printf "%.6f", t + s }')
	for ((w = 1; w <= CONC_WORKERS; w++)); do
		conc_worker "$w" "$deadline" "$TEST_TMP/ops.$w" &
		pids+=($!)
	done
	for w in "${pids[@]}"; do
		wait "$w" || fail "worker $w exited with status $?"
	done
	t1=$EPOCHREALTIME
	for w in "${pids[@]}"; do
		kill -0 "$w" 2>/dev/null && fail "worker $w still runs after wait"
	done
	pgrep -f "^$BPFTCP " >/dev/null && fail "a bpftcp process is left: $(pgrep -af "^$BPFTCP ")"
	cat "$TEST_TMP"/ops.* > "$TEST_TMP/ops.tsv"
	conc_state > "$TEST_TMP/end.json" || fail "cannot read the end state"
	# The evidence: every operation's line, and the end state.
	[ -n "${STRESS_OUT:-}" ] && cp "$TEST_TMP/ops.tsv" "$TEST_TMP/end.json" "$STRESS_OUT/"

	# The checker writes, for the undo below, one "verb object" line per
	# thing the end state holds.
	python3 - "$TEST_TMP" "$t0" "$t1" "$CONC_WORKERS" "${STRESS_OUT:-}" <<'EOF' || fail "the run is inconsistent (above)"
import json, os, sys

tmp, t0, t1, nworkers, stress_out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
problems = []

# What each verb may answer when it fails, because of the race.
CLEAR = {
    "register": ["already registered"],
    "unregister": ["not registered by bpftcp"],
    "replace": ["not registered (register it first"],
    "stats": ["is not registered"],
    "delack-attach": ["already attached"],
    "delack-detach": ["not attached"],
    "sockets-attach": ["already attached"],
    "sockets-detach": ["not attached by bpftcp"],
}
READERS = {"list", "show", "stats"}

ops = []
for line in open(os.path.join(tmp, "ops.tsv")):
    f = line.rstrip("\n").split("\t")
    if len(f) != 9:
        problems.append("malformed log line: %r" % line)
        continue
    w, seq, start, end, rc, verb, obj, val, err = f
    ops.append(dict(w=int(w), seq=int(seq), start=float(start), end=float(end), rc=int(rc),
                    verb=verb, obj=obj, val=val, err=err))

clear_failures = 0
for o in ops:
    where = "worker %d op %d (%s %s)" % (o["w"], o["seq"], o["verb"], o["obj"])
    if o["rc"] not in (0, 1):
        problems.append("%s: exit code %d: %s" % (where, o["rc"], o["err"]))
        continue
    if "nknown error" in o["err"] or "egmentation" in o["err"]:
        problems.append("%s: %s" % (where, o["err"]))
    if o["rc"] == 1:
        # stderr: "note: ..." lines of the library, then one "error: ...".
        errors = [l for l in o["err"].split(" | ") if l.startswith("error: ")]
        if len(errors) != 1:
            problems.append("%s: failed without one error message (stderr %r)" % (where, o["err"]))
        elif not any(c in errors[0] for c in CLEAR.get(o["verb"], [])):
            problems.append("%s: failed with an error the race does not explain: %s" % (where, o["err"]))
        elif "note: cannot" in o["err"]:
            problems.append("%s: the refusal came after a failed step: %s" % (where, o["err"]))
        else:
            clear_failures += 1
    if o["verb"] in READERS and o["rc"] == 0:
        try:
            doc = json.load(open(os.path.join(tmp, "out", "%d.%d" % (o["w"], o["seq"]))))
        except (OSError, ValueError) as e:
            problems.append("%s: stdout is not one JSON document: %s" % (where, e))
            continue
        if o["verb"] == "show":
            for a in doc.get("attachments", []):
                if not a.get("attached") or not a.get("settings"):
                    problems.append("%s: a half-built attachment shown: %s" % (where, a))

# Per object: the successful state changes must alternate, starting from
# "off" (nothing was there before), and the end state is the last one's.
CHANGES = {"register": ("cc", True), "unregister": ("cc", False),
           "delack-attach": ("delack", True), "delack-detach": ("delack", False),
           "sockets-attach": ("sockets", True), "sockets-detach": ("sockets", False)}
expect = {}
ambiguous = 0
objects = {}
for o in ops:
    if o["rc"] == 0 and o["verb"] in CHANGES:
        kind, on = CHANGES[o["verb"]]
        objects.setdefault((kind, o["obj"]), []).append((o, on))
for key, changes in sorted(objects.items()):
    ons = sum(1 for _, on in changes if on)
    offs = len(changes) - ons
    if ons - offs not in (0, 1):
        problems.append("%s %s: %d successful ons and %d offs: they cannot alternate" % (key + (ons, offs)))
        continue
    final = ons - offs == 1
    vals = None
    if final:
        # The "on" that took effect last: one that no successful change of
        # this object started after it had ended.  Overlapping operations
        # leave several candidates; the end state must be one of them.
        cands = [o for o, on in changes if on and not any(y["start"] > o["end"] for y, _ in changes)]
        ambiguous += len(cands) > 1
        vals = {o["val"] for o in cands}
    expect[key] = (final, vals)

# The end state.
end = json.load(open(os.path.join(tmp, "end.json")))
before = json.load(open(os.path.join(tmp, "before.json")))
avail = end["available"].split()
cc_list = {a["name"]: a for a in end["cc_list"]["algorithms"]}
# bpftool: the struct_ops maps a link holds (a map no link holds is
# retained, not registered: docs/reliability.md, item 5).
def struct_ops_names(state):
    """map id -> the tcp_congestion_ops name in its value (bpftool struct_ops dump)"""
    names, last_id = {}, None
    for m in state["struct_ops"] or []:
        if "bpf_map_info" in m:
            last_id = m["bpf_map_info"]["id"]
        for v in m.values():
            if isinstance(v, dict) and isinstance(v.get("data"), dict) and "name" in v["data"]:
                names[last_id] = v["data"]["name"]
    return names
def linked_struct_ops(state):
    names = struct_ops_names(state)
    return [names.get(l.get("map_id")) for l in state["links"] or [] if l.get("type") == "struct_ops"]
linked = linked_struct_ops(end)
names = sorted({o["obj"] for o in ops if o["verb"] in ("register", "unregister", "replace", "stats")})
undo = []
for name in names:
    kname = "bpf_" + name
    want, _ = expect.get(("cc", name), (False, None))
    got = {"kernel lists it": kname in avail,
           "cc list -j: registered": bool(cc_list.get(kname, {}).get("registered")),
           "cc list -j: pinned": bool(cc_list.get(kname, {}).get("pinned")),
           "pin cc/%s/link" % kname: "cc/%s/link" % kname in end["pins"],
           "bpftool: a struct_ops link holds it": linked.count(kname) == 1}
    if linked.count(kname) > 1:
        problems.append("%s: %d struct_ops links hold it" % (kname, linked.count(kname)))
    for what, v in got.items():
        if v != want:
            problems.append("%s: %s is %s, but the last successful operation left it %s"
                            % (kname, what, v, "registered" if want else "unregistered"))
    if want:
        undo.append("cc unregister %s" % name)
shown = {a["cgroup"]: a for a in end["opt_show"]["attachments"] if a["option"] == "delack"}
for cg, info in end["cgroups"].items():
    if not cg:
        continue
    progs = sorted(p["name"] for p in (info["progs"] or []))
    want_dl, vals = expect.get(("delack", cg), (False, None))
    want_sk, _ = expect.get(("sockets", cg), (False, None))
    want_progs = sorted((["bpftcp_delack"] if want_dl else []) + (["bpftcp_sock_stats"] if want_sk else []))
    if progs != want_progs:
        problems.append("%s: bpftool cgroup show has %s, the last successful operations left %s"
                        % (cg, progs, want_progs))
    pin_dl = "opt/delack/%d/link" % info["id"] in end["pins"]
    pin_sk = "sockets/cg-%d/link" % info["id"] in end["pins"]
    if pin_dl != want_dl or (cg in shown) != want_dl:
        problems.append("%s: delack pinned %s, shown %s, but the last successful operation left it %s"
                        % (cg, pin_dl, cg in shown, "attached" if want_dl else "detached"))
    if pin_sk != want_sk:
        problems.append("%s: collection pinned %s, but the last successful operation left it %s"
                        % (cg, pin_sk, "attached" if want_sk else "detached"))
    if want_dl and cg in shown:
        got_val = shown[cg]["settings"]["max_delack_us"] // 100
        if str(got_val) not in vals:
            problems.append("%s: delack attached with max-delack %.1f ms, the last successful attach "
                            "asked for %s" % (cg, got_val / 10, " or ".join(sorted(vals))))
        if not shown[cg]["attached"]:
            problems.append("%s: opt show says delack is not attached" % cg)
    if want_dl:
        undo.append("opt detach delack --cgroup %s" % cg)
    if want_sk:
        undo.append("sockets detach --cgroup %s" % cg)
# No orphan: every pin directory (cc/K, opt/O/ID, sockets/cg-ID) holds a
# link, and no update is half done.
for p in end["pins"]:
    parts = p.split("/")
    if (parts[0] in ("cc", "sockets") and len(parts) == 2) or (parts[0] == "opt" and len(parts) == 3):
        if p + "/link" not in end["pins"]:
            problems.append("orphaned pin directory %s (no link)" % p)
for p in end["pins"]:
    if p.endswith("_new"):
        problems.append("a half-done update left %s" % p)

ops_n = len(ops)
secs = t1 - t0
print("%d ops by %d processes in %.1f s: %d clear failures, %d inconsistent (%d end states "
      "with overlapping last operations, checked against each candidate)"
      % (ops_n, nworkers, secs, clear_failures, len(problems), ambiguous))
by_verb = {}
for o in ops:
    v = by_verb.setdefault(o["verb"], {"ok": 0, "clear_failures": 0, "other": 0})
    v["ok" if o["rc"] == 0 else "clear_failures" if o["rc"] == 1 else "other"] += 1
for v, c in sorted(by_verb.items()):
    print("  %-15s %s" % (v, c))
for p in problems[:40]:
    print("INCONSISTENT: " + p)
open(os.path.join(tmp, "undo"), "w").write("".join(u + "\n" for u in undo))
if stress_out:
    with open(os.path.join(stress_out, "summary.txt"), "w") as f:
        f.write("%d ops by %d processes in %.0f s, %d clear failures, %d inconsistent\n"
                % (ops_n, nworkers, secs, clear_failures, len(problems)))
    with open(os.path.join(stress_out, "results.json"), "w") as f:
        json.dump({"ops": ops_n, "processes": nworkers, "seconds": round(secs, 1),
                   "clear_failures": clear_failures, "inconsistent": len(problems),
                   "ambiguous_end_states": ambiguous, "by_verb": by_verb,
                   "problems": problems[:100]}, f, indent=1)
sys.exit(1 if problems or ops_n == 0 else 0)
EOF

	# Undo the end state; each must succeed, and then nothing is left.
	while read -r line; do
		[ -n "$line" ] || continue
		# shellcheck disable=SC2086
		out=$("$BPFTCP" $line 2>&1) || fail "bpftcp $line (undoing the end state): $out"
	done < "$TEST_TMP/undo"
	conc_state > "$TEST_TMP/after.json" || fail "cannot read the state after the undo"
	python3 - "$TEST_TMP" "${CONC_CC[*]}" <<'EOF' || fail "the host is not as it was before the run (above)"
import json, os, sys
tmp, names = sys.argv[1], sys.argv[2].split()
before = json.load(open(os.path.join(tmp, "before.json")))
after = json.load(open(os.path.join(tmp, "after.json")))
bad = []
for k in ("available", "allowed", "default"):
    if before[k] != after[k]:
        bad.append("%s: %r before, %r after" % (k, before[k], after[k]))
if sorted(before["pins"]) != sorted(after["pins"]):
    bad.append("pins: %s before, %s after" % (before["pins"], after["pins"]))
for cg, info in after["cgroups"].items():
    if cg and info["progs"]:
        bad.append("%s still has %s" % (cg, info["progs"]))
ids = {l.get("map_id") for l in after["links"] or [] if l.get("type") == "struct_ops"}
last_id = None
for m in after["struct_ops"] or []:
    if "bpf_map_info" in m:
        last_id = m["bpf_map_info"]["id"]
    for v in m.values():
        name = v.get("data", {}).get("name") if isinstance(v, dict) and isinstance(v.get("data"), dict) else None
        if name in ["bpf_" + n for n in names] and last_id in ids:
            bad.append("%s is still registered (struct_ops map %d held by a link)" % (name, last_id))
for b in bad:
    print("NOT RESTORED: " + b)
sys.exit(1 if bad else 0)
EOF
	return 0
}
