/* router: children are linked lists while building and sorted arrays after
 * router_seal(), so lookups at each level are a binary search. */
#include "router.h"

#include <stdlib.h>
#include <string.h>

#include "pathtmpl.h"

struct router_method {
    const char *verb;
    void *value;
    struct router_method *next;
};

struct router_node {
    const char *seg; /* literal text, or the variable name for param/greedy */
    size_t seg_len;
    enum pathtmpl_kind kind;
    struct router_node *lit_list;     /* literal children while building */
    struct router_node *next_sibling; /* link in the parent's lit_list */
    struct router_node **literals;    /* literal children after sealing, sorted */
    size_t nliterals;
    struct router_node *param;
    struct router_node *greedy;
    struct router_method *methods;
};

struct router {
    arena_t *arena;
    struct router_node root;
};

router_t *router_create(arena_t *a)
{
    router_t *r = arena_alloc(a, sizeof(*r));
    if (r != NULL)
        r->arena = a;
    return r;
}

static struct router_node *router_child(router_t *r, struct router_node *n, const char *part,
                                        size_t len)
{
    const char *name = part;
    size_t name_len = len;
    enum pathtmpl_kind kind = pathtmpl_classify(part, len, &name, &name_len);
    if (kind == PATHTMPL_INVALID)
        return NULL;
    struct router_node **slot = kind == PATHTMPL_PARAM    ? &n->param
                                : kind == PATHTMPL_GREEDY ? &n->greedy
                                                          : NULL;
    if (slot != NULL && *slot != NULL) {
        /* one variable child per node; a different name is a conflicting definition */
        if ((*slot)->seg_len != name_len || memcmp((*slot)->seg, name, name_len) != 0)
            return NULL;
        return *slot;
    }
    if (kind == PATHTMPL_LITERAL) {
        for (struct router_node *c = n->lit_list; c != NULL; c = c->next_sibling)
            if (c->seg_len == len && memcmp(c->seg, part, len) == 0)
                return c;
    }
    struct router_node *c = arena_alloc(r->arena, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->kind = kind;
    c->seg = arena_strndup(r->arena, name, name_len);
    c->seg_len = name_len;
    if (slot != NULL) {
        *slot = c;
    } else {
        c->next_sibling = n->lit_list;
        n->lit_list = c;
        n->nliterals++;
    }
    return c;
}

int router_add(router_t *r, const char *path, const char *verb, void *value)
{
    if (path[0] != '/')
        return -1;
    struct router_node *n = &r->root;
    const char *p = path;
    int nvars = 0;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *end = strchr(p, '/');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n->kind == PATHTMPL_GREEDY)
            return -1; /* a greedy variable must be last */
        n = router_child(r, n, p, len);
        /* a route with more variables than a match can hold could never match */
        if (n == NULL || (n->kind != PATHTMPL_LITERAL && ++nvars > ROUTER_MAX_PARAMS))
            return -1;
        p += len;
    }
    for (struct router_method *m = n->methods; m != NULL; m = m->next)
        if (strcmp(m->verb, verb) == 0)
            return -1;
    struct router_method *m = arena_alloc(r->arena, sizeof(*m));
    if (m == NULL)
        return -1;
    m->verb = arena_strdup(r->arena, verb);
    m->value = value;
    m->next = n->methods;
    n->methods = m;
    return 0;
}

static int router_cmp(const void *a, const void *b)
{
    const struct router_node *x = *(struct router_node *const *)a,
                             *y = *(struct router_node *const *)b;
    size_t n = x->seg_len < y->seg_len ? x->seg_len : y->seg_len;
    int c = memcmp(x->seg, y->seg, n);
    if (c != 0)
        return c;
    return (x->seg_len > y->seg_len) - (x->seg_len < y->seg_len);
}

static void router_seal_node(arena_t *a, struct router_node *n)
{
    struct router_node **arr = NULL;
    if (n->nliterals > 0) {
        arr = arena_alloc(a, sizeof(*arr) * n->nliterals);
        size_t i = 0;
        for (struct router_node *c = n->lit_list; c != NULL; c = c->next_sibling)
            arr[i++] = c;
        qsort(arr, n->nliterals, sizeof(*arr), router_cmp);
    }
    n->literals = arr;
    for (size_t i = 0; i < n->nliterals; i++)
        router_seal_node(a, arr[i]);
    if (n->param != NULL)
        router_seal_node(a, n->param);
    if (n->greedy != NULL)
        router_seal_node(a, n->greedy);
}

void router_seal(router_t *r)
{
    router_seal_node(r->arena, &r->root);
}

/* ---- matching ----------------------------------------------------------- */

typedef struct {
    const char *base;
    size_t len;
} router_seg_t;

struct router_query {
    const char *verb;
    size_t verb_len;
    const router_seg_t *segs;
    int nsegs;
    const char *path_end;
    router_match_t *m;
};

static void *router_methods_find(const struct router_node *n, const char *verb, size_t verb_len)
{
    void *any = NULL;
    for (const struct router_method *m = n->methods; m != NULL; m = m->next) {
        if (strlen(m->verb) == verb_len && memcmp(m->verb, verb, verb_len) == 0)
            return m->value;
        if (strcmp(m->verb, "ANY") == 0)
            any = m->value;
    }
    return any;
}

static const struct router_node *router_find_literal(const struct router_node *n,
                                                     const router_seg_t *seg)
{
    size_t lo = 0, hi = n->nliterals;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct router_node *c = n->literals[mid];
        size_t k = c->seg_len < seg->len ? c->seg_len : seg->len;
        int cmp = memcmp(c->seg, seg->base, k);
        if (cmp == 0)
            cmp = (c->seg_len > seg->len) - (c->seg_len < seg->len);
        if (cmp == 0)
            return c;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int router_push(router_match_t *m, const struct router_node *n, const char *v, size_t len)
{
    if (m->nparams == ROUTER_MAX_PARAMS)
        return -1;
    m->params[m->nparams++] = (router_param_t){n->seg, n->seg_len, v, len};
    return 0;
}

static int router_walk(const struct router_query *q, const struct router_node *n, int i)
{
    if (i == q->nsegs) {
        q->m->value = router_methods_find(n, q->verb, q->verb_len);
        return q->m->value != NULL ? 0 : -1;
    }
    const router_seg_t *seg = &q->segs[i];
    const struct router_node *lit = router_find_literal(n, seg);
    if (lit != NULL && router_walk(q, lit, i + 1) == 0)
        return 0;
    int saved = q->m->nparams;
    if (n->param != NULL && router_push(q->m, n->param, seg->base, seg->len) == 0) {
        if (router_walk(q, n->param, i + 1) == 0)
            return 0;
        q->m->nparams = saved;
    }
    if (n->greedy != NULL) {
        void *v = router_methods_find(n->greedy, q->verb, q->verb_len);
        if (v != NULL &&
            router_push(q->m, n->greedy, seg->base, (size_t)(q->path_end - seg->base)) == 0) {
            q->m->value = v;
            return 0;
        }
    }
    return -1;
}

int router_match(const router_t *r, const char *verb, size_t verb_len, const char *path,
                 size_t path_len, router_match_t *m)
{
    router_seg_t segs[ROUTER_MAX_SEGMENTS];
    int nsegs = 0;
    size_t i = 0;
    while (i < path_len) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < path_len && path[i] != '/')
            i++;
        if (nsegs == ROUTER_MAX_SEGMENTS)
            return -1;
        segs[nsegs++] = (router_seg_t){path + start, i - start};
    }
    struct router_query q = {verb, verb_len, segs, nsegs, path + path_len, m};
    m->nparams = 0;
    m->value = NULL;
    return router_walk(&q, &r->root, 0);
}
