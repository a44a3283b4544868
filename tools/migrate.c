/* visits-migrate - applies the schema migrations to the database. Safe to
 * run any number of times, also concurrently. */
#include <errno.h>
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

int
main(int argc, char **argv)
{
    char err[512];
    PGconn *conn = NULL;
    config c;
    int rc, applied, version;

    rc = config_load(&c, CONFIG_MIGRATE, argc, argv, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", program_invocation_short_name, err);
        config_free(&c);
        return rc < 0 ? 2 : 0;
    }
    log_set_level(c.log_level);
    rc = 1;
    conn = db_connect(c.database, err, sizeof(err));
    if (conn == NULL) {
        log_error("%s", err);
        goto done;
    }
    applied = migrate_apply(conn, c.sql_dir, err, sizeof(err));
    if (applied < 0 || migrate_version(conn, &version, err, sizeof(err)) < 0) {
        log_error("%s", err);
        goto done;
    }
    log_info("schema is at version %d (%d migrations applied now)", version, applied);
    rc = 0;
done:
    PQfinish(conn);
    config_free(&c);
    return rc;
}
