#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# bpftcp-node: the container's command in the Kubernetes DaemonSet
# (deploy/k8s/daemonset.yaml, docs/deploy.md).  Runs 'bpftcp apply' once at
# start, then again whenever the configuration changes, and sleeps in
# between; it never changes anything itself.
#
# A ConfigMap mounted as a volume is updated by the kubelet with an atomic
# swap of the symlink <dir>/..data to a new timestamped directory; the file
# itself is <dir>/bpftcp.conf -> ..data/bpftcp.conf.  A change is seen as a
# new checksum of the file (which follows the links), so a plain file edit
# (a hostPath, a test) counts too.  The check runs every
# BPFTCP_WATCH_INTERVAL seconds (default 5): the kubelet itself only syncs
# ConfigMap volumes every minute or so, so polling costs no latency that
# matters and needs no inotify tool in the image.
#
# BPFTCP_RESYNC_INTERVAL (seconds, default 0: off) applies again even
# without a change, to repair drift (something removed by hand); apply is
# idempotent, so a converged host sees "nothing to change".
#
# The file 'ready' in BPFTCP_NODE_STATE (default /tmp/bpftcp-node) exists
# while the last apply succeeded: the pod's readinessProbe tests it, so a
# bad ConfigMap shows as unready pods (apply's exit status 2 leaves the host
# unchanged; the previous setup stays in force).  SIGTERM ends the loop
# with status 0; nothing is removed (see docs/deploy.md, "Removing").
set -u

conf=${BPFTCP_CONF:-/etc/bpftcp/bpftcp.conf}
bpftcp=${BPFTCP:-bpftcp}
interval=${BPFTCP_WATCH_INTERVAL:-5}
resync=${BPFTCP_RESYNC_INTERVAL:-0}
state=${BPFTCP_NODE_STATE:-/tmp/bpftcp-node}

log() { echo "bpftcp-node: $*" >&2; }

# The file's checksum, or "missing".
stamp() { cksum < "$conf" 2>/dev/null || echo missing; }

apply() {
	local rc
	"$bpftcp" apply -f "$conf"
	rc=$?
	case $rc in
	0) touch "$state/ready"; log "applied $conf" ;;
	2) rm -f "$state/ready"; log "$conf has errors (exit 2): nothing was changed; fix the ConfigMap" ;;
	3) rm -f "$state/ready"; log "apply failed and was not fully rolled back (exit 3): the next change or resync applies again" ;;
	*) rm -f "$state/ready"; log "apply failed (exit $rc), its changes were rolled back" ;;
	esac
	last_apply=$SECONDS
}

sleeper=
trap 'log "stopping (the setup stays)"; [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 0' TERM INT

mkdir -p "$state" || { log "cannot create $state"; exit 1; }
rm -f "$state/ready"
last=$(stamp)
apply
while :; do
	# In the background, so that SIGTERM is handled at once.
	sleep "$interval" &
	sleeper=$!
	wait "$sleeper"
	sleeper=
	now=$(stamp)
	if [ "$now" != "$last" ]; then
		last=$now
		log "$conf changed"
		apply
	elif [ "$resync" -gt 0 ] && [ $((SECONDS - last_apply)) -ge "$resync" ]; then
		apply
	fi
done
