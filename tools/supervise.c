/* visits-supervise - a development stand-in for a systemd socket unit with
 * its service's Restart=always: it holds a worker's listening socket and
 * keeps the worker running, so the worker can be restarted without a
 * visitor noticing.
 *
 *   visits-supervise --socket PATH [--pid-file FILE] -- PROGRAM ARGS...
 *
 * It creates the unix socket at PATH (as the workers do: mode 0660, a stale
 * socket replaced) and runs PROGRAM with it on fd 3, LISTEN_FDS=1 and
 * LISTEN_PID set to PROGRAM's pid (the sd_listen_fds protocol). It never
 * accepts: connections made while no PROGRAM serves wait in the socket's
 * backlog. Whenever PROGRAM exits it logs how and starts it again: at once
 * after a clean exit (status 0: a restart, whose connections wait), after
 * 100 ms after a failure, or, when it did not last 1 s, after 1 s, 2 s,
 * 4 s ... up to 10 s (back to 100 ms once one has run 10 s). On SIGTERM or SIGINT it sends
 * SIGTERM to PROGRAM, waits for it to exit (SIGKILL after 25 s), removes
 * PATH and exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "listen_socket.h"
#include "log.h"
#include "timestamp.h"

#define SUP_RESTART_MS 100
#define SUP_QUICK_MS 1000       /* exits sooner than this back off */
#define SUP_BACKOFF_MAX_MS 10000
#define SUP_STEADY_MS 10000     /* a run this long resets the back-off */
#define SUP_KILL_MS 25000        /* a visit worker drains, then flushes up to 10 s */
#define SUP_LISTEN_FD 3         /* SD_LISTEN_FDS_START */

typedef struct supervisor {
    const char *socket_path;
    const char *pid_file;       /* NULL: none */
    char **argv;                /* PROGRAM ARGS..., NULL-terminated */
    sigset_t mask;              /* blocked here, unblocked in the child */
    int listen_fd;
    pid_t child;                /* 0: none running */
    int64_t started_ms;         /* when child was started */
    int64_t restart_ms;         /* when to start it again; -1: not due */
    int64_t kill_ms;            /* when to SIGKILL it; -1: not due */
    int backoff_ms;             /* the last back-off; 0: none */
    int stopping;
    pid_t self;                 /* the supervisor's pid, for the child */
} supervisor;

/* Prints the usage text to out. */
static void
sup_usage(FILE *out)
{
    fprintf(out,
            "usage: visits-supervise --socket PATH [--pid-file FILE] -- PROGRAM [ARGS...]\n"
            "Holds a listening unix socket at PATH and keeps PROGRAM running with it\n"
            "on fd 3 (LISTEN_FDS=1, LISTEN_PID), restarting it whenever it exits;\n"
            "on SIGTERM or SIGINT stops PROGRAM with SIGTERM and removes PATH.\n"
            "  --socket PATH     the socket to create and pass on\n"
            "  --pid-file FILE   where to write the running PROGRAM's pid\n"
            "  --help, --version\n");
}

/* Writes the child's pid to the pid file at once (file_replace), so a
 * reader sees a whole pid. Logs a failure; the child runs on either way. */
static void
sup_write_pid(const supervisor *s)
{
    char line[32], err[4400];

    if (s->pid_file == NULL)
        return;
    snprintf(line, sizeof(line), "%ld\n", (long)s->child);
    if (file_replace(s->pid_file, line, err, sizeof(err)) < 0)
        log_error("%s", err);
}

/* In the child, after fork: puts the socket on fd 3, sets the activation
 * variables and runs the program. Never returns. */
static void
sup_exec(const supervisor *s)
{
    char pid[32];

    /* If the supervisor dies (SIGKILL, the OOM killer), the worker is told
     * to stop rather than serve on unsupervised; it still holds the socket
     * while it drains and flushes (up to about 10 s), and a new supervisor
     * started meanwhile refuses the path until it is gone. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != s->self)
        goto failed;
    if (s->listen_fd == SUP_LISTEN_FD) {
        if (fcntl(SUP_LISTEN_FD, F_SETFD, 0) < 0)
            goto failed;
    } else if (dup2(s->listen_fd, SUP_LISTEN_FD) < 0) {
        goto failed;
    }
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    if (setenv("LISTEN_FDS", "1", 1) < 0 || setenv("LISTEN_PID", pid, 1) < 0)
        goto failed;
    unsetenv("LISTEN_FDNAMES");
    sigprocmask(SIG_UNBLOCK, &s->mask, NULL);
    execvp(s->argv[0], s->argv);
failed:
    log_error("could not run \"%s\": %s", s->argv[0], strerror(errno));
    _exit(127);
}

/* Starts the program. On a failed fork, logs it and schedules another
 * try in 1 s. */
static void
sup_start(supervisor *s)
{
    pid_t pid;

    s->restart_ms = -1;
    pid = fork();
    if (pid < 0) {
        log_error("could not start \"%s\": fork: %s", s->argv[0], strerror(errno));
        s->restart_ms = timestamp_mono_ms() + 1000;
        return;
    }
    if (pid == 0)
        sup_exec(s);
    s->child = pid;
    s->started_ms = timestamp_mono_ms();
    sup_write_pid(s);
    log_info("started %s pid=%ld", s->argv[0], (long)pid);
}

/* Reaps exited children. When the program exited, logs how and, unless
 * stopping, schedules its restart. */
static void
sup_reap(supervisor *s)
{
    int64_t ran;
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid != s->child)
            continue;
        s->child = 0;
        s->kill_ms = -1;
        ran = timestamp_mono_ms() - s->started_ms;
        if (WIFEXITED(status))
            log_info("%s pid=%ld exited with status %d after %lld ms", s->argv[0],
                     (long)pid, WEXITSTATUS(status), (long long)ran);
        else
            log_warn("%s pid=%ld was killed by signal %d (%s) after %lld ms",
                     s->argv[0], (long)pid, WTERMSIG(status),
                     strsignal(WTERMSIG(status)), (long long)ran);
        if (s->stopping)
            return;
        if (ran >= SUP_STEADY_MS)
            s->backoff_ms = 0;
        if (ran < SUP_QUICK_MS) {
            s->backoff_ms = s->backoff_ms == 0 ? 1000 : s->backoff_ms * 2;
            if (s->backoff_ms > SUP_BACKOFF_MAX_MS)
                s->backoff_ms = SUP_BACKOFF_MAX_MS;
            log_warn("%s lasted less than %d ms; starting it again in %d ms",
                     s->argv[0], SUP_QUICK_MS, s->backoff_ms);
            s->restart_ms = timestamp_mono_ms() + s->backoff_ms;
        } else {
            /* A clean exit is a restart: page views wait meanwhile. */
            s->restart_ms = timestamp_mono_ms()
                            + (WIFEXITED(status) && WEXITSTATUS(status) == 0
                                   ? 0 : SUP_RESTART_MS);
        }
    }
}

/* Parses the options into s. Returns 0, 1 after --help, or -1 with a
 * message on stderr. */
static int
sup_options(supervisor *s, int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "pid-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    opterr = 0;
    /* "+": options end at PROGRAM, whose own options are its own. */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            s->socket_path = optarg;
            break;
        case 'p':
            s->pid_file = optarg;
            break;
        case 'h':
            sup_usage(stdout);
            return 1;
        case 'V':
            printf("%s %s\n", program_invocation_short_name, PACKAGE_VERSION);
            return 1;
        default:
            if (optopt == 's' || optopt == 'p')
                fprintf(stderr, "%s: option %s needs a value (see --help)\n",
                        program_invocation_short_name, argv[optind - 1]);
            else
                fprintf(stderr, "%s: unknown option %s (see --help)\n",
                        program_invocation_short_name, argv[optind - 1]);
            return -1;
        }
    }
    if (s->socket_path == NULL || s->socket_path[0] == '\0') {
        fprintf(stderr, "%s: --socket PATH is required (see --help)\n",
                program_invocation_short_name);
        return -1;
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: no program to run after -- (see --help)\n",
                program_invocation_short_name);
        return -1;
    }
    s->argv = argv + optind;
    return 0;
}

int
main(int argc, char **argv)
{
    struct signalfd_siginfo si;
    struct pollfd pfd;
    supervisor s = { .listen_fd = -1, .restart_ms = -1, .kill_ms = -1,
                     .self = getpid() };
    int64_t now, due;
    int rc, sfd = -1, timeout;

    rc = sup_options(&s, argc, argv);
    if (rc != 0)
        return rc < 0 ? 2 : 0;
    rc = 1;
    sigemptyset(&s.mask);
    sigaddset(&s.mask, SIGINT);
    sigaddset(&s.mask, SIGTERM);
    sigaddset(&s.mask, SIGHUP);
    sigaddset(&s.mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &s.mask, NULL);
    sfd = signalfd(-1, &s.mask, SFD_CLOEXEC);
    if (sfd < 0) {
        log_error("could not create a signalfd: %s", strerror(errno));
        goto cleanup;
    }
    s.listen_fd = listen_socket_open(s.socket_path);
    if (s.listen_fd < 0)
        goto cleanup;
    log_info("holding %s for %s", s.socket_path, s.argv[0]);
    sup_start(&s);

    while (!(s.stopping && s.child == 0)) {
        now = timestamp_mono_ms();
        due = s.restart_ms >= 0 ? s.restart_ms : s.kill_ms;
        if (s.kill_ms >= 0 && s.kill_ms < due)
            due = s.kill_ms;
        timeout = due < 0 ? -1 : due <= now ? 0 : (int)(due - now);
        pfd = (struct pollfd){ .fd = sfd, .events = POLLIN };
        if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
            log_error("could not wait for signals: %s", strerror(errno));
            goto cleanup;
        }
        if (pfd.revents & POLLIN) {
            if (read(sfd, &si, sizeof(si)) != sizeof(si))
                continue;
            if (si.ssi_signo == SIGCHLD) {
                sup_reap(&s);
            } else if (si.ssi_signo == SIGHUP) {
                log_info("ignoring SIGHUP");
            } else if (!s.stopping) {
                log_info("received %s, stopping",
                         si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
                s.stopping = 1;
                s.restart_ms = -1;
                if (s.child > 0) {
                    kill(s.child, SIGTERM);
                    s.kill_ms = timestamp_mono_ms() + SUP_KILL_MS;
                }
            }
        }
        now = timestamp_mono_ms();
        if (s.restart_ms >= 0 && now >= s.restart_ms)
            sup_start(&s);
        if (s.kill_ms >= 0 && now >= s.kill_ms && s.child > 0) {
            log_error("%s pid=%ld did not stop within %d ms, killing it",
                      s.argv[0], (long)s.child, SUP_KILL_MS);
            kill(s.child, SIGKILL);
            s.kill_ms = -1;
        }
    }
    rc = 0;
cleanup:
    if (s.child > 0) {
        /* Only after a failure of our own: do not leave it behind. */
        kill(s.child, SIGTERM);
        waitpid(s.child, NULL, 0);
    }
    if (s.listen_fd >= 0) {
        unlink(s.socket_path);
        close(s.listen_fd);
    }
    if (s.pid_file)
        unlink(s.pid_file);
    if (sfd >= 0)
        close(sfd);
    return rc;
}
