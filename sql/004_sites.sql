-- 004: every count belongs to a site (the "sites" setting). The rows
-- counted before sites existed move to the default site, the first one
-- of "sites", which visits-migrate passes as visits.default_site. Every
-- row keeps its count: one column is added, none is recomputed.

DO $$
DECLARE
    site text := current_setting('visits.default_site', true);
    t text;
BEGIN
    IF site IS NULL OR site = '' THEN
        RAISE EXCEPTION 'visits.default_site is not set: apply migrations with visits-migrate, which sets it from "sites"';
    END IF;
    FOREACH t IN ARRAY ARRAY['visit_minutes', 'visit_totals', 'visit_hours', 'visit_seconds'] LOOP
        -- A constant default: PostgreSQL fills existing rows without
        -- rewriting the table.
        EXECUTE format('ALTER TABLE %I ADD COLUMN site text NOT NULL DEFAULT %L', t, site);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN site DROP DEFAULT', t);
    END LOOP;
END
$$;

-- Reports read one site's time range: the site leads every key.
ALTER TABLE visit_minutes DROP CONSTRAINT visit_minutes_pkey,
    ADD PRIMARY KEY (site, minute, path);
ALTER TABLE visit_totals DROP CONSTRAINT visit_totals_pkey,
    ADD PRIMARY KEY (site, minute);
ALTER TABLE visit_hours DROP CONSTRAINT visit_hours_pkey,
    ADD PRIMARY KEY (site, hour, path);
ALTER TABLE visit_seconds DROP CONSTRAINT visit_seconds_pkey,
    ADD PRIMARY KEY (site, second);

-- One path's chart (?path=) of one site.
DROP INDEX visit_minutes_path_minute;
CREATE INDEX visit_minutes_site_path_minute ON visit_minutes (site, path, minute);

-- The retention job deletes by time across sites.
CREATE INDEX visit_minutes_minute ON visit_minutes (minute);
