#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Install bpftcp's build and test dependencies on Debian 12 (bookworm).
#
# - clang-19/llvm-19 compile the BPF programs; libclang-rt-19-dev has the
#   libFuzzer runtime for the fuzz targets (selftests/fuzz/).
# - libbpf-dev >= 1.4 and bpftool >= 7.4 come from bookworm-backports (bookworm
#   itself ships libbpf 1.1, which predates .struct_ops.link support for
#   skeletons).  iproute2 >= 6.15 from bookworm-backports too: it is built
#   with libbpf, so 'ss --bpf-maps' decodes bpftcp's per-socket records
#   (sk_local_storage) with the map's BTF (bookworm's 6.1 cannot).  Backports
#   is enabled by reusing the URI of the machine's own
#   Debian apt source, so that mirrors and snapshot pins keep working and no
#   host name is ever written by this script.
# - flent and python3-matplotlib: netns-tests/compare writes Flent data files
#   and PNG plots, and its tests render them with Flent.  Both are for
#   Debian's /usr/bin/python3 (scripts/find-python.sh finds it).
# - python3-docutils: rst2man turns docs/bpftcp.8.rst into the man page
#   (build/bpftcp.8), as bpftool's documentation is built.
# - libinih-dev: libbpftcp reads bpftcp.conf(5) with libinih (lib/conf.c).
# - bash-completion: completion/bpftcp uses its helpers (_init_completion,
#   _filedir), and selftests/test_grammar queries the completion with it.
# - tshark: netns-tests/test-ccneg.sh decodes captured handshakes with the
#   Lua dissector (deploy/wireshark/bpftcp.lua).  Its wireshark-common asks
#   whether non-root users may capture; the answer (no) is preseeded so that
#   the install never stops to ask.
# - yamllint: netns-tests/test-deploy.sh lints the manifests in deploy/.
#
# --enable-backports: only enable bookworm-backports (as below) and exit;
# deploy/Containerfile's runtime stage uses it to install libbpf1 from there.
#
# Idempotent: silent and exit 0 when everything is present.  On a system it
# cannot handle it prints the exact package list and exits 1.
set -euo pipefail

PKGS_MAIN=(clang-19 llvm-19 libcmocka-dev libelf-dev zlib1g-dev pkg-config
           iperf3 ethtool python3 tcpdump procps util-linux
           iputils-ping socat flent python3-matplotlib libclang-rt-19-dev
           python3-docutils bash-completion libinih-dev tshark
           yamllint strace)
# From backports, each with its minimum version.
PKGS_BPO=(libbpf-dev bpftool iproute2)
declare -A MIN_VERSION=([libbpf-dev]=1.4.0 [bpftool]=7.4.0 [iproute2]=6.15.0)

verbose=${V:-0}
log() { [ "$verbose" = 1 ] && echo "install-deps: $*" >&2 || true; }
die() { echo "install-deps: $*" >&2; exit 1; }

manual_help() {
	cat >&2 <<TXT
install-deps: cannot install automatically on this system.
Install these by hand (Debian/Ubuntu names), then re-run:
  ${PKGS_MAIN[*]}
  $(for p in "${PKGS_BPO[@]}"; do printf '%s (>= %s) ' "$p" "${MIN_VERSION[$p]}"; done)
TXT
	exit 1
}

# version_ge A B: true when A >= B (dpkg ordering).
version_ge() { dpkg --compare-versions "$1" ge "$2"; }

pkg_version() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'; }

have_all() {
	local p v
	for p in "${PKGS_MAIN[@]}"; do
		[ -n "$(pkg_version "$p")" ] || { log "missing $p"; return 1; }
	done
	for p in "${PKGS_BPO[@]}"; do
		v=$(pkg_version "$p"); [ -n "$v" ] || { log "missing $p"; return 1; }
		version_ge "${v#*:}" "${MIN_VERSION[$p]}" || { log "$p $v too old"; return 1; }
	done
	return 0
}

[ "${1:-}" = --enable-backports ] || { have_all && exit 0; }

command -v apt-get >/dev/null && command -v dpkg >/dev/null || manual_help
. /etc/os-release 2>/dev/null || true
codename=${VERSION_CODENAME:-}
[ "${ID:-}" = debian ] && [ -n "$codename" ] || manual_help
[ "$(id -u)" = 0 ] || die "must run as root to install packages (try: sudo make deps)"

# The URI of the machine's own Debian source for "$codename": first from
# deb822 .sources files, then from one-line sources.list entries.
debian_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$codename" '
			BEGIN { RS = ""; FS = "\n" }
			{
				uris = ""; ok = 0; en = 1
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
					if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/)
						for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
					if ($i ~ /^Enabled:[ \t]*no/) en = 0
				}
				if (ok && en && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit }
			}' "$f"
	done
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		awk -v suite="$codename" '$1 == "deb" {
			i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) == suite) { print $i; exit } }'
}

bpo_list=/etc/apt/sources.list.d/bpftcp-backports.list
if ! grep -rqs -- "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(debian_uri | head -n1) || true
	[ -n "$uri" ] || { echo "install-deps: no Debian apt source for '$codename' found" >&2; manual_help; }
	log "enabling ${codename}-backports from the machine's own Debian source"
	echo "deb $uri ${codename}-backports main" > "$bpo_list"
fi
[ "${1:-}" = --enable-backports ] && exit 0

export DEBIAN_FRONTEND=noninteractive
apt_q=(-q -y -o Dpkg::Use-Pty=0)
# wireshark-common's question (dumpcap setuid for non-root captures): no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections ||
	die "debconf-set-selections failed"
log "apt-get update"
apt-get "${apt_q[@]}" update >/dev/null || die "apt-get update failed"
log "installing ${PKGS_MAIN[*]}"
apt-get "${apt_q[@]}" install --no-install-recommends "${PKGS_MAIN[@]}" >/dev/null ||
	{ echo "install-deps: apt-get install failed" >&2; manual_help; }
log "installing ${PKGS_BPO[*]} from ${codename}-backports"
apt-get "${apt_q[@]}" install --no-install-recommends -t "${codename}-backports" "${PKGS_BPO[@]}" >/dev/null ||
	{ echo "install-deps: backports install failed" >&2; manual_help; }

have_all || { echo "install-deps: packages installed but versions are still too old" >&2; manual_help; }
