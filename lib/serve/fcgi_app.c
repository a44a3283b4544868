/* fcgi_app.c - the stop signals of the FastCGI servers. */
#include "fcgi_app.h"

#include <pthread.h>

#include "log.h"

void
fcgi_app_block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int
fcgi_app_wait_stop(const sigset_t *set)
{
    int sig;

    for (;;) {
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig == SIGINT || sig == SIGTERM)
            break;
        log_info("ignoring signal %d", sig);
    }
    log_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return sig;
}
