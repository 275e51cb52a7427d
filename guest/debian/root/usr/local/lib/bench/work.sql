-- sqlite3 of the apps24 phase: builds a table, then stays open.
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT OR REPLACE INTO kv SELECT x, hex(randomblob(16)) FROM c;
SELECT count(*), max(length(v)) FROM kv;
.shell touch /run/bench/sqlite3.ready
