#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make $KSRC a git tree of Debian's linux-source-6.12 with patches/ applied.
#
# The pristine source is the first commit, tagged "pristine". The series is
# applied with git am. A stamp in .git records which series produced HEAD,
# so a changed series is re-applied, while commits made by hand in the tree
# (the inner loop) are left alone until "make export" saves them.
. "$(dirname "$0")/lib.sh"

PATCHES=$TOP/patches
STAMP=$KSRC/.git/bench-applied

series_files() {
	[ -f "$PATCHES/series" ] || return 0
	grep -v -e '^#' -e '^[[:space:]]*$' "$PATCHES/series"
}

series_hash() {
	{
		echo "series"
		series_files | while read -r p; do
			[ -f "$PATCHES/$p" ] || die "patches/series names $p, which does not exist" \
				"fix patches/series or restore the patch"
			sha256sum <"$PATCHES/$p"
		done
	} | sha256sum | cut -d' ' -f1
}

if [ ! -d "$KSRC/.git" ]; then
	[ -e "$KSRC" ] && die "$KSRC exists but is not a git tree" "remove it and run again"
	[ -f "$KSRC_TARBALL" ] || die "$KSRC_TARBALL not found" "run: make deps (installs linux-source-6.12)"
	say "unpacking $(basename "$KSRC_TARBALL") into $KSRC"
	mkdir -p "$BUILD"
	tmp=$BUILD/.unpack.$$
	rm -rf "$tmp" && mkdir -p "$tmp"
	tar -C "$tmp" -xJf "$KSRC_TARBALL"
	mv "$tmp"/linux-source-6.12 "$KSRC" && rmdir "$tmp"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	kv=$(make -s -C "$KSRC" kernelversion)
	git -C "$KSRC" init -q
	git -C "$KSRC" config user.name "ANON_VMA_LAZY bench"
	git -C "$KSRC" config user.email "bench@localhost"
	git -C "$KSRC" add -A -f .
	git -C "$KSRC" commit -q -m "Linux $kv (Debian linux-source-6.12 $ver)"
	git -C "$KSRC" tag pristine
fi

src=$(ksrc_version)
case " $TESTED_VERSIONS " in
*" ${src%% *} "*) ;;
*) note "kernel source $src: the series was tested on $TESTED_VERSIONS only" ;;
esac
pkg=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
if [ -n "$pkg" ] && [[ "$src" != *" $pkg)" ]]; then
	note "$KSRC is $src, but linux-source-6.12 $pkg is installed"
	note "(to move to it: rm -rf $KSRC $BUILD/linux-pristine, then make tree)"
fi

cd "$KSRC"
want=$(series_hash)
head=$(git rev-parse HEAD)
if [ "${1:-}" = --stamp ]; then
	# Called by export.sh: the tree's commits are now what patches/ holds.
	echo "$want $head" >"$STAMP"
	exit 0
fi
if [ -f "$STAMP" ]; then
	read -r have_hash have_head <"$STAMP"
else
	have_hash=none have_head=$(git rev-parse pristine)
fi

if [ "$head" != "$have_head" ]; then
	note "kernel tree $KSRC has commits that are not in patches/; building it as it is"
	note "(run 'make export' to write them to patches/)"
	exit 0
fi
[ "$want" = "$have_hash" ] && exit 0

if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	die "patches/ changed but $KSRC has uncommitted changes" \
		"commit them in the kernel tree and run 'make export', or discard them (git -C $KSRC checkout -- .)"
fi
say "applying patches/ to $KSRC (Linux $src)"
git reset -q --hard pristine
n=0
while read -r p; do
	if ! git am -q --whitespace=nowarn "$PATCHES/$p" >/dev/null 2>"$BUILD/am.log"; then
		git am --abort 2>/dev/null || true
		git reset -q --hard pristine
		die "the series does not apply to Linux $src: patches/$p fails" \
			"$(head -5 "$BUILD/am.log")" \
			"tested on Debian linux-source-6.12 $TESTED_VERSIONS; the tree is back at its pristine commit" \
			"(rebase the series on this source: README.md, Working on the series)"
	fi
	n=$((n + 1))
done < <(series_files)
note "$n patch(es) applied"
echo "$want $(git rev-parse HEAD)" >"$STAMP"
