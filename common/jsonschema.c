/* jsonschema: compiling a draft-4 schema. Two passes: the index walks every
 * document's schema positions, computing base URIs from "id" and recording
 * ids; the compiler then turns schema objects into jsonschema_t nodes, each
 * node once (a map from json_t to node, so recursive references become
 * cycles in the graph), with "$ref" resolved to its target node. */
#include "jsonschema_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonschema_uri.h"

#define MAX_DEPTH 512

/* json_t -> its base URI and compiled node; open addressing. */
typedef struct {
    const json_t *key;
    char *base;
    jsonschema_t *node;
} slot_t;

typedef struct {
    char *uri;
    const json_t *node;
} id_entry_t;

typedef struct {
    arena_t *a;
    jsonschema_resolve_fn resolve;
    void *arg;
    slot_t *slots;
    size_t nslots, used;
    id_entry_t *ids;
    size_t nids, cap_ids;
    json_t **docs; /* references held until the end */
    size_t ndocs, cap_docs;
    jsonschema_t **nodes; /* every node, for the $ref loop check */
    size_t nnodes, cap_nodes;
    pcre2_general_context *gctx;
    char *err;
    size_t err_len;
    int failed;
} cstate_t;

static int fail(cstate_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(cstate_t *st, const char *fmt, ...)
{
    if (!st->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->err, st->err_len, fmt, ap);
        va_end(ap);
    }
    st->failed = 1;
    return -1;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, ncap * size);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

/* ---- the json_t map ------------------------------------------------------ */

static size_t ptr_hash(const void *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static slot_t *slot_find(cstate_t *st, const json_t *key, int create)
{
    if (create && (st->used + 1) * 2 > st->nslots) {
        size_t n = st->nslots ? st->nslots * 2 : 256;
        slot_t *ns = calloc(n, sizeof(*ns));
        if (ns == NULL)
            return NULL;
        for (size_t i = 0; i < st->nslots; i++) {
            if (st->slots[i].key == NULL)
                continue;
            size_t j = ptr_hash(st->slots[i].key) & (n - 1);
            while (ns[j].key != NULL)
                j = (j + 1) & (n - 1);
            ns[j] = st->slots[i];
        }
        free(st->slots);
        st->slots = ns;
        st->nslots = n;
    }
    if (st->nslots == 0)
        return NULL;
    size_t j = ptr_hash(key) & (st->nslots - 1);
    while (st->slots[j].key != NULL && st->slots[j].key != key)
        j = (j + 1) & (st->nslots - 1);
    if (st->slots[j].key == NULL) {
        if (!create)
            return NULL;
        st->slots[j].key = key;
        st->used++;
    }
    return &st->slots[j];
}

/* ---- the index: base URIs and ids ---------------------------------------- */

static const json_t *id_find(cstate_t *st, const char *uri)
{
    for (size_t i = 0; i < st->nids; i++)
        if (strcmp(st->ids[i].uri, uri) == 0)
            return st->ids[i].node;
    return NULL;
}

static int id_add(cstate_t *st, const char *uri, const json_t *node)
{
    if (id_find(st, uri) != NULL)
        return 0; /* the first wins, as a document is indexed before its parts */
    if (grow((void **)&st->ids, &st->cap_ids, st->nids, sizeof(*st->ids)) != 0)
        return fail(st, "out of memory");
    st->ids[st->nids].uri = strdup(uri);
    st->ids[st->nids].node = node;
    if (st->ids[st->nids].uri == NULL)
        return fail(st, "out of memory");
    st->nids++;
    return 0;
}

static int index_schema(cstate_t *st, const json_t *node, const char *base, int depth);

static int index_each(cstate_t *st, const json_t *node, const char *key, int map, const char *base,
                      int depth)
{
    const json_t *v = json_object_get(node, key);
    if (v == NULL)
        return 0;
    if (json_is_object(v) && !map)
        return index_schema(st, v, base, depth + 1);
    size_t i;
    const json_t *e;
    const char *k;
    if (json_is_array(v) && !map) {
        json_array_foreach(v, i, e) if (index_schema(st, e, base, depth + 1) != 0) return -1;
    } else if (json_is_object(v) && map) {
        json_object_foreach((json_t *)v, k,
                            e) if (json_is_object(e) &&
                                   index_schema(st, e, base, depth + 1) != 0) return -1;
    }
    return 0;
}

static int index_schema(cstate_t *st, const json_t *node, const char *base, int depth)
{
    if (!json_is_object(node))
        return 0;
    if (depth > MAX_DEPTH)
        return fail(st, "schema nested deeper than %d levels", MAX_DEPTH);
    slot_t *sl = slot_find(st, node, 1);
    if (sl == NULL)
        return fail(st, "out of memory");
    if (sl->base != NULL)
        return 0; /* indexed already (a document reached twice) */
    char *own = NULL;
    const json_t *id = json_object_get(node, "id");
    if (json_is_string(id) && json_object_get(node, "$ref") == NULL) {
        own = jsonschema_uri_resolve(base, json_string_value(id));
        if (own == NULL)
            return fail(st, "out of memory");
        if (id_add(st, own, node) != 0) {
            free(own);
            return -1;
        }
        base = own;
    }
    sl->base = strdup(base);
    free(own);
    if (sl->base == NULL)
        return fail(st, "out of memory");
    base = sl->base;
    if (json_object_get(node, "$ref") != NULL)
        return 0;
    static const char *const one[] = {
        "additionalItems", "additionalProperties", "not", "items", "allOf", "anyOf", "oneOf", NULL};
    static const char *const maps[] = {"properties", "patternProperties", "definitions",
                                       "dependencies", NULL};
    for (const char *const *k = one; *k != NULL; k++)
        if (index_each(st, node, *k, 0, base, depth) != 0)
            return -1;
    for (const char *const *k = maps; *k != NULL; k++)
        if (index_each(st, node, *k, 1, base, depth) != 0)
            return -1;
    return 0;
}

/* Registers a whole document under uri and indexes it. */
static int index_document(cstate_t *st, json_t *doc, const char *uri)
{
    if (grow((void **)&st->docs, &st->cap_docs, st->ndocs, sizeof(*st->docs)) != 0)
        return fail(st, "out of memory");
    st->docs[st->ndocs++] = json_incref(doc);
    if (id_add(st, uri, doc) != 0)
        return -1;
    return index_schema(st, doc, uri, 0);
}

/* ---- $ref resolution ------------------------------------------------------ */

/* Decodes %XX in place. */
static void percent_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r != '\0'; r++) {
        unsigned v;
        if (r[0] == '%' && r[1] != '\0' && r[2] != '\0' && sscanf(r + 1, "%2x", &v) == 1) {
            *w++ = (char)v;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static const json_t *pointer_walk(const json_t *node, char *ptr)
{
    while (node != NULL && *ptr == '/') {
        char *tok = ptr + 1;
        char *end = strchr(tok, '/');
        ptr = end != NULL ? end : tok + strlen(tok);
        char save = *ptr;
        *ptr = '\0';
        char *w = tok;
        for (char *r = tok; *r != '\0'; r++) {
            if (r[0] == '~' && (r[1] == '0' || r[1] == '1')) {
                *w++ = r[1] == '0' ? '~' : '/';
                r++;
            } else {
                *w++ = *r;
            }
        }
        *w = '\0';
        if (json_is_object(node)) {
            node = json_object_get(node, tok);
        } else if (json_is_array(node)) {
            char *e;
            unsigned long i = strtoul(tok, &e, 10);
            node = (*tok != '\0' && *e == '\0') ? json_array_get(node, i) : NULL;
        } else {
            node = NULL;
        }
        *ptr = save;
    }
    return node;
}

/* The document named uri: indexed already, the meta-schema, or resolved. */
static const json_t *find_document(cstate_t *st, const char *uri)
{
    const json_t *doc = id_find(st, uri);
    if (doc != NULL)
        return doc;
    json_t *loaded = NULL;
    if (strcmp(uri, JSONSCHEMA_DRAFT4_URI) == 0)
        loaded = json_loads(jsonschema_meta_text, 0, NULL);
    else if (st->resolve != NULL)
        loaded = st->resolve(st->arg, uri);
    if (loaded == NULL)
        return NULL;
    int rc = index_document(st, loaded, uri);
    json_decref(loaded); /* st->docs holds it */
    return rc == 0 ? loaded : NULL;
}

/* The node ref names; *doc_base gets (malloc'd) the URI of the document it
 * is in, the base for targets outside any indexed schema position. */
static const json_t *resolve_ref(cstate_t *st, const char *base, const char *ref, char **doc_base)
{
    char *full = jsonschema_uri_resolve(base, ref);
    if (full == NULL) {
        fail(st, "out of memory");
        return NULL;
    }
    const json_t *target = id_find(st, full);
    if (target != NULL) {
        *doc_base = full;
        return target;
    }
    char *hash = strchr(full, '#');
    char *frag = hash != NULL ? hash + 1 : NULL;
    if (hash != NULL)
        *hash = '\0';
    *doc_base = full;
    const json_t *doc = find_document(st, full);
    if (doc != NULL && frag != NULL && *frag != '\0') {
        percent_decode(frag);
        target = frag[0] == '/' ? pointer_walk(doc, frag) : NULL;
    } else {
        target = doc;
    }
    if (target == NULL)
        fail(st, "unresolvable reference: %s", ref);
    return target;
}

/* ---- compiling ------------------------------------------------------------ */

static jsonschema_t *compile_node(cstate_t *st, const json_t *node, const char *base, int depth);

static const char *get_base(cstate_t *st, const json_t *node, const char *fallback)
{
    slot_t *sl = slot_find(st, node, 0);
    return sl != NULL && sl->base != NULL ? sl->base : fallback;
}

static int num_of(const json_t *v, js_num_t *n)
{
    if (json_is_integer(v)) {
        n->is_int = 1;
        n->i = json_integer_value(v);
        n->d = (double)n->i;
        return 0;
    }
    if (json_is_real(v)) {
        n->is_int = 0;
        n->d = json_real_value(v);
        return 0;
    }
    return -1;
}

static int const_of(cstate_t *st, const json_t *v, js_const_t *c, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(st, "enum value nested too deeply");
    size_t i;
    const char *k;
    json_t *e;
    switch (json_typeof(v)) {
    case JSON_NULL:
        c->type = JS_NULL;
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        c->type = JS_BOOLEAN;
        c->num.i = json_is_true(v);
        return 0;
    case JSON_INTEGER:
    case JSON_REAL:
        c->type = json_is_integer(v) ? JS_INTEGER : JS_NUMBER;
        return num_of(v, &c->num);
    case JSON_STRING:
        c->type = JS_STRING;
        c->len = json_string_length(v);
        c->s = arena_memdup(st->a, json_string_value(v), c->len + 1);
        return c->s != NULL ? 0 : fail(st, "out of memory");
    case JSON_ARRAY:
        c->type = JS_ARRAY;
        c->len = json_array_size(v);
        c->items = arena_alloc(st->a, (c->len + 1) * sizeof(*c->items));
        if (c->items == NULL)
            return fail(st, "out of memory");
        json_array_foreach(v, i, e) if (const_of(st, e, &c->items[i], depth + 1) != 0) return -1;
        return 0;
    case JSON_OBJECT:
        c->type = JS_OBJECT;
        c->len = json_object_size(v);
        c->items = arena_alloc(st->a, (c->len + 1) * sizeof(*c->items));
        c->keys = arena_alloc(st->a, (c->len + 1) * sizeof(*c->keys));
        c->key_lens = arena_alloc(st->a, (c->len + 1) * sizeof(*c->key_lens));
        if (c->items == NULL || c->keys == NULL || c->key_lens == NULL)
            return fail(st, "out of memory");
        i = 0;
        json_object_foreach((json_t *)v, k, e)
        {
            c->key_lens[i] = strlen(k);
            c->keys[i] = arena_strdup(st->a, k);
            if (c->keys[i] == NULL || const_of(st, e, &c->items[i], depth + 1) != 0)
                return fail(st, "out of memory");
            i++;
        }
        return 0;
    }
    return fail(st, "unknown JSON type");
}

static pcre2_code *compile_re(cstate_t *st, const char *re)
{
    int code;
    PCRE2_SIZE off;
    pcre2_compile_context *cc = pcre2_compile_context_create(st->gctx);
    if (cc == NULL) {
        fail(st, "out of memory");
        return NULL;
    }
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                      PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY, &code, &off, cc);
    pcre2_compile_context_free(cc);
    if (c == NULL) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof(msg));
        fail(st, "invalid regular expression \"%s\": %s at offset %zu", re, (const char *)msg,
             (size_t)off);
    }
    return c;
}

static int length_kw(cstate_t *st, const json_t *node, const char *key, long long *out)
{
    const json_t *v = json_object_get(node, key);
    *out = -1;
    if (v == NULL)
        return 0;
    if (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v) &&
        json_real_value(v) >= 0) {
        *out = (long long)json_real_value(v);
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(st, "\"%s\" must be a non-negative integer", key);
    *out = json_integer_value(v);
    return 0;
}

static const jsonschema_t *sub(cstate_t *st, const json_t *v, const char *base, int depth,
                               const char *key)
{
    if (!json_is_object(v)) {
        fail(st, "\"%s\" must hold a schema (an object)", key);
        return NULL;
    }
    return compile_node(st, v, base, depth + 1);
}

static int compile_list(cstate_t *st, const json_t *v, const char *base, int depth, const char *key,
                        js_list_t *out)
{
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(st, "\"%s\" must be a non-empty array of schemas", key);
    out->n = json_array_size(v);
    out->v = arena_alloc(st->a, out->n * sizeof(*out->v));
    if (out->v == NULL)
        return fail(st, "out of memory");
    for (size_t i = 0; i < out->n; i++)
        if ((out->v[i] = sub(st, json_array_get(v, i), base, depth, key)) == NULL)
            return -1;
    return 0;
}

static const char **string_array(cstate_t *st, const json_t *v, const char *key, size_t *n)
{
    if (!json_is_array(v)) {
        fail(st, "\"%s\" must be an array of strings", key);
        return NULL;
    }
    *n = json_array_size(v);
    const char **out = arena_alloc(st->a, (*n + 1) * sizeof(*out));
    for (size_t i = 0; out != NULL && i < *n; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) {
            fail(st, "\"%s\" must be an array of strings", key);
            return NULL;
        }
        if ((out[i] = arena_strdup(st->a, json_string_value(e))) == NULL)
            out = NULL;
    }
    if (out == NULL)
        fail(st, "out of memory");
    return out;
}

static int type_bit(const char *name)
{
    static const char *const names[] = {"array",  "boolean", "integer", "null",
                                        "number", "object",  "string"};
    for (int i = 0; i < 7; i++)
        if (strcmp(name, names[i]) == 0)
            return 1 << i;
    return 0;
}

static int compile_type(cstate_t *st, jsonschema_t *s, const json_t *v)
{
    if (json_is_string(v)) {
        s->types = type_bit(json_string_value(v));
        return s->types != 0 ? 0 : fail(st, "unknown type \"%s\"", json_string_value(v));
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(st, "\"type\" must be a type name or an array of them");
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        int bit = json_is_string(e) ? type_bit(json_string_value(e)) : 0;
        if (bit == 0)
            return fail(st, "unknown type in \"type\"");
        s->types |= bit;
    }
    return 0;
}

static int compile_numbers(cstate_t *st, jsonschema_t *s, const json_t *node)
{
    const json_t *v;
    if ((v = json_object_get(node, "minimum")) != NULL) {
        if (num_of(v, &s->minimum) != 0)
            return fail(st, "\"minimum\" must be a number");
        s->flags |= JS_HAS_MIN;
        if (json_is_true(json_object_get(node, "exclusiveMinimum")))
            s->flags |= JS_EXCL_MIN;
    }
    if ((v = json_object_get(node, "maximum")) != NULL) {
        if (num_of(v, &s->maximum) != 0)
            return fail(st, "\"maximum\" must be a number");
        s->flags |= JS_HAS_MAX;
        if (json_is_true(json_object_get(node, "exclusiveMaximum")))
            s->flags |= JS_EXCL_MAX;
    }
    if ((v = json_object_get(node, "multipleOf")) != NULL) {
        if (num_of(v, &s->multiple_of) != 0 || s->multiple_of.d <= 0)
            return fail(st, "\"multipleOf\" must be a number above 0");
        s->flags |= JS_HAS_MULT;
    }
    return 0;
}

static int compile_strings(cstate_t *st, jsonschema_t *s, const json_t *node)
{
    if (length_kw(st, node, "minLength", &s->min_length) != 0 ||
        length_kw(st, node, "maxLength", &s->max_length) != 0)
        return -1;
    const json_t *v = json_object_get(node, "pattern");
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return fail(st, "\"pattern\" must be a string");
    s->pattern_src = arena_strdup(st->a, json_string_value(v));
    s->pattern = compile_re(st, json_string_value(v));
    return s->pattern != NULL && s->pattern_src != NULL ? 0 : fail(st, "out of memory");
}

static int compile_arrays(cstate_t *st, jsonschema_t *s, const json_t *node, const char *base,
                          int depth)
{
    if (length_kw(st, node, "minItems", &s->min_items) != 0 ||
        length_kw(st, node, "maxItems", &s->max_items) != 0)
        return -1;
    if (json_is_true(json_object_get(node, "uniqueItems")))
        s->flags |= JS_UNIQUE;
    const json_t *v = json_object_get(node, "items");
    if (json_is_array(v)) {
        s->flags |= JS_ITEMS_LIST;
        s->items_list.n = json_array_size(v);
        s->items_list.v = arena_alloc(st->a, (s->items_list.n + 1) * sizeof(*s->items_list.v));
        if (s->items_list.v == NULL)
            return fail(st, "out of memory");
        for (size_t i = 0; i < s->items_list.n; i++)
            if ((s->items_list.v[i] = sub(st, json_array_get(v, i), base, depth, "items")) == NULL)
                return -1;
    } else if (v != NULL && (s->items = sub(st, v, base, depth, "items")) == NULL) {
        return -1;
    }
    v = json_object_get(node, "additionalItems");
    if (json_is_false(v))
        s->flags |= JS_NO_ADDL_ITEMS;
    else if (v != NULL && !json_is_true(v) &&
             (s->addl_items = sub(st, v, base, depth, "additionalItems")) == NULL)
        return -1;
    return 0;
}

static int prop_cmp(const void *a, const void *b)
{
    const js_prop_t *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static int compile_props(cstate_t *st, jsonschema_t *s, const json_t *v, const char *base,
                         int depth)
{
    if (!json_is_object(v))
        return fail(st, "\"properties\" must be an object");
    js_prop_t *p = arena_alloc(st->a, (json_object_size(v) + 1) * sizeof(*p));
    if (p == NULL)
        return fail(st, "out of memory");
    const char *k;
    json_t *e;
    size_t n = 0;
    json_object_foreach((json_t *)v, k, e)
    {
        p[n].len = strlen(k);
        p[n].name = arena_strdup(st->a, k);
        if (p[n].name == NULL || (p[n].schema = sub(st, e, base, depth, "properties")) == NULL)
            return fail(st, "out of memory");
        n++;
    }
    qsort(p, n, sizeof(*p), prop_cmp);
    s->props = p;
    s->n_props = n;
    return 0;
}

static int compile_pprops(cstate_t *st, jsonschema_t *s, const json_t *v, const char *base,
                          int depth)
{
    if (!json_is_object(v))
        return fail(st, "\"patternProperties\" must be an object");
    js_pprop_t *p = arena_alloc(st->a, (json_object_size(v) + 1) * sizeof(*p));
    if (p == NULL)
        return fail(st, "out of memory");
    const char *k;
    json_t *e;
    size_t n = 0;
    json_object_foreach((json_t *)v, k, e)
    {
        if ((p[n].re = compile_re(st, k)) == NULL ||
            (p[n].schema = sub(st, e, base, depth, "patternProperties")) == NULL)
            return -1;
        n++;
    }
    s->pprops = p;
    s->n_pprops = n;
    return 0;
}

static int compile_deps(cstate_t *st, jsonschema_t *s, const json_t *v, const char *base, int depth)
{
    if (!json_is_object(v))
        return fail(st, "\"dependencies\" must be an object");
    js_dep_t *d = arena_alloc(st->a, (json_object_size(v) + 1) * sizeof(*d));
    if (d == NULL)
        return fail(st, "out of memory");
    const char *k;
    json_t *e;
    size_t n = 0;
    json_object_foreach((json_t *)v, k, e)
    {
        if ((d[n].name = arena_strdup(st->a, k)) == NULL)
            return fail(st, "out of memory");
        if (json_is_array(e))
            d[n].names = string_array(st, e, "dependencies", &d[n].n);
        else
            d[n].schema = sub(st, e, base, depth, "dependencies");
        if (d[n].names == NULL && d[n].schema == NULL)
            return -1;
        n++;
    }
    s->deps = d;
    s->n_deps = n;
    return 0;
}

static int compile_objects(cstate_t *st, jsonschema_t *s, const json_t *node, const char *base,
                           int depth)
{
    if (length_kw(st, node, "minProperties", &s->min_props) != 0 ||
        length_kw(st, node, "maxProperties", &s->max_props) != 0)
        return -1;
    const json_t *v;
    if ((v = json_object_get(node, "required")) != NULL &&
        (s->required = string_array(st, v, "required", &s->n_required)) == NULL)
        return -1;
    if ((v = json_object_get(node, "properties")) != NULL &&
        compile_props(st, s, v, base, depth) != 0)
        return -1;
    if ((v = json_object_get(node, "patternProperties")) != NULL &&
        compile_pprops(st, s, v, base, depth) != 0)
        return -1;
    if ((v = json_object_get(node, "dependencies")) != NULL &&
        compile_deps(st, s, v, base, depth) != 0)
        return -1;
    v = json_object_get(node, "additionalProperties");
    if (json_is_false(v))
        s->flags |= JS_NO_ADDL_PROPS;
    else if (v != NULL && !json_is_true(v) &&
             (s->addl_props = sub(st, v, base, depth, "additionalProperties")) == NULL)
        return -1;
    return 0;
}

static int compile_logic(cstate_t *st, jsonschema_t *s, const json_t *node, const char *base,
                         int depth)
{
    const json_t *v;
    if ((v = json_object_get(node, "allOf")) != NULL &&
        compile_list(st, v, base, depth, "allOf", &s->all_of) != 0)
        return -1;
    if ((v = json_object_get(node, "anyOf")) != NULL &&
        compile_list(st, v, base, depth, "anyOf", &s->any_of) != 0)
        return -1;
    if ((v = json_object_get(node, "oneOf")) != NULL &&
        compile_list(st, v, base, depth, "oneOf", &s->one_of) != 0)
        return -1;
    if ((v = json_object_get(node, "not")) != NULL &&
        (s->not_schema = sub(st, v, base, depth, "not")) == NULL)
        return -1;
    if ((v = json_object_get(node, "enum")) != NULL) {
        if (!json_is_array(v) || json_array_size(v) == 0)
            return fail(st, "\"enum\" must be a non-empty array");
        s->n_enums = json_array_size(v);
        js_const_t *c = arena_alloc(st->a, s->n_enums * sizeof(*c));
        if (c == NULL)
            return fail(st, "out of memory");
        for (size_t i = 0; i < s->n_enums; i++)
            if (const_of(st, json_array_get(v, i), &c[i], 0) != 0)
                return -1;
        s->enums = c;
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        s->enum_text = text != NULL ? arena_strdup(st->a, text) : NULL;
        free(text);
        if (s->enum_text == NULL)
            return fail(st, "out of memory");
    }
    return 0;
}

static jsonschema_t *compile_node(cstate_t *st, const json_t *node, const char *base, int depth)
{
    if (depth > MAX_DEPTH) {
        fail(st, "schema nested deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    slot_t *sl = slot_find(st, node, 1);
    if (sl == NULL) {
        fail(st, "out of memory");
        return NULL;
    }
    if (sl->node != NULL)
        return sl->node;
    jsonschema_t *s = arena_alloc(st->a, sizeof(*s));
    if (s == NULL ||
        grow((void **)&st->nodes, &st->cap_nodes, st->nnodes, sizeof(*st->nodes)) != 0) {
        fail(st, "out of memory");
        return NULL;
    }
    st->nodes[st->nnodes++] = s;
    sl->node = s;
    base = get_base(st, node, base);
    const json_t *ref = json_object_get(node, "$ref");
    if (json_is_string(ref)) {
        char *doc_base = NULL;
        const json_t *target = resolve_ref(st, base, json_string_value(ref), &doc_base);
        if (target != NULL)
            s->ref = sub(st, target, get_base(st, target, doc_base), depth, "$ref");
        free(doc_base);
        return s->ref != NULL ? s : NULL;
    }
    const json_t *v = json_object_get(node, "type");
    if (v != NULL && compile_type(st, s, v) != 0)
        return NULL;
    if (compile_numbers(st, s, node) != 0 || compile_strings(st, s, node) != 0 ||
        compile_arrays(st, s, node, base, depth) != 0 ||
        compile_objects(st, s, node, base, depth) != 0 ||
        compile_logic(st, s, node, base, depth) != 0)
        return NULL;
    return s;
}

/* "In place" edges apply a schema to the same instance value: $ref, allOf,
 * anyOf, oneOf, not and schema dependencies. A cycle of them never consumes
 * any of the instance (validation would not end), and a node whose in-place
 * edges fan out to too many evaluations makes every value cost that much
 * (a chain of anyOf over the same definitions doubles at each step): both
 * are refused. weight = evaluations one instance value costs at the node. */
#define MAX_WEIGHT 4096

static int inplace_visit(cstate_t *st, jsonschema_t *s, int depth);

static int inplace_edge(cstate_t *st, const jsonschema_t *child, unsigned *sum, int depth)
{
    jsonschema_t *c = (jsonschema_t *)child;
    if (inplace_visit(st, c, depth + 1) != 0)
        return -1;
    *sum += c->weight;
    return *sum > MAX_WEIGHT ? fail(st,
                                    "schema too complex: one value would be checked by more "
                                    "than %d subschemas",
                                    MAX_WEIGHT)
                             : 0;
}

static int inplace_visit(cstate_t *st, jsonschema_t *s, int depth)
{
    if (s->color == 2)
        return 0;
    if (s->color == 1)
        return fail(st, "a schema refers to itself without consuming the instance (a $ref loop "
                        "through $ref, allOf, anyOf, oneOf, not or dependencies)");
    if (depth > 4 * MAX_DEPTH)
        return fail(st, "schema nested deeper than %d levels", 4 * MAX_DEPTH);
    s->color = 1;
    unsigned sum = s->ref != NULL ? 0 : 1;
    const js_list_t *lists[] = {&s->all_of, &s->any_of, &s->one_of};
    int rc = s->ref != NULL ? inplace_edge(st, s->ref, &sum, depth) : 0;
    for (size_t l = 0; rc == 0 && s->ref == NULL && l < 3; l++)
        for (size_t i = 0; rc == 0 && i < lists[l]->n; i++)
            rc = inplace_edge(st, lists[l]->v[i], &sum, depth);
    if (rc == 0 && s->ref == NULL && s->not_schema != NULL)
        rc = inplace_edge(st, s->not_schema, &sum, depth);
    for (size_t i = 0; rc == 0 && s->ref == NULL && i < s->n_deps; i++)
        if (s->deps[i].schema != NULL)
            rc = inplace_edge(st, s->deps[i].schema, &sum, depth);
    s->weight = sum;
    s->color = 2;
    return rc;
}

static int check_inplace(cstate_t *st)
{
    for (size_t i = 0; i < st->nnodes; i++)
        if (inplace_visit(st, st->nodes[i], 0) != 0)
            return -1;
    return 0;
}

static void *gctx_alloc(PCRE2_SIZE size, void *arena)
{
    return arena_alloc(arena, size);
}

static void gctx_free(void *p, void *arena)
{
    (void)p; /* the arena frees everything at once */
}

static void cstate_dispose(cstate_t *st)
{
    for (size_t i = 0; i < st->nslots; i++)
        free(st->slots[i].base);
    free(st->slots);
    for (size_t i = 0; i < st->nids; i++)
        free(st->ids[i].uri);
    free(st->ids);
    for (size_t i = 0; i < st->ndocs; i++)
        json_decref(st->docs[i]);
    free(st->docs);
    free(st->nodes);
    pcre2_general_context_free(st->gctx);
}

int jsonschema_compile(arena_t *a, json_t *schema, const char *uri, jsonschema_resolve_fn resolve,
                       void *arg, const jsonschema_t **out, char *err, size_t err_len)
{
    cstate_t st = {.a = a, .resolve = resolve, .arg = arg, .err = err, .err_len = err_len};
    char *base = jsonschema_uri_resolve("", uri != NULL ? uri : "");
    st.gctx = pcre2_general_context_create(gctx_alloc, gctx_free, a);
    int rc = -1;
    if (base == NULL || st.gctx == NULL) {
        fail(&st, "out of memory");
        goto out;
    }
    if (!json_is_object(schema)) {
        fail(&st, "a schema must be a JSON object");
        goto out;
    }
    if (index_document(&st, schema, base) != 0)
        goto out;
    const jsonschema_t *root = compile_node(&st, schema, base, 0);
    if (root == NULL || check_inplace(&st) != 0)
        goto out;
    *out = root;
    rc = 0;
out:
    free(base);
    cstate_dispose(&st);
    return rc;
}

int jsonschema_check(json_t *schema, const char *uri, jsonschema_resolve_fn resolve, void *arg,
                     char *err, size_t err_len)
{
    arena_t *a = arena_create(16384);
    json_t *meta = json_loads(jsonschema_meta_text, 0, NULL);
    const jsonschema_t *ms, *s;
    char why[512];
    int rc = -1;
    if (a == NULL || meta == NULL) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    if (jsonschema_compile(a, meta, JSONSCHEMA_DRAFT4_URI, NULL, NULL, &ms, err, err_len) != 0)
        goto out;
    if (jsonschema_validate(ms, schema, why, sizeof(why)) != 0) {
        snprintf(err, err_len, "not a draft-4 schema: %s", why);
        goto out;
    }
    rc = jsonschema_compile(a, schema, uri, resolve, arg, &s, err, err_len);
out:
    json_decref(meta);
    arena_destroy(a);
    return rc;
}
