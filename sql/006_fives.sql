-- 006: per site, five minutes and path, kept by the consumer in the same
-- transaction as visit_minutes (with the same path cap). With it the top
-- paths of a window read at most 4 minutes of rows before its first
-- five-minute boundary, one five-minute span before its first ten-minute
-- boundary, then ten-minute spans and hours: 11 spans of rows for the
-- 60-minute report at most, where minutes, tens and hours alone made 15
-- (9 minutes, 5 tens, an hour).
CREATE TABLE visit_fives (
    site   text        NOT NULL,
    five   timestamptz NOT NULL
           CHECK (date_bin('5 minutes', five, timestamptz 'epoch') = five),
    path   text        NOT NULL,
    visits bigint      NOT NULL CHECK (visits >= 0),
    PRIMARY KEY (site, five, path)
);

INSERT INTO visit_fives (site, five, path, visits)
    SELECT site, date_bin('5 minutes', minute, timestamptz 'epoch'), path, sum(visits)
    FROM visit_minutes GROUP BY 1, 2, 3;
