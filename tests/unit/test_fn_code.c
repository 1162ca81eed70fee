/* Unit tests for dataplane/fn/fn_code.h: real zips made with libarchive,
 * unpacked into a temporary directory; one named case per row (what the zip
 * holds, whether it unpacks, what the refusal says, a file to look at). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include "crypto.h"
#include "fn_code.h"
#include "fn_testzip.h"

typedef struct {
    const char *name;
    tz_entry_t entries[6];
    uint64_t max; /* 0: the reference's limit */
    int ok;
    const char *want_err;
    const char *check_path; /* exists after unpacking (ok cases) */
    int check_exec;         /* and is executable */
} code_case_t;

static const code_case_t cases[] = {
    {"bootstrap keeps its mode",
     {{TZ_FILE, "bootstrap", "#!/bin/sh\n", 0755}, {TZ_FILE, "lib/x.txt", "x"}},
     0,
     1,
     NULL,
     "bootstrap",
     1},
    {"directories and ./ prefixes",
     {{TZ_DIR, "src/"}, {TZ_FILE, "./src/app.mjs", "export const h = 1"}},
     0,
     1,
     NULL,
     "src/app.mjs",
     0},
    {"a link that stays inside",
     {{TZ_FILE, "bin/run", "#!/bin/sh\n", 0755}, {TZ_LINK, "bootstrap", "bin/run"}},
     0,
     1,
     NULL,
     "bootstrap",
     1},
    {"setuid bits are dropped", {{TZ_FILE, "bootstrap", "x", 04755}}, 0, 1, NULL, "bootstrap", 1},
    {"absolute path", {{TZ_FILE, "/etc/evil", "x"}}, 0, 0, "unsafe path"},
    {"dot-dot path", {{TZ_FILE, "a/../../evil", "x"}}, 0, 0, "unsafe path"},
    {"absolute link", {{TZ_LINK, "etc", "/etc"}}, 0, 0, "outside"},
    {"link climbing out", {{TZ_LINK, "a/up", "../../.."}}, 0, 0, "outside"},
    {"writing through a link",
     {{TZ_LINK, "d", "."}, {TZ_FILE, "d/x", "x"}},
     0,
     0,
     "cannot create the directory"},
    {"duplicate entry", {{TZ_FILE, "a", "x"}, {TZ_FILE, "a", "y"}}, 0, 0, "duplicate"},
    {"over the unpacked limit",
     {{TZ_FILE, "a", NULL, 0, 600 * 1024}, {TZ_FILE, "b", NULL, 0, 600 * 1024}},
     1024 * 1024,
     0,
     "larger than the limit"},
};

static char root[256];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/portico-fn-code-XXXXXX");
    return mkdtemp(root) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fn_code_remove_tree(root);
    return 0;
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const code_case_t *c = &cases[i];
        size_t len;
        char *zip = tz_make(c->entries, &len);
        char dir[512], err[512] = "";
        snprintf(dir, sizeof(dir), "%s/case%zu", root, i);
        mkdir(dir, 0755);
        int rc = fn_code_unpack(dir, zip, len, c->max != 0 ? c->max : FN_CODE_MAX_UNPACKED, err,
                                sizeof(err));
        if ((rc == 0) != c->ok || (c->want_err != NULL && strstr(err, c->want_err) == NULL))
            fail_msg("case '%s': rc %d, err '%s'", c->name, rc, err);
        if (c->check_path != NULL) {
            char p[700];
            struct stat st;
            snprintf(p, sizeof(p), "%s/%s", dir, c->check_path);
            if (stat(p, &st) != 0 || (c->check_exec && access(p, X_OK) != 0) ||
                (st.st_mode & (S_ISUID | S_ISGID)) != 0)
                fail_msg("case '%s': %s missing, not executable or setuid", c->name, p);
        }
        /* nothing was written outside the directory */
        assert_int_not_equal(access("/tmp/evil", F_OK), 0);
        free(zip);
    }
}

/* install: the hash is checked, the directory appears whole under its
 * hash, and a second install of the same hash is a no-op. */
static void test_install(void **state)
{
    (void)state;
    tz_entry_t entries[] = {{TZ_FILE, "bootstrap", "#!/bin/sh\n", 0755}, {TZ_END}};
    size_t len;
    char *zip = tz_make(entries, &len);
    uint8_t sha[32], wrong[32] = {1};
    crypto_sha256(zip, len, sha);
    char croot[400], dir[700], err[256];
    snprintf(croot, sizeof(croot), "%s/functions", root);
    assert_int_equal(
        fn_code_install(croot, wrong, zip, len, FN_CODE_MAX_UNPACKED, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "SHA-256"));
    assert_int_equal(fn_code_dir(croot, sha, dir, sizeof(dir)), 0);
    assert_int_equal(fn_code_install(croot, sha, zip, len, FN_CODE_MAX_UNPACKED, err, sizeof(err)),
                     0);
    assert_int_equal(fn_code_dir(croot, sha, dir, sizeof(dir)), 1);
    assert_int_equal(fn_code_install(croot, sha, zip, len, FN_CODE_MAX_UNPACKED, err, sizeof(err)),
                     0);
    /* a bad zip under its own hash leaves nothing behind */
    tz_entry_t bad[] = {{TZ_FILE, "/abs", "x"}, {TZ_END}};
    char *badzip = tz_make(bad, &len);
    crypto_sha256(badzip, len, sha);
    assert_int_equal(
        fn_code_install(croot, sha, badzip, len, FN_CODE_MAX_UNPACKED, err, sizeof(err)), -1);
    assert_int_equal(fn_code_dir(croot, sha, dir, sizeof(dir)), 0);
    free(zip);
    free(badzip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_install),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
