#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A host self-test of the guest's page checker, seconds before any kernel
# build (make check runs it after the host tests): guest/src/torture.c
# built with -DBREAK_SHADOW corrupts one entry of its shadow on purpose, so
# a 2-second run on the host must fail with a page content mismatch, and the
# "bench-data: figures" line it still prints must be one that
# scripts/figures.py reads.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -static -O2 -Wall -Wextra -DBREAK_SHADOW -o "$tmp/torture" "$TOP/guest/src/torture.c" \
	>"$tmp/cc.log" 2>&1 || die "compiling guest/src/torture.c failed" "$(head -5 "$tmp/cc.log")"
rc=0
(cd "$tmp" && timeout -s KILL 120 ./torture -s 1 -t 2 -p 4) >"$tmp/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || die "torture -DBREAK_SHADOW passed: its page checker no longer catches a corrupted page"
grep -q 'page content mismatch' "$tmp/out" ||
	die "torture -DBREAK_SHADOW failed (exit $rc), but not with a page content mismatch" "$(tail -5 "$tmp/out")"
python3 "$TOP/scripts/figures.py" "$tmp/out" figures torture >/dev/null ||
	die "torture printed no readable 'bench-data: figures src=torture' line (scripts/figures.py)"
note "torture -DBREAK_SHADOW caught its corrupted page; its figures line parses"
