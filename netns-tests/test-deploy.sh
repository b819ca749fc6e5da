# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# deploy/ (docs/deploy.md): the manifests pass yamllint, and yamllint fails
# on a broken copy of them (the lint can fail); the DaemonSet has what a
# node needs and names only settings bpftcp-node reads; bpftcp-node
# (deploy/bpftcp-node.sh) applies at start and again when a ConfigMap's
# ..data symlink is swapped, and nothing in between; the Containerfile's
# runtime stage installs the package of every library bpftcp links with;
# and 'make install DESTDIR=' lays out the binary, the unit, the commented
# example config, the man pages and the bash completion ('make uninstall'
# takes them away again).  Nothing here needs root or changes the host.

ALL_TESTS="
	deploy_manifests_pass_yamllint
	deploy_yamllint_fails_on_a_broken_copy
	deploy_daemonset_has_what_a_node_needs
	deploy_node_applies_at_start_and_on_configmap_swap
	deploy_containerfile_installs_the_runtime_libraries
	make_install_lays_out_the_files
"

DEPLOY_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# yamllint_deploy DIR: lints the YAML under DIR with the repository's rules
# (warnings fail too); the report in $TEST_TMP/yamllint.out.
yamllint_deploy() {
	run yamllint -s -f parsable -c "$DEPLOY_TOP/.yamllint" "$1" > "$TEST_TMP/yamllint.out" 2>&1
}

deploy_manifests_pass_yamllint() {
	local n
	require_cmds yamllint
	n=$(find "$DEPLOY_TOP/deploy" -name '*.yaml' | wc -l)
	[ "$n" -ge 3 ] || fail "only $n YAML files under deploy/"
	yamllint_deploy "$DEPLOY_TOP/deploy" || fail "yamllint: $(cat "$TEST_TMP/yamllint.out")"
	log "yamllint: $n files clean"
}

# Each breakage is one yamllint rule; each copy must fail at its line.
deploy_yamllint_fails_on_a_broken_copy() {
	local copy=$TEST_TMP/deploy f line
	require_cmds yamllint
	for breakage in key-duplicates indentation trailing-spaces; do
		rm -rf "$copy" && cp -r "$DEPLOY_TOP/deploy" "$copy" || fail "cannot copy deploy/"
		f=$copy/k8s/daemonset.yaml
		line=$(grep -n '^      hostNetwork: true$' "$f" | cut -d: -f1)
		[ -n "$line" ] || fail "no hostNetwork line in daemonset.yaml"
		case $breakage in
		key-duplicates) sed -i "${line}a\\      hostNetwork: false" "$f"; line=$((line + 1)) ;;
		indentation) sed -i "${line}s/^      /     /" "$f" ;;
		trailing-spaces) sed -i "${line}s/\$/  /" "$f" ;;
		esac
		yamllint_deploy "$copy" && fail "yamllint passed a copy with $breakage at line $line"
		log "$breakage: $(cat "$TEST_TMP/yamllint.out")"
		grep -q "daemonset.yaml:$line:.*($breakage)" "$TEST_TMP/yamllint.out" ||
			grep -q "daemonset.yaml:$line:.*syntax error" "$TEST_TMP/yamllint.out" ||
			fail "yamllint did not report $breakage at daemonset.yaml:$line"
	done
}

deploy_daemonset_has_what_a_node_needs() {
	local py
	py=$("$DEPLOY_TOP/scripts/find-python.sh" yaml) || skip "no python3 with the yaml module (python3-yaml, a dependency of yamllint)"
	run "$py" - "$DEPLOY_TOP/deploy" <<'PY' || fail "the DaemonSet lacks something (above)"
import os, re, sys, yaml
top = sys.argv[1]
docs = {}
for name in ("daemonset.yaml", "configmap.yaml", "kustomization.yaml"):
    with open(os.path.join(top, "k8s", name)) as f:
        docs[name] = [d for d in yaml.safe_load_all(f) if d]
ds = [d for d in docs["daemonset.yaml"] if d["kind"] == "DaemonSet"][0]
cm = [d for d in docs["configmap.yaml"] if d["kind"] == "ConfigMap"][0]
pod = ds["spec"]["template"]["spec"]
c = pod["containers"][0]
errors = []
def need(ok, what):
    if not ok:
        errors.append(what)
need(pod.get("hostNetwork") is True, "hostNetwork: true")
need(c.get("securityContext", {}).get("privileged") is True, "privileged: true")
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in pod["volumes"]}
for path in ("/sys/fs/bpf", "/sys/fs/cgroup", "/run/bpftcp"):
    m = mounts.get(path)
    need(m and vols[m["name"]].get("hostPath", {}).get("path") == path,
         path + " mounted from the node's " + path)
m = mounts.get("/etc/bpftcp")
need(m and vols[m["name"]].get("configMap", {}).get("name") == cm["metadata"]["name"],
     "the ConfigMap mounted at /etc/bpftcp")
need("bpftcp.conf" in cm["data"], "bpftcp.conf in the ConfigMap")
need(c["command"] == ["/usr/sbin/bpftcp-node"], "the command is bpftcp-node")
# The image: a placeholder the operator sets, with no registry host.
need(re.fullmatch(r"bpftcp:[A-Za-z0-9._-]+", c["image"]) is not None,
     "an image name without a registry (got %s)" % c["image"])
need(any(i["name"] == "bpftcp" for i in docs["kustomization.yaml"][0]["images"]),
     "kustomization.yaml sets the image")
# Every setting the pod gives is one bpftcp-node.sh reads.
with open(os.path.join(top, "bpftcp-node.sh")) as f:
    script = f.read()
for e in c.get("env", []):
    need("${" + e["name"] + ":-" in script, "bpftcp-node.sh reads " + e["name"])
probe = " ".join(c["readinessProbe"]["exec"]["command"])
need("/tmp/bpftcp-node/ready" in probe, "the readiness probe tests bpftcp-node's ready file")
for e in errors:
    print("missing: " + e)
sys.exit(1 if errors else 0)
PY
}

# A ConfigMap volume as the kubelet writes it: <dir>/..data -> ..<stamp>,
# <dir>/bpftcp.conf -> ..data/bpftcp.conf; cm_swap TEXT swaps in a new one.
cm_swap() {
	local dir=$TEST_TMP/cm stamp=..$(date +%s%N)
	mkdir -p "$dir/$stamp" && printf '%s\n' "$1" > "$dir/$stamp/bpftcp.conf" &&
		ln -s "$stamp" "$dir/..data_tmp" && mv -T "$dir/..data_tmp" "$dir/..data" &&
		ln -sfn ..data/bpftcp.conf "$dir/bpftcp.conf" || fail "cannot swap the ConfigMap"
}

# wait_applies N: until the fake bpftcp has run N applies (5 s at most).
wait_applies() {
	local i
	for i in $(seq 50); do
		[ "$(wc -l < "$TEST_TMP/applies" 2>/dev/null || echo 0)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "$(wc -l < "$TEST_TMP/applies") applies, not $1: $(cat "$TEST_TMP/node.err")"
}

deploy_node_applies_at_start_and_on_configmap_swap() {
	local fake=$TEST_TMP/bpftcp state=$TEST_TMP/state node
	# A bpftcp that records what it applied, with the exit status in rc.
	cat > "$fake" <<-EOF
	#!/bin/sh
	[ "\$1 \$2" = "apply -f" ] || exit 64
	echo "\$(cat "\$3" | tr '\n' ' ')" >> "$TEST_TMP/applies"
	exit \$(cat "$TEST_TMP/rc")
	EOF
	chmod +x "$fake" && echo 0 > "$TEST_TMP/rc"
	cm_swap "[cc] register = reno"
	BPFTCP=$fake BPFTCP_CONF=$TEST_TMP/cm/bpftcp.conf BPFTCP_WATCH_INTERVAL=0.1 \
		BPFTCP_NODE_STATE=$state "$DEPLOY_TOP/deploy/bpftcp-node.sh" 2> "$TEST_TMP/node.err" &
	node=$!
	cleanup_push "kill $node"
	wait_applies 1
	sleep 0.3
	[ -e "$state/ready" ] || fail "not ready after a good apply"
	# No change, no apply.
	assert_eq "$(wc -l < "$TEST_TMP/applies")" 1 "applies without a change"
	cm_swap "[cc] register = cubic"
	wait_applies 2
	assert_eq "$(sed -n 2p "$TEST_TMP/applies")" "[cc] register = cubic " "the second apply's file"
	# A bad file (exit 2): applied, reported, not ready.
	echo 2 > "$TEST_TMP/rc"
	cm_swap "[cc] nonsense"
	wait_applies 3
	sleep 0.3
	[ -e "$state/ready" ] && fail "still ready after apply exited 2"
	grep -q "has errors (exit 2)" "$TEST_TMP/node.err" || fail "the exit status 2 is not reported"
	kill -TERM "$node"
	SECONDS=0
	wait "$node"
	assert_eq "$?" 0 "bpftcp-node's exit status on SIGTERM"
	[ "$SECONDS" -le 2 ] || fail "bpftcp-node took $SECONDS s to stop"
	assert_eq "$(wc -l < "$TEST_TMP/applies")" 3 "applies in all"
}

# Every shared library bpftcp links with comes from a package that the
# Containerfile's runtime stage installs (the C library is in every image).
deploy_containerfile_installs_the_runtime_libraries() {
	local cf=$DEPLOY_TOP/deploy/Containerfile runtime lib pkg n=0
	require_cmds ldd dpkg-query
	[ -x "$BUILD/bpftcp" ] || skip "no $BUILD/bpftcp (run make)"
	# The runtime stage: from the last FROM on.
	runtime=$(awk '/^FROM /{s = ""} {s = s $0 "\n"} END {printf "%s", s}' "$cf")
	echo "$runtime" | grep -q "install-deps.sh --enable-backports" || fail "the runtime stage does not enable backports"
	for lib in $(ldd "$BUILD/bpftcp" | awk '$2 == "=>" { print $3 }'); do
		pkg=$(dpkg-query -S "$(readlink -f "$lib")" 2>/dev/null | head -n1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg-query -S "$lib" 2>/dev/null | head -n1 | cut -d: -f1)
		[ -n "$pkg" ] || fail "no Debian package owns $lib"
		[ "$pkg" = libc6 ] && continue
		echo "$runtime" | grep -qw -- "$pkg" || fail "the runtime stage does not install $pkg (for $lib)"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n libraries checked"
	# No registry host: the base image is a plain Debian name.
	grep -E '^(ARG BASE|FROM)' "$cf" | grep -qE '[a-z0-9-]+\.[a-z]{2,}[:/]' &&
		fail "a host name in: $(grep -E '^(ARG BASE|FROM)' "$cf")"
	return 0
}

make_install_lays_out_the_files() {
	local root=$TEST_TMP/root prefix=/usr/local f left
	require_cmds make
	[ -x "$BUILD/bpftcp" ] || skip "no $BUILD/bpftcp (run make)"
	# The build's own PREFIX (the default): nothing is rebuilt or rewritten.
	run make --no-print-directory -C "$DEPLOY_TOP" OUTPUT="$BUILD" DESTDIR="$root" install \
		> "$TEST_TMP/install.out" 2>&1 || fail "make install: $(cat "$TEST_TMP/install.out")"
	for f in sbin/bpftcp share/man/man8/bpftcp.8 share/man/man5/bpftcp.conf.5 \
		lib/systemd/system/bpftcp.service share/doc/bpftcp/bpftcp.conf.example \
		share/bash-completion/completions/bpftcp lib/libbpftcp.a lib/pkgconfig/libbpftcp.pc \
		include/bpftcp/libbpftcp.h; do
		[ -s "$root$prefix/$f" ] || fail "make install did not install $prefix/$f"
	done
	[ -x "$root$prefix/sbin/bpftcp" ] || fail "bpftcp is not executable"
	"$root$prefix/sbin/bpftcp" help > /dev/null 2>&1 || fail "the installed bpftcp does not run"
	grep -qx "ExecStart=$prefix/sbin/bpftcp apply" "$root$prefix/lib/systemd/system/bpftcp.service" ||
		fail "the unit does not run $prefix/sbin/bpftcp apply"
	cmp -s "$DEPLOY_TOP/deploy/bpftcp.conf" "$root$prefix/share/doc/bpftcp/bpftcp.conf.example" ||
		fail "the example config is not deploy/bpftcp.conf"
	# Commented: more comment lines than settings.
	[ "$(grep -c '^#' "$DEPLOY_TOP/deploy/bpftcp.conf")" -gt \
	  "$(grep -c '^[a-z]' "$DEPLOY_TOP/deploy/bpftcp.conf")" ] || fail "the example config is hardly commented"
	run make --no-print-directory -C "$DEPLOY_TOP" OUTPUT="$BUILD" DESTDIR="$root" uninstall \
		> "$TEST_TMP/install.out" 2>&1 || fail "make uninstall: $(cat "$TEST_TMP/install.out")"
	left=$(find "$root" ! -type d)
	[ -z "$left" ] || fail "make uninstall left: $left"
}
