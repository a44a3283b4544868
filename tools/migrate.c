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

    if ((rc = config_main(&c, CONFIG_MIGRATE, argc, argv)) >= 0)
        return rc;
    rc = 1;
    conn = db_connect(c.database, err, sizeof(err));
    if (conn == NULL) {
        log_error("%s", err);
        goto done;
    }
    /* 004 moves the rows counted before sites existed to the default
     * site. */
    if (migrate_set_default_site(conn, sites_name(c.sites, 0), err, sizeof(err)) < 0) {
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
