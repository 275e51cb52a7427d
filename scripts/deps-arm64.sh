#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the arm64 bench (make check-arm64) needs beyond make deps, from
# Debian's archive: the cross compiler and qemu-system-aarch64, installed;
# busybox-static, libnuma and libcap for arm64 (static guest programs),
# downloaded with apt-get download and unpacked in build/sysroot-arm64
# (busybox-static:arm64 cannot be installed beside the amd64 one).
# Only the arm64 path runs this (scripts/deps.sh arm64, make check-arm64).
. "$(dirname "$0")/lib.sh"

PKGS=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu qemu-system-arm)
DEBS=(busybox-static libnuma-dev libnuma1 libcap-dev libcap2)
SYSROOT=$BUILD/sysroot-arm64

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
need_debs=0
[ -x "$SYSROOT/bin/busybox" ] && [ -f "$SYSROOT/usr/lib/aarch64-linux-gnu/libnuma.a" ] &&
	[ -f "$SYSROOT/usr/lib/aarch64-linux-gnu/libcap.a" ] || need_debs=1
[ ${#missing[@]} -eq 0 ] && [ $need_debs = 0 ] && exit 0

[ "$(id -u)" = 0 ] || die "arm64 bench: packages missing: ${missing[*]} ${DEBS[*]/%/:arm64}" \
	"run as root (the bench installs them with apt-get), or as root:" \
	"  dpkg --add-architecture arm64 && apt-get update" \
	"  apt-get install ${PKGS[*]}"
mkdir -p "$BUILD"
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	say "adding arm64 to dpkg's architectures (for apt-get download of arm64 packages)"
	dpkg --add-architecture arm64
	apt-get update -q >/dev/null || die "apt-get update failed" "check that Debian's package archive is reachable"
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}" >"$BUILD/apt-arm64.log" 2>&1 || {
		apt-get update -q >/dev/null &&
			apt-get install -y -q --no-install-recommends "${missing[@]}" >"$BUILD/apt-arm64.log" 2>&1
	} || die "apt-get install failed; log: $BUILD/apt-arm64.log" "$(tail -3 "$BUILD/apt-arm64.log")"
fi
if [ $need_debs = 1 ]; then
	say "unpacking ${DEBS[*]} (arm64) into $SYSROOT"
	dl=$BUILD/debs-arm64
	rm -rf "$dl" "$SYSROOT" && mkdir -p "$dl" "$SYSROOT"
	(cd "$dl" && apt-get download -q "${DEBS[@]/%/:arm64}") >"$BUILD/apt-arm64.log" 2>&1 ||
		die "apt-get download of the arm64 packages failed; log: $BUILD/apt-arm64.log" "$(tail -3 "$BUILD/apt-arm64.log")"
	for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$SYSROOT"; done
	[ -x "$SYSROOT/bin/busybox" ] || die "busybox-static:arm64 has no bin/busybox"
fi
