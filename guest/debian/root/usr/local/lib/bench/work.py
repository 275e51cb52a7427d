# SPDX-License-Identifier: GPL-2.0
# python3 of the apps24 phase: a small in-memory workload, then idle.
import collections, hashlib, json, sqlite3, threading, time

data = {i: hashlib.sha1(str(i).encode()).hexdigest() for i in range(50000)}
counts = collections.Counter(v[0] for v in data.values())
blob = json.dumps(data)
db = sqlite3.connect(":memory:")
db.execute("create table t (k integer primary key, v text)")
db.executemany("insert into t values (?, ?)", data.items())
threads = [threading.Thread(target=time.sleep, args=(1e6,), daemon=True) for _ in range(2)]
for t in threads:
    t.start()
open("/run/bench/python-script.ready", "w").close()
while True:
    time.sleep(3600)
