/* partitions.h - where each of the consumer's partitions stands: which
 * are assigned, which offsets PostgreSQL gave, how far messages have been
 * taken into account and what the next flush must store. The exactly-once
 * bookkeeping of visits-consumer, with no Kafka or libpq inside, so every
 * transition has a unit test (tests/check_consume.c).
 *
 * The rules it keeps: a message counts only on an assigned partition
 * whose stored offset is known, and only at or after next (below next it
 * was counted already); a flush stores, for each partition that moved,
 * the offset it started from (expected) and next; after a committed flush
 * committed = next; after a failed one nothing changes (it is retried);
 * after a fenced one, or a discard, next goes back to committed and the
 * uncommitted messages are read again. */
#ifndef VISITS_PARTITIONS_H
#define VISITS_PARTITIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define PARTITIONS_MAX 1024     /* partition ids 0 .. PARTITIONS_MAX - 1 */

typedef struct partition {
    int assigned;       /* in the current assignment */
    int known;          /* its stored offset has been read from PostgreSQL */
    int dirty;          /* next moved since the last flush */
    int kicked;         /* partitions_kick chose it at next; cleared as next moves */
    int64_t committed;  /* next offset as stored in PostgreSQL */
    int64_t next;       /* offset after the last message taken into account */
} partition;

/* A table by partition id. Zero-initialized it is empty; free it with
 * partitions_free. Read p[0 .. n - 1] directly; change it only through
 * the functions below. */
typedef struct partitions {
    partition *p;
    int32_t n;          /* entries of p (some never assigned) */
} partitions;

/* Frees the table and leaves it empty. Accepts NULL. */
void partitions_free(partitions *t);

/* Returns partition id, or NULL when it has no entry (never assigned). */
const partition *partitions_find(const partitions *t, int32_t id);

/* Makes ids[0 .. n - 1] the assignment: each starts unknown, at nothing;
 * every other partition is forgotten. Returns 0, or -1 (the table
 * unchanged) when an id is outside 0 .. PARTITIONS_MAX - 1 or memory is
 * short, with the id in *bad. */
int partitions_assign(partitions *t, const int32_t *ids, size_t n, int32_t *bad);

/* Forgets every partition (a revoke): nothing is assigned or pending. */
void partitions_revoke(partitions *t);

/* Writes the ids of the assigned partitions whose stored offset is not
 * known into ids (room for cap, PARTITIONS_MAX is always enough); returns
 * how many. */
size_t partitions_unknown(const partitions *t, int32_t *ids, size_t cap);

/* Whether every assigned partition's stored offset is known. */
int partitions_all_known(const partitions *t);

/* Starts assigned partition id at the offset PostgreSQL stores for it:
 * known, committed = next = stored, nothing pending. Ignores a partition
 * not assigned. */
void partitions_start(partitions *t, int32_t id, int64_t stored);

/* Whether the message at offset of partition id is to be taken into
 * account: 1 when the partition is assigned and known and offset >= next;
 * 0 otherwise (not positioned yet: it is fetched again after the seek; or
 * counted already). */
int partitions_wants(const partitions *t, int32_t id, int64_t offset);

/* Takes the message at offset into account once it is in the batch: if
 * partitions_wants it, next moves past it (the partition pending) and 1
 * is returned; otherwise nothing changes and 0 is returned. */
int partitions_take(partitions *t, int32_t id, int64_t offset);

/* The partition's stored offset is not in the log any more (the topic
 * was recreated, or retention removed events never counted): counting
 * restarts at offset 0, the start of the log, pending. Returns 1, or 0
 * when id is not assigned and known (nothing changes). */
int partitions_restart(partitions *t, int32_t id);

/* Writes what a flush must store into offs (room for cap, PARTITIONS_MAX
 * is always enough): for each pending partition, in id order, the offset
 * it started from and next. Returns how many. */
size_t partitions_pending(const partitions *t, store_offset *offs, size_t cap);

/* Records a committed flush of offs[0 .. n - 1]: committed = what was
 * stored, nothing pending unless next moved on since offs was taken. */
void partitions_flushed(partitions *t, const store_offset *offs, size_t n);

/* Drops what was taken but not stored: next = committed, nothing pending.
 * The messages after committed are read again (after a seek). */
void partitions_discard(partitions *t);

/* A flush found another consumer's offsets: discards, and every stored
 * offset is to be read again (all unknown). */
void partitions_fence(partitions *t);

/* Whether to seek assigned, known partition id at next to wake its
 * fetcher, given its high watermark: once per position, when the log has
 * more than next. Marks it kicked when it returns 1. */
int partitions_kick(partitions *t, int32_t id, int64_t high);

#endif
