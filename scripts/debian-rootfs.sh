#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian 12 userland of the real-userland bench (bench-debian.sh)
# into build/debian-rootfs with debootstrap, and pack it with the files of
# guest/debian/ as build/initramfs-debian.cpio.
#
# The rootfs is cached: it is rebuilt only when the package lists or the
# recipe (build_rootfs) change (hash in build/debian-rootfs/.bench-stamp).
# The cpio is repacked when the rootfs, guest/debian/ or this script change.
#
# Packages are installed in two stages: debootstrap (minbase + sysvinit),
# then apt-get in the chroot with a policy-rc.d that forbids starting
# services, so that no postgres, sshd or nginx ever starts on the host.
. "$(dirname "$0")/lib.sh"
SELF=$TOP/scripts/debian-rootfs.sh

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
ROOTFS=$BUILD/debian-rootfs
CPIO=$BUILD/initramfs-debian.cpio
CACHE=$BUILD/debian-debs

# Stage 1: the init system and what its boot scripts need.
STAGE1=(sysvinit-core initscripts sysv-rc procps iproute2 ifupdown netbase)
# Stage 2: services started at boot, and the programs of the 24-program
# workload (guest/debian/root/usr/local/lib/bench/apps).
# orphan-sysvinit-scripts: the sysvinit script of rsyslog (bookworm's
# rsyslog ships only a systemd unit).
BOOT_SERVICES=(cron rsyslog orphan-sysvinit-scripts dbus openssh-server openssh-client)
# Installed, but started by the workload, not at boot.
NOT_AT_BOOT=(postgresql nginx redis-server memcached)
APPS=(python3 perl ruby tcl lua5.4 postgresql postgresql-client nginx
	redis-server redis-tools memcached sqlite3 gcc libc6-dev bc)


need_root() {
	[ "$(id -u)" = 0 ] || die "building the Debian rootfs needs root (debootstrap, chroot)" \
		"run as root: sudo make bench"
}

cleanup_mounts() {
	local m
	for m in dev/shm dev/pts proc sys; do
		mountpoint -q "$ROOTFS/$m" 2>/dev/null && umount -l "$ROOTFS/$m" || true
	done
}

build_rootfs() {
	need_root
	command -v debootstrap >/dev/null || {
		say "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >"$BUILD/apt-debootstrap.log" 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >"$BUILD/apt-debootstrap.log" 2>&1; } ||
			die "cannot install debootstrap" "see $BUILD/apt-debootstrap.log; run: apt-get install debootstrap"
	}
	cleanup_mounts
	rm -rf "$ROOTFS"
	mkdir -p "$ROOTFS" "$CACHE"
	say "debootstrap $SUITE (minbase + sysvinit) into $ROOTFS"
	local inc
	inc=$(IFS=,; echo "${STAGE1[*]}")
	debootstrap --variant=minbase --include="$inc" --cache-dir="$CACHE" \
		"$SUITE" "$ROOTFS" "$MIRROR" >"$BUILD/debootstrap.log" 2>&1 ||
		die "debootstrap failed" "log: $BUILD/debootstrap.log" "$(tail -3 "$BUILD/debootstrap.log")" \
			"check that $MIRROR is reachable (or set DEBIAN_MIRROR)"

	trap cleanup_mounts EXIT
	mount -t proc proc "$ROOTFS/proc"
	mount -t tmpfs tmpfs "$ROOTFS/dev/shm" 2>/dev/null || { mkdir -p "$ROOTFS/dev/shm" && mount -t tmpfs tmpfs "$ROOTFS/dev/shm"; }
	# Never start a service in the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
	chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
	cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/01-bench-nodoc" <<-'EOF'
		path-exclude /usr/share/doc/*
		path-exclude /usr/share/man/*
		path-exclude /usr/share/info/*
		path-exclude /usr/share/locale/*
		path-include /usr/share/locale/locale.alias
	EOF
	cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
	say "installing ${#BOOT_SERVICES[@]} boot services and ${#APPS[@]} workload packages in the chroot"
	if ! chroot "$ROOTFS" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive LC_ALL=C
		apt-get update -q && apt-get install -y -q --no-install-recommends ${BOOT_SERVICES[*]} ${APPS[*]}" \
		>"$BUILD/debian-apt.log" 2>&1; then
		die "apt-get in the Debian chroot failed" "log: $BUILD/debian-apt.log" "$(tail -3 "$BUILD/debian-apt.log")"
	fi
	local s
	for s in "${NOT_AT_BOOT[@]}"; do
		chroot "$ROOTFS" update-rc.d "$s" disable >>"$BUILD/debian-apt.log" 2>&1 ||
			die "update-rc.d $s disable failed in the chroot" "log: $BUILD/debian-apt.log"
	done
	[ -x "$ROOTFS/etc/init.d/rsyslog" ] || die "no /etc/init.d/rsyslog in the Debian rootfs" \
		"orphan-sysvinit-scripts should have installed it: see $BUILD/debian-apt.log"
	chroot "$ROOTFS" apt-get clean
	rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* \
		"$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/log/*.log
	rm -f "$ROOTFS/usr/sbin/policy-rc.d"
	cleanup_mounts
	trap - EXIT
	echo "$stamp" >"$ROOTFS/.bench-stamp"
	note "$ROOTFS ($(du -sh "$ROOTFS" | cut -f1))"
}

# Rebuilt when the package lists or the recipe change.
stamp=$( (
	echo "$SUITE ${STAGE1[*]} | ${BOOT_SERVICES[*]} | ${APPS[*]} | ${NOT_AT_BOOT[*]}"
	declare -f build_rootfs
) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$ROOTFS/.bench-stamp" 2>/dev/null)" != "$stamp" ]; then
	build_rootfs
fi

# Pack: the rootfs plus guest/debian/ (overlay), repacked when either changed.
overlay=$TOP/guest/debian
pack_stamp=$( (cat "$ROOTFS/.bench-stamp"; cd "$overlay" && find . -type f | LC_ALL=C sort | xargs cat; cat "$SELF") |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$CPIO.stamp" 2>/dev/null)" != "$pack_stamp" ] || [ ! -f "$CPIO" ]; then
	need_root
	say "packing $CPIO"
	stage=$BUILD/debian-overlay
	rm -rf "$stage"
	mkdir -p "$stage"
	cp -a "$overlay/root/." "$stage/"
	# The overlay's files win over the rootfs's (cpio: later entries replace
	# earlier ones when the kernel unpacks).
	{
		# Not packed: translations and locale sources (LC_ALL=C guest).
		(cd "$ROOTFS" && find . ! -name .bench-stamp ! -path './usr/share/locale/*' \
			! -path './usr/share/i18n/*' | LC_ALL=C sort | cpio -o -H newc --quiet)
		(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0)
	} >"$CPIO.tmp"
	mv "$CPIO.tmp" "$CPIO"
	echo "$pack_stamp" >"$CPIO.stamp"
	note "$CPIO ($(du -h "$CPIO" | cut -f1))"
fi
