/* Unit tests for dataplane/cluster/statefile.h: the key delta log across torn appends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statefile.h"

typedef struct {
    char seen[512];
} log_t;

static void collect(void *ctx, const uint8_t *envelope, size_t len)
{
    log_t *l = ctx;
    size_t n = strlen(l->seen);
    snprintf(l->seen + n, sizeof(l->seen) - n, "%s%.*s", n > 0 ? "," : "", (int)len,
             (const char *)envelope);
}

static void append(const char *dir, const char *rec)
{
    assert_int_equal(statefile_append_delta(dir, (const uint8_t *)rec, strlen(rec)), 0);
}

static void expect(const char *dir, const char *want)
{
    log_t l = {""};
    assert_int_equal(statefile_read_deltas(dir, collect, &l), 0);
    assert_string_equal(l.seen, want);
}

/* Cuts `cut` bytes off the end of the log (a crash in the middle of an append)
 * or, with cut < 0, flips a byte that far from the end. */
static void damage(const char *dir, long cut)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/keys.log", dir);
    assert_int_equal(stat(path, &st), 0);
    if (cut > 0) {
        assert_int_equal(truncate(path, st.st_size - cut), 0);
        return;
    }
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    fseek(f, st.st_size + cut, SEEK_SET);
    int c = fgetc(f);
    fseek(f, st.st_size + cut, SEEK_SET);
    fputc(c ^ 0x20, f);
    fclose(f);
}

static void torn_tail_does_not_swallow_later_records(void **state)
{
    static const struct {
        const char *name;
        long damage;
    } rows[] = {
        {"cut inside the body", 3},
        {"cut inside the header", 20},
        {"flipped body byte", -2},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char dir[] = "/tmp/test_statefile_XXXXXX";
        assert_non_null(mkdtemp(dir));
        append(dir, "first-delta");
        append(dir, "second-delta");
        append(dir, "third-delta-that-gets-torn");
        damage(dir, rows[i].damage);
        expect(dir, "first-delta,second-delta");
        /* the node keeps running and appends what came next */
        append(dir, "fourth-delta");
        append(dir, "fifth-delta");
        expect(dir, "first-delta,second-delta,fourth-delta,fifth-delta");
        assert_int_equal(statefile_clear_deltas(dir), 0);
        assert_int_equal(rmdir(dir), 0);
    }
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(torn_tail_does_not_swallow_later_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
