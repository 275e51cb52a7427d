# SPDX-License-Identifier: GPL-2.0
# ruby of the apps24 phase: a small in-memory workload, then idle.
require 'digest'
require 'json'
h = {}
(1..30000).each { |i| h[i] = Digest::SHA1.hexdigest(i.to_s) }
s = JSON.generate(h)
t = Thread.new { sleep }
File.write('/run/bench/ruby.ready', '')
sleep
