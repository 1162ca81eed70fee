/* Unit tests for controlplane/admin/admin_function_zip.h: zips written with
 * libarchive in memory, one named case per row (what the zip holds, the
 * runtime and handler, whether it passes and what the refusal says). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin_function_zip.h"

enum kind { END, FILE_, DIR_, LINK };

typedef struct {
    enum kind kind;
    const char *path;
    const char *content; /* a file's bytes, a link's target */
    size_t zeros;        /* a file of that many zero bytes instead */
} entry_t;

typedef struct {
    const char *name;
    entry_t entries[6];
    const char *runtime, *handler;
    int ok;
    const char *want_err; /* a part of the refusal */
} zip_case_t;

#define MB (1024 * 1024)

static const zip_case_t cases[] = {
    {"provided with bootstrap", {{FILE_, "bootstrap", "#!/bin/sh\n"}}, "provided.al2023", "x", 1},
    {"provided with ./bootstrap", {{FILE_, "./bootstrap", "#!/bin/sh\n"}}, "provided", "x", 1},
    {"provided without bootstrap",
     {{FILE_, "main", "#!/bin/sh\n"}, {FILE_, "sub/bootstrap", "x"}},
     "provided.al2023",
     "x",
     0,
     "bootstrap"},
    {"bootstrap as a link inside",
     {{FILE_, "bin/run", "x"}, {LINK, "bootstrap", "bin/run"}},
     "provided",
     "x",
     1},
    {"nodejs index.js",
     {{FILE_, "index.js", "exports.handler=1"}},
     "nodejs20.x",
     "index.handler",
     1},
    {"nodejs index.mjs in a folder",
     {{DIR_, "src/"}, {FILE_, "src/app.mjs", "export const h=1"}},
     "nodejs22.x",
     "src/app.h",
     1},
    {"nodejs handler module missing",
     {{FILE_, "other.js", "x"}},
     "nodejs20.x",
     "index.handler",
     0,
     "index.js"},
    {"nodejs handler without a dot",
     {{FILE_, "index.js", "x"}},
     "nodejs20.x",
     "index",
     0,
     "MODULE.FUNCTION"},
    {"absolute entry",
     {{FILE_, "/etc/passwd", "x"}, {FILE_, "bootstrap", "x"}},
     "provided",
     "x",
     0,
     "not allowed"},
    {"dot-dot entry",
     {{FILE_, "a/../../evil", "x"}, {FILE_, "bootstrap", "x"}},
     "provided",
     "x",
     0,
     "not allowed"},
    {"link escaping",
     {{FILE_, "bootstrap", "x"}, {LINK, "lib/l", "../../etc/passwd"}},
     "provided",
     "x",
     0,
     "outside"},
    {"absolute link",
     {{FILE_, "bootstrap", "x"}, {LINK, "l", "/etc/passwd"}},
     "provided",
     "x",
     0,
     "outside"},
    {"link staying inside",
     {{FILE_, "bootstrap", "x"}, {LINK, "lib/l", "../bootstrap"}},
     "provided",
     "x",
     1},
    {"link through a link",
     {{FILE_, "bootstrap", "x"}, {LINK, "d", "."}, {LINK, "e", "d/../x"}},
     "provided",
     "x",
     0,
     "outside"},
    {"zip bomb: 260 MB of zeros",
     {{FILE_, "bootstrap", "x"}, {FILE_, "zeros", NULL, 260 * MB}},
     "provided",
     "x",
     0,
     "262144000"},
    {"big but under the limit", {{FILE_, "bootstrap", NULL, 20 * MB}}, "provided", "x", 1},
};

/* A zip of the entries in a malloc'd buffer. */
static uint8_t *make_zip(const entry_t *e, size_t *len)
{
    size_t cap = 8 * MB, used = 0;
    uint8_t *buf = malloc(cap);
    char *zeros = calloc(1, MB);
    struct archive *a = archive_write_new();
    assert_non_null(buf);
    assert_non_null(zeros);
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    for (; e->kind != END; e++) {
        struct archive_entry *en = archive_entry_new();
        archive_entry_set_pathname(en, e->path);
        size_t size = e->kind == FILE_ ? (e->content != NULL ? strlen(e->content) : e->zeros) : 0;
        archive_entry_set_filetype(en, e->kind == FILE_  ? AE_IFREG
                                       : e->kind == DIR_ ? AE_IFDIR
                                                         : AE_IFLNK);
        archive_entry_set_perm(en, 0755);
        archive_entry_set_size(en, (la_int64_t)size);
        if (e->kind == LINK)
            archive_entry_set_symlink(en, e->content);
        assert_int_equal(archive_write_header(a, en), ARCHIVE_OK);
        if (e->kind == FILE_ && e->content != NULL)
            archive_write_data(a, e->content, size);
        for (size_t left = e->kind == FILE_ && e->content == NULL ? size : 0; left > 0;) {
            size_t n = left < MB ? left : MB;
            archive_write_data(a, zeros, n);
            left -= n;
        }
        archive_entry_free(en);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    free(zeros);
    *len = used;
    return buf;
}

static void test_cases(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const zip_case_t *zc = &cases[i];
        size_t len;
        uint8_t *zip = make_zip(zc->entries, &len);
        char err[512] = "";
        fnzip_info_t info;
        int rc = fnzip_check(zip, len, zc->runtime, zc->handler, &info, err, sizeof(err));
        free(zip);
        if ((rc == 0) != zc->ok)
            fail_msg("%s: %s (%s)", zc->name, rc == 0 ? "accepted" : "refused", err);
        if (!zc->ok && strstr(err, zc->want_err) == NULL)
            fail_msg("%s: the refusal \"%s\" does not say \"%s\"", zc->name, err, zc->want_err);
    }
}

/* What is not a zip at all, and what is too big before it is read. */
static void test_not_zips(void **state)
{
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
    } bad[] = {
        {"empty", "", 0},
        {"text", "hello, this is no zip", 21},
        {"a zip's first bytes only", "PK\x03\x04\x14\x00\x00\x00", 8},
    };
    char err[512];
    fnzip_info_t info;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (fnzip_check(bad[i].bytes, bad[i].len, NULL, NULL, &info, err, sizeof(err)) == 0)
            fail_msg("%s: accepted", bad[i].name);
    uint8_t *big = calloc(1, FNZIP_MAX_ZIPPED + 1);
    assert_non_null(big);
    assert_int_equal(fnzip_check(big, FNZIP_MAX_ZIPPED + 1, NULL, NULL, &info, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "52428800"));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_not_zips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
