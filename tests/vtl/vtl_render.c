/* vtl_render: renders every case of a case file (tests/vtl/vtlcases.py
 * describes the format) with Portico's template engine, writing results in
 * the oracle's format, so that the two can be compared byte for byte.
 * Usage: vtl_render CASES OUT [REPEAT]  (REPEAT > 1 times each render and
 * prints the mean cost per case on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtl.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void put(FILE *out, const char *status, const char *p, size_t n)
{
    fprintf(out, "%s %zu\n", status, n);
    fwrite(p, 1, n, out);
    fputc('\n', out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vtl_render CASES OUT [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 3 ? atoi(argv[3]) : 1;
    size_t len;
    char *data = slurp(argv[1], &len);
    FILE *out = fopen(argv[2], "wb");
    if (!data || !out) {
        perror("vtl_render");
        return 2;
    }
    size_t pos = 0, ncases = 0;
    double total_us = 0;
    while (pos < len) {
        char *nl = memchr(data + pos, '\n', len - pos);
        if (!nl)
            break;
        size_t tl = 0, il = 0;
        if (sscanf(data + pos, "%zu %zu", &tl, &il) != 2)
            break;
        const char *tmpl = nl + 1;
        const char *inp = tmpl + tl;
        pos = (size_t)(inp + il - data);
        json_error_t je;
        json_t *doc = json_loadb(inp, il, 0, &je);
        arena_t *a = arena_create(64 * 1024);
        vtl_template_t *t;
        vtl_error_t err;
        ncases++;
        if (!doc) {
            put(out, "ERR", je.text, strlen(je.text));
            arena_destroy(a);
            continue;
        }
        int rc = vtl_compile(tmpl, tl, a, &t, &err);
        if (rc != VTL_OK) {
            put(out, rc == VTL_EPARSE ? "PARSE" : "ERR", err.message, strlen(err.message));
        } else {
            vtl_jsonprov_t jp;
            vtl_provider_t prov;
            vtl_jsonprov_init(&jp, doc, &prov);
            char *o = NULL;
            size_t on = 0;
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            for (int r = 0; r < repeat; r++) {
                arena_t *ra = arena_create(64 * 1024);
                vtl_alloc_t al = vtl_arena_alloc(ra);
                rc = vtl_render(t, &prov, NULL, &al, &o, &on, &err);
                if (r + 1 == repeat) {
                    if (rc == VTL_OK)
                        put(out, "OK", o, on);
                    else
                        put(out, "ERR", err.message, strlen(err.message));
                }
                arena_destroy(ra);
            }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            total_us +=
                ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) /
                repeat;
        }
        json_decref(doc);
        arena_destroy(a);
    }
    fclose(out);
    free(data);
    if (repeat > 1)
        fprintf(stderr, "vtl_render: %zu cases, %.2f us per render\n", ncases,
                ncases ? total_us / (double)ncases : 0);
    return 0;
}
