#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job: boot the release kernel with the demo workload in every mode
# of vm.anon_vma_lazy the kernel has and print the slab table.
. "$(dirname "$0")/lib.sh"

export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-run}
mkdir -p "$RUN_DIR"
say "make run: kernel source $(ksrc_version), series $(git -C "$KSRC" log -1 --format='%h %s' | cut -c1-50)"
args=${DEMO_ARGS:--v,1000,-c,4,-p,4}
# Exact in-use counts: with debugging on, these caches have no per-CPU
# slabs that /proc/slabinfo would count as full.
SLUB="slub_debug=F,anon_vma,anon_vma_chain,vm_area_struct,anon_vma_lazy"
rc=0
# The series first: its table is the first result, one kernel build in.
for mode in $(modes_for release); do
	APPEND="bench.args=$args $SLUB" bash "$TOP/scripts/boot.sh" "release-lazy$mode" release demo "$mode" 900 || rc=1
done
if has_lazy release; then
	python3 "$TOP/scripts/slabtable.py" "$RUN_DIR" || rc=1
	say "the series' table is above; now unpatched 6.12 with the same config, for comparison"
	build_variant baseline release
	APPEND="bench.args=$args $SLUB" OUT_SUFFIX=$V_SUFFIX \
		bash "$TOP/scripts/boot.sh" baseline release demo "$V_LAZY" 900 || rc=1
fi
python3 "$TOP/scripts/slabtable.py" "$RUN_DIR" | tee "$RUN_DIR/table.md"
if has_lazy release; then
	# The headline subset of make bench (docs/bench.md): the synthetic
	# memory workloads and quick timings, unpatched 6.12 / lazy=0 / lazy=1.
	BENCH_PROFILE=quick RUN_DIR=$RUN_DIR/bench bash "$TOP/scripts/bench.sh" || rc=1
fi
echo "results: $RUN_DIR"
exit $rc
