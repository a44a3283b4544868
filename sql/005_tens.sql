-- 005: per site, ten minutes and path, kept by the consumer in the same
-- transaction as visit_minutes (with the same path cap). The top paths of
-- a window read the minutes up to its first ten-minute boundary, then
-- whole ten-minute rows up to its first hour, then hours: at most 9
-- minutes and 5 ten-minute spans of rows, where 59 minutes of them made
-- the 60-minute report cost 60,000 rows at the cap.
CREATE TABLE visit_tens (
    site   text        NOT NULL,
    ten    timestamptz NOT NULL
           CHECK (date_bin('10 minutes', ten, timestamptz 'epoch') = ten),
    path   text        NOT NULL,
    visits bigint      NOT NULL CHECK (visits >= 0),
    PRIMARY KEY (site, ten, path)
);

INSERT INTO visit_tens (site, ten, path, visits)
    SELECT site, date_bin('10 minutes', minute, timestamptz 'epoch'), path, sum(visits)
    FROM visit_minutes GROUP BY 1, 2, 3;
