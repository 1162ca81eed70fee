/* libFuzzer target: the template engine's JSON reader (vtl_json_parse, what
 * $input.path, $input.json and $util.parseJson read a body with). The input
 * is the body, in a buffer of exactly its length: the reader must answer
 * values or a clean error without reading past it, within the render's
 * memory bound. The values made are walked (every map key found where it
 * is). */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtl_int.h"

static void walk(const vtl_value_t *v, int depth)
{
    if (depth > 600)
        abort(); /* deeper than the reader allows */
    if (v->type == V_LIST) {
        for (size_t k = 0; k < v->u.l->n; k++)
            walk(&v->u.l->v[k], depth + 1);
    } else if (v->type == V_MAP) {
        for (size_t k = 0; k < v->u.m->n; k++) {
            if (vtl_map_find(v->u.m, v->u.m->keys[k]) != (long)k)
                abort(); /* a repeated key, or one the index misses */
            walk(&v->u.m->vals[k], depth + 1);
        }
    } else if (v->type == V_STR && v->len && v->u.str[v->len - 1] == 0x7f) {
        /* touches the last byte of every string (a sanitizer checks it) */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    arena_t *a = arena_create(64 * 1024);
    static vtl_rs_t rs;
    vtl_error_t err;
    memset(&rs, 0, sizeof(rs));
    rs.lim.max_memory = 4u << 20;
    rs.al = vtl_arena_alloc(a);
    rs.err = &err;
    if (setjmp(rs.fail) == 0) {
        vtl_value_t v = vtl_json_parse(&rs, body, size, "the body");
        walk(&v, 0);
    } else if (strncmp(err.message, "the body: invalid JSON at byte ", 31) != 0 &&
               strncmp(err.message, "template used more than", 23) != 0) {
        abort();
    }
    arena_destroy(a);
    free(body);
    return 0;
}
