/* test_opts: the option table drives defaults, parsing, bounds and --help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "opts.h"

typedef struct {
    const char *listen;
    const char *name;
    int threads;
    unsigned timeout_ms;
    uint32_t burst;
    uint64_t bytes;
    double rate;
    int quiet;
} demo_t;

#define AT(f) OPTS_AT(demo_t, f)
static const opts_spec_t specs[] = {
    {"listen", "HOST:PORT", OPTS_STR, AT(listen), 0, 0, 0, "127.0.0.1:1", "where to listen"},
    {"name", "ID", OPTS_STR, AT(name), 0, 0, 0, NULL, "a name"},
    {"threads", "N", OPTS_INT, AT(threads), 1, 8, 0, "2", "threads"},
    {"timeout", "SECONDS", OPTS_UINT, AT(timeout_ms), 0, 60, 1000, "5", "a timeout"},
    {"burst", "N", OPTS_U32, AT(burst), 1, 1e9, 0, NULL, "a burst"},
    {"bytes", "N", OPTS_U64, AT(bytes), 1024, 1099511627776.0, 0, "4096", "a size"},
    {"rate", "RPS", OPTS_DOUBLE, AT(rate), 0, 1e9, 0, NULL, "a rate"},
    {"quiet", NULL, OPTS_FLAG, AT(quiet), 0, 0, 0, NULL, "say less"},
};
static const opts_table_t table = {"demo", "A demo.", specs, sizeof(specs) / sizeof(specs[0]),
                                   NULL};

/* Parses a space-separated command line (argv[0] is added). */
static int parse(const char *line, demo_t *d)
{
    char buf[512], *argv[32] = {"demo"};
    int argc = 1;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *save, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    memset(d, 0, sizeof(*d));
    /* what opts prints (usage, errors) must not mix with the TAP output */
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    int rc = opts_parse(&table, argc, argv, d);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(null);
    return rc;
}

static void defaults_apply_without_arguments(void **state)
{
    demo_t d;
    assert_int_equal(parse("", &d), 0);
    assert_string_equal(d.listen, "127.0.0.1:1");
    assert_null(d.name);
    assert_int_equal(d.threads, 2);
    assert_int_equal(d.timeout_ms, 5000);
    assert_int_equal(d.bytes, 4096);
    assert_int_equal(d.burst, 0);
    assert_true(d.rate == 0);
    assert_int_equal(d.quiet, 0);
}

static void arguments_land_in_their_fields(void **state)
{
    demo_t d;
    assert_int_equal(parse("--listen 0.0.0.0:9 --name n1 --threads 8 --timeout 0 --burst 7 "
                           "--bytes 1099511627776 --rate 0.5 --quiet",
                           &d),
                     0);
    assert_string_equal(d.listen, "0.0.0.0:9");
    assert_string_equal(d.name, "n1");
    assert_int_equal(d.threads, 8);
    assert_int_equal(d.timeout_ms, 0);
    assert_int_equal(d.burst, 7);
    assert_int_equal(d.bytes, 1099511627776ULL);
    assert_true(d.rate == 0.5);
    assert_int_equal(d.quiet, 1);
}

static void bad_command_lines_are_refused(void **state)
{
    static const char *const bad[] = {
        "--threads 0",  "--threads 9",       "--threads 2.5", "--threads x",  "--threads ''",
        "--timeout 61", "--timeout -1",      "--burst 0",     "--bytes 1023", "--rate 0",
        "--rate -1",    "--rate nan",        "--rate inf",    "--rate 1e10",  "--nope",
        "positional",   "--quiet --quiet x",
    };
    demo_t d;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &d) != -1)
            fail_msg("accepted: %s", bad[i]);
    }
}

static void help_is_reported_apart(void **state)
{
    demo_t d;
    assert_int_equal(parse("--help", &d), 1);
}

static void usage_lists_every_option_with_its_default(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    opts_usage(&table, out);
    fclose(out);
    for (size_t i = 0; i < table.nspecs; i++)
        assert_non_null(strstr(text, specs[i].name));
    assert_non_null(strstr(text, "where to listen (default 127.0.0.1:1)"));
    assert_non_null(strstr(text, "--help"));
    assert_null(strstr(text, "say less (default"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_apply_without_arguments),
        cmocka_unit_test(arguments_land_in_their_fields),
        cmocka_unit_test(bad_command_lines_are_refused),
        cmocka_unit_test(help_is_reported_apart),
        cmocka_unit_test(usage_lists_every_option_with_its_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
