/* file.c - replacing a file's contents at once (see file.h). */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
file_replace(const char *path, const char *text, char *err, size_t errlen)
{
    char tmp[4096];
    size_t len = strlen(text);
    FILE *f;
    int n;

    n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        snprintf(err, errlen, "could not write \"%s\": the name is too long", path);
        return -1;
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, errlen, "could not write \"%s\": %s", tmp, strerror(errno));
        return -1;
    }
    if (fwrite(text, 1, len, f) != len) {
        snprintf(err, errlen, "could not write \"%s\": %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "could not write \"%s\": %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
