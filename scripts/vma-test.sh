#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build and run tools/testing/vma, the userland harness that compiles
# mm/vma.c, on the host. It prints "N tests run, N passed, N failed."
. "$(dirname "$0")/lib.sh"

dir=$KSRC/tools/testing/vma
[ -d "$dir" ] || die "no tools/testing/vma in $KSRC" "run: make tree"
dpkg-query -W -f='${Status}' liburcu-dev 2>/dev/null | grep -q 'ok installed' || die "liburcu-dev is missing" "run: make deps"
log=$BUILD/vma-test.log
if ! make -s -C "$dir" -j"$JOBS" >"$log" 2>&1; then
	grep -E 'error|undefined' "$log" | head -10 >&2
	die "tools/testing/vma does not build" "full log: $log"
fi
out=$("$dir/vma" 2>&1) || { echo "$out" | tail -20 >&2; die "tools/testing/vma failed"; }
echo "$out" | tail -1 | sed 's/^/    /' >&2
echo "$out" | grep -q ' 0 failed' || die "tools/testing/vma reported failures"
