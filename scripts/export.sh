#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the kernel tree's commits (pristine..HEAD) to patches/ as a
# format-patch series with a series file. The cover letter
# (patches/0000-cover-letter.patch) is kept and not listed in series.
. "$(dirname "$0")/lib.sh"

cd "$KSRC"
git rev-parse -q --verify pristine >/dev/null || die "$KSRC has no 'pristine' tag" "run: make tree"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "$KSRC has uncommitted changes" "commit them in the kernel tree first"
mkdir -p "$TOP/patches"
find "$TOP/patches" -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-cover-letter.patch' -delete
git format-patch -q --no-signature --zero-commit -o "$TOP/patches" pristine..HEAD
(cd "$TOP/patches" && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '^0000-cover-letter' >series || true)
n=$(wc -l <"$TOP/patches/series")
# The tree now matches patches/: record that, so tree.sh leaves it alone.
bash "$TOP/scripts/tree.sh" --stamp
say "exported $n patch(es) to patches/"
