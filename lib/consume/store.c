/* store.c - the consumer's side of PostgreSQL. */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "event.h"
#include "migrate.h"

/* The array parameters of the statements, each kept between flushes for
 * its memory. Each function fills the arrays it sends, except
 * flush_partitions: store_flush fills it once for store_fence and
 * store_set_offsets. */
struct store {
    char *conninfo;
    PGconn *conn;
    buf flush_partitions;       /* int[]: the partitions a flush moves */
    buf next_offsets;           /* bigint[]: their new offsets, in that order */
    buf times, sites, paths, counts; /* bigint[], text[], text[], bigint[]: counts */
    buf load_partitions;        /* int[]: partitions store_load_offsets reads */
    buf reject_partitions, reject_offsets, reject_reasons, reject_payloads;
};

store *
store_create(const char *conninfo)
{
    store *st = calloc(1, sizeof(*st));

    if (st == NULL)
        return NULL;
    st->conninfo = strdup(conninfo);
    if (st->conninfo == NULL) {
        free(st);
        return NULL;
    }
    return st;
}

void
store_free(store *st)
{
    if (st == NULL)
        return;
    PQfinish(st->conn);
    buf_free(&st->flush_partitions);
    buf_free(&st->next_offsets);
    buf_free(&st->times);
    buf_free(&st->sites);
    buf_free(&st->paths);
    buf_free(&st->counts);
    buf_free(&st->load_partitions);
    buf_free(&st->reject_partitions);
    buf_free(&st->reject_offsets);
    buf_free(&st->reject_reasons);
    buf_free(&st->reject_payloads);
    free(st->conninfo);
    free(st);
}

/* Drops a broken connection so the next call reconnects. */
static void
store_check_conn(store *st)
{
    if (st->conn && PQstatus(st->conn) == CONNECTION_BAD) {
        PQfinish(st->conn);
        st->conn = NULL;
    }
}

int
store_connect(store *st, char *err, size_t errlen)
{
    store_check_conn(st);
    if (st->conn)
        return 0;
    st->conn = db_connect(st->conninfo, err, errlen);
    if (st->conn == NULL)
        return -1;
    /* Every flush holds its minutes' visit_totals rows until COMMIT, and
     * the other consumers' flushes wait for them. A session that dies
     * inside a transaction (a partitioned client) is ended by the server
     * after a minute, and a flush waits at most 30 s for a lock before it
     * fails and is retried, so no consumer hangs behind a lost one. */
    if (db_command(st->conn, "SET idle_in_transaction_session_timeout = '60s'",
                   err, errlen) < 0
        || db_command(st->conn, "SET lock_timeout = '30s'", err, errlen) < 0) {
        PQfinish(st->conn);
        st->conn = NULL;
        return -1;
    }
    if (migrate_check(st->conn, err, errlen) < 0) {
        PQfinish(st->conn);
        st->conn = NULL;
        return -1;
    }
    return 0;
}

/* Runs a parameterized statement and checks its status. Returns the result
 * (the caller clears it) or NULL with a message. */
static PGresult *
store_exec(store *st, const char *sql, int nparams, const char *const *params,
           ExecStatusType want, char *err, size_t errlen)
{
    PGresult *res = PQexecParams(st->conn, sql, nparams, NULL, params, NULL, NULL,
                                 0);

    if (PQresultStatus(res) != want) {
        db_error(st->conn, res, err, errlen);
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Runs a parameterized statement whose rows, if any, are not needed.
 * Returns 0 when its status is want, or -1 with a message. */
static int
store_run(store *st, const char *sql, int nparams, const char *const *params,
          ExecStatusType want, char *err, size_t errlen)
{
    PGresult *res = store_exec(st, sql, nparams, params, want, err, errlen);

    PQclear(res);
    return res ? 0 : -1;
}

static void
store_rollback(store *st)
{
    PQclear(PQexec(st->conn, "ROLLBACK"));
    store_check_conn(st);
}

int
store_load_offsets(store *st, const char *topic, const int32_t *partitions,
                   size_t n, int64_t *next, char *err, size_t errlen)
{
    const char *params[2];
    PGresult *res;
    size_t i;
    int j, rows;

    if (store_connect(st, err, errlen) < 0)
        return -1;
    db_array_begin(&st->load_partitions);
    for (i = 0; i < n; i++)
        db_array_int(&st->load_partitions, partitions[i]);
    db_array_end(&st->load_partitions);
    if (st->load_partitions.failed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    params[0] = topic;
    params[1] = st->load_partitions.data;
    res = store_exec(st, "INSERT INTO kafka_offsets (topic, partition, next_offset)"
                         " SELECT $1, p, 0 FROM unnest($2::int[]) AS p"
                         " ON CONFLICT DO NOTHING",
                     2, params, PGRES_COMMAND_OK, err, errlen);
    if (res == NULL)
        goto failed;
    PQclear(res);
    res = store_exec(st, "SELECT partition, next_offset FROM kafka_offsets"
                         " WHERE topic = $1 AND partition = ANY($2::int[])",
                     2, params, PGRES_TUPLES_OK, err, errlen);
    if (res == NULL)
        goto failed;
    rows = PQntuples(res);
    for (i = 0; i < n; i++) {
        for (j = 0; j < rows; j++) {
            if (atoi(PQgetvalue(res, j, 0)) == partitions[i])
                break;
        }
        if (j == rows) {
            snprintf(err, errlen, "no stored offset for partition %" PRId32,
                     partitions[i]);
            PQclear(res);
            return -1;
        }
        next[i] = strtoll(PQgetvalue(res, j, 1), NULL, 10);
    }
    PQclear(res);
    return 0;
failed:
    store_check_conn(st);
    return -1;
}

/* Locks the offset rows of offs and compares them with what this consumer
 * expects. Returns STORE_OK, STORE_FENCED or STORE_FAILED, with a message
 * for the latter two. Sends st->flush_partitions, which store_flush filled. */
static enum store_result
store_fence(store *st, const char *topic, const store_offset *offs, size_t noffs,
            char *err, size_t errlen)
{
    const char *params[2] = { topic, st->flush_partitions.data };
    PGresult *res;
    size_t i;
    int j, rows;

    res = store_exec(st, "SELECT partition, next_offset FROM kafka_offsets"
                         " WHERE topic = $1 AND partition = ANY($2::int[])"
                         " FOR UPDATE",
                     2, params, PGRES_TUPLES_OK, err, errlen);
    if (res == NULL)
        return STORE_FAILED;
    rows = PQntuples(res);
    for (i = 0; i < noffs; i++) {
        for (j = 0; j < rows; j++) {
            if (atoi(PQgetvalue(res, j, 0)) == offs[i].partition)
                break;
        }
        if (j == rows
            || strtoll(PQgetvalue(res, j, 1), NULL, 10) != offs[i].expected) {
            snprintf(err, errlen, "partition %" PRId32 " offset is %s in the "
                     "database, expected %" PRId64 ": another consumer owns it",
                     offs[i].partition, j == rows ? "missing" : PQgetvalue(res, j, 1),
                     offs[i].expected);
            PQclear(res);
            return STORE_FENCED;
        }
    }
    PQclear(res);
    return STORE_OK;
}

/* Fills st->times, st->sites, st->paths and st->counts with the keys and
 * counts of a (paths only with_paths). Returns 0, or -1 when out of
 * memory. */
static int
store_fill_counts(store *st, const agg *a, int with_paths)
{
    buf *const arrays[4] = { &st->times, &st->sites, &st->paths, &st->counts };
    const agg_entry *e;
    size_t pos = 0;

    db_arrays_begin(arrays, 4);
    while ((e = agg_next(a, &pos)) != NULL) {
        db_array_int(&st->times, e->time);
        db_array_text(&st->sites, e->site);
        if (with_paths)
            db_array_text(&st->paths, e->path);
        db_array_int(&st->counts, e->count);
    }
    return db_arrays_end(arrays, 4);
}

/* Adds the counts of st->times, st->sites and st->counts (minutes) to
 * visit_totals. Upserting a (site, minute) row locks it until COMMIT, so
 * a flush of another consumer touching that minute waits here, and
 * store_add_paths' snapshot (READ COMMITTED takes one per statement) sees
 * every path stored for it. Rows are locked in key order, so two flushes
 * cannot deadlock on them. Returns 0, or -1 with a message. */
static int
store_add_totals(store *st, char *err, size_t errlen)
{
    const char *params[3] = { st->times.data, st->sites.data, st->counts.data };

    return store_run(st,
        "INSERT INTO visit_totals (site, minute, visits)"
        " SELECT s, to_timestamp(m), sum(v)"
        " FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS u(m, s, v)"
        " GROUP BY 1, 2 ORDER BY 1, 2"
        " ON CONFLICT (site, minute) DO UPDATE"
        " SET visits = visit_totals.visits + EXCLUDED.visits",
        3, params, PGRES_COMMAND_OK, err, errlen);
}

/* The hours', ten and five minutes' rows have no lock like the minutes'
 * visit_totals row (flushes of other minutes add to them): takes one per
 * (site, hour) of st->times and st->sites, in order, until COMMIT, so
 * that their caps count every path stored before. Returns 0, or -1 with
 * a message. */
static int
store_lock_hours(store *st, char *err, size_t errlen)
{
    const char *params[2] = { st->times.data, st->sites.data };

    return store_run(st,
        "SELECT pg_advisory_xact_lock(hashtextextended(s || ' ' || h::text, 0))"
        " FROM (SELECT DISTINCT s, date_trunc('hour', to_timestamp(m), 'UTC') AS h"
        "       FROM unnest($1::bigint[], $2::text[]) AS u(m, s)) x ORDER BY s, h",
        2, params, PGRES_TUPLES_OK, err, errlen);
}

/* Adds the (minute, site, path) counts of st->times, st->sites, st->paths
 * and st->counts to visit_minutes, visit_fives, visit_tens and
 * visit_hours, at most max_paths distinct paths per site and minute, five
 * and ten minutes and hour, the rest under PATH_OTHER: the database's
 * visits_add_paths (sql/007_add_paths.sql says how). Runs after
 * store_add_totals and store_lock_hours. Returns 0 with what was capped
 * in *stats, or -1 with a message. */
static int
store_add_paths(store *st, long max_paths, store_stats *stats, char *err,
                size_t errlen)
{
    char cap[24];
    const char *params[6] = { st->times.data, st->sites.data, st->paths.data,
                              st->counts.data, cap, PATH_OTHER };
    PGresult *res;

    snprintf(cap, sizeof(cap), "%ld", max_paths);
    res = store_exec(st,
        "SELECT capped_keys, capped_visits FROM visits_add_paths($1::bigint[],"
        " $2::text[], $3::text[], $4::bigint[], $5::bigint, $6::text)",
        6, params, PGRES_TUPLES_OK, err, errlen);
    if (res == NULL)
        return -1;
    stats->capped_keys = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    stats->capped_visits = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return 0;
}

/* Adds the (minute, site, path) counts of a to visit_totals and the path
 * rollups (store_add_totals, store_lock_hours, store_add_paths). Returns
 * 0 with what was capped in *stats, or -1 with a message. */
static int
store_add_minutes(store *st, const agg *a, long max_paths, store_stats *stats,
                  char *err, size_t errlen)
{
    if (agg_size(a) == 0)
        return 0;
    if (store_fill_counts(st, a, 1) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (store_add_totals(st, err, errlen) < 0 || store_lock_hours(st, err, errlen) < 0)
        return -1;
    return store_add_paths(st, max_paths, stats, err, errlen);
}

/* Adds the per-second counts of a (keys with an empty path) to
 * visit_seconds. Returns 0 or -1 with a message. */
static int
store_add_seconds(store *st, const agg *a, char *err, size_t errlen)
{
    const char *params[3];

    if (a == NULL || agg_size(a) == 0)
        return 0;
    if (store_fill_counts(st, a, 0) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    params[0] = st->times.data;
    params[1] = st->sites.data;
    params[2] = st->counts.data;
    return store_run(st, "INSERT INTO visit_seconds (site, second, visits)"
                         " SELECT s, to_timestamp(t), v FROM unnest($1::bigint[],"
                         " $2::text[], $3::bigint[]) AS u(t, s, v) ORDER BY 1, 2"
                         " ON CONFLICT (site, second) DO UPDATE"
                         " SET visits = visit_seconds.visits + EXCLUDED.visits",
                     3, params, PGRES_COMMAND_OK, err, errlen);
}

int
store_prune_seconds(store *st, char *err, size_t errlen)
{
    if (store_connect(st, err, errlen) < 0)
        return -1;
    if (db_command(st->conn, "DELETE FROM visit_seconds"
                             " WHERE second < now() - interval '1 hour'",
                   err, errlen) < 0) {
        store_check_conn(st);
        return -1;
    }
    return 0;
}

/* Stores the new offsets, in the order of st->flush_partitions. */
static int
store_set_offsets(store *st, const char *topic, const store_offset *offs,
                  size_t noffs, char *err, size_t errlen)
{
    const char *params[3];

    db_array_begin(&st->next_offsets);
    for (size_t i = 0; i < noffs; i++)
        db_array_int(&st->next_offsets, offs[i].next);
    db_array_end(&st->next_offsets);
    if (st->next_offsets.failed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    params[0] = topic;
    params[1] = st->flush_partitions.data;
    params[2] = st->next_offsets.data;
    return store_run(st, "UPDATE kafka_offsets o SET next_offset = t.n,"
                         " updated_at = now()"
                         " FROM unnest($2::int[], $3::bigint[]) AS t(p, n)"
                         " WHERE o.topic = $1 AND o.partition = t.p",
                     3, params, PGRES_COMMAND_OK, err, errlen);
}

/* Inserts the rejected messages. */
static int
store_add_rejects(store *st, const char *topic, const store_reject *rej,
                  size_t nrej, char *err, size_t errlen)
{
    buf *const arrays[4] = { &st->reject_partitions, &st->reject_offsets,
                             &st->reject_reasons, &st->reject_payloads };
    const char *params[5];

    if (nrej == 0)
        return 0;
    db_arrays_begin(arrays, 4);
    for (size_t i = 0; i < nrej; i++) {
        db_array_int(&st->reject_partitions, rej[i].partition);
        db_array_int(&st->reject_offsets, rej[i].offset);
        db_array_text(&st->reject_reasons, rej[i].reason);
        db_array_bytea(&st->reject_payloads, rej[i].payload, rej[i].len);
    }
    if (db_arrays_end(arrays, 4) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    params[0] = topic;
    params[1] = st->reject_partitions.data;
    params[2] = st->reject_offsets.data;
    params[3] = st->reject_reasons.data;
    params[4] = st->reject_payloads.data;
    return store_run(st, "INSERT INTO rejected_events"
                         " (topic, partition, kafka_offset, reason, payload)"
                         " SELECT $1, p, o, r, d FROM unnest($2::int[],"
                         " $3::bigint[], $4::text[], $5::bytea[]) AS t(p, o, r, d)"
                         " ON CONFLICT DO NOTHING",
                     5, params, PGRES_COMMAND_OK, err, errlen);
}

enum store_result
store_flush(store *st, const char *topic, const store_batch *b,
            store_stats *stats, char *err, size_t errlen)
{
    store_stats capped = { 0, 0 };
    enum store_result r;

    if (store_connect(st, err, errlen) < 0)
        return STORE_FAILED;
    db_array_begin(&st->flush_partitions);
    for (size_t i = 0; i < b->noffs; i++)
        db_array_int(&st->flush_partitions, b->offs[i].partition);
    db_array_end(&st->flush_partitions);
    if (st->flush_partitions.failed) {
        snprintf(err, errlen, "out of memory");
        return STORE_FAILED;
    }
    /* The path cap needs READ COMMITTED: its second statement must see
     * what was committed while it waited for the minutes' locks. */
    if (db_command(st->conn, "BEGIN ISOLATION LEVEL READ COMMITTED", err, errlen) < 0) {
        store_check_conn(st);
        return STORE_FAILED;
    }
    r = store_fence(st, topic, b->offs, b->noffs, err, errlen);
    if (r != STORE_OK)
        goto rollback;
    r = STORE_FAILED;
    if (store_add_minutes(st, b->minutes, b->max_paths, &capped, err, errlen) < 0
        || store_add_seconds(st, b->seconds, err, errlen) < 0
        || store_set_offsets(st, topic, b->offs, b->noffs, err, errlen) < 0
        || store_add_rejects(st, topic, b->rej, b->nrej, err, errlen) < 0)
        goto rollback;
    if (db_command(st->conn, "COMMIT", err, errlen) < 0) {
        /* Unknown outcome only if the connection died during COMMIT; the
         * offsets fence a retry in that case (it then reports FENCED). */
        store_check_conn(st);
        return STORE_FAILED;
    }
    if (stats)
        *stats = capped;
    return STORE_OK;
rollback:
    store_rollback(st);
    return r;
}
