# SPDX-License-Identifier: GPL-2.0
# mawk of the apps24 phase: builds an array, then reads its standard input
# (a pipe that stays open).
BEGIN {
	for (i = 0; i < 50000; i++)
		a[i] = sprintf("%08x", i * 7919)
	printf "" > "/run/bench/awk.ready"
	close("/run/bench/awk.ready")
}
{ n++ }
