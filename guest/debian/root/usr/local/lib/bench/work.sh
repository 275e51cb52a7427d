# SPDX-License-Identifier: GPL-2.0
# dash of the apps24 phase: a script that runs a few commands, then waits
# for a line on a FIFO that nobody writes.
n=0
for f in /etc/*; do n=$((n + 1)); done
ls /usr/lib | sort | head -5 >/dev/null
mkfifo /run/bench/dash.fifo
touch /run/bench/dash-script.ready
read line </run/bench/dash.fifo
