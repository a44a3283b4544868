-- 001: visit counts per minute and path, the consumer's Kafka offsets, and
-- the events it could not count.

-- One row per UTC minute and normalized path. The consumer only ever adds to
-- visits, in the same transaction that advances kafka_offsets.
CREATE TABLE visit_minutes (
    minute timestamptz NOT NULL CHECK (date_trunc('minute', minute) = minute),
    path   text        NOT NULL,
    visits bigint      NOT NULL CHECK (visits >= 0),
    PRIMARY KEY (minute, path)
);

-- The next Kafka offset to consume per partition: the authority on where
-- the consumer resumes. Kafka's own committed offsets are informational.
CREATE TABLE kafka_offsets (
    topic       text        NOT NULL,
    partition   integer     NOT NULL CHECK (partition >= 0),
    next_offset bigint      NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

-- Messages that are not valid visit events, kept for inspection.
CREATE TABLE rejected_events (
    id           bigserial   PRIMARY KEY,
    rejected_at  timestamptz NOT NULL DEFAULT now(),
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    kafka_offset bigint      NOT NULL,
    reason       text        NOT NULL,
    payload      bytea       NOT NULL,   -- the first 1024 bytes
    UNIQUE (topic, partition, kafka_offset)
);
