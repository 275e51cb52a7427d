#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make soak: the long runs. Per mode of vm.anon_vma_lazy (both on a patched
# kernel, the default on unpatched 6.12), on the debug kernel:
#
#   soak-lazyM      2 GiB guest: torture-soak (many seeds), stress (every
#                   stressor of guest/suites/stress, longer), trinity, flip,
#                   faultinj; the suites share SOAK_MINUTES of guest time
#   pressure-lazyM  QEMU_MEM (default 512M) guest: the pressure suite for
#                   SOAK_MINUTES (real reclaim to zram swap, compaction,
#                   migration; no hugetlb ballast needed)
#
# Environment: SOAK_MINUTES (default 60; per boot, so about 4 x that in
# all), QEMU_MEM for the pressure boots (default 512M), RUN_DIR.
# Exit 0 only if every boot passed. The last line is "N passed, N failed".
. "$(dirname "$0")/lib.sh"

min=${SOAK_MINUTES:-60}
[[ "$min" =~ ^[0-9]+$ ]] && [ "$min" -ge 1 ] ||
	die "SOAK_MINUTES=$min is not a whole number of minutes" "for example: make soak SOAK_MINUTES=120"
export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-soak}
mkdir -p "$RUN_DIR"
# Guest time is about SOAK_MINUTES plus boot and setup; under a busy TCG
# host the same work takes longer: allow three times as much.
limit=$((min * 60 * 3 + 1800))
# Unpatched 6.12 has no switch to flip: expected/baseline.txt says so.
export EXPECT=$TOP/expected/baseline.txt
say "soak: $min minutes per boot, modes: $(modes_for debug)"
for mode in $(modes_for debug); do
	step "soak-lazy$mode" env APPEND="bench.soak=$min" \
		bash "$TOP/scripts/boot.sh" "soak-lazy$mode" debug \
		torture-soak,stress,trinity,flip,faultinj "$mode" "$limit"
	# The pressure suite takes its whole bench.soak budget.
	step "pressure-lazy$mode" env APPEND="bench.soak=$min" QEMU_MEM="${QEMU_MEM:-512M}" \
		bash "$TOP/scripts/boot.sh" "pressure-lazy$mode" debug pressure "$mode" "$limit"
done
steps_summary --boots
