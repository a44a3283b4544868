/* file.h - replacing a file's contents so that a reader sees the old text
 * or the new, never part of one (the dev broker's address file, the
 * supervisor's pid file). */
#ifndef VISITS_FILE_H
#define VISITS_FILE_H

#include <stddef.h>

/* Writes text to a temporary file beside path (path.tmp.PID) and renames
 * it over path. Returns 0, or -1 with a message naming the file and the
 * cause (the temporary file is removed). */
int file_replace(const char *path, const char *text, char *err, size_t errlen);

#endif
