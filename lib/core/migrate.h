/* migrate.h - numbered schema migrations (sql/NNN_name.sql), applied once
 * each and recorded in schema_migrations. */
#ifndef VISITS_MIGRATE_H
#define VISITS_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* The schema version this build's programs need. */
#define MIGRATE_REQUIRED_VERSION 7

/* Applies, in order, every migration in dir whose version is above the
 * database's, each in its own transaction together with its row in
 * schema_migrations, under an advisory lock so concurrent runs wait for
 * each other. Running it twice is harmless. Returns the number applied, or
 * -1 with a message (the failing migration is rolled back). */
int migrate_apply(PGconn *conn, const char *dir, char *err, size_t errlen);

/* Tells the migrations of this session which site is the default one
 * (the setting visits.default_site), where rows counted before sites
 * existed belong. Returns 0, or -1 with a message. */
int migrate_set_default_site(PGconn *conn, const char *site, char *err,
                             size_t errlen);

/* Sets *version to the highest applied migration (0 on an empty database).
 * Returns 0, or -1 with a message. */
int migrate_version(PGconn *conn, int *version, char *err, size_t errlen);

/* Returns 0 when the database is at MIGRATE_REQUIRED_VERSION or later, or
 * -1 with a message telling to run visits-migrate. */
int migrate_check(PGconn *conn, char *err, size_t errlen);

#endif
