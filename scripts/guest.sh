#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs (build/initramfs.cpio): busybox-static, bash,
# the mm selftests of $KSRC built static, our guest programs (guest/src),
# the PID-1 init (guest/init) and the suites (guest/suites).
. "$(dirname "$0")/lib.sh"

ST_SRC=$KSRC/tools/testing/selftests
# Per GUEST_TAG: a guest built from another tree (KSRC) must not share binaries.
ST_OUT=$BUILD/selftests-mm${GUEST_TAG:+-$GUEST_TAG}
HDR=$BUILD/out-hdr${GUEST_TAG:+-$GUEST_TAG}
BIN=$BUILD/guest-bin${GUEST_TAG:+-$GUEST_TAG}
ROOT=$BUILD/initramfs${GUEST_TAG:+-$GUEST_TAG}
CPIO=$ROOT.cpio

GUEST_CC=gcc STRIP=strip BUSYBOX=/bin/busybox XINC=() XLIB=() TOOLS=(bash stress-ng trinity)
if [ "$BENCH_ARCH" = arm64 ]; then
	# Cross-built with Debian's gcc-aarch64-linux-gnu; busybox-static,
	# libnuma and libcap for arm64 are unpacked in build/sysroot-arm64 by
	# scripts/deps-arm64.sh. No bash, stress-ng or trinity: the arm64
	# suites (smoke, torture-short, demo) do not need them.
	SYSROOT=$BUILD/sysroot-arm64
	GUEST_CC=aarch64-linux-gnu-gcc STRIP=aarch64-linux-gnu-strip BUSYBOX=$SYSROOT/bin/busybox TOOLS=()
	XINC=(-I"$SYSROOT/usr/include") XLIB=(-L"$SYSROOT/usr/lib/aarch64-linux-gnu")
fi
[ -d "$ST_SRC/mm" ] || die "no selftests in $KSRC" "run: make tree"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing" "run: make deps"
mkdir -p "$ST_OUT" "$BIN" "$HDR"

say "building guest programs and mm selftests (static)"
make -s -C "$KSRC" O="$HDR" ${KMAKE[@]+"${KMAKE[@]}"} headers_install INSTALL_HDR_PATH="$HDR/usr" >"$HDR/log" 2>&1 ||
	die "headers_install failed" "see $HDR/log"
# khugepaged.c in 6.12.y uses KSFT_SKIP without including kselftest.h.
if ! make -s -C "$ST_SRC/mm" OUTPUT="$ST_OUT" KHDR_INCLUDES="-isystem $HDR/usr/include" \
	${KMAKE[@]+"${KMAKE[@]}"} USERLDFLAGS="-static${XLIB[*]+ ${XLIB[*]}}" \
	EXTRA_CFLAGS="-include ../kselftest.h${XINC[*]+ ${XINC[*]}}" -j"$JOBS" \
	>"$ST_OUT/build.log" 2>&1; then
	grep -E 'error' "$ST_OUT/build.log" | head -10 >&2
	die "building tools/testing/selftests/mm failed" "full log: $ST_OUT/build.log"
fi
for src in "$TOP"/guest/src/*.c; do
	[ -e "$src" ] || continue
	exe=$BIN/$(basename "$src" .c)
	[ "$exe" -nt "$src" ] && [ "$exe" -nt "$TOP/guest/src/common.h" ] && continue
	$GUEST_CC -static -O2 -g -Wall -Wextra -I"$ST_SRC" -isystem "$HDR/usr/include" ${XINC[@]+"${XINC[@]}"} \
		${XLIB[@]+"${XLIB[@]}"} -o "$exe" "$src" -lnuma -lpthread >"$exe.log" 2>&1 ||
		die "compiling $src failed" "$(head -10 "$exe.log")"
done

rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,etc,proc,sys,dev,tmp,root,selftests,suites,lib,lib64,usr/bin}
cp "$BUSYBOX" "$ROOT/bin/busybox"
ln -s busybox "$ROOT/bin/sh"
# Dynamically linked tools with their shared libraries: bash (run_vmtests.sh
# needs it), stress-ng and trinity (the stress and trinity suites).
for tool in ${TOOLS[@]+"${TOOLS[@]}"}; do
	exe=$(command -v "$tool") || die "$tool is not installed" "run: make deps"
	cp "$exe" "$ROOT/bin/$tool"
	for lib in $(ldd "$exe" | grep -o '/[^ ]*'); do
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
done
[ ${#TOOLS[@]} -eq 0 ] || ln -s ../../bin/bash "$ROOT/usr/bin/bash"
install -m 755 "$TOP/guest/init" "$ROOT/init"
install -m 755 "$TOP"/guest/suites/* "$ROOT/suites/"
find "$ST_OUT" -maxdepth 1 -type f -perm -u+x -exec cp {} "$ROOT/selftests/" \;
cp "$ST_SRC"/mm/*.sh "$ROOT/selftests/"
cp "$BIN"/* "$ROOT/bin/" 2>/dev/null || true
rm -f "$ROOT"/bin/*.log
find "$ROOT/selftests" "$ROOT/bin" -type f ! -name '*.sh' -exec $STRIP --strip-unneeded {} + 2>/dev/null || true
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >>"$ROOT/etc/passwd"
echo "root:x:0:" >"$ROOT/etc/group"
# Written aside and renamed: a guest booting meanwhile reads a whole file.
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$CPIO.tmp")
mv "$CPIO.tmp" "$CPIO"
note "$CPIO ($(du -h "$CPIO" | cut -f1))"
