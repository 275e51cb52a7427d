# SPDX-License-Identifier: GPL-2.0
# tclsh of the apps24 phase: a small in-memory workload, then an event loop.
set d [dict create]
for {set i 0} {$i < 30000} {incr i} {
	dict set d $i [string repeat x [expr {$i % 50}]]
}
close [open /run/bench/tclsh.ready w]
vwait forever
