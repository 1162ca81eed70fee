/* jsonschema_uri: splits both URIs into their five parts, merges them as
 * RFC 3986 section 5.2.2 says and removes dot segments (5.2.4). */
#include "jsonschema_uri.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    size_t n;
    int def;
} part_t;

typedef struct {
    part_t scheme, auth, path, query, frag;
} uri_t;

static void split(const char *s, uri_t *u)
{
    memset(u, 0, sizeof(*u));
    const char *c = s;
    if (isalpha((unsigned char)*c)) {
        while (isalnum((unsigned char)*c) || *c == '+' || *c == '-' || *c == '.')
            c++;
        if (*c == ':') {
            u->scheme = (part_t){s, (size_t)(c - s), 1};
            s = c + 1;
        }
    }
    if (s[0] == '/' && s[1] == '/') {
        size_t n = strcspn(s + 2, "/?#");
        u->auth = (part_t){s + 2, n, 1};
        s += 2 + n;
    }
    size_t n = strcspn(s, "?#");
    u->path = (part_t){s, n, 1};
    s += n;
    if (*s == '?') {
        n = strcspn(s + 1, "#");
        u->query = (part_t){s + 1, n, 1};
        s += 1 + n;
    }
    if (*s == '#')
        u->frag = (part_t){s + 1, strlen(s + 1), 1};
}

/* Removes "." and ".." segments from the n bytes at p into out; returns the
 * new length. */
static size_t remove_dots(const char *p, size_t n, char *out)
{
    size_t w = 0;
    size_t i = 0;
    while (i < n) {
        const char *s = p + i;
        size_t left = n - i;
        if (left >= 3 && memcmp(s, "../", 3) == 0) {
            i += 3;
        } else if (left >= 2 && memcmp(s, "./", 2) == 0) {
            i += 2;
        } else if ((left >= 3 && memcmp(s, "/./", 3) == 0)) {
            i += 2;
        } else if (left == 2 && memcmp(s, "/.", 2) == 0) {
            out[w++] = '/';
            i += 2;
        } else if ((left >= 4 && memcmp(s, "/../", 4) == 0) ||
                   (left == 3 && memcmp(s, "/..", 3) == 0)) {
            while (w > 0 && out[w - 1] != '/')
                w--;
            if (w > 0)
                w--;
            if (left == 3) {
                out[w++] = '/';
                i += 3;
            } else {
                i += 3;
            }
        } else if ((left == 1 && s[0] == '.') || (left == 2 && memcmp(s, "..", 2) == 0)) {
            i = n;
        } else {
            size_t seg = 1;
            while (seg < left && s[seg] != '/')
                seg++;
            if (s[0] != '/') {
                seg = 0;
                while (seg < left && s[seg] != '/')
                    seg++;
            }
            memcpy(out + w, s, seg);
            w += seg;
            i += seg;
        }
    }
    return w;
}

static char *put(char *w, const char *pre, const part_t *p)
{
    if (!p->def)
        return w;
    size_t n = strlen(pre);
    memcpy(w, pre, n);
    memcpy(w + n, p->p, p->n);
    return w + n + p->n;
}

char *jsonschema_uri_resolve(const char *base, const char *ref)
{
    uri_t b, r, t;
    part_t m;
    split(base, &b);
    split(ref, &r);
    char *merged = malloc(strlen(base) + strlen(ref) + 2);
    char *path = malloc(strlen(base) + strlen(ref) + 2);
    char *out = malloc(strlen(base) + strlen(ref) + 8);
    if (merged == NULL || path == NULL || out == NULL)
        goto fail;
    memset(&t, 0, sizeof(t));
    const part_t *src = &r.path;
    if (r.scheme.def) {
        t = r;
    } else {
        t.scheme = b.scheme;
        if (r.auth.def) {
            t.auth = r.auth;
            t.query = r.query;
        } else {
            t.auth = b.auth;
            if (r.path.n == 0) {
                src = &b.path;
                t.query = r.query.def ? r.query : b.query;
            } else {
                t.query = r.query;
                if (r.path.p[0] != '/') {
                    size_t n = 0;
                    if (b.auth.def && b.path.n == 0) {
                        merged[n++] = '/';
                    } else {
                        const char *slash = NULL;
                        for (size_t i = 0; i < b.path.n; i++)
                            if (b.path.p[i] == '/')
                                slash = b.path.p + i;
                        if (slash != NULL) {
                            memcpy(merged, b.path.p, (size_t)(slash - b.path.p) + 1);
                            n = (size_t)(slash - b.path.p) + 1;
                        }
                    }
                    memcpy(merged + n, r.path.p, r.path.n);
                    m = (part_t){merged, n + r.path.n, 1};
                    src = &m;
                }
            }
        }
    }
    t.frag = r.frag;
    t.path = (part_t){path, remove_dots(src->p, src->n, path), 1};
    char *w = out;
    w = put(w, "", &t.scheme);
    if (t.scheme.def)
        *w++ = ':';
    w = put(w, "//", &t.auth);
    w = put(w, "", &t.path);
    w = put(w, "?", &t.query);
    if (t.frag.def && t.frag.n > 0)
        w = put(w, "#", &t.frag);
    *w = '\0';
    free(merged);
    free(path);
    return out;
fail:
    free(merged);
    free(path);
    free(out);
    return NULL;
}
