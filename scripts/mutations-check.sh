#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every mutation of tests/mutations/ must still apply to the series in
# $KSRC (git apply --check; the tree is not changed): a mutation that no
# longer applies tests nothing, and make mutate would find out only after
# a kernel build. Seconds; run by make check after make tree.
. "$(dirname "$0")/lib.sh"

[ -e "$KSRC/.git" ] || die "no kernel tree at $KSRC" "run: make tree"
grep -q '^config ANON_VMA_LAZY$' "$KSRC/mm/Kconfig" || {
	note "$KSRC has no series: no mutation to check"
	exit 0
}
# Under the build lock: make mutate patches the tree while it holds it.
build_lock
stale=()
n=0
for p in "$TOP"/tests/mutations/*.patch; do
	n=$((n + 1))
	git -C "$KSRC" apply --check "$p" 2>/dev/null || stale+=("$(basename "$p" .patch)")
done
[ ${#stale[@]} -eq 0 ] ||
	die "${#stale[@]} of $n mutations do not apply to $KSRC: ${stale[*]}" \
		"refresh them against the series (docs/testing.md, make mutate)"
say "all $n mutations apply to the series"
