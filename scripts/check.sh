#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test command. usage: check.sh quick|full|smoke
#
#   quick  (make check)       host tests, the torture checker's self-test,
#                             tools/testing/vma, the mutations still
#                             applying (these stop make check at
#                             once if they fail), the debug kernel build, the
#                             bench's self-test boot, then smoke + torture + the
#                             quick mm selftest profile + the short stress,
#                             trinity, flip, pressure and faultinj suites on
#                             the debug kernel, in every mode of
#                             vm.anon_vma_lazy the kernel has
#                             (make soak runs the long ones: scripts/soak.sh),
#                             then make check-arm64 (scripts/arm64.sh check)
#   full   (make check-full)  the same with every mm selftest category
#   smoke  (make smoke)       only the smoke suite, every mode
#
# Exit 0 only if every step passed. The last line is "N passed, N failed".
. "$(dirname "$0")/lib.sh"

profile=${1:-quick}
# The short profile of the stress-ng, trinity, runtime-switch, memory
# pressure and fault-injection suites (the long one is make soak).
EXTRA_SUITES=stress,trinity,flip,pressure,faultinj
case $profile in
quick) suites=smoke,torture,mm-quick,$EXTRA_SUITES limit=3600 ;;
full) suites=smoke,torture,mm-full,$EXTRA_SUITES limit=14400 ;;
smoke) suites=smoke limit=900 ;;
*) die "unknown check profile '$profile'" "use quick, full or smoke" ;;
esac

export RUN_DIR=${RUN_DIR:-$RESULTS/$(date +%Y%m%d-%H%M%S)-check-$profile}
mkdir -p "$RUN_DIR"
# The steps before the boots stop make check at once: a broken bench fails
# in seconds, before the 20-minute kernel build.
stop_if_failed() {
	[ "$failed" = 0 ] && return 0
	note "stopping: nothing after a failed ${failures[-1]} can pass"
	steps_summary || exit 1
}

if [ "$profile" != smoke ]; then
	# The host tests need only python3 (installed by make deps).
	command -v python3 >/dev/null || bash "$TOP/scripts/deps.sh"
	say "host tests of the bench (tests/)"
	step host-tests python3 -m unittest discover -s "$TOP/tests"
	stop_if_failed
	bash "$TOP/scripts/deps.sh"
	say "guest checker self-test: torture with a corrupted shadow must fail"
	step torture-selftest bash "$TOP/scripts/torture-selftest.sh"
	stop_if_failed
	bash "$TOP/scripts/tree.sh"
	note "kernel source: $(ksrc_version)"
	say "tools/testing/vma (userland test of mm/vma.c)"
	step vma-harness bash "$TOP/scripts/vma-test.sh"
	stop_if_failed
	say "every mutation of tests/mutations/ still applies to the series"
	step mutations-apply bash "$TOP/scripts/mutations-check.sh"
	stop_if_failed
	# Only now the slow part: the debug kernel and the guest.
	step debug-kernel bash "$TOP/scripts/kbuild.sh" debug
	stop_if_failed
	step guest bash "$TOP/scripts/guest.sh"
	stop_if_failed
	say "bench self-test: a guest with a failing test and a kernel WARN must fail"
	step bench-negative env EXPECT_FAIL=1 \
		bash "$TOP/scripts/boot.sh" bench-negative debug bench-negative none 900
fi

export EXPECT=$TOP/expected/baseline.txt
for mode in $(modes_for debug); do
	step "debug-lazy=$mode" bash "$TOP/scripts/boot.sh" "debug-lazy$mode" debug "$suites" "$mode" "$limit"
done
# arm64 (make check-arm64, docs/arm64.md): in make check since the whole
# stays within its time budget (README: 33.5 + 9.3 min cold, fresh machine).
[ "$profile" = smoke ] ||
	step arm64 env RUN_DIR="$RUN_DIR/arm64" bash "$TOP/scripts/arm64.sh" check

steps_summary --boots
