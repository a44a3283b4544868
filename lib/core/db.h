/* db.h - PostgreSQL helpers: connecting, error text, array parameters. */
#ifndef VISITS_DB_H
#define VISITS_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Connects with conninfo (key=value pairs or a postgresql:// URI; "" uses
 * the PG* environment variables and libpq's defaults), with the program
 * name as application_name and a 5 s connect_timeout unless conninfo sets
 * them, and the session time zone set to UTC. Returns the connection, or
 * NULL with a message in err. */
PGconn *db_connect(const char *conninfo, char *err, size_t errlen);

/* Logs in with conninfo and out again, waiting at most 2 s unless conninfo
 * sets connect_timeout: whether the database can be used now (server up,
 * credentials right, database there). Returns 0, or -1 with a message
 * starting "postgresql: ". */
int db_ping(const char *conninfo, char *err, size_t errlen);

/* Writes libpq's message for res (or for conn when res is NULL) to err,
 * on one line. */
void db_error(PGconn *conn, const PGresult *res, char *err, size_t errlen);

/* Runs SQL without parameters (several statements are allowed), discarding
 * any rows. Returns 0, or -1 with a message. */
int db_command(PGconn *conn, const char *sql, char *err, size_t errlen);

/* Array literals for parameters like $1::text[]: start with db_array_begin,
 * add elements, finish with db_array_end. Failures are sticky in b->failed. */
void db_array_begin(buf *b);
void db_array_text(buf *b, const char *s);
void db_array_int(buf *b, int64_t v);
void db_array_bytea(buf *b, const void *data, size_t len);
void db_array_end(buf *b);

/* db_array_begin on each of the n buffers of arrays, for a statement that
 * takes several arrays of one row each. */
void db_arrays_begin(buf *const *arrays, size_t n);

/* db_array_end on each; returns 0, or -1 when any of them failed (out of
 * memory). */
int db_arrays_end(buf *const *arrays, size_t n);

#endif
