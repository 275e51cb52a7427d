#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real-userland workloads of "make bench": boot a Debian 12 userland
# (sysvinit, cron, rsyslog, dbus, sshd) on the three release kernels and
# measure anon_vma, anon_vma_chain and vm_area_struct
#
#   after_boot  the system idle once runlevel 2 is complete (+ settle time)
#   apps24      the same boot after starting 24 programs from Debian
#               packages (guest/debian/root/usr/local/lib/bench/apps)
#
# Kernels: baseline = unpatched 6.12 (build/out-release-pristine), lazy0 and
# lazy1 = the series (build/out-release) booted with anon_vma_lazy=0/1, so
# that the boot services already run in that mode. Same release config,
# slab_nomerge, and slub_debug=F on the slab caches counted (exact in-use counts).
#
# The userland is built once with debootstrap (scripts/debian-rootfs.sh,
# cached in build/debian-rootfs) and booted as an uncompressed initramfs
# (rdinit=/sbin/init): every boot starts from the same pristine root, with no
# block device, filesystem driver or state left over from a previous boot.
#
# Environment: RUN_DIR (default results/<date>-bench-debian), REPEAT (boots
# per kernel, default 1), SETTLE (idle seconds before each measurement,
# default 30), KERNELS (default "baseline lazy0 lazy1"), QEMU_MEM (4G),
# BENCH_BUILD=0 or NO_BUILD=1 (boot the kernels as they are: no kbuild.sh,
# no build lock). Kernels are variants (scripts/lib.sh).
# Writes $RUN_DIR/debian.json (schema: docs/bench.md) and debian.md.
. "$(dirname "$0")/lib.sh"

export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-bench-debian}
REPEAT=${REPEAT:-1}
SETTLE=${SETTLE:-30}
KERNELS=${KERNELS:-baseline lazy0 lazy1}
export QEMU_MEM=${QEMU_MEM:-4G}
mkdir -p "$RUN_DIR"

[ "$(id -u)" = 0 ] || die "bench-debian.sh must run as root" \
	"it installs debootstrap and builds a Debian rootfs in a chroot: sudo make bench"
bash "$TOP/scripts/deps.sh"
[ -d "$KSRC/.git" ] || bash "$TOP/scripts/tree.sh"

# The kernels (no-ops when up to date), under the shared build lock.
for k in $KERNELS; do variant "$k"; done
case " $KERNELS " in *" lazy"[01]" "*) build_variant lazy1 release ;; esac
case " $KERNELS " in *" baseline "*) build_variant baseline release ;; esac
if ! has_lazy release; then
	note "build/out-release has no vm.anon_vma_lazy (unpatched tree): measuring baseline only"
	KERNELS=baseline
fi

# The services need TCP/IP on loopback (configs/release.config).
for k in $KERNELS; do
	variant "$k"
	cfg=$BUILD/out-release$V_SUFFIX/.config
	grep -q '^CONFIG_INET=y' "$cfg" || die "the $k kernel has no CONFIG_INET ($cfg)" \
		"sshd, nginx, redis, memcached and postgres need it: rebuild the release kernels" \
		"(bash scripts/kbuild.sh release; the same with KSRC=build/linux-pristine OUT_SUFFIX=-pristine)"
done

bash "$TOP/scripts/debian-rootfs.sh"

SLUB="slub_debug=F,anon_vma,anon_vma_chain,vm_area_struct,anon_vma_lazy"
APPEND_BASE="rdinit=/sbin/init bench.settle=$SETTLE $SLUB"
rc=0
for i in $(seq 1 "$REPEAT"); do
	for k in $KERNELS; do
		variant "$k"
		GUEST_TAG=debian OUT_SUFFIX=$V_SUFFIX APPEND="$APPEND_BASE" \
			bash "$TOP/scripts/boot.sh" "debian-$k-$i" release debian "$V_LAZY" 1800 || rc=1
	done
done

python3 "$TOP/scripts/debiantable.py" "$RUN_DIR" || rc=1
[ $rc = 0 ] || die "a Debian boot failed" "see the summary.json and console.log of each $RUN_DIR/debian-*/"
echo "results: $RUN_DIR/debian.json, $RUN_DIR/debian.md"
