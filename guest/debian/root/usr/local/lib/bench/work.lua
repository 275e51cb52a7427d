-- SPDX-License-Identifier: GPL-2.0
-- lua5.4 of the apps24 phase: a small in-memory workload, then it waits on
-- its standard input (a pipe that stays open).
local t = {}
for i = 1, 100000 do t[i] = string.format("%d:%x", i, i * 2654435761 % 4294967296) end
io.open("/run/bench/lua.ready", "w"):close()
io.read("a")
