-- 002: what the report reads, kept by the consumer in the same transaction
-- as visit_minutes, so every number stays exact.

-- All paths together, per minute: the chart without a path filter.
CREATE TABLE visit_totals (
    minute timestamptz PRIMARY KEY CHECK (date_trunc('minute', minute) = minute),
    visits bigint      NOT NULL CHECK (visits >= 0)
);

-- Per hour and path: top paths over long windows read about 60 times fewer
-- rows than from visit_minutes.
CREATE TABLE visit_hours (
    hour   timestamptz NOT NULL CHECK (date_trunc('hour', hour, 'UTC') = hour),
    path   text        NOT NULL,
    visits bigint      NOT NULL CHECK (visits >= 0),
    PRIMARY KEY (hour, path)
);

-- All paths together, per second, for "visits per second right now". Short
-- lived: the consumer deletes rows older than an hour.
CREATE TABLE visit_seconds (
    second timestamptz PRIMARY KEY CHECK (date_trunc('second', second) = second),
    visits bigint      NOT NULL CHECK (visits >= 0)
);

-- One path's chart (?path=) reads its minutes through this index.
CREATE INDEX visit_minutes_path_minute ON visit_minutes (path, minute);

INSERT INTO visit_totals (minute, visits)
    SELECT minute, sum(visits) FROM visit_minutes GROUP BY minute;
INSERT INTO visit_hours (hour, path, visits)
    SELECT date_trunc('hour', minute, 'UTC'), path, sum(visits)
    FROM visit_minutes GROUP BY 1, 2;
