/* migrate.c - numbered schema migrations. */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

/* Any constant: the key of the advisory lock that serializes migrations. */
#define MIGRATE_LOCK_KEY "7215936410"
#define MIGRATE_FILE_MAX (1024 * 1024)

static const char migrate_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

/* Returns the version of a file named "NNN_name.sql", or -1 for other
 * names. */
static int
migrate_file_version(const char *name)
{
    size_t len = strlen(name), i;
    int v = 0;

    for (i = 0; name[i] >= '0' && name[i] <= '9' && i < 6; i++)
        v = v * 10 + (name[i] - '0');
    if (i == 0 || name[i] != '_' || len < 5 || strcmp(name + len - 4, ".sql") != 0)
        return -1;
    return v;
}

static int
migrate_filter(const struct dirent *d)
{
    return migrate_file_version(d->d_name) > 0;
}

/* Reads a whole file into a NUL-terminated string. Returns NULL with a
 * message. */
static char *
migrate_read(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *sql = NULL;
    size_t n;

    if (f == NULL) {
        snprintf(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
        return NULL;
    }
    sql = malloc(MIGRATE_FILE_MAX + 1);
    if (sql == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    n = fread(sql, 1, MIGRATE_FILE_MAX + 1, f);
    if (ferror(f) || n > MIGRATE_FILE_MAX) {
        snprintf(err, errlen, "could not read \"%s\" (or larger than %d bytes)",
                 path, MIGRATE_FILE_MAX);
        free(sql);
        sql = NULL;
        goto done;
    }
    sql[n] = '\0';
done:
    fclose(f);
    return sql;
}

int
migrate_set_default_site(PGconn *conn, const char *site, char *err, size_t errlen)
{
    const char *params[1] = { site };
    PGresult *res = PQexecParams(conn, "SELECT set_config('visits.default_site', $1, false)",
                                 1, NULL, params, NULL, NULL, 0);
    int rc = 0;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        rc = -1;
    }
    PQclear(res);
    return rc;
}

int
migrate_version(PGconn *conn, int *version, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn,
        "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0"
        " ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END");
    int rc = -1;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        goto done;
    }
    *version = atoi(PQgetvalue(res, 0, 0));
    rc = 0;
done:
    PQclear(res);
    return rc;
}

int
migrate_check(PGconn *conn, char *err, size_t errlen)
{
    int version;

    if (migrate_version(conn, &version, err, errlen) < 0)
        return -1;
    if (version < MIGRATE_REQUIRED_VERSION) {
        snprintf(err, errlen, "database schema is at version %d, this program "
                 "needs %d: run visits-migrate", version, MIGRATE_REQUIRED_VERSION);
        return -1;
    }
    return 0;
}

/* Applies one migration in its own transaction; the caller holds the
 * migration lock. Returns 1 when applied, 0 when already there, -1 on
 * error (rolled back). */
static int
migrate_one(PGconn *conn, const char *dir, const char *name, char *err,
            size_t errlen)
{
    char path[4096], version[16];
    const char *params[2] = { version, name };
    PGresult *res = NULL;
    char *sql = NULL;
    int rc = -1, applied;

    snprintf(version, sizeof(version), "%d", migrate_file_version(name));
    if (db_command(conn, "BEGIN", err, errlen) < 0)
        return -1;
    res = PQexecParams(conn, "SELECT 1 FROM schema_migrations WHERE version = $1",
                       1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        goto rollback;
    }
    applied = PQntuples(res) > 0;
    PQclear(res);
    res = NULL;
    if (applied) {
        rc = 0;
        goto rollback;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    sql = migrate_read(path, err, errlen);
    if (sql == NULL)
        goto rollback;
    if (db_command(conn, sql, err, errlen) < 0) {
        char why[512];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "migration %s failed: %s", name, why);
        goto rollback;
    }
    res = PQexecParams(conn, "INSERT INTO schema_migrations (version, name)"
                             " VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        db_error(conn, res, err, errlen);
        goto rollback;
    }
    PQclear(res);
    res = NULL;
    if (db_command(conn, "COMMIT", err, errlen) < 0)
        goto done;
    log_info("applied migration %s", name);
    rc = 1;
    goto done;
rollback:
    PQclear(res);
    res = NULL;
    PQclear(PQexec(conn, "ROLLBACK"));
done:
    free(sql);
    return rc;
}

int
migrate_apply(PGconn *conn, const char *dir, char *err, size_t errlen)
{
    struct dirent **names = NULL;
    int n, i, rc, applied = 0;

    n = scandir(dir, &names, migrate_filter, versionsort);
    if (n < 0) {
        snprintf(err, errlen, "could not read migrations directory \"%s\": %s",
                 dir, strerror(errno));
        return -1;
    }
    if (n == 0) {
        snprintf(err, errlen, "no migrations (NNN_name.sql) in \"%s\"", dir);
        applied = -1;
        goto done;
    }
    /* Equal versions with different names would make the order ambiguous. */
    for (i = 1; i < n; i++) {
        if (migrate_file_version(names[i]->d_name)
            == migrate_file_version(names[i - 1]->d_name)) {
            snprintf(err, errlen, "migrations \"%s\" and \"%s\" share a version",
                     names[i - 1]->d_name, names[i]->d_name);
            applied = -1;
            goto done;
        }
    }
    /* A session lock: concurrent runs wait here, then find nothing to do. */
    if (db_command(conn, "SET client_min_messages = warning", err, errlen) < 0
        || db_command(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err,
                      errlen) < 0) {
        applied = -1;
        goto done;
    }
    if (db_command(conn, migrate_table_sql, err, errlen) < 0)
        applied = -1;
    for (i = 0; i < n && applied >= 0; i++) {
        rc = migrate_one(conn, dir, names[i]->d_name, err, errlen);
        applied = rc < 0 ? -1 : applied + rc;
    }
    PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
done:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return applied;
}
