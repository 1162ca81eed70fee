/* Unit tests for controlplane/admin/admin_console.h: which request paths map
 * to which files (a console directory and a Chart.js directory made in a
 * temporary folder, with symlinks leading in and out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin_console.h"

typedef struct {
    char base[1024]; /* realpath of a mkdtemp name: short */
    char console[1100];
    admin_console_t *con;
} fixture_t;

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_link(const char *target, const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(symlink(target, path), 0);
}

/* base/console/{index.html,style.css,app.js,js/page.js,js/alias.js -> page.js,
 * notes (no extension), leak.txt -> ../secret.txt, up -> ..},
 * base/secret.txt, base/chartjs/{chart.min.js,chart.js} */
static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    char tmpl[] = "/tmp/portico-console-XXXXXX", path[1200], real[PATH_MAX];
    assert_non_null(mkdtemp(tmpl));
    assert_non_null(realpath(tmpl, real));
    assert_true(strlen(real) < sizeof(f->base));
    memcpy(f->base, real, strlen(real) + 1);
    snprintf(f->console, sizeof(f->console), "%s/console", f->base);
    assert_int_equal(mkdir(f->console, 0700), 0);
    snprintf(path, sizeof(path), "%s/js", f->console);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file(f->console, "index.html", "<!doctype html>");
    write_file(f->console, "style.css", "body{}");
    write_file(f->console, "app.js", "x");
    write_file(f->console, "notes", "no extension");
    write_file(path, "page.js", "page");
    make_link("page.js", path, "alias.js");
    write_file(f->base, "secret.txt", "secret");
    make_link("../secret.txt", f->console, "leak.txt");
    make_link("..", f->console, "up");
    snprintf(path, sizeof(path), "%s/chartjs", f->base);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file(path, "chart.min.js", "chart");
    write_file(path, "chart.js", "chart, unminified");
    char err[256];
    assert_int_equal(admin_console_open(f->console, path, &f->con, err, sizeof(err)), 0);
    assert_non_null(f->con);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    char cmd[PATH_MAX + 16];
    admin_console_close(f->con);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->base);
    free(f);
    return 0;
}

/* want NULL: refused; else the file's path relative to base and its type. */
typedef struct {
    const char *path;
    const char *want_file;
    const char *want_type;
} resolve_case_t;

static void run_resolve_cases(fixture_t *f, const resolve_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const resolve_case_t *c = &cases[i];
        char file[PATH_MAX], want[PATH_MAX * 2];
        const char *type = NULL;
        int rc = admin_console_resolve(f->con, c->path, strlen(c->path), file, sizeof(file), &type);
        if (c->want_file == NULL) {
            if (rc != -ENOENT)
                fail_msg("resolve(\"%s\") = %d (%s), want -ENOENT", c->path, rc,
                         rc == 0 ? file : "");
            continue;
        }
        snprintf(want, sizeof(want), "%s/%s", f->base, c->want_file);
        if (rc != 0)
            fail_msg("resolve(\"%s\") = %d, want %s", c->path, rc, want);
        if (strcmp(file, want) != 0 || strcmp(type, c->want_type) != 0)
            fail_msg("resolve(\"%s\") = %s (%s), want %s (%s)", c->path, file, type, want,
                     c->want_type);
    }
}

#define HTML "text/html; charset=utf-8"
#define CSS "text/css; charset=utf-8"
#define JS "text/javascript; charset=utf-8"

static void resolves_console_files(void **state)
{
    static const resolve_case_t cases[] = {
        {"/console/", "console/index.html", HTML},
        {"/console/index.html", "console/index.html", HTML},
        {"/console/style.css", "console/style.css", CSS},
        {"/console/app.js", "console/app.js", JS},
        {"/console/js/page.js", "console/js/page.js", JS},
        /* a symlink that stays inside: its target */
        {"/console/js/alias.js", "console/js/page.js", JS},
        /* "up" leads out and back in: still a console file */
        {"/console/up/console/style.css", "console/style.css", CSS},
        /* the fixed Chart.js row, from the Chart.js directory */
        {"/console/vendor/chart.min.js", "chartjs/chart.min.js", JS},
    };
    run_resolve_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void refuses_traversal_and_escapes(void **state)
{
    static const resolve_case_t cases[] = {
        {"/console/../secret.txt", NULL, NULL},
        {"/console/js/../../secret.txt", NULL, NULL},
        {"/console/./index.html", NULL, NULL},
        {"/console/js/./page.js", NULL, NULL},
        {"/console/..", NULL, NULL},
        {"/console/%2e%2e/secret.txt", NULL, NULL},
        {"/console/%2E%2E%2Fsecret.txt", NULL, NULL},
        {"/console/js%2fpage.js", NULL, NULL},
        {"/console//index.html", NULL, NULL},
        {"/console/js//page.js", NULL, NULL},
        {"/console/index.html/", NULL, NULL},
        {"/console/js\\page.js", NULL, NULL},
        {"/console/.hidden.js", NULL, NULL},
        {"/console/js/.page.js", NULL, NULL},
        {"/console/index.html?x=1", NULL, NULL}, /* the caller strips the query */
        {"/console/index .html", NULL, NULL},
        {"/console", NULL, NULL},
        {"/consolex/index.html", NULL, NULL},
        {"/index.html", NULL, NULL},
        {"", NULL, NULL},
    };
    run_resolve_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void refuses_symlinks_leading_out(void **state)
{
    static const resolve_case_t cases[] = {
        {"/console/leak.txt", NULL, NULL},
        {"/console/up/secret.txt", NULL, NULL},
        {"/console/up/chartjs/chart.min.js", NULL, NULL},
    };
    run_resolve_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void refuses_unknown_files_and_types(void **state)
{
    static const resolve_case_t cases[] = {
        {"/console/nope.js", NULL, NULL},
        {"/console/js/nope.js", NULL, NULL},
        {"/console/notes", NULL, NULL}, /* exists, but no served extension */
        {"/console/js", NULL, NULL},    /* a directory */
        {"/console/js/", NULL, NULL},
        {"/console/up", NULL, NULL},
        /* only the fixed row of the Chart.js directory */
        {"/console/vendor/chart.js", NULL, NULL},
        {"/console/vendor/../chartjs/chart.js", NULL, NULL},
        /* too deep, too long */
        {"/console/a/b/c/d/e.js", NULL, NULL},
        {"/console/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.js", NULL,
         NULL},
    };
    run_resolve_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void open_refuses_a_dir_without_index(void **state)
{
    fixture_t *f = *state;
    char dir[PATH_MAX + 16], err[256] = "";
    admin_console_t *con = (admin_console_t *)1;
    snprintf(dir, sizeof(dir), "%s/console/js", f->base);
    assert_int_equal(admin_console_open(dir, NULL, &con, err, sizeof(err)), -ENOENT);
    assert_null(con);
    assert_non_null(strstr(err, "no index.html"));
    assert_string_equal(admin_console_root(f->con), f->console);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(resolves_console_files, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_traversal_and_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_symlinks_leading_out, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_unknown_files_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(open_refuses_a_dir_without_index, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
