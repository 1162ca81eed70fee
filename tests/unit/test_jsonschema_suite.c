/* The official JSON-Schema-Test-Suite, draft 4 (Debian ships it in
 * libtest-json-schema-acceptance-perl), run against common/jsonschema. Every
 * required case is one TAP line; remote references resolve from the suite's
 * remotes/ folder (http://localhost:1234/X -> remotes/X) through the
 * resolver callback. The optional/ cases are run and reported as comments
 * only (they do not count). JSONSCHEMA_SUITE overrides the suite's folder. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonschema.h"

#define DEFAULT_SUITE "/usr/share/perl5/auto/share/dist/Test-JSON-Schema-Acceptance"
#define REMOTE "http://localhost:1234/"

static const char *suite;
static int n_out, n_fail;

static json_t *resolve_remote(void *arg, const char *uri)
{
    if (strncmp(uri, REMOTE, strlen(REMOTE)) != 0 || strstr(uri, "..") != NULL)
        return NULL;
    char path[1024];
    snprintf(path, sizeof(path), "%s/remotes/%s", suite, uri + strlen(REMOTE));
    return json_load_file(path, JSON_ALLOW_NUL, NULL);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs one file; required cases print TAP lines, optional ones count only. */
static void run_file(const char *dir, const char *name, int required, int *pass, int *total)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    json_error_t jerr;
    json_t *groups = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (groups == NULL && !required) {
        printf("# %s: unreadable by jansson: %s\n", name, jerr.text);
        return;
    }
    if (groups == NULL) {
        printf("not ok %d - %s: unreadable: %s\n", ++n_out, name, jerr.text);
        n_fail++;
        return;
    }
    size_t gi, ti;
    json_t *g, *t;
    json_array_foreach(groups, gi, g)
    {
        arena_t *a = arena_create(16384);
        const jsonschema_t *s = NULL;
        char err[512] = "";
        int crc = jsonschema_compile(a, json_object_get(g, "schema"), "", resolve_remote, NULL, &s,
                                     err, sizeof(err));
        json_array_foreach(json_object_get(g, "tests"), ti, t)
        {
            int want = json_is_true(json_object_get(t, "valid"));
            char why[512];
            int got = crc == 0 &&
                      jsonschema_validate(s, json_object_get(t, "data"), why, sizeof(why)) == 0;
            int ok = crc == 0 && got == want;
            (*total)++;
            *pass += ok;
            if (!required)
                continue;
            n_fail += !ok;
            printf("%s %d - %s: %s: %s%s%s\n", ok ? "ok" : "not ok", ++n_out, name,
                   json_string_value(json_object_get(g, "description")),
                   json_string_value(json_object_get(t, "description")), crc != 0 ? " # " : "",
                   crc != 0 ? err : "");
        }
        arena_destroy(a);
    }
    json_decref(groups);
}

static void run_dir(const char *dir, const char *prefix, int required, int *pass, int *total)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
        else if (e->d_name[0] != '.' && !required) {
            char sub[1024], pre[256];
            snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
            snprintf(pre, sizeof(pre), "%s%s/", prefix, e->d_name);
            run_dir(sub, pre, required, pass, total);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    for (int i = 0; i < n; i++) {
        int p = 0, t = 0;
        run_file(dir, names[i], required, &p, &t);
        printf("# %s%s: %d/%d\n", prefix, names[i], p, t);
        *pass += p;
        *total += t;
        free(names[i]);
    }
}

int main(void)
{
    suite = getenv("JSONSCHEMA_SUITE") != NULL ? getenv("JSONSCHEMA_SUITE") : DEFAULT_SUITE;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/tests/draft4", suite);
    int pass = 0, total = 0, opass = 0, ototal = 0;
    run_dir(dir, "", 1, &pass, &total);
    if (total == 0) {
        printf("1..1\nnot ok 1 - no draft4 suite under %s\n", dir);
        return 1;
    }
    printf("# required: %d passed of %d\n", pass, total);
    strncat(dir, "/optional", sizeof(dir) - strlen(dir) - 1);
    run_dir(dir, "optional/", 0, &opass, &ototal);
    printf("# optional (not counted): %d passed of %d\n", opass, ototal);
    printf("1..%d\n", n_out);
    return n_fail > 0;
}
