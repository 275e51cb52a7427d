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
