#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Record which upstream mm selftests pass, skip or fail on UNPATCHED 6.12
# under this bench: build the debug kernel from the pristine source (a git
# worktree at tag "pristine"), boot it with every mm category, and write
# expected/baseline.new. Review the reasons, then move it over
# expected/baseline.txt: make check requires "no worse than this".
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/tree.sh"
# The vma_close() stub (patch 0001) only touches tools/testing/vma, which
# this boot does not use: the kernel is plain 6.12.
build_variant baseline debug
bash "$TOP/scripts/guest.sh"
export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-baseline}
OUT_SUFFIX=$V_SUFFIX bash "$TOP/scripts/boot.sh" baseline-mm debug mm-full "$V_LAZY" 14400 || true
python3 "$TOP/scripts/runtools.py" baseline "$RUN_DIR/baseline-mm/summary.json" "$TOP/expected/baseline.new"
