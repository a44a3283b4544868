/* promlint.c - a strict checker of the Prometheus text format. Built with
 * PROMLINT_MAIN it is tests/promlint: reads a scrape on stdin, prints the
 * problems, exits 1 when there are any. */
#include "promlint.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PL_FAMILIES 512
#define PL_SERIES 8192
#define PL_LINE 4096

typedef struct pl_family {
    char name[128];
    char type[16];
    int help, typed, sampled;
    double last_le, last_bucket, inf, count;    /* histograms; -1: unseen */
} pl_family;

typedef struct pl_state {
    pl_family fam[PL_FAMILIES];
    int nfam;
    char *series[PL_SERIES];
    int nseries;
    int problems;
    FILE *report;
    int lineno;
} pl_state;

static void
pl_problem(pl_state *st, const char *what, const char *line)
{
    st->problems++;
    if (st->report)
        fprintf(st->report, "line %d: %s: %.200s\n", st->lineno, what, line);
}

static pl_family *
pl_family_get(pl_state *st, const char *name, size_t len, int create)
{
    for (int i = 0; i < st->nfam; i++) {
        if (strlen(st->fam[i].name) == len && strncmp(st->fam[i].name, name, len) == 0)
            return &st->fam[i];
    }
    if (!create || st->nfam == PL_FAMILIES || len >= sizeof(st->fam[0].name))
        return NULL;
    pl_family *f = &st->fam[st->nfam++];
    memset(f, 0, sizeof(*f));
    memcpy(f->name, name, len);
    f->last_le = -INFINITY;
    f->last_bucket = f->inf = f->count = -1;
    return f;
}

/* Length of a metric name at s (0 when there is none). */
static size_t
pl_name(const char *s, int metric)
{
    size_t n = 0;

    if (!(isalpha((unsigned char)s[0]) || s[0] == '_' || (metric && s[0] == ':')))
        return 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_' || (metric && s[n] == ':'))
        n++;
    return n;
}

/* Parses a sample value: a number, NaN, +Inf or -Inf. Returns 0 or -1. */
static int
pl_value(const char *s, double *v)
{
    char *end;

    if (strcmp(s, "NaN") == 0) { *v = NAN; return 0; }
    if (strcmp(s, "+Inf") == 0) { *v = INFINITY; return 0; }
    if (strcmp(s, "-Inf") == 0) { *v = -INFINITY; return 0; }
    /* strtod also takes "inf", "nan" and hex: the format does not. */
    if (!(isdigit((unsigned char)s[0]) || s[0] == '.'
          || ((s[0] == '-' || s[0] == '+')
              && (isdigit((unsigned char)s[1]) || s[1] == '.')))
        || strpbrk(s, "xXpP") != NULL)
        return -1;
    *v = strtod(s, &end);
    return *end == '\0' ? 0 : -1;
}

static void
pl_comment(pl_state *st, const char *line)
{
    int help = strncmp(line, "# HELP ", 7) == 0;
    const char *name = line + 7, *rest;
    size_t n;
    pl_family *f;

    if (!help && strncmp(line, "# TYPE ", 7) != 0) {
        pl_problem(st, "a comment that is neither HELP nor TYPE", line);
        return;
    }
    n = pl_name(name, 1);
    rest = name + n;
    if (n == 0 || (*rest != ' ' && !(help && *rest == '\0'))) {
        pl_problem(st, "no metric name", line);
        return;
    }
    f = pl_family_get(st, name, n, 1);
    if (f == NULL) {
        pl_problem(st, "too many families", line);
        return;
    }
    if (f->sampled)
        pl_problem(st, help ? "HELP after the family's samples"
                            : "TYPE after the family's samples", line);
    if (help) {
        if (f->help++)
            pl_problem(st, "a second HELP", line);
        for (const char *p = rest; *p; p++) {
            if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
                pl_problem(st, "an escape other than \\\\ or \\n in HELP", line);
            if (*p == '\\')
                p++;
        }
        return;
    }
    if (f->typed++)
        pl_problem(st, "a second TYPE", line);
    rest++;
    if (strcmp(rest, "counter") && strcmp(rest, "gauge") && strcmp(rest, "histogram")
        && strcmp(rest, "summary") && strcmp(rest, "untyped"))
        pl_problem(st, "an unknown type", line);
    snprintf(f->type, sizeof(f->type), "%s", rest);
}

/* Finds the family a sample name belongs to, and its suffix. */
static pl_family *
pl_owner(pl_state *st, const char *name, size_t n, const char **suffix)
{
    static const char *const sfx[] = { "_bucket", "_sum", "_count" };
    pl_family *f = pl_family_get(st, name, n, 0);

    *suffix = "";
    if (f && f->typed && strcmp(f->type, "histogram") != 0)
        return f;
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && strncmp(name + n - k, sfx[i], k) == 0) {
            f = pl_family_get(st, name, n - k, 0);
            if (f && strcmp(f->type, "histogram") == 0) {
                *suffix = sfx[i];
                return f;
            }
        }
    }
    return NULL;
}

static void
pl_sample(pl_state *st, const char *line)
{
    const char *p = line, *suffix, *le = NULL, *series_end;
    char value[64], lebuf[64];
    size_t n = pl_name(p, 1), len;
    pl_family *f;
    double v, lev;

    if (n == 0) {
        pl_problem(st, "not a sample line", line);
        return;
    }
    f = pl_owner(st, p, n, &suffix);
    p += n;
    if (*p == '{') {
        p++;
        while (*p != '}') {
            size_t ln = pl_name(p, 0);
            const char *lname = p, *lval;
            if (ln == 0 || p[ln] != '=' || p[ln + 1] != '"') {
                pl_problem(st, "a malformed label", line);
                return;
            }
            p += ln + 2;
            lval = p;
            while (*p && *p != '"') {
                if (*p == '\\') {
                    if (p[1] != '\\' && p[1] != '"' && p[1] != 'n') {
                        pl_problem(st, "a bad escape in a label value", line);
                        return;
                    }
                    p++;
                }
                p++;
            }
            if (*p != '"') {
                pl_problem(st, "an unterminated label value", line);
                return;
            }
            if (ln == 2 && strncmp(lname, "le", 2) == 0) {
                le = lval;
                len = (size_t)(p - lval);
                snprintf(lebuf, sizeof(lebuf), "%.*s", (int)len, lval);
            }
            p++;
            if (*p == ',')
                p++;
            else if (*p != '}') {
                pl_problem(st, "labels not separated by commas", line);
                return;
            }
        }
        p++;
    }
    series_end = p;
    if (*p != ' ') {
        pl_problem(st, "no space before the value", line);
        return;
    }
    p++;
    len = strcspn(p, " ");
    if (len >= sizeof(value) || len == 0) {
        pl_problem(st, "no value", line);
        return;
    }
    memcpy(value, p, len);
    value[len] = '\0';
    if (pl_value(value, &v) < 0)
        pl_problem(st, "a value that is not a number", line);
    if (p[len] == ' ' && strspn(p + len + 1, "-0123456789") != strlen(p + len + 1))
        pl_problem(st, "a timestamp that is not an integer", line);

    for (int i = 0; i < st->nseries; i++) {
        if (strlen(st->series[i]) == (size_t)(series_end - line)
            && strncmp(st->series[i], line, (size_t)(series_end - line)) == 0)
            pl_problem(st, "a series seen before", line);
    }
    if (st->nseries < PL_SERIES)
        st->series[st->nseries++] = strndup(line, (size_t)(series_end - line));

    if (f == NULL || !f->typed) {
        pl_problem(st, "a sample of no family declared by TYPE", line);
        return;
    }
    f->sampled = 1;
    if (strcmp(f->type, "counter") == 0 && v < 0)
        pl_problem(st, "a negative counter", line);
    if (strcmp(f->type, "histogram") != 0)
        return;
    if (strcmp(suffix, "_bucket") == 0) {
        if (le == NULL || pl_value(lebuf, &lev) < 0) {
            pl_problem(st, "a bucket without a numeric le", line);
            return;
        }
        if (lev <= f->last_le)
            pl_problem(st, "bucket bounds not increasing", line);
        if (v < f->last_bucket)
            pl_problem(st, "bucket counts decreasing", line);
        f->last_le = lev;
        f->last_bucket = v;
        if (isinf(lev) && lev > 0)
            f->inf = v;
    } else if (strcmp(suffix, "_count") == 0) {
        f->count = v;
        if (f->inf < 0)
            pl_problem(st, "_count before a le=\"+Inf\" bucket", line);
        else if (f->inf != v)
            pl_problem(st, "_count differs from the +Inf bucket", line);
    }
}

int
promlint(const char *text, FILE *report)
{
    pl_state *st = calloc(1, sizeof(*st));
    char line[PL_LINE];
    const char *p = text, *nl;
    int problems;

    if (st == NULL)
        return 1;
    st->report = report;
    for (; *p; p = nl + 1) {
        st->lineno++;
        nl = strchr(p, '\n');
        if (nl == NULL) {
            pl_problem(st, "no newline at the end", p);
            break;
        }
        if ((size_t)(nl - p) >= sizeof(line)) {
            pl_problem(st, "a line too long to check", "");
            continue;
        }
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        if (line[0] == '#')
            pl_comment(st, line);
        else
            pl_sample(st, line);
    }
    for (int i = 0; i < st->nfam; i++) {
        pl_family *f = &st->fam[i];
        if (strcmp(f->type, "histogram") == 0 && f->sampled && f->count < 0) {
            st->lineno = 0;
            pl_problem(st, "a histogram without _count", f->name);
        }
    }
    problems = st->problems;
    for (int i = 0; i < st->nseries; i++)
        free(st->series[i]);
    free(st);
    return problems;
}

#ifdef PROMLINT_MAIN
int
main(void)
{
    size_t len = 0, cap = 1 << 16, n;
    char *text = malloc(cap);
    int problems;

    while (text && (n = fread(text + len, 1, cap - 1 - len, stdin)) > 0) {
        len += n;
        if (len == cap - 1) {
            char *grown = realloc(text, cap *= 2);
            if (grown == NULL)
                free(text);
            text = grown;
        }
    }
    if (text == NULL) {
        fprintf(stderr, "promlint: out of memory\n");
        return 2;
    }
    text[len] = '\0';
    if (len == 0) {
        fprintf(stderr, "promlint: empty input\n");
        free(text);
        return 1;
    }
    problems = promlint(text, stderr);
    free(text);
    if (problems)
        fprintf(stderr, "promlint: %d problems\n", problems);
    return problems ? 1 : 0;
}
#endif
