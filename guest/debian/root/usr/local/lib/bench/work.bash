# SPDX-License-Identifier: GPL-2.0
# bash of the apps24 phase: a script that runs a few commands, then a loop
# of builtins (no fork while the bench measures).
declare -A seen
for f in /etc/*; do seen[$f]=1; done
n=$(ls /usr/bin | wc -l)
grep -c . /etc/services >/dev/null
mkfifo /run/bench/bash.fifo
touch /run/bench/bash-script.ready
while true; do
	read -r -t 10 line <>/run/bench/bash.fifo
	read -r load _ </proc/loadavg
done
