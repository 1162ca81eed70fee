/* query: walking a raw query string ("a=1&b&c=%20") pair by pair, without
 * copying or decoding: names and values point into the string as the client
 * encoded them. An empty piece between two '&' is a pair with an empty name;
 * the walk stops at the end of the string. */
#ifndef PORTICO_QUERY_H
#define PORTICO_QUERY_H

#include <stddef.h>
#include <string.h>

typedef struct {
    const char *p, *end; /* p NULL once done */
} query_iter_t;

typedef struct {
    const char *name;
    size_t name_len;
    const char *value; /* after '=', or the end of the pair when it has none */
    size_t value_len;
    int has_value; /* the pair has a '=' */
} query_pair_t;

static inline void query_iter_init(query_iter_t *it, const char *query, size_t len)
{
    it->p = query;
    it->end = query != NULL ? query + len : NULL; /* no query: {NULL, 0} */
}

/* The next pair into *out: 1, or 0 at the end. */
static inline int query_next(query_iter_t *it, query_pair_t *out)
{
    const char *p = it->p, *end = it->end;
    if (p == NULL || p >= end)
        return 0;
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp != NULL ? amp : end;
    const char *eq = memchr(p, '=', (size_t)(stop - p));
    const char *kend = eq != NULL ? eq : stop;
    const char *v = eq != NULL ? eq + 1 : stop;
    *out = (query_pair_t){p, (size_t)(kend - p), v, (size_t)(stop - v), eq != NULL};
    it->p = amp != NULL ? amp + 1 : NULL;
    return 1;
}

#endif
