/* tsan_c11_threads.c - C11 threads on top of pthreads, preloaded into the
 * ThreadSanitizer build's tests (make check-thread-sanitizer).
 *
 * Debian's librdkafka makes its threads and locks with C11's thrd_create,
 * mtx_lock and cnd_wait. glibc implements those on its internal pthread
 * functions, which ThreadSanitizer (GCC 12) does not intercept: a thread
 * made by thrd_create has no sanitizer state, and the first allocation in
 * it crashes (SEGV in the sanitizer's allocator, seen in every program
 * that talks to Kafka); and a lock taken through mtx_lock is invisible,
 * so what librdkafka orders between its threads and ours (a delivery
 * report about a message produced by a request thread) would be reported
 * as a race. Each function here does the same through the public pthread
 * function, which the sanitizer intercepts. glibc's mtx_t and cnd_t are
 * its pthread_mutex_t and pthread_cond_t (same size and layout: glibc's
 * mtx_init is pthread_mutex_init on the same bytes). Not part of any
 * program. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t is a mutex");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t is a cond");

/* A thread's C11 start function and its argument, for c11_start. */
typedef struct c11_start_arg {
    thrd_start_t func;
    void *arg;
} c11_start_arg;

static int
c11_result(int rc)
{
    if (rc == 0)
        return thrd_success;
    if (rc == ETIMEDOUT)
        return thrd_timedout;
    if (rc == EBUSY)
        return thrd_busy;
    if (rc == ENOMEM)
        return thrd_nomem;
    return thrd_error;
}

static void *
c11_start(void *p)
{
    c11_start_arg a = *(c11_start_arg *)p;

    free(p);
    return (void *)(intptr_t)a.func(a.arg);
}

int
thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
    c11_start_arg *a = malloc(sizeof(*a));
    int rc;

    if (a == NULL)
        return thrd_nomem;
    a->func = func;
    a->arg = arg;
    rc = pthread_create((pthread_t *)thr, NULL, c11_start, a);
    if (rc != 0)
        free(a);
    return c11_result(rc);
}

int
thrd_join(thrd_t thr, int *res)
{
    void *value;
    int rc = pthread_join((pthread_t)thr, &value);

    if (rc == 0 && res != NULL)
        *res = (int)(intptr_t)value;
    return c11_result(rc);
}

int
thrd_detach(thrd_t thr)
{
    return c11_result(pthread_detach((pthread_t)thr));
}

int
mtx_init(mtx_t *m, int type)
{
    pthread_mutexattr_t attr;
    int rc;

    pthread_mutexattr_init(&attr);
    if (type & mtx_recursive)
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    rc = pthread_mutex_init((pthread_mutex_t *)m, &attr);
    pthread_mutexattr_destroy(&attr);
    return c11_result(rc);
}

int
mtx_lock(mtx_t *m)
{
    return c11_result(pthread_mutex_lock((pthread_mutex_t *)m));
}

int
mtx_trylock(mtx_t *m)
{
    return c11_result(pthread_mutex_trylock((pthread_mutex_t *)m));
}

int
mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict until)
{
    return c11_result(pthread_mutex_timedlock((pthread_mutex_t *)m, until));
}

int
mtx_unlock(mtx_t *m)
{
    return c11_result(pthread_mutex_unlock((pthread_mutex_t *)m));
}

void
mtx_destroy(mtx_t *m)
{
    pthread_mutex_destroy((pthread_mutex_t *)m);
}

int
cnd_init(cnd_t *c)
{
    return c11_result(pthread_cond_init((pthread_cond_t *)c, NULL));
}

int
cnd_signal(cnd_t *c)
{
    return c11_result(pthread_cond_signal((pthread_cond_t *)c));
}

int
cnd_broadcast(cnd_t *c)
{
    return c11_result(pthread_cond_broadcast((pthread_cond_t *)c));
}

int
cnd_wait(cnd_t *c, mtx_t *m)
{
    return c11_result(pthread_cond_wait((pthread_cond_t *)c,
                                        (pthread_mutex_t *)m));
}

int
cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m,
              const struct timespec *restrict until)
{
    return c11_result(pthread_cond_timedwait((pthread_cond_t *)c,
                                             (pthread_mutex_t *)m, until));
}

void
cnd_destroy(cnd_t *c)
{
    pthread_cond_destroy((pthread_cond_t *)c);
}
