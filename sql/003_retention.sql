-- 003: what the retention job (visits-prune) needs to find old rows fast.
-- visit_minutes, visit_totals and visit_hours are keyed by time first;
-- rejected_events was not indexed by time, so each batch of the job
-- scanned the whole table.
CREATE INDEX rejected_events_rejected_at ON rejected_events (rejected_at);
