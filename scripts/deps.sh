#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the bench needs from Debian's archive, if it is missing.
. "$(dirname "$0")/lib.sh"
# "deps.sh arm64": what make check-arm64 needs on top (scripts/deps-arm64.sh).
[ "${1:-}" = arm64 ] && exec bash "$TOP/scripts/deps-arm64.sh"

PKGS=(
	linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev
	dwarves cpio xz-utils kmod rsync ccache python3
	qemu-system-x86 busybox-static bash
	libnuma-dev libcap-dev liburcu-dev
	python3-matplotlib
	stress-ng trinity
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

mkdir -p "$BUILD"
say "installing ${missing[*]}"
[ "$(id -u)" = 0 ] || die "packages missing: ${missing[*]}" \
	"run as root (the bench installs them with apt-get), or install them yourself:" \
	"  sudo apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null ||
	die "apt-get update failed" "check that Debian's package archive is reachable"
apt-get install -y -q --no-install-recommends "${missing[@]}" >"$BUILD/apt.log" 2>&1 ||
	die "apt-get install failed; log: $BUILD/apt.log" "$(tail -3 "$BUILD/apt.log")"
[ -f "$KSRC_TARBALL" ] || die "linux-source-6.12 installed but $KSRC_TARBALL is missing"
