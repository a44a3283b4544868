/* sites_fixture.h - the sites the report's unit tests know: example.com
 * (the default, with the alias www.example.com) and shop.example.com. */
#ifndef VISITS_SITES_FIXTURE_H
#define VISITS_SITES_FIXTURE_H

#include <check.h>

#include "sites.h"

/* Returns the fixture's sites, parsed once per test process (Check forks
 * per test) and never freed. */
static inline const sites *
test_sites(void)
{
    static sites *all;
    char err[256];

    if (all == NULL)
        all = sites_parse("example.com www.example.com, shop.example.com", err,
                          sizeof(err));
    ck_assert_ptr_nonnull(all);
    return all;
}

#endif
