#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: memory, speed and anon_vma lock contention of unpatched 6.12
# (baseline) against the series with vm.anon_vma_lazy=0 and =1, all three
# built with the same release config. See docs/bench.md.
#
# Boots (RUN_DIR/<kind>-<mode>/), per mode baseline, lazy0, lazy1:
#   mem-*    guest/src/bench.c "mem": slab usage of the synthetic workloads,
#            slub_debug=F on the slab caches counted (exact in-use counts)
#   speed-*  "speed": timings, BENCH_REPS repetitions, guest clock under
#            QEMU -icount (BENCH_CLOCK=icount, the default) or plain TCG
#            wall time (BENCH_CLOCK=wall)
#   walk-*   "walk": rmap walk precision workloads, timed like speed
#   lock-*   "lock": zygote + VMA churn + pageout on CONFIG_LOCK_STAT
#            kernels (build/out-release-lockstat, -pristine-lockstat)
#   life-*   "life": Android-like lifecycle (zygote with 2,000 VMAs, apps
#            started and killed, 24 alive, while its shared pages
#            migrate): fork/start/kill latency p50/p99 and pages migrated
#            per second, BENCH_LIFE_STARTS app starts, plain TCG clock
# then scripts/bench-debian.sh if it exists (writes RUN_DIR/debian.json),
# then scripts/benchreport.py: bench.json, bench.md, PNG plots.
#
# Environment: RUN_DIR, BENCH_REPS (5 per boot), BENCH_BOOTS (speed and lock
# boots per kernel, 2: between-boot variation shows in the spread), BENCH_CLOCK (icount|wall),
# BENCH_ICOUNT (QEMU -icount shift, 0), BENCH_LOCK_ITERS (300),
# BENCH_LIFE_STARTS (300),
# BENCH_PARTS (default "mem speed walk lock debian"), BENCH_BUILD=0 (do not
# rebuild the pristine and lock-statistics kernels, boot them as they are), BENCH_PROFILE=quick (the
# headline subset of make run: mem and a quick speed set, 3 reps),
# BENCH_LOCK_SUFFIX (default -lockstat: the patched lock-statistics kernel is
# build/out-release-lockstat), BENCH_MODES (default "baseline lazy0 lazy1": which kernels to boot; runs
# into the same RUN_DIR add up), GUEST_TAG (initramfs to boot, as for boot.sh).
. "$(dirname "$0")/lib.sh"

PROFILE=${BENCH_PROFILE:-full}
export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-bench}
CLOCK=${BENCH_CLOCK:-icount}
MODES=${BENCH_MODES:-baseline lazy0 lazy1}
# The patched lock-statistics kernel (out-release$LOCK_SUFFIX): another
# suffix lets a run boot one built from a different tree (KSRC=...).
LOCK_SUFFIX=${BENCH_LOCK_SUFFIX:--lockstat}
for m in $MODES; do
	case " $VARIANTS " in *" $m "*) ;; *) die "BENCH_MODES: unknown mode '$m'" "use some of: $VARIANTS" ;; esac
done
SHIFT=${BENCH_ICOUNT:-0}
ITERS=${BENCH_LOCK_ITERS:-300}
STARTS=${BENCH_LIFE_STARTS:-300}
[[ "$STARTS" =~ ^[1-9][0-9]*$ ]] && [ "$STARTS" -gt 24 ] ||
	die "BENCH_LIFE_STARTS=$STARTS" "use a number above 24 (the apps kept alive)"
if [ "$PROFILE" = quick ]; then
	REPS=${BENCH_REPS:-3}
	BOOTS=${BENCH_BOOTS:-1}
	PARTS=${BENCH_PARTS:-mem speed}
	MEMARGS=mem,-q SPEEDARGS="speed,-q,-r,$REPS"
else
	REPS=${BENCH_REPS:-5}
	BOOTS=${BENCH_BOOTS:-2}
	PARTS=${BENCH_PARTS:-mem speed walk lock life debian}
	MEMARGS=mem SPEEDARGS="speed,-r,$REPS"
fi
case $CLOCK in
icount) SPEED_QEMU="-icount shift=$SHIFT"
	CLOCK_DESC="guest CLOCK_MONOTONIC under QEMU -icount shift=$SHIFT (virtual time: 2^$SHIFT ns per guest instruction, all timed processes on vCPU 0)" ;;
wall) SPEED_QEMU=""
	CLOCK_DESC="guest CLOCK_MONOTONIC under plain TCG (follows host wall time; host load shows up)" ;;
*) die "BENCH_CLOCK=$CLOCK" "use icount or wall" ;;
esac
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS=$REPS is not a positive number"
[[ "$BOOTS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_BOOTS=$BOOTS is not a positive number"
SLUB="slub_debug=F,anon_vma,anon_vma_chain,vm_area_struct,anon_vma_lazy"
initrd=$BUILD/initramfs${GUEST_TAG:+-$GUEST_TAG}.cpio
mkdir -p "$RUN_DIR"

# Kernels: variants (scripts/lib.sh). The patched release kernel comes from
# make kernel-release (the Makefile target depends on it); the others are
# built here by build_variant, each under the shared build lock, and are
# no-ops when up to date. BENCH_BUILD=0: boot the kernels as they are (each
# must exist).
[ -f "$(kout release)/arch/x86/boot/bzImage" ] ||
	die "no release kernel at $(kout release)" "run: make kernel-release (or make bench, which builds it)"
has_lazy release || die "build/out-release has no CONFIG_ANON_VMA_LAZY: it is not the patched tree" \
	"run: make tree && make kernel-release (patches/ must be applied to build/linux)"
[ -f "$initrd" ] || die "no initramfs at $initrd" "run: make guest"
cpio -t <"$initrd" 2>/dev/null | grep -qx 'bin/bench' ||
	die "$initrd has no /bin/bench" "run: make guest (it compiles guest/src/bench.c)"
want_base=0 want_lazy=0
case " $MODES " in *" baseline "*) want_base=1 ;; esac
case " $MODES " in *" lazy"[01]" "*) want_lazy=1 ;; esac
[ $want_base = 0 ] || build_variant baseline release
# lock_variant MODE: variant MODE with the lock-statistics config; the
# patched one in out-release$LOCK_SUFFIX.
lock_variant() {
	variant "$1" lockstat
	[ "$1" = baseline ] || V_SUFFIX=$LOCK_SUFFIX
}
case " $PARTS " in *" lock "*)
	[ $want_lazy = 0 ] || { lock_variant lazy1 && build_kernel release; }
	[ $want_base = 0 ] || { lock_variant baseline && build_kernel release; }
	;;
esac

# What the patched kernels were built from, for the record (the boots'
# uname -v in bench.md identifies the exact builds).
tree_state="$(git -C "$KSRC" log -1 --format='%h %s' 2>/dev/null | cut -c1-70)"
dirty=$(git -C "$KSRC" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
if [ "$dirty" != 0 ]; then
	tree_state+=" + $dirty uncommitted files"
	note "$KSRC has $dirty uncommitted files: the patched kernels measured may include them"
fi

boots=()
for p in $PARTS; do
	case $p in
	mem|lock|speed|walk|life)
		for m in $MODES; do
			boots+=("$p-$m")
			if [ "$p" != mem ]; then
				for ((i = 2; i <= BOOTS; i++)); do boots+=("$p-$m-$i"); done
			fi
		done
		;;
	debian) ;;
	*) die "BENCH_PARTS: unknown part '$p'" "use some of: mem speed walk lock life debian" ;;
	esac
done
say "kernel source: $(ksrc_version)"
KERNEL_SOURCE=$(ksrc_version) TREE_STATE=$tree_state python3 "$TOP/scripts/runtools.py" benchmeta \
	"$RUN_DIR/meta.json" "$REPS" "$BOOTS" "$CLOCK_DESC" "$PROFILE" "$ITERS" "${boots[@]}"

# boot KIND MODE ARGS [QEMU_EXTRA] [APPEND] [NAME]: one guest with the bench
# suite, in RUN_DIR/NAME (default KIND-MODE).
rc=0
boot() {
	local kind=$1 mode=$2 args=$3 qx=${4:-} app=${5:-} name=${6:-$1-$2}
	if [ "$kind" = lock ]; then lock_variant "$mode"; else variant "$mode"; fi
	QEMU_EXTRA=$qx APPEND="bench.args=$args $app" OUT_SUFFIX=$V_SUFFIX \
		bash "$TOP/scripts/boot.sh" "$name" release bench "$V_LAZY" 2400 || {
		note "boot $name failed: see $RUN_DIR/$name/"
		rc=1
	}
}

for p in $PARTS; do
	n=1
	[ "$p" = mem ] || n=$BOOTS
	for ((i = 1; i <= n; i++)); do
		sfx=
		[ "$i" -gt 1 ] && sfx=-$i
		for mode in $MODES; do
			case $p in
			mem) boot mem "$mode" "$MEMARGS" "" "$SLUB" ;;
			speed) boot speed "$mode" "$SPEEDARGS" "$SPEED_QEMU" "" "speed-$mode$sfx" ;;
			walk) boot walk "$mode" "walk,-r,$REPS" "$SPEED_QEMU" "" "walk-$mode$sfx" ;;
			lock) boot lock "$mode" "lock,-i,$ITERS" "" "" "lock-$mode$sfx" ;;
			life) boot life "$mode" "life,-i,$STARTS" "" "" "life-$mode$sfx" ;;
			esac
		done
	done
done

case " $PARTS " in *" debian "*)
	if [ -x "$TOP/scripts/bench-debian.sh" ] || [ -f "$TOP/scripts/bench-debian.sh" ]; then
		say "Debian userland workloads (scripts/bench-debian.sh)"
		rm -f "$RUN_DIR/debian.json"
		bash "$TOP/scripts/bench-debian.sh" ||
			die "scripts/bench-debian.sh failed" "its boots are under $RUN_DIR; rerun with BENCH_PARTS=debian to retry only it"
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict)' \
			"$RUN_DIR/debian.json" 2>/dev/null ||
			die "scripts/bench-debian.sh did not write a valid $RUN_DIR/debian.json" "schema: docs/bench.md"
	else
		note "no scripts/bench-debian.sh: no Debian userland rows"
	fi
	;;
esac

headline=()
[ "$PROFILE" = quick ] && headline=(--headline)
# Debian's python3-matplotlib is installed for /usr/bin/python3, which may not
# be the first python3 on PATH (pyenv, venvs).
py=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null && py=/usr/bin/python3
"$py" "$TOP/scripts/benchreport.py" "$RUN_DIR" ${headline[@]+"${headline[@]}"} || rc=1
echo "results: $RUN_DIR"
[ "$rc" = 0 ] || die "some bench boots failed or printed no data" "see the boot folders under $RUN_DIR (console.log, ktap.log)"
