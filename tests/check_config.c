/* check_config.c - unit tests of config_load (lib/setup/config.h): defaults, flags,
 * environment variables, the config file, their precedence and validation.
 *
 * Every test runs in its own process (Check's fork mode), starts with no
 * VISITS_* variable in the environment (a checked fixture removes them), and
 * always calls config_free.
 *
 * Test cases: "defaults", "flags", "env", "file", "errors". */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

extern char **environ;

#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Removes every VISITS_* variable so the host environment cannot leak in. */
static void
clean_env(void)
{
    char name[256];
    int again = 1;

    while (again) {
        again = 0;
        for (char **e = environ; *e; e++) {
            const char *eq = strchr(*e, '=');
            size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
            if (strncmp(*e, "VISITS_", 7) == 0 && len < sizeof(name)) {
                memcpy(name, *e, len);
                name[len] = '\0';
                unsetenv(name);
                again = 1;
                break;
            }
        }
    }
}

/* Temporary config files go to a directory made by the parent process
 * before the "file" tests and removed after them, so a failed assertion
 * (which ends the forked test at once) leaves nothing behind. */
static char temp_dir[64];

static void
make_temp_dir(void)
{
    snprintf(temp_dir, sizeof(temp_dir), "/tmp/check_config.XXXXXX");
    if (mkdtemp(temp_dir) == NULL) {
        perror("mkdtemp");
        exit(EXIT_FAILURE);
    }
}

static void
remove_temp_dir(void)
{
    char path[sizeof(temp_dir) + 256];
    struct dirent *d;
    DIR *dir = opendir(temp_dir);

    if (dir == NULL)
        return;
    while ((d = readdir(dir)) != NULL) {
        if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", temp_dir, d->d_name);
            unlink(path);
        }
    }
    closedir(dir);
    rmdir(temp_dir);
}

/* Writes text to a new file in temp_dir; returns its path (free it). */
static char *
temp_config(const char *text)
{
    char *path;
    FILE *f;
    int fd;

    ck_assert_int_ge(asprintf(&path, "%s/conf.XXXXXX", temp_dir), 0);
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static void
remove_config(char *path)
{
    unlink(path);
    free(path);
}

/* Loads argv (argc entries) for program; checks the result is want and, for
 * -1, that err names each of the non-NULL needles. */
static void
check_load(config *c, unsigned program, int argc, char **argv, int want,
           const char *needle1, const char *needle2)
{
    char err[512] = "";
    int rc = config_load(c, program, argc, argv, err, sizeof(err));

    ck_assert_msg(rc == want, "config_load returned %d, expected %d (err \"%s\")", rc,
                  want, err);
    if (want == -1) {
        ck_assert_msg(err[0] != '\0', "no error message");
        if (needle1)
            ck_assert_msg(strstr(err, needle1) != NULL, "\"%s\" lacks \"%s\"", err,
                          needle1);
        if (needle2)
            ck_assert_msg(strstr(err, needle2) != NULL, "\"%s\" lacks \"%s\"", err,
                          needle2);
    }
}

/* Loads argv and expects an error naming needle1 and needle2. */
static void
check_error(unsigned program, int argc, char **argv, const char *needle1,
            const char *needle2)
{
    config c;

    check_load(&c, program, argc, argv, -1, needle1, needle2);
    config_free(&c);
}

/* ---- defaults ------------------------------------------------------------ */

/* sites: parsed when loaded, the default one first; a bad value stops
 * the program with a message naming the key, where it came from and why;
 * programs that do not count sites do not take it. */
START_TEST(test_sites)
{
    char *plain[] = { "prog" };
    char *two[] = { "prog", "--sites", "Example.com www.example.com, shop.example.com" };
    char *bad[] = { "prog", "--sites=example.com/x" };
    char *empty[] = { "prog", "--sites", " , " };
    char *prune[] = { "prog", "--sites", "example.com" };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(plain), plain, 0, NULL, NULL);
    ck_assert_ptr_nonnull(c.sites);
    ck_assert_uint_eq(sites_count(c.sites), 1);
    ck_assert_str_eq(sites_name(c.sites, 0), "localhost");
    ck_assert_str_eq(sites_lookup(c.sites, "127.0.0.1", 9), "localhost");
    config_free(&c);
    ck_assert_ptr_null(c.sites);

    check_load(&c, CONFIG_REPORT, NARGS(two), two, 0, NULL, NULL);
    ck_assert_uint_eq(sites_count(c.sites), 2);
    ck_assert_str_eq(sites_name(c.sites, 0), "example.com");
    ck_assert_str_eq(sites_name(c.sites, 1), "shop.example.com");
    config_free(&c);

    check_error(CONFIG_CONSUMER, NARGS(bad), bad, "sites (--sites)", "not a host name");
    check_error(CONFIG_MIGRATE, NARGS(empty), empty, "sites (--sites)", "no host name");
    check_error(CONFIG_PRUNE, NARGS(prune), prune, "--sites", NULL);
    setenv("VISITS_SITES", "a.example,", 1);
    check_error(CONFIG_RECORD, NARGS(plain), plain, "sites (VISITS_SITES)", NULL);
    unsetenv("VISITS_SITES");
}
END_TEST

START_TEST(test_fastcgi_users)
{
    char *plain[] = { "prog" };
    char *two[] = { "prog", "--fastcgi-users", "nobody, 4242" };
    char *any[] = { "prog", "--fastcgi-users=*" };
    char *none[] = { "prog", "--fastcgi-users=" };
    char *unknown[] = { "prog", "--fastcgi-users", "www-data,no-such-user-here" };
    char *empty[] = { "prog", "--fastcgi-users", "www-data,,nobody" };
    char *trailing[] = { "prog", "--fastcgi-users", "www-data," };
    char *huge[] = { "prog", "--fastcgi-users", "99999999999999" };
    config c;

    /* Debian's nginx user (www-data, uid 33 in base-passwd), and our own. */
    check_load(&c, CONFIG_RECORD, NARGS(plain), plain, 0, NULL, NULL);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 33, 1000), 1);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 1000, 1000), 1);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 65534, 1000), 0);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 0, 1000), 0);
    config_free(&c);
    ck_assert_ptr_null(c.fastcgi_users);

    check_load(&c, CONFIG_REPORT, NARGS(two), two, 0, NULL, NULL);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 65534, 0), 1);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 4242, 0), 1);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 33, 0), 0);
    config_free(&c);

    check_load(&c, CONFIG_RECORD, NARGS(any), any, 0, NULL, NULL);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 12345, 0), 1);
    config_free(&c);
    check_load(&c, CONFIG_RECORD, NARGS(none), none, 0, NULL, NULL);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 33, 0), 0);
    ck_assert_int_eq(peers_allow(c.fastcgi_users, 0, 0), 1);
    config_free(&c);
    ck_assert_int_eq(peers_allow(NULL, 12345, 0), 1);

    check_error(CONFIG_RECORD, NARGS(unknown), unknown, "fastcgi-users (--fastcgi-users)",
                "no user \"no-such-user-here\"");
    check_error(CONFIG_REPORT, NARGS(empty), empty, "fastcgi-users", "an empty user name");
    check_error(CONFIG_REPORT, NARGS(trailing), trailing, "fastcgi-users", "an empty user name");
    check_error(CONFIG_RECORD, NARGS(huge), huge, "fastcgi-users", "out of range");
    check_error(CONFIG_CONSUMER, NARGS(two), two, "--fastcgi-users", NULL);
}
END_TEST

START_TEST(test_defaults_record)
{
    char *argv[] = { "prog" };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_str_eq(c.brokers, "127.0.0.1:9092");
    ck_assert_str_eq(c.topic, "visits");
    ck_assert_int_eq(c.threads, 0);
    ck_assert_int_eq(c.connections, 2048);
    ck_assert_str_eq(c.socket, "");
    ck_assert_str_eq(c.log_level_name, "info");
    ck_assert_int_eq(c.log_level, LOG_INFO);
    ck_assert_uint_eq(c.nkafka, 0);
    /* Options of other programs stay unset. */
    ck_assert_ptr_null(c.group);
    ck_assert_ptr_null(c.database);
    config_free(&c);
}
END_TEST

START_TEST(test_defaults_other_programs)
{
    char *argv[] = { "prog" };
    config c;

    check_load(&c, CONFIG_REPORT, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 32);
    ck_assert_str_eq(c.database, "");
    ck_assert_ptr_null(c.brokers);
    config_free(&c);

    check_load(&c, CONFIG_CONSUMER, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_str_eq(c.group, "visits-consumer");
    ck_assert_int_eq(c.flush_interval_ms, 500);
    ck_assert_int_eq(c.flush_max_keys, 50000);
    ck_assert_int_eq(c.max_paths, 1000);
    ck_assert_str_eq(c.brokers, "127.0.0.1:9092");
    config_free(&c);

    check_load(&c, CONFIG_DEVBROKER, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_int_eq(c.partitions, 16);
    ck_assert_int_eq(c.broker_count, 1);
    ck_assert_str_eq(c.topic, "visits");
    config_free(&c);
}
END_TEST

START_TEST(test_free_twice_and_null)
{
    char *argv[] = { "prog", "-Xacks=all" };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(argv), argv, 0, NULL, NULL);
    config_free(&c);
    ck_assert_ptr_null(c.brokers);
    ck_assert_uint_eq(c.nkafka, 0);
    config_free(&c);
    config_free(NULL);
}
END_TEST

/* ---- flags --------------------------------------------------------------- */

START_TEST(test_flag_forms)
{
    char *a1[] = { "prog", "--threads=8" };
    char *a2[] = { "prog", "--threads", "9" };
    char *a3[] = { "prog", "--brokers=k1:9092,k2:9092", "--topic", "t2",
                   "--log-level=debug", "--socket=/run/x.sock" };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(a1), a1, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 8);
    config_free(&c);

    check_load(&c, CONFIG_RECORD, NARGS(a2), a2, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 9);
    config_free(&c);

    check_load(&c, CONFIG_RECORD, NARGS(a3), a3, 0, NULL, NULL);
    ck_assert_str_eq(c.brokers, "k1:9092,k2:9092");
    ck_assert_str_eq(c.topic, "t2");
    ck_assert_str_eq(c.log_level_name, "debug");
    ck_assert_int_eq(c.log_level, LOG_DEBUG);
    ck_assert_str_eq(c.socket, "/run/x.sock");
    ck_assert_int_eq(c.threads, 0);
    config_free(&c);
}
END_TEST

START_TEST(test_flag_last_wins)
{
    char *argv[] = { "prog", "--threads=8", "--threads=16" };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 16);
    config_free(&c);
}
END_TEST

START_TEST(test_flag_same_name_per_program)
{
    /* --threads is record-threads for one program, report-threads for the
     * other, with its own range. */
    char *argv[] = { "prog", "--threads=1024" };
    char *zero[] = { "prog", "--threads=0" };
    config c;

    check_load(&c, CONFIG_REPORT, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 1024);
    config_free(&c);
    check_error(CONFIG_RECORD, NARGS(argv), argv, "record-threads", "0 to 256");
    check_load(&c, CONFIG_RECORD, NARGS(zero), zero, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 0);
    config_free(&c);
    check_error(CONFIG_REPORT, NARGS(zero), zero, "report-threads", "1 to 1024");
}
END_TEST

START_TEST(test_kafka_properties)
{
    char *argv[] = { "prog", "-X", "linger.ms=1", "-Xacks=all", "-X",
                     "client.id=a=b" };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_uint_eq(c.nkafka, 3);
    ck_assert_str_eq(c.kafka[0].key, "linger.ms");
    ck_assert_str_eq(c.kafka[0].value, "1");
    ck_assert_str_eq(c.kafka[1].key, "acks");
    ck_assert_str_eq(c.kafka[1].value, "all");
    ck_assert_str_eq(c.kafka[2].key, "client.id");
    ck_assert_str_eq(c.kafka[2].value, "a=b");
    config_free(&c);
}
END_TEST

START_TEST(test_kafka_property_errors)
{
    char *a1[] = { "prog", "-X", "linger.ms" };
    char *a2[] = { "prog", "-Xacks" };
    char *a3[] = { "prog", "-X", "=1" };
    char *a4[] = { "prog", "-X" };
    char *a5[] = { "prog", "-Xacks=all" };
    char *many[CONFIG_KAFKA_MAX + 2];
    char props[CONFIG_KAFKA_MAX + 1][32];

    check_error(CONFIG_RECORD, NARGS(a1), a1, "key=value", "linger.ms");
    check_error(CONFIG_RECORD, NARGS(a2), a2, "key=value", NULL);
    check_error(CONFIG_RECORD, NARGS(a3), a3, "key=value", NULL);
    check_error(CONFIG_RECORD, NARGS(a4), a4, "-X", NULL);
    /* Not a Kafka client. */
    check_error(CONFIG_REPORT, NARGS(a5), a5, "-Xacks=all", NULL);

    many[0] = "prog";
    for (int i = 0; i <= CONFIG_KAFKA_MAX; i++) {
        snprintf(props[i], sizeof(props[i]), "-Xp%d=v", i);
        many[i + 1] = props[i];
    }
    check_error(CONFIG_RECORD, CONFIG_KAFKA_MAX + 2, many, "more than 64", NULL);
    {
        config c;
        check_load(&c, CONFIG_RECORD, CONFIG_KAFKA_MAX + 1, many, 0, NULL, NULL);
        ck_assert_uint_eq(c.nkafka, CONFIG_KAFKA_MAX);
        config_free(&c);
    }
}
END_TEST

START_TEST(test_help_and_version)
{
    char *a1[] = { "prog", "--help" };
    char *a2[] = { "prog", "--group=g", "-h" };
    char *a3[] = { "prog", "--version" };
    config c;

    ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
    check_load(&c, CONFIG_RECORD, NARGS(a1), a1, 1, NULL, NULL);
    config_free(&c);
    check_load(&c, CONFIG_CONSUMER, NARGS(a2), a2, 1, NULL, NULL);
    config_free(&c);
    check_load(&c, CONFIG_MIGRATE, NARGS(a3), a3, 1, NULL, NULL);
    config_free(&c);
}
END_TEST

/* ---- env ----------------------------------------------------------------- */

START_TEST(test_env)
{
    char *plain[] = { "prog" };
    char *flag[] = { "prog", "--threads=8" };
    config c;

    ck_assert_int_eq(setenv("VISITS_RECORD_THREADS", "7", 1), 0);
    ck_assert_int_eq(setenv("VISITS_BROKERS", "envhost:1", 1), 0);
    check_load(&c, CONFIG_RECORD, NARGS(plain), plain, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 7);
    ck_assert_str_eq(c.brokers, "envhost:1");
    config_free(&c);

    /* A flag overrides the environment. */
    check_load(&c, CONFIG_RECORD, NARGS(flag), flag, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 8);
    ck_assert_str_eq(c.brokers, "envhost:1");
    config_free(&c);

    /* Variables of another program are ignored. */
    ck_assert_int_eq(setenv("VISITS_REPORT_THREADS", "abc", 1), 0);
    ck_assert_int_eq(setenv("VISITS_GROUP", "g", 1), 0);
    check_load(&c, CONFIG_RECORD, NARGS(plain), plain, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 7);
    ck_assert_ptr_null(c.group);
    config_free(&c);

    unsetenv("VISITS_RECORD_THREADS");
    unsetenv("VISITS_BROKERS");
    unsetenv("VISITS_REPORT_THREADS");
    unsetenv("VISITS_GROUP");
    check_load(&c, CONFIG_RECORD, NARGS(plain), plain, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 0);
    config_free(&c);
}
END_TEST

START_TEST(test_env_invalid)
{
    char *plain[] = { "prog" };

    ck_assert_int_eq(setenv("VISITS_RECORD_THREADS", "lots", 1), 0);
    check_error(CONFIG_RECORD, NARGS(plain), plain, "VISITS_RECORD_THREADS", "threads");
    unsetenv("VISITS_RECORD_THREADS");

    ck_assert_int_eq(setenv("VISITS_LOG_LEVEL", "verbose", 1), 0);
    check_error(CONFIG_CONSUMER, NARGS(plain), plain, "log-level", "VISITS_LOG_LEVEL");
    unsetenv("VISITS_LOG_LEVEL");
}
END_TEST

/* ---- file ---------------------------------------------------------------- */

static const char config_text[] =
    "# visits test configuration\n"
    "\n"
    "brokers = kafka1:9092,kafka2:9092\n"
    "topic=events\n"
    "   # an indented comment\n"
    "record-threads = 64\t\n"
    "kafka.acks = all\n"
    "kafka.linger.ms=5\n"
    "group = x\n"
    "report-threads = 5\n"
    "flush-max-keys = 3\n"
    "log-level = warn\n";

START_TEST(test_file_record)
{
    char *path = temp_config(config_text);
    char *argv[] = { "prog", "--config", path };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_str_eq(c.brokers, "kafka1:9092,kafka2:9092");
    ck_assert_str_eq(c.topic, "events");
    /* report-threads = 5 shares the field but belongs to another program. */
    ck_assert_int_eq(c.threads, 64);
    ck_assert_str_eq(c.log_level_name, "warn");
    ck_assert_int_eq(c.log_level, LOG_WARN);
    ck_assert_uint_eq(c.nkafka, 2);
    ck_assert_str_eq(c.kafka[0].key, "acks");
    ck_assert_str_eq(c.kafka[0].value, "all");
    ck_assert_str_eq(c.kafka[1].key, "linger.ms");
    ck_assert_str_eq(c.kafka[1].value, "5");
    ck_assert_ptr_null(c.group);
    config_free(&c);
    remove_config(path);
}
END_TEST

START_TEST(test_file_other_programs)
{
    char *path = temp_config(config_text), *flag;
    config c;

    ck_assert_int_ge(asprintf(&flag, "--config=%s", path), 0);
    {
        char *argv[] = { "prog", flag };
        check_load(&c, CONFIG_REPORT, NARGS(argv), argv, 0, NULL, NULL);
        ck_assert_int_eq(c.threads, 5);
        ck_assert_uint_eq(c.nkafka, 0);     /* not a Kafka client */
        ck_assert_ptr_null(c.topic);
        config_free(&c);

        check_load(&c, CONFIG_CONSUMER, NARGS(argv), argv, 0, NULL, NULL);
        ck_assert_str_eq(c.group, "x");
        ck_assert_int_eq(c.flush_max_keys, 3);
        ck_assert_int_eq(c.flush_interval_ms, 500);
        ck_assert_uint_eq(c.nkafka, 2);
        config_free(&c);
    }
    free(flag);
    remove_config(path);
}
END_TEST

START_TEST(test_file_via_env)
{
    char *path = temp_config("record-threads = 3\n");
    char *argv[] = { "prog" };
    config c;

    ck_assert_int_eq(setenv("VISITS_CONFIG", path, 1), 0);
    check_load(&c, CONFIG_RECORD, NARGS(argv), argv, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 3);
    config_free(&c);
    unsetenv("VISITS_CONFIG");
    remove_config(path);
}
END_TEST

START_TEST(test_precedence)
{
    char *path = temp_config("record-threads = 64\ntopic = from-file\n"
                             "brokers = file:1\n");
    char *file_only[] = { "prog", "--config", path };
    /* The flag comes before --config: the file is still read first. */
    char *with_flag[] = { "prog", "--threads=8", "--config", path };
    config c;

    check_load(&c, CONFIG_RECORD, NARGS(file_only), file_only, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 64);
    ck_assert_str_eq(c.topic, "from-file");
    config_free(&c);

    ck_assert_int_eq(setenv("VISITS_RECORD_THREADS", "7", 1), 0);
    ck_assert_int_eq(setenv("VISITS_TOPIC", "from-env", 1), 0);
    check_load(&c, CONFIG_RECORD, NARGS(file_only), file_only, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 7);
    ck_assert_str_eq(c.topic, "from-env");
    ck_assert_str_eq(c.brokers, "file:1");
    config_free(&c);

    check_load(&c, CONFIG_RECORD, NARGS(with_flag), with_flag, 0, NULL, NULL);
    ck_assert_int_eq(c.threads, 8);
    ck_assert_str_eq(c.topic, "from-env");
    ck_assert_str_eq(c.brokers, "file:1");
    config_free(&c);
    unsetenv("VISITS_RECORD_THREADS");
    unsetenv("VISITS_TOPIC");
    remove_config(path);
}
END_TEST

START_TEST(test_file_errors)
{
    char *unknown = temp_config("# ok\nbrokers = a:1\nnope = 1\n");
    char *noeq = temp_config("topic = t\njust words\n");
    char *badval = temp_config("\nrecord-threads = 300\n");
    char *badlevel = temp_config("log-level = verbose\n");
    char *badkafka = temp_config("kafka. = x\n");
    char *a1[] = { "prog", "--config", unknown };
    char *a2[] = { "prog", "--config", noeq };
    char *a3[] = { "prog", "--config", badval };
    char *a4[] = { "prog", "--config", badlevel };
    char *a5[] = { "prog", "--config", badkafka };

    check_error(CONFIG_RECORD, NARGS(a1), a1, ":3:", "\"nope\"");
    check_error(CONFIG_RECORD, NARGS(a2), a2, ":2:", "key = value");
    check_error(CONFIG_RECORD, NARGS(a3), a3, "record-threads", "line 2");
    check_error(CONFIG_RECORD, NARGS(a4), a4, "log-level", "line 1");
    check_error(CONFIG_RECORD, NARGS(a5), a5, "key=value", "line 1");
    /* The unknown key is an error for every program. */
    check_error(CONFIG_MIGRATE, NARGS(a1), a1, ":3:", "\"nope\"");
    remove_config(unknown);
    remove_config(noeq);
    remove_config(badval);
    remove_config(badlevel);
    remove_config(badkafka);
}
END_TEST

START_TEST(test_file_missing)
{
    char *a1[] = { "prog", "--config", "/nonexistent/visits-test.conf" };
    char *a2[] = { "prog", "--config=/nonexistent/visits-test.conf" };

    check_error(CONFIG_RECORD, NARGS(a1), a1, "/nonexistent/visits-test.conf", NULL);
    check_error(CONFIG_RECORD, NARGS(a2), a2, "/nonexistent/visits-test.conf", NULL);
    ck_assert_int_eq(setenv("VISITS_CONFIG", "/nonexistent/env.conf", 1), 0);
    {
        char *plain[] = { "prog" };
        check_error(CONFIG_RECORD, NARGS(plain), plain, "/nonexistent/env.conf", NULL);
    }
    unsetenv("VISITS_CONFIG");
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_threads_out_of_range)
{
    char *a1[] = { "prog", "--threads=257" };
    char *a2[] = { "prog", "--threads=abc" };
    char *a3[] = { "prog", "--threads=4097" };
    char *a4[] = { "prog", "--threads=8x" };
    char *a5[] = { "prog", "--threads=" };
    char *a6[] = { "prog", "--threads=-1" };
    char *a7[] = { "prog", "--threads=99999999999999999999999" };
    char *a8[] = { "prog", "--threads" };

    check_error(CONFIG_RECORD, NARGS(a1), a1, "threads", "\"257\"");
    check_error(CONFIG_RECORD, NARGS(a2), a2, "threads", "\"abc\"");
    check_error(CONFIG_RECORD, NARGS(a3), a3, "threads", "0 to 256");
    check_error(CONFIG_RECORD, NARGS(a4), a4, "threads", NULL);
    check_error(CONFIG_RECORD, NARGS(a5), a5, "threads", NULL);
    check_error(CONFIG_RECORD, NARGS(a6), a6, "threads", NULL);
    check_error(CONFIG_RECORD, NARGS(a7), a7, "threads", NULL);
    check_error(CONFIG_RECORD, NARGS(a8), a8, "--threads", "needs a value");
    /* The path cap: at least one path a minute. */
    char *a9[] = { "prog", "--max-paths-per-minute=0" };
    check_error(CONFIG_CONSUMER, NARGS(a9), a9, "max-paths-per-minute", "1 to 1000000");
}
END_TEST

/* Every option that takes a value fails without one, --config included:
 * "prog --config" must not silently run on the defaults. */
START_TEST(test_config_flag_without_value)
{
    char *a1[] = { "prog", "--config" };
    char *a2[] = { "prog", "--threads=8", "--config" };

    check_error(CONFIG_RECORD, NARGS(a1), a1, "--config", NULL);
    check_error(CONFIG_RECORD, NARGS(a2), a2, "--config", NULL);
}
END_TEST

START_TEST(test_unknown_and_foreign_options)
{
    char *a1[] = { "prog", "--nope" };
    char *a2[] = { "prog", "--nope=1" };
    char *a3[] = { "prog", "--group=x" };
    char *a4[] = { "prog", "--partitions", "3" };
    char *a5[] = { "prog", "stray" };
    char *a6[] = { "prog", "-v" };

    check_error(CONFIG_RECORD, NARGS(a1), a1, "--nope", "unknown");
    check_error(CONFIG_RECORD, NARGS(a2), a2, "--nope", "unknown");
    check_error(CONFIG_RECORD, NARGS(a3), a3, "--group", "does not apply");
    check_error(CONFIG_CONSUMER, NARGS(a4), a4, "--partitions", "does not apply");
    check_error(CONFIG_RECORD, NARGS(a5), a5, "stray", NULL);
    check_error(CONFIG_RECORD, NARGS(a6), a6, "-v", NULL);
}
END_TEST

START_TEST(test_log_level)
{
    char *bad[] = { "prog", "--log-level=verbose" };
    char *empty[] = { "prog", "--log-level=" };
    char *levels[] = { "error", "warn", "info", "debug" };
    const enum log_level want[] = { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
    config c;

    check_error(CONFIG_RECORD, NARGS(bad), bad, "log-level", "error, warn, info or debug");
    check_error(CONFIG_RECORD, NARGS(empty), empty, "log-level", NULL);
    for (int i = 0; i < 4; i++) {
        char *argv[] = { "prog", "--log-level", levels[i] };
        check_load(&c, CONFIG_DEVBROKER, NARGS(argv), argv, 0, NULL, NULL);
        ck_assert_int_eq(c.log_level, want[i]);
        ck_assert_str_eq(c.log_level_name, levels[i]);
        config_free(&c);
    }
}
END_TEST

static Suite *
config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc;

    tc = tcase_create("defaults");
    tcase_add_checked_fixture(tc, clean_env, NULL);
    tcase_add_test(tc, test_defaults_record);
    tcase_add_test(tc, test_sites);
    tcase_add_test(tc, test_fastcgi_users);
    tcase_add_test(tc, test_defaults_other_programs);
    tcase_add_test(tc, test_free_twice_and_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("flags");
    tcase_add_checked_fixture(tc, clean_env, NULL);
    tcase_add_test(tc, test_flag_forms);
    tcase_add_test(tc, test_flag_last_wins);
    tcase_add_test(tc, test_flag_same_name_per_program);
    tcase_add_test(tc, test_kafka_properties);
    tcase_add_test(tc, test_kafka_property_errors);
    tcase_add_test(tc, test_help_and_version);
    suite_add_tcase(s, tc);

    tc = tcase_create("env");
    tcase_add_checked_fixture(tc, clean_env, NULL);
    tcase_add_test(tc, test_env);
    tcase_add_test(tc, test_env_invalid);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_unchecked_fixture(tc, make_temp_dir, remove_temp_dir);
    tcase_add_checked_fixture(tc, clean_env, NULL);
    tcase_add_test(tc, test_file_record);
    tcase_add_test(tc, test_file_other_programs);
    tcase_add_test(tc, test_file_via_env);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_file_missing);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, clean_env, NULL);
    tcase_add_test(tc, test_threads_out_of_range);
    tcase_add_test(tc, test_unknown_and_foreign_options);
    tcase_add_test(tc, test_config_flag_without_value);
    tcase_add_test(tc, test_log_level);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
