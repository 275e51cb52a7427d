#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mutation check: break the series on purpose and show which part of the
# test suite catches each break.
#
# usage: mutate.sh [NAME...]     (default: every tests/mutations/*.patch)
#
# For each mutation: apply tests/mutations/NAME.patch to $KSRC (the patched
# tree, build/linux), build the debug kernel into build/out-debug-mut, revert
# the tree, then boot that kernel with vm.anon_vma_lazy=1 and the suites in
# MUT_SUITES (default smoke,faultinj). A mutation is "caught" when the
# boot's verdict fails; the table names the failing tests and the first
# kernel splat. The tree is modified only while holding build/.kbuild.lock
# (the lock every kernel build of the bench takes), and always restored.
#
# Environment: MUT_SUITES, MUT_TIMEOUT (per boot, default 360 s: a mutant may hang), RUN_DIR.
. "$(dirname "$0")/lib.sh"

MUTS=$TOP/tests/mutations
SUITES=${MUT_SUITES:-smoke,faultinj}
LIMIT=${MUT_TIMEOUT:-360}
export OUT_SUFFIX=-mut GUEST_TAG=${GUEST_TAG:-}
export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-mutate}

[ -e "$KSRC/.git" ] || die "no kernel tree at $KSRC" "run: make tree"
grep -q '^config ANON_VMA_LAZY$' "$KSRC/mm/Kconfig" ||
	die "$KSRC does not have the series applied" "run: make tree (with patches/ present)"
[ -z "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ] ||
	die "$KSRC has uncommitted changes" "commit or stash them first: mutations are applied to a clean tree"
[ -f "$BUILD/initramfs${GUEST_TAG:+-$GUEST_TAG}.cpio" ] || die "no guest initramfs" "run: make guest"

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for p in "$MUTS"/*.patch; do names+=("$(basename "$p" .patch)"); done
fi
for n in "${names[@]}"; do
	[ -f "$MUTS/$n.patch" ] || die "no mutation '$n'" "available: $(cd "$MUTS" && ls *.patch | sed 's/.patch$//' | tr '\n' ' ')"
done

# A first mutation build starts from the regular debug build's objects.
out=$(kout debug)
if [ ! -f "$out/.config" ] && [ -f "$BUILD/out-debug/.config" ]; then
	say "seeding $out from build/out-debug"
	cp -a "$BUILD/out-debug" "$out"
fi

mkdir -p "$RUN_DIR"
report=$RUN_DIR/mutations.md
printf '| mutation | verdict | caught by |\n|---|---|---|\n' >"$report"
escaped=0

build_mutant() {
	local n=$1
	build_lock
	trap 'git -C "$KSRC" checkout -q -- . ; build_unlock' EXIT
	git -C "$KSRC" apply "$MUTS/$n.patch" ||
		die "mutation $n does not apply to $KSRC" "refresh tests/mutations/$n.patch against the series"
	local rc=0
	bash "$TOP/scripts/kbuild.sh" debug || rc=$?
	git -C "$KSRC" checkout -q -- .
	trap - EXIT
	build_unlock
	return $rc
}

for n in "${names[@]}"; do
	say "mutation $n: $(grep -m1 -o 'MUTATION: .*' "$MUTS/$n.patch" | sed 's/ *\*\/$//')"
	if ! (build_mutant "$n"); then
		printf '| %s | build failed | (the mutation must build) |\n' "$n" >>"$report"
		escaped=$((escaped + 1))
		continue
	fi
	rc=0
	bash "$TOP/scripts/boot.sh" "$n" debug "$SUITES" 1 "$LIMIT" || rc=$?
	caught=$(python3 "$TOP/scripts/runtools.py" caught "$RUN_DIR/$n/summary.json")
	if [ "$rc" != 0 ]; then
		printf '| %s | caught | %s |\n' "$n" "$caught" >>"$report"
	else
		printf '| %s | **escaped** | - |\n' "$n" >>"$report"
		escaped=$((escaped + 1))
	fi
done

echo
cat "$report"
echo "report: $report"
[ "$escaped" = 0 ] || die "$escaped mutation(s) escaped the suite" "see $report"
