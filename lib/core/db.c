/* db.c - PostgreSQL helpers. */
#include "db.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"

PGconn *
db_connect(const char *conninfo, char *err, size_t errlen)
{
    /* Later entries win: conninfo, expanded last, overrides our defaults. */
    const char *keys[] = { "application_name", "connect_timeout", "dbname", NULL };
    const char *values[] = { program_invocation_short_name, "5", conninfo, NULL };
    PGconn *conn = PQconnectdbParams(keys, values, 1);

    if (conn == NULL) {
        snprintf(err, errlen, "could not connect to postgresql: out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        db_error(conn, NULL, err, errlen);
        PQfinish(conn);
        return NULL;
    }
    /* Hours, minutes and labels are UTC unless a query says otherwise. */
    if (db_command(conn, "SET TIME ZONE 'UTC'", err, errlen) < 0) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

int
db_ping(const char *conninfo, char *err, size_t errlen)
{
    /* A real login, not PQping: that answers "accepting connections" for a
     * wrong password or a missing database too. */
    const char *keys[] = { "application_name", "connect_timeout", "dbname", NULL };
    const char *values[] = { program_invocation_short_name, "2", conninfo, NULL };
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    char why[256];
    int rc = 0;

    if (conn == NULL) {
        snprintf(err, errlen, "postgresql: out of memory");
        return -1;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        db_error(conn, NULL, why, sizeof(why));
        snprintf(err, errlen, "postgresql: %s", why);
        rc = -1;
    }
    PQfinish(conn);
    return rc;
}

void
db_error(PGconn *conn, const PGresult *res, char *err, size_t errlen)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    size_t n;

    if (*msg == '\0')
        msg = PQerrorMessage(conn);
    if (*msg == '\0')
        msg = "unknown postgresql error";
    /* libpq's messages end in a newline and may span indented lines: make
     * them one line with single spaces. */
    for (n = 0; *msg && n + 1 < errlen; msg++) {
        char ch = (*msg == '\n' || *msg == '\t') ? ' ' : *msg;
        if (ch == ' ' && (n == 0 || err[n - 1] == ' '))
            continue;
        err[n++] = ch;
    }
    while (n > 0 && err[n - 1] == ' ')
        n--;
    if (errlen > 0)
        err[n] = '\0';
}

int
db_command(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    int rc = 0;

    if (PQresultStatus(res) != PGRES_COMMAND_OK
        && PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        rc = -1;
    }
    PQclear(res);
    return rc;
}

void
db_array_begin(buf *b)
{
    buf_reset(b);
    buf_append(b, "{", 1);
}

static void
db_array_sep(buf *b)
{
    if (b->len > 1)
        buf_append(b, ",", 1);
}

void
db_array_text(buf *b, const char *s)
{
    const char *run;

    db_array_sep(b);
    buf_append(b, "\"", 1);
    for (run = s; *s; s++) {
        if (*s == '"' || *s == '\\') {
            buf_append(b, run, (size_t)(s - run));
            buf_append(b, "\\", 1);
            run = s;
        }
    }
    buf_append(b, run, (size_t)(s - run));
    buf_append(b, "\"", 1);
}

void
db_array_int(buf *b, int64_t v)
{
    db_array_sep(b);
    buf_printf(b, "%" PRId64, v);
}

void
db_array_bytea(buf *b, const void *data, size_t len)
{
    const unsigned char *p = data;
    char pair[2];

    db_array_sep(b);
    /* "\\x..." : the array parser turns \\ into \, bytea reads \x hex. */
    buf_append(b, "\"\\\\x", 4);
    for (size_t i = 0; i < len; i++) {
        pair[0] = hex_digit_lower(p[i] >> 4);
        pair[1] = hex_digit_lower(p[i]);
        buf_append(b, pair, 2);
    }
    buf_append(b, "\"", 1);
}

void
db_array_end(buf *b)
{
    buf_append(b, "}", 1);
}

void
db_arrays_begin(buf *const *arrays, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_array_begin(arrays[i]);
}

int
db_arrays_end(buf *const *arrays, size_t n)
{
    int failed = 0;

    for (size_t i = 0; i < n; i++) {
        db_array_end(arrays[i]);
        failed |= arrays[i]->failed;
    }
    return failed ? -1 : 0;
}
