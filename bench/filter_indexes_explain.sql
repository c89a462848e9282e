-- Issue 27: the filter combinations the planner served by walking the primary key,
-- before and after migration claims/0025's indexes, on a database that does not have
-- them yet (fc_bench1m), without changing it: the indexes are created inside a
-- transaction that is rolled back. CREATE INDEX blocks writes to claims_claim while
-- the transaction lasts (about 10 s at a million claims); lock_timeout gives up
-- rather than queue behind a writer.
--
--   psql -h 127.0.0.1 -U postgres fc_bench1m -f bench/filter_indexes_explain.sql
--
\timing on
BEGIN;
SET LOCAL lock_timeout = '2s';
\echo === before
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM claims_claim WHERE claimed_on >= '2010-05-01' AND claimed_on <= '2010-05-31' AND period_end >= '2012-01-01' AND period_start <= '2012-12-31' ORDER BY id DESC LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM claims_claim WHERE status = 'false' AND unit = 'cars' AND value >= 9000000 ORDER BY id DESC LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM claims_claim WHERE period_end >= '2012-01-01' AND period_start <= '2012-12-31' AND value >= 2000000000 AND value <= 3000000000 ORDER BY id DESC LIMIT 51;
CREATE INDEX claim_status_unit_idx ON claims_claim (status, unit, id);
CREATE INDEX claim_claimed_period_idx ON claims_claim (claimed_on, period_start, period_end);
CREATE INDEX claim_value_period_idx ON claims_claim (value, period_start, period_end);
\echo === after
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM claims_claim WHERE claimed_on >= '2010-05-01' AND claimed_on <= '2010-05-31' AND period_end >= '2012-01-01' AND period_start <= '2012-12-31' ORDER BY id DESC LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM claims_claim WHERE status = 'false' AND unit = 'cars' AND value >= 9000000 ORDER BY id DESC LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM claims_claim WHERE period_end >= '2012-01-01' AND period_start <= '2012-12-31' AND value >= 2000000000 AND value <= 3000000000 ORDER BY id DESC LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM claims_claim WHERE status IN ('disputed','unverified') AND unit = 'USD' AND value >= 2000000000 ORDER BY id DESC LIMIT 51;
ROLLBACK;
