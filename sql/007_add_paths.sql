-- 007: the consumer's capped upsert of a flush's path counts, as functions
-- of the database (before, one statement the consumer built in C), so that
-- it reads as SQL and is tested in SQL (tests/sql_add_paths.sh). The
-- consumer calls visits_add_paths once per flush, in the flush's
-- transaction, after it has added the same counts to visit_totals and
-- taken the lock of each (site, hour) they fall in (lib/consume/store.c):
-- so each statement below sees every path stored before it.

-- visits_add_capped adds counts to one of the per-path tables (TBL, whose
-- span column is COL, spans WIDTH long from the epoch), keeping at most CAP
-- distinct paths per site and span besides OTHER: a path the span already
-- has is always added to; new paths are taken, busiest first (then by
-- path), while the span has room, and the rest are added under OTHER.
-- TIMES are seconds since the epoch, each in the span it is added to; the
-- rows are inserted in key order, so two flushes cannot deadlock on them.
-- Returns what it was given, summed per (site, span start, path), with
-- CAPPED true for the rows added under OTHER.
CREATE FUNCTION visits_add_capped(tbl regclass, col name, width interval,
                                  times bigint[], sites text[], paths text[],
                                  counts bigint[], cap bigint, other text)
RETURNS TABLE (site text, at bigint, path text, visits bigint, capped boolean)
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH k AS (SELECT u.s AS site, date_bin($1, to_timestamp(u.t), timestamptz 'epoch') AS at,
                          u.p AS path, sum(u.v)::bigint AS visits
                   FROM unnest($2, $3, $4, $5) AS u(t, s, p, v) GROUP BY 1, 2, 3),
             used AS (SELECT x.site, x.%2$I AS at, count(*) AS n FROM %1$s x
                      WHERE (x.site, x.%2$I) IN (SELECT k.site, k.at FROM k)
                      AND x.path <> $7 GROUP BY 1, 2),
             -- known: the span has the path already (or it is OTHER). New
             -- paths are ranked busiest first within their span, in one
             -- pass: a join of k with its own ranking went quadratic once
             -- the planner merged on (site, span) alone.
             kt AS (SELECT k.*, k.path = $7 OR EXISTS (SELECT 1 FROM %1$s x
                        WHERE x.site = k.site AND x.%2$I = k.at AND x.path = k.path) AS known
                    FROM k),
             c AS (SELECT kt.site, kt.at, kt.path, kt.visits,
                          NOT kt.known AND coalesce(u.n, 0) + row_number() OVER
                          (PARTITION BY kt.site, kt.at, kt.known
                           ORDER BY kt.visits DESC, kt.path) > $6 AS capped
                   FROM kt LEFT JOIN used u USING (site, at)),
             ins AS (INSERT INTO %1$s AS x (site, %2$I, path, visits)
                     SELECT c.site, c.at, CASE WHEN c.capped THEN $7 ELSE c.path END,
                            sum(c.visits)
                     FROM c GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                     ON CONFLICT (site, %2$I, path) DO UPDATE
                     SET visits = x.visits + EXCLUDED.visits)
        SELECT c.site, extract(epoch FROM c.at)::bigint, c.path, c.visits, c.capped FROM c
    $q$, tbl, col) USING width, times, sites, paths, counts, cap, other;
END
$fn$;

-- visits_add_paths adds a flush's (minute, site, path) counts (TIMES in
-- seconds since the epoch) to visit_minutes, capped per minute, then what
-- the minutes kept (the capped ones as OTHER) to visit_fives, visit_tens
-- and visit_hours, each capped the same way per its span. Returns how many
-- (minute, site, path) keys and visits the minutes' cap put under OTHER.
CREATE FUNCTION visits_add_paths(times bigint[], sites text[], paths text[],
                                 counts bigint[], cap bigint, other text,
                                 OUT capped_keys bigint, OUT capped_visits bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    kept_times bigint[];
    kept_sites text[];
    kept_paths text[];
    kept_counts bigint[];
BEGIN
    SELECT array_agg(m.at), array_agg(m.site),
           array_agg(CASE WHEN m.capped THEN other ELSE m.path END), array_agg(m.visits),
           count(*) FILTER (WHERE m.capped),
           coalesce(sum(m.visits) FILTER (WHERE m.capped), 0)
    INTO kept_times, kept_sites, kept_paths, kept_counts, capped_keys, capped_visits
    FROM visits_add_capped('visit_minutes', 'minute', interval '1 minute',
                           times, sites, paths, counts, cap, other) m;
    PERFORM visits_add_capped('visit_fives', 'five', interval '5 minutes',
                              kept_times, kept_sites, kept_paths, kept_counts, cap, other);
    PERFORM visits_add_capped('visit_tens', 'ten', interval '10 minutes',
                              kept_times, kept_sites, kept_paths, kept_counts, cap, other);
    PERFORM visits_add_capped('visit_hours', 'hour', interval '1 hour',
                              kept_times, kept_sites, kept_paths, kept_counts, cap, other);
END
$fn$;
