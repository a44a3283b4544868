/* visits-prune - the retention job: deletes per-minute counts older than
 * keep-minutes-days (and their ten-minute rollup), per-hour counts older
 * than keep-hours-days and rejected messages older than keep-rejected-days. Run it daily (a systemd
 * timer or cron). visit_hours is written in the same transaction as
 * visit_minutes, so hourly counts stay exact after the minutes are gone.
 * Deletes in batches, each its own transaction, so the consumer's flushes
 * never wait long behind it. Safe to run at any time, also twice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

#define PRUNE_BATCH "10000"    /* rows per DELETE, each its own transaction */
#define PRUNE_NRULES 6

/* One table's retention: delete rows whose column is older than the cutoff
 * (days before now). */
typedef struct prune_rule {
    const char *table;
    const char *column;
    long days;
} prune_rule;

/* Deletes the rows of r in batches. Returns the number deleted, or -1 with
 * a message (batches before the failure stay deleted). */
static long
prune_table(PGconn *conn, const prune_rule *r, char *err, size_t errlen)
{
    char sql[512], days[24];
    const char *params[2] = { days, PRUNE_BATCH };
    PGresult *res;
    long total = 0, n;

    /* Identifiers are our own constants; values are parameters. */
    snprintf(sql, sizeof(sql),
             "DELETE FROM %s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s"
             " WHERE %s < now() - make_interval(days => $1::int) LIMIT $2::int))",
             r->table, r->table, r->column);
    snprintf(days, sizeof(days), "%ld", r->days);
    do {
        res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            db_error(conn, res, err, errlen);
            PQclear(res);
            return -1;
        }
        n = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        total += n;
    } while (n > 0);   /* a batch whose rows all changed meanwhile ends early:
                          the next run takes the rest */
    return total;
}

int
main(int argc, char **argv)
{
    prune_rule rules[PRUNE_NRULES];
    long deleted[PRUNE_NRULES];
    char err[512];
    PGconn *conn = NULL;
    config c;
    int rc;

    if ((rc = config_main(&c, CONFIG_PRUNE, argc, argv)) >= 0)
        return rc;
    if (c.keep_hours_days < c.keep_minutes_days) {
        fprintf(stderr, "%s: keep-hours-days (%ld) is shorter than "
                "keep-minutes-days (%ld)\n", program_invocation_short_name,
                c.keep_hours_days, c.keep_minutes_days);
        config_free(&c);
        return 2;
    }
    rules[0] = (prune_rule){ "visit_minutes", "minute", c.keep_minutes_days };
    rules[1] = (prune_rule){ "visit_totals", "minute", c.keep_minutes_days };
    rules[2] = (prune_rule){ "visit_fives", "five", c.keep_minutes_days };
    rules[3] = (prune_rule){ "visit_tens", "ten", c.keep_minutes_days };
    rules[4] = (prune_rule){ "visit_hours", "hour", c.keep_hours_days };
    rules[5] = (prune_rule){ "rejected_events", "rejected_at", c.keep_rejected_days };
    rc = 1;
    conn = db_connect(c.database, err, sizeof(err));
    if (conn == NULL || migrate_check(conn, err, sizeof(err)) < 0) {
        log_error("%s", err);
        goto done;
    }
    for (size_t i = 0; i < PRUNE_NRULES; i++) {
        deleted[i] = prune_table(conn, &rules[i], err, sizeof(err));
        if (deleted[i] < 0) {
            log_error("could not prune %s: %s", rules[i].table, err);
            goto done;
        }
    }
    log_info("pruned visit_minutes=%ld visit_totals=%ld visit_fives=%ld visit_tens=%ld"
             " (older than %ld days) visit_hours=%ld (%ld days) rejected_events=%ld"
             " (%ld days)", deleted[0], deleted[1], deleted[2], deleted[3],
             c.keep_minutes_days, deleted[4], c.keep_hours_days, deleted[5],
             c.keep_rejected_days);
    rc = 0;
done:
    PQfinish(conn);
    config_free(&c);
    return rc;
}
