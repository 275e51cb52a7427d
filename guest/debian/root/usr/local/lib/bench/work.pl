# SPDX-License-Identifier: GPL-2.0
# perl of the apps24 phase: a small in-memory workload, then idle.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex);
use List::Util qw(sum);
use POSIX qw(pause);
my %h = map { $_ => md5_hex($_) } 1 .. 50000;
my $total = sum(map { length } values %h);
open(my $f, '>', '/run/bench/perl.ready') or die;
close($f);
pause() while 1;
