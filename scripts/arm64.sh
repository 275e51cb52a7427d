#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 bench (docs/arm64.md). usage: arm64.sh check|demo
#
#   check  (make check-arm64)  cross-build the debug kernel from $KSRC
#          (build/out-debug-arm64) and a static arm64 guest
#          (build/initramfs-arm64.cpio), boot them under qemu-system-aarch64
#          (-M virt -cpu max, TCG, 2 vCPUs, 2 NUMA nodes) and run smoke (the
#          series' selftest included) and a short torture in both modes of
#          vm.anon_vma_lazy, judged by scripts/verdict.py like make check.
#   demo   (make run-arm64)    make run's demo workload on the arm64 kernel
#          of flavour ARM64_FLAVOUR (debug, or release), both modes, and its
#          slab table (no unpatched column).
#
# The same scripts as x86_64 (kbuild.sh, guest.sh, boot.sh) with
# BENCH_ARCH=arm64; configs/arm64.config replaces base.config's x86 options.
# Exit 0 only if every step passed; the last line is "N passed, N failed".
# build/out-debug-arm64 and build/initramfs-arm64.cpio (OUT_SUFFIX and
# GUEST_TAG, if set, are kept in front: -x gives out-debug-x-arm64).
export BENCH_ARCH=arm64 OUT_SUFFIX=${OUT_SUFFIX:-}-arm64 GUEST_TAG=${GUEST_TAG:+$GUEST_TAG-}arm64
. "$(dirname "$0")/lib.sh"

what=${1:-check}
case $what in
check) suites=smoke,torture-short limit=2400 flavour=debug ;;
demo) suites=demo limit=1800 flavour=${ARM64_FLAVOUR:-debug} ;;
*) die "unknown arm64.sh command '$what'" "use check or demo" ;;
esac

bash "$TOP/scripts/deps-arm64.sh"
export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-arm64-$what}
mkdir -p "$RUN_DIR"
finish() {
	[ "$failed" -gt 0 ] && printf 'FAILED steps (arm64): %s\n' "${failures[*]}"
	echo "results: $RUN_DIR"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

# A tree with the series must give a kernel with the switch on arm64 too:
# both modes are run whatever the config says, so a kernel without
# vm.anon_vma_lazy fails its boots (bench:setup) instead of passing as
# "unpatched" (x86's modes_for reads the config).
series=0
grep -q '^config ANON_VMA_LAZY$' "$KSRC/mm/Kconfig" && series=1
out=$(kout "$flavour")
say "arm64: $flavour kernel from $KSRC ($(git -C "$KSRC" log -1 --format='%h %s' | cut -c1-50))"
kstart=$(date +%s)
step kernel-arm64 bash "$TOP/scripts/kbuild.sh" "$flavour"
note "kernel step: $(( $(date +%s) - kstart ))s"
if [ "$series" = 1 ] && ! grep -q '^CONFIG_ANON_VMA_LAZY=y' "$out/.config" 2>/dev/null; then
	grep -q '^CONFIG_ARCH_SUPPORTS_ANON_VMA_LAZY=y' "$out/.config" 2>/dev/null ||
		note "arm64 does not select ARCH_SUPPORTS_ANON_VMA_LAZY (arch/arm64/Kconfig)," \
			"so the series' switch CONFIG_ANON_VMA_LAZY cannot be enabled"
	failed=$((failed + 1)) failures+=("no-switch-on-arm64")
	printf '\033[31mERROR: %s\033[0m\n' "the arm64 kernel has no CONFIG_ANON_VMA_LAZY although $KSRC has the series" >&2
fi
# No boot of a stale or switchless kernel.
[ "$failed" = 0 ] || finish
gstart=$(date +%s)
step guest-arm64 bash "$TOP/scripts/guest.sh"
note "guest step: $(( $(date +%s) - gstart ))s"
[ "$failed" = 0 ] || finish

modes=none
[ "$series" = 1 ] && modes="0 1"
for mode in $modes; do
	if [ "$what" = demo ]; then
		APPEND="bench.args=${DEMO_ARGS:--v,1000,-c,4,-p,4} slub_debug=F,anon_vma,anon_vma_chain,vm_area_struct,anon_vma_lazy" \
			step "arm64-demo-lazy=$mode" bash "$TOP/scripts/boot.sh" "arm64-$flavour-lazy$mode" "$flavour" demo "$mode" "$limit"
	else
		step "arm64-debug-lazy=$mode" bash "$TOP/scripts/boot.sh" "arm64-debug-lazy$mode" debug "$suites" "$mode" "$limit"
	fi
done

python3 "$TOP/scripts/summarize.py" "$RUN_DIR" || true
[ "$what" = demo ] && { python3 "$TOP/scripts/slabtable.py" "$RUN_DIR" | tee "$RUN_DIR/table.md" || true; }
finish
