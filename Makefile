# SPDX-License-Identifier: GPL-2.0
# ANON_VMA_LAZY for Linux 6.12: build, boot, test and measure.
#
#   make run          the main job: release kernel, demo workload, slab table
#   make check        the test command (debug kernel, both modes); exit 0 = all passed
#   make check-full   make check with every upstream mm selftest category
#   make check-arm64  arm64 (docs/arm64.md): cross-built debug kernel and guest,
#                     smoke, the series' selftest and a short torture in both
#                     modes under qemu-system-aarch64; make run-arm64: the demo
#   make soak         long stress/fuzz/pressure/fault-injection runs (debug
#                     kernel, every mode): SOAK_MINUTES per boot (default 60)
#   make bench        memory, speed and anon_vma lock contention: unpatched
#                     6.12, lazy=0, lazy=1 (results/<date>-bench/bench.md)
#   make smoke        inner loop: rebuild the debug kernel from build/linux as it
#                     is (uncommitted edits included), boot, run the smoke suite
#   make export       write build/linux's commits to patches/
#   make baseline     re-record expected/baseline.txt on unpatched 6.12
#   make mutate       break the series on purpose (tests/mutations/) and show
#                     which test catches each break
#   make bisect       boot the debug kernel of every prefix of the series
#                     that changes kernel code (a bisection's kernels)
#
# Variables: KSRC (kernel tree, default build/linux), JOBS, RUN_DIR,
# SOAK_MINUTES; make run: DEMO_ARGS; make bench: BENCH_PARTS (mem speed walk
# lock debian), BENCH_MODES (variants: baseline lazy0 lazy1), BENCH_REPS,
# BENCH_BOOTS, BENCH_CLOCK (icount|wall), BENCH_BUILD=0 (boot the kernels as
# they are); boots: QEMU_MEM, QEMU_EXTRA, APPEND. Each script's header
# lists the rest.

SHELL := /bin/bash
SOAK_MINUTES ?= 60
S := scripts

.PHONY: all run bench check check-full check-arm64 run-arm64 bisect soak smoke export baseline deps tree \
	kernel-debug kernel-release guest host-test vma-test mutate clean help

all: help

help:
	@sed -n '2,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash $(S)/deps.sh

tree: deps
	@bash $(S)/tree.sh

kernel-debug: tree
	@bash $(S)/kbuild.sh debug

kernel-release: tree
	@bash $(S)/kbuild.sh release

guest: tree
	@bash $(S)/guest.sh

host-test:
	@python3 -m unittest discover -s tests

vma-test: tree
	@bash $(S)/vma-test.sh

# check.sh runs the host tests first (seconds), then deps, tree and the vma
# harness (a minute), and only then builds the debug kernel and the guest:
# a broken bench fails before the kernel build.
check:
	@bash $(S)/check.sh quick

check-full:
	@bash $(S)/check.sh full

# arm64 alone (make check and make check-full run it too).
check-arm64: tree
	@bash $(S)/arm64.sh check

run-arm64: tree
	@bash $(S)/arm64.sh demo

# The kernel of every prefix of the series booted (scripts/bisect.sh):
# up to ten debug kernels, so not in make check.
bisect: tree
	@bash $(S)/bisect.sh

soak: kernel-debug guest
	@SOAK_MINUTES=$(SOAK_MINUTES) bash $(S)/soak.sh

# The inner loop does not re-apply patches/: it builds the tree as it is.
smoke:
	@bash $(S)/kbuild.sh debug && bash $(S)/guest.sh && bash $(S)/check.sh smoke

run: kernel-release guest
	@bash $(S)/run.sh

# Benchmarks, not tests: make check does not run them.
bench: kernel-release guest
	@bash $(S)/bench.sh

export:
	@bash $(S)/export.sh

baseline: deps
	@bash $(S)/baseline.sh

mutate: kernel-debug guest
	@bash $(S)/mutate.sh

clean:
	rm -rf build/out-* build/initramfs* build/guest-bin build/selftests-mm
