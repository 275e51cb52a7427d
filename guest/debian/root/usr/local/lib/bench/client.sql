-- A psql client of the apps24 phase (@N@ is its number): it creates and
-- queries a table, says it is ready, then stays connected.
CREATE TABLE t@N@ (id int PRIMARY KEY, name text, val double precision);
INSERT INTO t@N@ SELECT g, md5(g::text), random() FROM generate_series(1, 20000) g;
CREATE INDEX ON t@N@ (name);
SELECT count(*), avg(val) FROM t@N@ WHERE name LIKE 'a%';
\! touch /run/bench/psql@N@.ready
