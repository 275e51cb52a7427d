# SPDX-License-Identifier: GPL-2.0
# Common settings and helpers for the bench scripts. Source it; don't run it.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
KSRC=${KSRC:-$BUILD/linux}
RESULTS=${RESULTS:-$TOP/results}
JOBS=${JOBS:-$(nproc)}
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
export PATH=/usr/lib/ccache:$PATH
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/bench-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
# Builds from another checkout (CI's fresh clone) hit the same cache entries:
# paths under $TOP are hashed relative to it.
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() {
	printf '\033[31mERROR: %s\033[0m\n' "$1" >&2
	shift
	for l in "$@"; do printf '       %s\n' "$l" >&2; done
	exit 1
}

# The out-of-tree build folder of a kernel flavour.
kout() { echo "$BUILD/out-$1${OUT_SUFFIX:-}"; }

# Target architecture: x86_64 (default, every make target) or arm64
# (make check-arm64: scripts/arm64.sh, cross-built, docs/arm64.md).
BENCH_ARCH=${BENCH_ARCH:-x86_64}
case $BENCH_ARCH in
x86_64) KMAKE=() KIMAGE=arch/x86/boot/bzImage ;;
arm64) KMAKE=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) KIMAGE=arch/arm64/boot/Image ;;
*) die "BENCH_ARCH=$BENCH_ARCH: use x86_64 or arm64" ;;
esac

# Does the configured kernel of flavour $1 have the series' switch?
has_lazy() { grep -q '^CONFIG_ANON_VMA_LAZY=y' "$(kout "$1")/.config" 2>/dev/null; }

# Modes every correctness suite runs in for flavour $1: both values of the
# switch on a patched kernel, "none" on unpatched 6.12.
modes_for() { if has_lazy "$1"; then echo "0 1"; else echo none; fi; }

# A git worktree of unpatched 6.12 (tag "pristine") for comparisons.
PRISTINE=$BUILD/linux-pristine
pristine_tree() {
	[ -d "$PRISTINE" ] || git -C "$KSRC" worktree add -q --detach "$PRISTINE" pristine
}

# The steps of a test command (check.sh, soak.sh, arm64.sh): step NAME
# CMD... runs CMD and counts it; steps_summary prints the failed steps, the
# results folder and, last, "N passed, N failed", and fails if a step did.
passed=0 failed=0 failures=()
step() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
	fi
}
# With --boots first: the table of the run's boots (summarize.py) and what
# the stress suites did (whatran.py).
steps_summary() {
	if [ "${1:-}" = --boots ]; then
		python3 "$TOP/scripts/summarize.py" "$RUN_DIR" || true
		echo
		python3 "$TOP/scripts/whatran.py" "$RUN_DIR" || true
		echo
	fi
	if [ "$failed" -gt 0 ]; then
		printf 'FAILED steps: %s\n' "${failures[*]}"
	fi
	echo "results: ${RUN_DIR:-}"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# Variants: which kernel a boot runs, named in one place.
#   baseline  unpatched 6.12: the pristine worktree, build/out-FLAVOUR-pristine,
#             booted with the kernel's default (lazy "none")
#   lazy0     the series ($KSRC), build/out-FLAVOUR, vm.anon_vma_lazy=0
#   lazy1     the same kernel with vm.anon_vma_lazy=1
# An optional config (a configs/NAME.config fragment, e.g. lockstat) adds
# "-NAME" to the build folder. variant NAME [CONFIG] sets V_KSRC (tree),
# V_SUFFIX (OUT_SUFFIX of the build folder), V_LAZY (boot.sh's LAZY) and
# V_CONFIG (the fragment, or empty).
VARIANTS="baseline lazy0 lazy1"
variant() {
	case $1 in
	baseline) pristine_tree; V_KSRC=$PRISTINE V_SUFFIX=-pristine V_LAZY=none ;;
	lazy0 | lazy1) V_KSRC=$KSRC V_SUFFIX= V_LAZY=${1#lazy} ;;
	*) die "unknown variant '$1'" "use one of: $VARIANTS" ;;
	esac
	V_CONFIG=
	if [ -n "${2:-}" ]; then
		V_CONFIG=$TOP/configs/$2.config
		[ -f "$V_CONFIG" ] || die "unknown config '$2' for variant $1" "no $V_CONFIG"
		V_SUFFIX+=-$2
	fi
}

# build_lock: take the bench's build lock (fd 8) for this shell and its
# children, unless held already. Every kernel build holds it (kbuild.sh),
# and make mutate while it patches build/linux. build_unlock drops it.
build_lock() {
	[ "${KBUILD_LOCKED:-0}" = 1 ] && return 0
	mkdir -p "$BUILD"
	exec 8>"$BUILD/.kbuild.lock"
	flock 8
	export KBUILD_LOCKED=1
}
build_unlock() {
	flock -u 8
	unset KBUILD_LOCKED
}

# build_variant NAME FLAVOUR [CONFIG]: variant NAME CONFIG, then build_kernel.
# build_kernel FLAVOUR: build the kernel of the variant set by variant()
# (a no-op when up to date; kbuild.sh takes the shared build lock). With BENCH_BUILD=0
# (NO_BUILD=1 is the same) nothing is built and the kernel must exist.
build_variant() {
	variant "$1" "${3:-}"
	build_kernel "$2"
}
build_kernel() {
	local out=$BUILD/out-$1$V_SUFFIX
	if [ "${BENCH_BUILD:-1}" = 0 ] || [ "${NO_BUILD:-0}" = 1 ]; then
		[ -f "$out/$KIMAGE" ] || die "BENCH_BUILD=0 but $out has no kernel" \
			"run without BENCH_BUILD=0 to build it"
		return 0
	fi
	KSRC=$V_KSRC OUT_SUFFIX=$V_SUFFIX EXTRA_CONFIG=$V_CONFIG \
		bash "$TOP/scripts/kbuild.sh" "$1"
}

# The kernel source a tree was unpacked from, for every result: for example
# "6.12.118 (Debian linux-source-6.12 6.12.118-1~deb12u1)", the subject of
# the tree's pristine commit (tree.sh), else its Makefile's version.
TESTED_VERSIONS="6.12.117 6.12.118"
ksrc_version() {
	local t=${1:-$KSRC} s
	s=$(git -C "$t" log -1 --format=%s pristine 2>/dev/null) || s=
	case $s in
	"Linux "*) echo "${s#Linux }" ;;
	*) make -s -C "$t" kernelversion 2>/dev/null || echo unknown ;;
	esac
}
