#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bisect: boot the kernel of every prefix of the series, as a
# bisection would build it. For each commit of the series in $KSRC that
# changes the kernel (mm/, include/, kernel/, arch/; not tools/ or
# Documentation/ only), build the debug kernel from a worktree at that
# commit (build/linux-bisect, out of tree in build/out-debug-bisect) and
# boot the bisect and stress suites in every mode of vm.anon_vma_lazy the
# kernel has, failing on any failed test or splat, as make check does.
# Not part of make check: it builds up to ten kernels.
#
# usage: bisect.sh [N ...]   only the kernels of patches N (1-based)
# Environment: RUN_DIR (default results/DATE-bisect), BISECT_MODES (the
# modes of vm.anon_vma_lazy to boot where the kernel has the switch,
# default "0 1").
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/tree.sh"
git -C "$KSRC" rev-parse -q --verify pristine >/dev/null ||
	die "$KSRC has no 'pristine' tag" "run: make tree"
only=" $* "
modes=${BISECT_MODES:-0 1}
for m in $modes; do
	case $m in 0 | 1) ;; *) die "BISECT_MODES: '$m' is not a mode" "use 0, 1 or \"0 1\"" ;; esac
done
for n in "$@"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "bisect.sh: '$n' is not a patch number" "usage: bisect.sh [N ...]"
done
wt=$BUILD/linux-bisect
if [ ! -e "$wt/.git" ]; then
	rm -rf "$wt"
	git -C "$KSRC" worktree add -q -f --detach "$wt" pristine
fi
export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-bisect}
mkdir -p "$RUN_DIR"
# The guest carries the suites: the bisect suite must be in it. An
# initramfs of its own (build/initramfs-bisect.cpio), so that a make check
# booting meanwhile keeps its own.
export GUEST_TAG=bisect
bash "$TOP/scripts/guest.sh"

n=0
for c in $(git -C "$KSRC" rev-list --reverse pristine..HEAD); do
	n=$((n + 1))
	subj=$(git -C "$KSRC" log -1 --format=%s "$c")
	if git -C "$KSRC" diff --quiet "$c~1" "$c" -- mm include kernel arch; then
		note "patch $n ($subj) changes no kernel code: no boot"
		continue
	fi
	[ $# -eq 0 ] || [[ "$only" == *" $n "* ]] || continue
	say "patch $n: $subj"
	git -C "$wt" checkout -q --detach "$c"
	# No earlier patch's kernel may be booted for this one.
	rm -f "$(OUT_SUFFIX=-bisect kout debug)/$KIMAGE"
	f=$failed
	step "patch$n-build" env KSRC="$wt" OUT_SUFFIX=-bisect \
		bash "$TOP/scripts/kbuild.sh" debug
	[ "$failed" = "$f" ] || continue
	kmodes=$(OUT_SUFFIX=-bisect modes_for debug)
	[ "$kmodes" = none ] || kmodes=$modes
	for mode in $kmodes; do
		step "patch$n-lazy=$mode" env OUT_SUFFIX=-bisect \
			bash "$TOP/scripts/boot.sh" "patch$n-lazy$mode" debug \
			bisect,stress "$mode" 1800
	done
done
steps_summary --boots
