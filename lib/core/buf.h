/* buf.h - a growable byte buffer, always NUL-terminated. */
#ifndef VISITS_BUF_H
#define VISITS_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data;     /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    int failed;     /* set once an allocation failed; later appends no-ops */
} buf;

#define BUF_INIT { NULL, 0, 0, 0 }

/* Appends len bytes. On allocation failure sets b->failed and returns -1;
 * the buffer keeps what it had. Every append after a failure returns -1. */
int buf_append(buf *b, const void *data, size_t len);

/* Appends a NUL-terminated string; as buf_append. */
int buf_puts(buf *b, const char *s);

/* Appends formatted text; as buf_append. */
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Empties the buffer and clears the failure flag, keeping its memory. */
void buf_reset(buf *b);

/* Frees the memory and leaves an empty buffer. Accepts NULL. */
void buf_free(buf *b);

#endif
