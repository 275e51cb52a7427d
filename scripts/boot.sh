#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot one guest under QEMU (TCG) and judge it.
#
# usage: boot.sh NAME FLAVOUR SUITES LAZY [TIMEOUT_S]
#   NAME     folder of this boot under $RUN_DIR (console.log, ktap.log,
#            summary.json)
#   FLAVOUR  release|debug: boot build/out-FLAVOUR$OUT_SUFFIX (OUT_SUFFIX:
#            which variant's build, e.g. -pristine for unpatched 6.12; see
#            variant() in lib.sh, which also sets it)
#   SUITES   comma-separated guest suites (guest/suites/)
#   LAZY     0|1|none: vm.anon_vma_lazy for the run
# Environment: RUN_DIR (default results/adhoc), QEMU_MEM (default 2G),
# APPEND (extra kernel parameters), EXPECT (expectation file),
# EXPECT_FAIL=1 (this boot must fail: used to test the bench itself),
# GUEST_TAG (use build/initramfs-TAG.cpio, built by guest.sh with the same),
# QEMU_EXTRA (extra QEMU arguments, word-split, e.g. "-icount shift=0").
. "$(dirname "$0")/lib.sh"

name=$1 flavour=$2 suites=$3 lazy=$4 limit=${5:-1800}
RUN_DIR=${RUN_DIR:-$RESULTS/adhoc}
dir=$RUN_DIR/$name
kernel=$(kout "$flavour")/$KIMAGE
initrd=$BUILD/initramfs${GUEST_TAG:+-$GUEST_TAG}.cpio
[ -f "$kernel" ] || die "no $flavour kernel at $kernel" "run: make kernel-$flavour"
[ -f "$initrd" ] || die "no initramfs at $initrd" "run: make guest"
# x86_64: console on ttyS0, KTAP on ttyS1. arm64 (BENCH_ARCH=arm64, make
# check-arm64): QEMU's virt machine has one UART (ttyAMA0, the console);
# the KTAP document goes to a virtio console, hvc0 (guest/init: bench_ktap).
qemu=(qemu-system-x86_64 -accel tcg -cpu max)
console=ttyS0 arch_append=" no_timer_check" deps="make deps"
ktap=(-serial file:"$dir/ktap.log")
if [ "$BENCH_ARCH" = arm64 ]; then
	# pauth-impdef: TCG's QARMA pointer authentication is slow to emulate.
	qemu=(qemu-system-aarch64 -M virt,gic-version=3 -accel tcg -cpu max,pauth-impdef=on)
	console=ttyAMA0 arch_append=" bench_ktap=hvc0" deps="scripts/deps.sh arm64"
	ktap=(-device virtio-serial-device -chardev file,id=ktap,path="$dir/ktap.log"
		-device virtconsole,chardev=ktap)
fi
command -v "${qemu[0]}" >/dev/null || die "${qemu[0]} not found" "run: $deps"
mkdir -p "$dir"
rm -f "$dir"/{console.log,ktap.log,summary.json}

mem=${QEMU_MEM:-2G}
case $mem in
*G) half=$(( ${mem%G} * 512 ))M ;;
*M) half=$(( ${mem%M} / 2 ))M ;;
*) die "QEMU_MEM=$mem: give it in G or M (for example 2G or 512M)" ;;
esac
# no_timer_check: under a loaded TCG host the IO-APIC timer check can fail
# and panic the guest ("IO-APIC + timer doesn't work").
append="console=$console slab_nomerge panic=-1 printk.devkmsg=on$arch_append"
append+=" bench.suites=$suites bench.lazy=$lazy ${APPEND:-}"
[ "$lazy" != none ] && append+=" anon_vma_lazy=$lazy"

say "boot $name: $flavour kernel, suites=$suites, lazy=$lazy (limit ${limit}s)"
start=$(date +%s)
rc=0
timeout --foreground -k 10 "$limit" "${qemu[@]}" \
	-smp 2,sockets=2,cores=1,threads=1 -m "$mem" \
	-object memory-backend-ram,id=m0,size="$half" \
	-object memory-backend-ram,id=m1,size="$half" \
	-numa node,nodeid=0,cpus=0,memdev=m0 \
	-numa node,nodeid=1,cpus=1,memdev=m1 \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-display none -monitor none -no-reboot ${QEMU_EXTRA:-} \
	-serial file:"$dir/console.log" "${ktap[@]}" \
	</dev/null >"$dir/qemu.log" 2>&1 || rc=$?
secs=$(( $(date +%s) - start ))
timed_out=()
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	timed_out=(--timed-out)
	note "timed out after ${limit}s; last console lines:"
	tail -n 15 "$dir/console.log" | sed 's/^/      | /' >&2
	note "last result lines:"
	tail -n 5 "$dir/ktap.log" | sed 's/^/      | /' >&2
elif [ "$rc" != 0 ]; then
	die "qemu failed (exit $rc)" "$(tail -3 "$dir/qemu.log")"
fi

meta=$(printf '{"name":"%s","flavour":"%s","suites":"%s","lazy":"%s","seconds":%d,"kernel_source":"%s"}' \
	"$name" "$flavour" "$suites" "$lazy" "$secs" "$(ksrc_version)")
expect=()
[ -n "${EXPECT:-}" ] && expect=(--expect "$EXPECT")
vrc=0
python3 "$TOP/scripts/verdict.py" --ktap "$dir/ktap.log" --console "$dir/console.log" \
	--allow "$TOP/expected/splat-allow.txt" --json "$dir/summary.json" --meta "$meta" \
	${expect[@]+"${expect[@]}"} ${timed_out[@]+"${timed_out[@]}"} || vrc=$?
note "${secs}s; logs in $dir"
if [ "${EXPECT_FAIL:-0}" = 1 ]; then
	[ "$vrc" != 0 ] || die "boot $name was meant to fail (the bench must catch it) but passed"
	# It must fail for both planted reasons: the failing test and the WARN.
	python3 "$TOP/scripts/runtools.py" planted "$dir/summary.json" ||
		die "boot $name failed, but not for both planted reasons"
	note "failed as it must, for the failing test and the kernel WARN (this boot tests the bench)"
	exit 0
fi
exit "$vrc"
